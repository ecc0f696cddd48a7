import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { auditEntry } from '../../projections/audit.js';
import type { Ctx } from '../../src/api/nodes.js';
import { auditResolvers } from '../../src/api/resolvers/audit.js';
import { type App, createApp } from '../../src/app/app.js';
import type { CommandContext } from '../../src/app/run-command.js';
import { loadConfig } from '../../src/config.js';
import { TiendoError } from '../../src/errors.js';
import type { RecordedEvent } from '../../src/eventstore/port.js';
import { AuditTable } from '../../src/runner/audit-table.js';
import { Views } from '../../src/runner/views.js';
import type { UnitState } from '../../src/units/state.js';
import type { Actor, Role } from '../../src/shared/schemas.js';

/**
 * The audit log over a real embedded store, through its resolver (schemas/schema.graphql): who
 * did what, when, from which request — for leaders, within their subtree, without the
 * confidential tasks they may not see.
 */
let app: App;
let dataDir: string;
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const actor = (role: Role, unit: string): Actor => ({ id: `${role}@${unit}`, role, unit });
const admin = actor('admin', 'GOV');
const gov = actor('leader', 'GOV');

let clock = Date.parse('2026-03-01T01:00:00Z');
const at = () => new Date((clock += 60_000)).toISOString();
let t0 = '';
let t1 = '';

async function run<T extends { position: string }>(p: Promise<T>): Promise<T> {
  const r = await p;
  await app.runner.waitFor(r.position);
  return r;
}
const ctxOf = (who: Actor, requestId: string, clientMutationId: string | null = null): CommandContext =>
  ({ actor: who, now: at(), correlationId: requestId, causationId: null, clientMutationId, expectedVersion: null });

interface Page { totalCount: number; edges: { node: { action: string; actor: { id: string }; requestId: string; stream: string; at: string; task: { id: string } | null; units: { id: string }[]; reason: string | null; clientMutationId: string | null } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }

async function auditLog(who: Actor, args: Record<string, unknown> = {}): Promise<Page> {
  const ctx = { tiendo: app, actor: who, now: new Date().toISOString(), requestId: 'test' } as Ctx;
  return (await auditResolvers.Query.auditLog(undefined, { first: 100, ...args }, ctx)) as unknown as Page;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tiendo-audit-'));
  app = await createApp(loadConfig({ TIENDO_DATA: dataDir, TIENDO_DEMO: '0', LOG_LEVEL: 'silent' }));
  app.runner.start();
  await app.runner.ready;
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['01', 'PROVINCE', 'GOV'], ['00004', 'COMMUNE', '01'], ['79', 'PROVINCE', 'GOV']] as const) {
    await run(app.units.register({ id, kind, name: `Đơn vị ${id}`, parentId }, ctxOf(admin, `req-unit-${id}`)));
  }
  t0 = new Date(clock + 1).toISOString();
  await run(app.tasks.assign({ id: 'A1', title: 'Hà Nội', source, leadUnitId: '01', deadline: '2030-01-01' }, ctxOf(gov, 'req-assign-A1', 'cm-1')));
  await run(app.tasks.assign({ id: 'B1', title: 'TP HCM', source, leadUnitId: '79', deadline: '2030-01-01' }, ctxOf(gov, 'req-assign-B1')));
  await run(app.tasks.assign({ id: 'S1', title: 'Mật', source, leadUnitId: '79', confidential: true }, ctxOf(gov, 'req-assign-S1')));
  await run(app.tasks.reportProgress({ taskId: 'A1', percent: 30, note: 'Đã làm 30%' }, ctxOf(actor('focal_point', '01'), 'req-progress-A1')));
  const { result } = await app.tasks.delegate({ taskId: 'A1', to: [{ leadUnitId: '00004' }] }, ctxOf(actor('leader', '01'), 'req-delegate-A1'));
  await app.runner.waitFor(result.position);
  t1 = new Date(clock + 1).toISOString();
  await run(app.tasks.reassign({ taskId: 'B1', leadUnitId: '01', reason: 'Chuyển cho Hà Nội' }, ctxOf(gov, 'req-reassign-B1')));
}, 60_000);

afterAll(async () => {
  await app?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('auditLog', () => {
  it('tells who did what, when, from which request, oldest first', async () => {
    const page = await auditLog(gov, { from: t0, to: t1 });
    expect(page.edges.map((e) => [e.node.action, e.node.actor.id, e.node.requestId])).toEqual([
      ['TaskAssigned', 'leader@GOV', 'req-assign-A1'],
      ['TaskAssigned', 'leader@GOV', 'req-assign-B1'],
      ['TaskAssigned', 'leader@GOV', 'req-assign-S1'],
      ['ProgressReported', 'focal_point@01', 'req-progress-A1'],
      ['TaskDelegated', 'leader@01', 'req-delegate-A1'],
      ['TaskAssigned', 'leader@01', 'req-delegate-A1'], // the child task, from the same request
    ]);
    const first = page.edges[0]!.node;
    expect(first).toMatchObject({ stream: 'task-A1', task: { id: 'A1' }, clientMutationId: 'cm-1', units: [{ id: '01' }] });
    expect(first.at >= t0 && first.at <= t1).toBe(true);
  });

  it('filters by actor', async () => {
    const page = await auditLog(gov, { actorId: 'focal_point@01' });
    expect(page.edges.map((e) => e.node.action)).toEqual(['ProgressReported']);
  });

  it('filters by unit, descendants included, and follows a task to its new lead unit', async () => {
    const commune = await auditLog(gov, { unitId: '00004' });
    expect(commune.edges.map((e) => e.node.action)).toEqual(['UnitRegistered', 'TaskDelegated', 'TaskAssigned']);
    const hanoi = await auditLog(gov, { unitId: '01', from: t1 });
    expect(hanoi.edges.map((e) => [e.node.action, e.node.task?.id])).toEqual([['TaskReassigned', 'B1']]);
  });

  it('a province leader sees their subtree only', async () => {
    const page = await auditLog(actor('leader', '01'));
    const streams = new Set(page.edges.map((e) => e.node.stream));
    expect(streams.has('task-A1')).toBe(true);
    expect(streams.has('unit-00004')).toBe(true);
    expect(streams.has('unit-79')).toBe(false);
    expect(streams.has('unit-BCA')).toBe(false);
    // B1 moved to Hà Nội: its story is now Hà Nội's too.
    expect(streams.has('task-B1')).toBe(true);
    await expect(auditLog(actor('leader', '01'), { unitId: '79' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('leaves out confidential tasks the reader may not see; their own leaders see them', async () => {
    expect((await auditLog(gov)).edges.some((e) => e.node.stream === 'task-S1')).toBe(true);
    expect((await auditLog(actor('leader', '79'))).edges.some((e) => e.node.stream === 'task-S1')).toBe(true);
    expect((await auditLog(actor('leader', '01'))).edges.some((e) => e.node.stream === 'task-S1')).toBe(false);
  });

  it.each([['focal_point', '01'], ['inspector', 'GOV'], ['admin', 'GOV']] as const)('is refused to a %s (leaders only)', async (role, unit) => {
    const error = await auditLog(actor(role, unit)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TiendoError);
    expect((error as TiendoError).code).toBe('FORBIDDEN');
  });

  it('pages with cursors', async () => {
    const all = await auditLog(gov);
    const first = await auditLog(gov, { first: 3 });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await auditLog(gov, { first: 100, after: first.pageInfo.endCursor });
    expect([...first.edges, ...rest.edges].map((e) => e.node.stream)).toEqual(all.edges.map((e) => e.node.stream));
    expect(all.totalCount).toBe(all.edges.length);
    // Only the page is kept, but every match is counted, whatever the page.
    expect([first.totalCount, rest.totalCount]).toEqual([all.totalCount, all.totalCount]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const none = await auditLog(gov, { first: 0 });
    expect([none.edges.length, none.pageInfo.hasNextPage, none.totalCount]).toEqual([0, true, all.totalCount]);
    const foreign = Buffer.from('c:DA06-01', 'utf8').toString('base64url');
    await expect(auditLog(gov, { after: foreign })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('the audit projection (projections/audit.ts)', () => {
  const parents: Record<string, string> = { '01': 'GOV', '79': 'GOV', '00004': '01' };
  const context = (streamUnits: readonly string[]) => ({ streamUnits, taskLead: () => undefined, parentOf: (u: string) => parents[u] ?? null });
  const base = { revision: 0, position: '1', recordedAt: '2026-01-01T00:00:00Z', metadata: { actor: gov, occurredAt: '2026-01-01T00:00:00Z', correlationId: 'r' } };

  it('works out the units of events it does not know, by their field names', () => {
    const planned = auditEntry({ ...base, id: 'e1', stream: 'inspection-K1', type: 'InspectionPlanned', data: { inspectionId: 'K1', teamUnitId: 'GOV', targetUnitIds: ['01', '79'] } }, context([]));
    expect([...planned.units].sort()).toEqual(['01', '79', 'GOV']);
    // A later event of the same stream concerns the same units, though it names none.
    const concluded = auditEntry({ ...base, id: 'e2', stream: 'inspection-K1', type: 'InspectionConcluded', data: { inspectionId: 'K1', conclusion: 'x' } }, context(planned.streamUnits));
    expect([...concluded.units].sort()).toEqual(['01', '79', 'GOV']);
  });

  it('files a record under the units it concerns and every unit above them; a re-parented unit is refiled', () => {
    const found = auditEntry({ ...base, id: 'e3', stream: 'inspection-K2', type: 'FindingRecorded', data: { inspectionId: 'K2', unitId: '00004' } }, context([]));
    expect([...found.filedUnder].sort()).toEqual(['00004', '01', 'GOV']);
    expect(found.refile).toBeNull();
    const moved = auditEntry({ ...base, id: 'e4', stream: 'unit-00004', type: 'UnitReparented', data: { unitId: '00004', parentId: '79', previousParentId: '01' } },
      { ...context([]), parentOf: (u: string) => ({ ...parents, '00004': '79' })[u] ?? null });
    expect(moved.refile).toEqual({ unitId: '00004', under: ['79', 'GOV'] });
  });
});

describe('the audit table (src/runner/audit-table.ts)', () => {
  const unit = (id: string, parentId: string | null) => ({ kind: 'unit', id, value: { id, parentId } as UnitState }) as const;
  const finding = (seq: number): RecordedEvent => ({
    id: `e${seq}`, stream: 'inspection-K2', revision: seq - 1, position: String(seq), type: 'FindingRecorded',
    data: { inspectionId: 'K2', unitId: '00004' }, metadata: { actor: gov, occurredAt: '2026-01-01T00:00:00Z', correlationId: 'r' }, recordedAt: '2026-01-01T00:00:00Z',
  });

  // The units a stream's list is filed under are worked out once and kept while the tree is unchanged.
  for (const rebuilding of [false, true]) {
    it(`files a stream's next record under a moved unit's new ancestors${rebuilding ? ', in a rebuild' : ''}`, () => {
      const db = new Database(':memory:');
      const table = new AuditTable(db);
      const views = new Views();
      for (const u of [unit('GOV', null), unit('01', 'GOV'), unit('79', 'GOV'), unit('00004', '01')]) views.load(u);
      table.bulkLoad(rebuilding);
      table.add(finding(1), 1, views);
      views.load(unit('00004', '79'));
      table.add(finding(2), 2, views);
      table.bulkLoad(false);
      db.transaction(() => table.write())();
      const seqs = (unitId: string) => table.page({ unitId, first: 10 }).rows.map((r) => r.seq);
      expect(seqs('01')).toEqual([1]);
      expect(seqs('79')).toEqual([2]);
      expect(seqs('GOV')).toEqual([1, 2]);
      db.close();
    });
  }
});

describe('the audit log in schemas/schema.graphql', () => {
  it('extends the schema and asks for what the resolver gives', async () => {
    const sdl = readFileSync(new URL('../../schemas/schema.graphql', import.meta.url), 'utf8');
    const schema = buildSchema(sdl);
    const fields = Object.keys((schema.getType('AuditEntry') as unknown as { getFields(): Record<string, unknown> }).getFields()).sort();
    const node = (await auditLog(gov, { first: 1 })).edges[0]!.node as unknown as Record<string, unknown>;
    expect(Object.keys(node).sort()).toEqual(fields);
    const query = `{ auditLog(from: "2026-01-01T00:00:00Z", unitId: "01", first: 10) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { ${fields.map((f) => (['actor', 'task', 'units', 'basis'].includes(f) ? `${f} { __typename }` : f)).join(' ')} } } } }`;
    expect(validate(schema, parse(query)).map((e) => e.message)).toEqual([]);
  });
});
