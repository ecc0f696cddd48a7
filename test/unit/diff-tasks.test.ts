import { describe, expect, it } from 'vitest';
import { diffTasks, taskFields } from '../../projections/history.js';
import type { IndicatorState, Task } from '../../src/tasks/state.js';

/**
 * diffTasks compares field by field (projections/history.ts) instead of through two taskFields
 * maps: it must give exactly what the maps give — the same changes, names, order and strings —
 * for every kind of change, indicators added, removed, reordered or repeated included.
 */
const byMaps = (before: Task | null, after: Task | null) => {
  const a = taskFields(before);
  const b = taskFields(after);
  return [...new Set([...a.keys(), ...b.keys()])].flatMap((field) => {
    const from = a.get(field) ?? null;
    const to = b.get(field) ?? null;
    return from === to ? [] : [{ field, from, to }];
  });
};

const indicator = (code: string, target: number | null, actual: number | null): IndicatorState =>
  ({ code, name: code, unitOfMeasure: 'hồ sơ', target, actual, actualAt: actual === null ? null : '2026-01-01T00:00:00Z' });

const base: Task = {
  id: 'NV-1', title: 'Làm sạch dữ liệu', description: null, output: 'Báo cáo', source: { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' },
  leadUnitId: '01', coordinatorIds: [], deadline: '2026-12-31', deadlines: [], confidential: false, parentId: null, childIds: [],
  indicators: [indicator('A', 100, null)], progress: null, phase: 'OPEN', pendingExtension: null, completion: null,
  assignedAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
};

const variants: Partial<Task>[] = [
  {}, { title: 'Khác' }, { description: 'Mô tả' }, { output: null }, { leadUnitId: '48' }, { coordinatorIds: ['BCA', 'BYT'] },
  { deadline: null }, { deadline: '2027-06-30' }, { confidential: true }, { phase: 'COMPLETED' }, { progress: 0 }, { progress: 55.5 },
  { childIds: ['NV-1/01', 'NV-1/48'] }, { indicators: [] }, { indicators: [indicator('A', 100, 40)] }, { indicators: [indicator('A', null, 40)] },
  { indicators: [indicator('A', 100, null), indicator('B', 5, 1)] }, { indicators: [indicator('B', 5, 1), indicator('A', 100, 2)] },
  { indicators: [indicator('B', 5, null)] }, { indicators: [indicator('A', 1, 2), indicator('A', 3, 4)] },
  { progress: 80, indicators: [indicator('A', 100, 80)], phase: 'AWAITING_CONFIRMATION' },
];
const tasks: (Task | null)[] = [null, ...variants.map((v) => ({ ...base, ...v }))];

describe('diffTasks', () => {
  it('gives what the two taskFields maps give, for every pair of versions', () => {
    let changed = 0;
    for (const before of tasks) {
      for (const after of tasks) {
        const diff = diffTasks(before, after);
        expect(diff).toStrictEqual(byMaps(before, after));
        if (diff.length > 0) changed++;
      }
    }
    // Not vacuous: most pairs differ somewhere.
    expect(changed).toBeGreaterThan(tasks.length * (tasks.length - 2));
  });

  it('names an indicator that was reordered away by its code, not its place', () => {
    const before = { ...base, indicators: [indicator('A', 100, 1), indicator('B', 5, 2)] };
    const after = { ...base, indicators: [indicator('B', 5, 3), indicator('A', 100, 1)] };
    expect(diffTasks(before, after)).toStrictEqual([{ field: 'indicators.B.actual', from: '2', to: '3' }]);
  });
});
