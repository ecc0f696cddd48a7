import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Rollup } from '../../projections/queries.js';
import { type EventRegistry, UnreadableEventError, decode, decodeWith, eventRegistry, schemaVersionOf } from '../../src/events.js';
import type { NewEvent, RecordedEvent } from '../../src/eventstore/port.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { verifyFile } from '../../src/eventstore/verify.js';
import { ProjectionRunner } from '../../src/runner/runner.js';
import { IndicatorValue, taskEventSchemas } from '../../src/tasks/events.js';

/**
 * Schema evolution (DESIGN §3 "Events … versioned (schemaVersion), and upcast on read"). No event of
 * tiendo has needed a second version yet, so this test gives one a history: ProgressReported v1 — as
 * an earlier tiendo might have stored it — carried one optional indicator and a `comment`; v2, today's
 * shape, carries a list of indicators and a `note`. The v1 events are stored raw through the real
 * store and read back as v2 by decode and by the projection runner, with the registry injected.
 */
const ProgressReportedV1 = z.object({
  taskId: z.string(),
  percent: z.number().nullable(),
  indicator: IndicatorValue.nullable(),
  comment: z.string().optional(),
});

const evolved: EventRegistry = {
  schemas: eventRegistry.schemas,
  currentVersion: { ...eventRegistry.currentVersion, ProgressReported: 2 },
  upcasters: {
    ...eventRegistry.upcasters,
    ProgressReported: {
      1: (data) => {
        const v1 = ProgressReportedV1.parse(data);
        return { taskId: v1.taskId, percent: v1.percent, indicators: v1.indicator ? [v1.indicator] : [], note: v1.comment ?? '' };
      },
    },
  },
};

const actor = { id: 'focal-01', role: 'focal_point', unit: '01' };
const meta = (schemaVersion: number, occurredAt: string, extra: Record<string, unknown> = {}) =>
  ({ schemaVersion, actor, occurredAt, correlationId: randomUUID(), causationId: null, basis: [], ...extra });
const ev = (type: string, data: unknown, metadata: unknown): NewEvent => ({ id: randomUUID(), type, data, metadata });

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function storeWithV1Events() {
  const dir = mkdtempSync(join(tmpdir(), 'tiendo-schema-'));
  dirs.push(dir);
  const store = new SqliteEventStore(join(dir, 'events.db'));
  await store.append('unit-GOV', [ev('UnitRegistered', { unitId: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ', parentId: null }, meta(1, '2022-01-01T00:00:00Z', { actor: { id: 'admin', role: 'admin', unit: 'GOV' } }))]);
  await store.append('unit-01', [ev('UnitRegistered', { unitId: '01', kind: 'PROVINCE', name: 'Thành phố Hà Nội', parentId: 'GOV' }, meta(1, '2022-01-01T00:00:01Z', { actor: { id: 'admin', role: 'admin', unit: 'GOV' } }))]);
  await store.append('task-T1', [ev('TaskAssigned', {
    taskId: 'T1', title: 'Làm sạch dữ liệu dân cư', description: null, output: null,
    source: { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' },
    leadUnitId: '01', coordinatorIds: [], deadline: '2030-12-31',
    indicators: [{ code: 'POP_DATA_CLEANED', name: 'Hồ sơ làm sạch', unitOfMeasure: 'hồ sơ', target: 1000 }],
    confidential: false, parentId: null,
  }, meta(1, '2022-02-01T00:00:00Z', { actor: { id: 'leader', role: 'leader', unit: 'GOV' } }))], 'no_stream');
  // Two progress reports in the v1 shape, stored as schemaVersion 1.
  await store.append('task-T1', [ev('ProgressReported', { taskId: 'T1', percent: 30, indicator: { code: 'POP_DATA_CLEANED', value: 300 }, comment: 'Đợt 1' }, meta(1, '2022-03-01T00:00:00Z'))], 0);
  await store.append('task-T1', [ev('ProgressReported', { taskId: 'T1', percent: 55, indicator: null }, meta(1, '2022-04-01T00:00:00Z'))], 1);
  return { dir, store };
}

describe('events stored at an older schemaVersion are read through upcasters', () => {
  it('decode lifts v1 to v2: the current shape, passing the current zod schema, marked version 2', async () => {
    const { store } = await storeWithV1Events();
    const stored = (await store.readStream('task-T1')).slice(1);
    expect(stored.map((r) => (r.metadata as { schemaVersion: number }).schemaVersion)).toEqual([1, 1]);
    const decoded = stored.map((r) => decodeWith(evolved, r));
    expect(decoded.map((e) => e.data)).toEqual([
      { taskId: 'T1', percent: 30, indicators: [{ code: 'POP_DATA_CLEANED', value: 300 }], note: 'Đợt 1' },
      { taskId: 'T1', percent: 55, indicators: [], note: '' },
    ]);
    for (const e of decoded) {
      expect(e.meta.schemaVersion).toBe(2);
      expect(taskEventSchemas.ProgressReported.safeParse(e.data).success).toBe(true);
    }
    await store.dispose();
  });

  it('the projections read them as v2: progress and indicator actuals, and history, come from the v1 events', async () => {
    const { dir, store } = await storeWithV1Events();
    const runner = new ProjectionRunner(store, join(dir, 'views.db'), undefined, (r) => decodeWith(evolved, r));
    runner.start();
    await runner.ready;
    const task = runner.views.tasks.get('T1')!;
    expect(task.progress).toBe(55);
    expect(task.indicators).toMatchObject([{ code: 'POP_DATA_CLEANED', target: 1000, actual: 300 }]);
    expect(task.version).toBe(2);
    expect(runner.unreadable).toBe(0);
    expect((await runner.history('T1', { first: 10 })).entries.map((h) => h.kind)).toEqual(['TaskAssigned', 'ProgressReported', 'ProgressReported']);
    await runner.stop();
    await store.dispose();
  });

  it('a TaskAssigned stored before indicators declared a roll-up reads unchanged (the field is optional, no new version) and rolls up as SUM', async () => {
    const { dir, store } = await storeWithV1Events();
    const [assignedV1] = await store.readStream('task-T1');
    expect(schemaVersionOf('TaskAssigned')).toBe(1);
    const decoded = decode(assignedV1!).data as { indicators: Record<string, unknown>[] };
    expect(decoded.indicators).toEqual([{ code: 'POP_DATA_CLEANED', name: 'Hồ sơ làm sạch', unitOfMeasure: 'hồ sơ', target: 1000 }]);
    expect('rollup' in decoded.indicators[0]!).toBe(false);
    const runner = new ProjectionRunner(store, join(dir, 'views-rollup.db'), undefined, (r) => decodeWith(evolved, r));
    runner.start();
    await runner.ready;
    expect(new Rollup(runner.views).of(runner.views.tasks.get('T1')!).indicators).toMatchObject([{ code: 'POP_DATA_CLEANED', rollup: 'SUM', actual: 300 }]);
    await runner.stop();
    await store.dispose();
  });

  it('without the upcaster the same events are refused, not misread (the test would see the difference)', async () => {
    const { dir, store } = await storeWithV1Events();
    const [, v1] = await store.readStream('task-T1');
    expect(() => decode(v1!)).toThrow(UnreadableEventError);
    const runner = new ProjectionRunner(store, join(dir, 'views-plain.db'));
    runner.start();
    await runner.ready;
    expect(runner.unreadable).toBe(2);
    expect(runner.views.tasks.get('T1')!.progress).not.toBe(55);
    await runner.stop();
    await store.dispose();
  });

  it('a missing step, a failing upcaster and a version newer than the reader are refused with a reason', () => {
    const recorded = (schemaVersion: number, data: unknown): RecordedEvent => ({
      id: randomUUID(), stream: 'task-T1', revision: 1, position: '1', type: 'ProgressReported', recordedAt: '2022-03-01T00:00:00.000Z',
      data, metadata: meta(schemaVersion, '2022-03-01T00:00:00Z'),
    });
    const v3: EventRegistry = { ...evolved, currentVersion: { ProgressReported: 3 } };
    expect(() => decodeWith(v3, recorded(1, { taskId: 'T1', percent: 1, indicator: null }))).toThrow(/no upcaster from version 2/);
    expect(() => decodeWith(evolved, recorded(1, { taskId: 'T1', percent: 'much', indicator: null }))).toThrow(/upcaster from version 1 failed/);
    expect(() => decode(recorded(2, { taskId: 'T1', percent: 1, indicators: [], note: '' }))).toThrow(/newer than this tiendo reads/);
    // Stored at the current version: read as it is, no upcaster involved.
    expect(decodeWith(evolved, recorded(2, { taskId: 'T1', percent: 1, indicators: [], note: 'x' })).data).toMatchObject({ note: 'x' });
  });

  it('upcasting happens on read only: the stored v1 rows are unchanged and their hash chain intact', async () => {
    const { dir, store } = await storeWithV1Events();
    const before = await store.readAll();
    const runner = new ProjectionRunner(store, join(dir, 'views.db'), undefined, (r) => decodeWith(evolved, r));
    runner.start();
    await runner.ready;
    await runner.stop();
    expect(await store.readAll()).toEqual(before);
    await store.dispose();
    const report = verifyFile(join(dir, 'events.db'), (r) => decodeWith(evolved, r));
    expect(report).toMatchObject({ events: 5, bad: null, unreadable: null });
  });
});
