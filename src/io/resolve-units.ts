import { foldText } from '../../projections/text.js';
import type { Views } from '../runner/views.js';

export type Resolved = { ok: true; id: string } | { ok: false; message: string };

const PREFIX = /^(thanh pho|tinh|xa|phuong|dac khu|quan|huyen|thi xa|thi tran) /;

/** "TP. Hồ Chí Minh", "Tp Hồ Chí Minh" → the folded "thanh pho ho chi minh". */
const fold = (s: string) => foldText(s).replace(/^tp\.?\s*/, 'thanh pho ').replace(/\s+/g, ' ');

/**
 * Finds units the way a ministry's spreadsheet names them: by id ("01", "00004", "BCA"), by a code
 * that lost its leading zeros in Excel (1 → 01, 4 → 00004), or by name with or without its
 * diacritics and its "Thành phố/Tỉnh/Xã/Phường/Đặc khu" prefix. A name several units share is
 * refused with their ids, never guessed.
 */
export class UnitResolver {
  private byName: Map<string, string[]> | undefined;

  constructor(private readonly views: Views) {}

  private index(): Map<string, string[]> {
    if (this.byName) return this.byName;
    const map = new Map<string, string[]>();
    const add = (key: string, id: string) => {
      const ids = map.get(key) ?? [];
      if (!ids.includes(id)) ids.push(id);
      map.set(key, ids);
    };
    for (const u of this.views.units.values()) {
      const full = fold(u.name);
      add(full, u.id);
      const bare = full.replace(PREFIX, '');
      if (bare !== full) add(`~${bare}`, u.id);
    }
    this.byName = map;
    return map;
  }

  resolve(text: string): Resolved {
    const t = text.trim();
    if (!t) return { ok: false, message: 'trống (cần mã hoặc tên đơn vị) / empty' };
    if (this.views.units.has(t)) return { ok: true, id: t };
    if (/^\d{1,4}$/.test(t)) {
      const candidates = [t.padStart(2, '0'), t.padStart(5, '0')]
        .filter((c, i, all) => all.indexOf(c) === i && this.views.units.has(c));
      if (candidates.length === 1) return { ok: true, id: candidates[0]! };
      if (candidates.length > 1) return { ok: false, message: `mã "${t}" không rõ: ${candidates.join(', ')} / ambiguous code` };
    }
    const index = this.index();
    const key = fold(t);
    const ids = index.get(key) ?? index.get(`~${key.replace(PREFIX, '')}`) ?? [];
    if (ids.length === 1) return { ok: true, id: ids[0]! };
    if (ids.length > 1) {
      const shown = ids.slice(0, 8).map((id) => `${id} (${this.views.units.get(id)?.name})`).join(', ');
      return { ok: false, message: `"${t}" trùng tên ${ids.length} đơn vị, hãy ghi mã: ${shown}${ids.length > 8 ? ', …' : ''} / ambiguous name` };
    }
    return { ok: false, message: `không có đơn vị "${t}" / unit not found` };
  }

  /**
   * A list of units separated by ";", new lines or ",". Names may hold commas themselves
   * ("Bộ Văn hóa, Thể thao và Du lịch"), so the longest run of comma-separated pieces that names
   * a unit wins.
   */
  resolveList(text: string): { ids: string[]; errors: string[] } {
    const ids: string[] = [];
    const errors: string[] = [];
    for (const part of text.split(/[;\n\r]+/)) {
      const pieces = part.split(',').map((p) => p.trim());
      for (let i = 0; i < pieces.length;) {
        if (!pieces[i]) {
          i++;
          continue;
        }
        let matched = false;
        for (let j = pieces.length; j > i; j--) {
          const r = this.resolve(pieces.slice(i, j).join(', '));
          if (r.ok) {
            ids.push(r.id);
            i = j;
            matched = true;
            break;
          }
        }
        if (!matched) {
          const r = this.resolve(pieces[i]!);
          errors.push(r.ok ? `"${pieces[i]}"` : r.message);
          i++;
        }
      }
    }
    return { ids, errors };
  }
}
