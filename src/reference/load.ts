import type { App } from '../app/app.js';
import type { CommandContext } from '../app/run-command.js';
import { TiendoError } from '../errors.js';
import { mapPool } from '../shared/pool.js';
import { officialUnits, type ReferenceUnit } from './units.js';

export interface LoadProgress { done: number; total: number; registered: number; skipped: number }

export interface LoadResult {
  /** Official units considered (ministries, agencies, provinces, communes; GOV not counted). */
  total: number;
  registered: number;
  /** Already there: nothing written for them. */
  skipped: number;
  /** Already there under another name or parent: left alone (a rename or merger is a decision, not a load). */
  differing: { id: string; existing: { name: string; parentId: string | null }; official: { name: string; parentId: string } }[];
  /** Store position of the last unit written (null when nothing was). */
  position: string | null;
}

const CONCURRENCY = 64;

/**
 * Registers the official units (./units.ts) through app.units.register, as events, skipping
 * every unit that already exists, so it can be run again at any time. GOV is registered first
 * when missing. The read model is awaited between parents and children, since registering a
 * child checks its parent there. `ctx.actor` must be an admin.
 */
export async function loadOfficialUnits(app: App, ctx: CommandContext, onProgress?: (p: LoadProgress) => void): Promise<LoadResult> {
  const levels = officialUnits();
  const total = levels.reduce((n, l) => n + l.length, 0);
  const result: LoadResult = { total, registered: 0, skipped: 0, differing: [], position: null };
  const views = () => app.runner.views;
  const later = (p: string) => (result.position === null || app.store.comparePositions(p, result.position) > 0 ? (result.position = p) : p);
  const report = () => onProgress?.({ done: result.registered + result.skipped, total, registered: result.registered, skipped: result.skipped });

  /** Registers one unit; true when it was written now, false when it was there already. */
  const register = async (input: { id: string; kind: string; name: string; parentId?: string }): Promise<boolean> => {
    try {
      const written = await app.units.register(input, ctx);
      later(written.position);
      return !written.replayed;
    } catch (error) {
      // Written meanwhile by someone else: the same outcome as skipping it.
      if (!(error instanceof TiendoError && error.reason === 'ALREADY_EXISTS')) throw error;
      return false;
    }
  };

  if (!views().units.has('GOV')) {
    await register({ id: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ' });
    if (result.position) await app.runner.waitFor(result.position);
  }
  report();
  for (const level of levels) {
    const missing: ReferenceUnit[] = [];
    for (const unit of level) {
      const existing = views().units.get(unit.id);
      if (!existing) {
        missing.push(unit);
        continue;
      }
      result.skipped++;
      if (existing.name !== unit.name || existing.parentId !== unit.parentId) {
        result.differing.push({ id: unit.id, existing: { name: existing.name, parentId: existing.parentId }, official: { name: unit.name, parentId: unit.parentId } });
      }
    }
    report();
    let sinceReport = 0;
    await mapPool(missing, CONCURRENCY, async (unit) => {
      if (await register(unit)) result.registered++;
      else result.skipped++;
      if (++sinceReport >= 25) {
        sinceReport = 0;
        report();
      }
    });
    report();
    // Children are checked against their parents in the read model: let it catch up first.
    if (result.position) await app.runner.waitFor(result.position, 60_000);
  }
  return result;
}
