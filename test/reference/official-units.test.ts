import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app/app.js';
import type { CommandContext } from '../../src/app/run-command.js';
import { provinces as demoProvinces } from '../../src/demo/units.js';
import { loadOfficialUnits, type LoadProgress, type LoadResult } from '../../src/reference/load.js';
import { officialCommunes, officialProvinces } from '../../src/reference/units.js';
import { eventCount, tempApp } from '../support/temp-app.js';

const ctx: CommandContext = {
  actor: { id: 'test-admin', role: 'admin', unit: 'GOV' }, now: '2025-07-01T01:00:00.000Z', correlationId: 'units-load-test',
};

describe('the official units, loaded as events into a real SQLite store', () => {
  let env: Awaited<ReturnType<typeof tempApp>>;
  let app: App;
  let first: LoadResult;
  const progress: LoadProgress[] = [];

  beforeAll(async () => {
    env = await tempApp('tiendo-units-');
    app = env.app;
    first = await loadOfficialUnits(app, ctx, (p) => progress.push(p));
  }, 60_000);
  afterAll(async () => env?.dispose());

  const units = () => [...app.runner.views.units.values()];
  const ofKind = (kind: string) => units().filter((u) => u.kind === kind);

  it('registers GOV, the 17 ministries and agencies, 34 provinces and 3,321 communes, one event each', async () => {
    expect(first).toMatchObject({ total: 3372, registered: 3372, skipped: 0, differing: [] });
    expect(ofKind('GOVERNMENT').map((u) => u.id)).toEqual(['GOV']);
    expect(ofKind('MINISTRY')).toHaveLength(14);
    expect(ofKind('AGENCY').map((u) => u.id).sort()).toEqual(['NHNN', 'TTCP', 'VPCP']);
    expect(ofKind('PROVINCE')).toHaveLength(34);
    expect(ofKind('COMMUNE')).toHaveLength(3321);
    expect(await eventCount(app)).toBe(1 + 3372);
    expect(progress.at(-1)).toMatchObject({ done: 3372, total: 3372, registered: 3372 });
  });

  it('has the official codes, names and tree: Hà Nội 126 communes, Hồ Chí Minh 168, 00004 Phường Ba Đình', () => {
    const v = app.runner.views;
    expect(v.units.get('01')).toMatchObject({ name: 'Thành phố Hà Nội', kind: 'PROVINCE', parentId: 'GOV' });
    expect(v.units.get('79')).toMatchObject({ name: 'Thành phố Hồ Chí Minh', parentId: 'GOV' });
    expect(v.units.get('04')).toMatchObject({ name: 'Tỉnh Cao Bằng' });
    expect(v.units.get('00004')).toMatchObject({ name: 'Phường Ba Đình', kind: 'COMMUNE', parentId: '01' });
    expect(v.units.get('26734')).toBeUndefined(); // codes are exactly the package's: no invented ones
    expect(v.unitChildren.get('01')).toHaveLength(126);
    expect(v.unitChildren.get('79')).toHaveLength(168);
    const provinceIds = ofKind('PROVINCE').map((u) => u.id).sort();
    expect(provinceIds).toEqual(['01', '04', '08', '11', '12', '14', '15', '19', '20', '22', '24', '25', '31', '33', '37', '38', '40', '42',
      '44', '46', '48', '51', '52', '56', '66', '68', '75', '79', '80', '82', '86', '91', '92', '96']);
    // Six centrally-run cities are "Thành phố …", the 28 others "Tỉnh …" (the package omits that prefix).
    expect(ofKind('PROVINCE').filter((u) => u.name.startsWith('Thành phố ')).map((u) => u.id).sort()).toEqual(['01', '31', '46', '48', '79', '92']);
    expect(ofKind('PROVINCE').filter((u) => u.name.startsWith('Tỉnh '))).toHaveLength(28);
    for (const c of ofKind('COMMUNE')) {
      expect(c.id).toMatch(/^\d{5}$/);
      expect(provinceIds).toContain(c.parentId);
    }
  });

  it('counts 2,621 xã, 687 phường and 13 đặc khu, every name in NFC', () => {
    const communes = ofKind('COMMUNE');
    const count = (prefix: string) => communes.filter((c) => c.name.startsWith(prefix)).length;
    expect([count('Xã '), count('Phường '), count('Đặc khu ')]).toEqual([2621, 687, 13]);
    // The package stores 32 names decomposed (NFD); the loader normalises them.
    expect(units().filter((u) => u.name !== u.name.normalize('NFC'))).toEqual([]);
    expect(app.runner.views.units.get('26884')?.name).toBe('Phường Gò Vấp'.normalize('NFC'));
  });

  it('is idempotent: a second run writes nothing', async () => {
    const before = await eventCount(app);
    const again = await loadOfficialUnits(app, { ...ctx, now: '2025-07-02T01:00:00.000Z' });
    expect(again).toMatchObject({ registered: 0, skipped: 3372, differing: [] });
    expect(await eventCount(app)).toBe(before);
  });

  it('agrees with the demo and DESIGN province list', () => {
    expect(officialProvinces().map((p) => [p.code, p.name])).toEqual(demoProvinces);
    expect(officialCommunes()).toHaveLength(3321);
  });
});
