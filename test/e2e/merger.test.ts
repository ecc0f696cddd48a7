import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/app.js';
import type { CommandContext } from '../../src/app/run-command.js';
import { loadConfig } from '../../src/config.js';
import type { Actor } from '../../src/shared/schemas.js';
import { SECRET, TestServer, errorCode, ok, token } from '../support/server.js';

/**
 * The 2025 reform in miniature: Hà Giang (02) merges into Tuyên Quang (08) on 2025-07-01. History
 * is recorded first with its real dates (in-process, on a real SQLite store), then the real server
 * answers over HTTP: as of before the merger the old tree, after it the new one.
 */
const admin: Actor = { id: 'admin', role: 'admin', unit: 'GOV' };
const leaderActor: Actor = { id: 'leader', role: 'leader', unit: 'GOV' };
const at = (date: string) => `${date}T03:00:00.000Z`;
const ctx = (actor: Actor, date: string, extra: Partial<CommandContext> = {}): CommandContext => ({ actor, now: at(date), correlationId: 'merger-test', ...extra });
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };

let server: TestServer;
let leader: string;
const dataDir = mkdtempSync(join(tmpdir(), 'tiendo-merger-'));

beforeAll(async () => {
  const app = await createApp(loadConfig({ TIENDO_DATA: dataDir, TIENDO_AUTH_SECRET: SECRET }));
  app.runner.start();
  await app.runner.ready;
  const run = async (p: Promise<{ position: string }>) => app.runner.waitFor((await p).position);
  await run(app.units.register({ id: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ' }, ctx(admin, '2024-01-01')));
  await run(app.units.register({ id: '02', kind: 'PROVINCE', name: 'Tỉnh Hà Giang', parentId: 'GOV' }, ctx(admin, '2024-01-01')));
  await run(app.units.register({ id: '08', kind: 'PROVINCE', name: 'Tỉnh Tuyên Quang', parentId: 'GOV' }, ctx(admin, '2024-01-01')));
  await run(app.units.register({ id: '00700', kind: 'COMMUNE', name: 'Xã Minh Tân', parentId: '02' }, ctx(admin, '2024-01-01')));
  await run(app.tasks.assign({ id: 'HG-1', title: 'Làm sạch dữ liệu dân cư Hà Giang', source, leadUnitId: '02', deadline: '2026-12-31' }, ctx(leaderActor, '2024-02-01')));
  await run(app.tasks.assign({ id: 'HG-2', title: 'Cấp căn cước cho đồng bào vùng cao', source, leadUnitId: '02', deadline: '2024-12-31' }, ctx(leaderActor, '2024-02-01')));
  await run(app.tasks.reportCompletion({ taskId: 'HG-2', completedOn: '2024-12-20', evidence: 'Báo cáo' }, ctx({ id: 'f', role: 'focal_point', unit: '02' }, '2024-12-21')));
  await run(app.tasks.confirmCompletion({ taskId: 'HG-2' }, ctx(leaderActor, '2024-12-22')));
  const merger = { from: ['02'], into: '08', effectiveOn: '2025-07-01', reason: 'Sắp xếp đơn vị hành chính cấp tỉnh', basis: [{ kind: 'DOCUMENT' as const, ref: '202/2025/QH15' }] };
  const first = await app.mergers.merge(merger, ctx(admin, '2025-07-02', { clientMutationId: 'merge-02-08' }));
  await app.runner.waitFor(first.position);
  // A retry of the same merger completes nothing twice.
  const again = await app.mergers.merge(merger, ctx(admin, '2025-07-02', { clientMutationId: 'merge-02-08' }));
  expect(again.replayed).toBe(true);
  await app.close();
  server = await TestServer.start({}, dataDir);
  leader = await token(leaderActor);
}, 120_000);

afterAll(async () => {
  await server?.dispose();
});

const PROVINCES = `query ($asOf: DateTime) { programmeDashboard(asOf: $asOf) { provinces { unit { id name } totalTasks } } }`;

describe('an administrative merger', () => {
  it('shows the old tree as of before it and the new tree after it', async () => {
    const before = ok(await server.gql<{ programmeDashboard: { provinces: { unit: { id: string }; totalTasks: number }[] } }>(PROVINCES, { asOf: '2025-06-30T12:00:00Z' }, leader));
    expect(before.programmeDashboard.provinces.map((p) => [p.unit.id, p.totalTasks]).sort()).toEqual([['02', 2], ['08', 0]]);
    const after = ok(await server.gql<{ programmeDashboard: { provinces: { unit: { id: string }; totalTasks: number }[] } }>(PROVINCES, {}, leader));
    expect(after.programmeDashboard.provinces.map((p) => [p.unit.id, p.totalTasks])).toEqual([['08', 1]]);
  });

  it('moves open work to the new unit and leaves finished work and history with the old one', async () => {
    const t = ok(await server.gql<{ open: { lead: { id: string }; history: { edges: { node: { kind: string; at: string; reason: string; changes: unknown[]; basis: unknown[] } }[] } }; done: { lead: { id: string }; status: string } }>(
      `{ open: task(id: "HG-1") { lead { id } history { edges { node { kind at reason changes { field from to } basis { kind ref } } } } }
         done: task(id: "HG-2") { lead { id } status } }`, {}, leader));
    expect(t.open.lead.id).toBe('08');
    const moved = t.open.history.edges.map((e) => e.node).filter((n) => n.kind === 'TaskReassigned');
    expect(moved).toEqual([{
      kind: 'TaskReassigned', at: '2025-06-30T17:00:00.000Z', reason: 'Sắp xếp đơn vị hành chính cấp tỉnh',
      changes: [{ field: 'lead', from: '02', to: '08' }], basis: [{ kind: 'DOCUMENT', ref: '202/2025/QH15' }],
    }]);
    expect(t.done).toEqual({ lead: { id: '02' }, status: 'COMPLETED_ON_TIME' });
    const asOf = ok(await server.gql<{ task: { lead: { id: string } } }>(`{ task(id: "HG-1", asOf: "2025-06-30T12:00:00Z") { lead { id } } }`, {}, leader));
    expect(asOf.task.lead.id).toBe('02');
  });

  it('keeps the old unit under its old name, marked merged, and re-parents its communes', async () => {
    const u = ok(await server.gql<{ old: { name: string; status: string; mergedInto: { id: string } }; into: { absorbed: { unit: { id: string; name: string }; effectiveOn: string }[]; children: { id: string }[] }; gov: { children: { id: string }[] } }>(
      `{ old: unit(id: "02") { name status mergedInto { id } } into: unit(id: "08") { absorbed { unit { id name } effectiveOn } children { id } } gov: unit(id: "GOV") { children { id } } }`, {}, leader));
    expect(u.old).toEqual({ name: 'Tỉnh Hà Giang', status: 'MERGED', mergedInto: { id: '08' } });
    expect(u.into.absorbed).toEqual([{ unit: { id: '02', name: 'Tỉnh Hà Giang' }, effectiveOn: '2025-07-01' }]);
    expect(u.into.children).toEqual([{ id: '00700' }]);
    expect(u.gov.children).toEqual([{ id: '08' }]);
  });

  it('refuses a second merger of a merged unit, a future date, and anyone but an admin', async () => {
    const adminToken = await token(admin);
    const merge = (input: Record<string, unknown>, tok: string) => server.gql(`mutation ($input: MergeUnitsInput!) { mergeUnits(input: $input) { unit { id } } }`, { input }, tok);
    expect(errorCode(await merge({ from: ['02'], into: '08', effectiveOn: '2025-07-01', reason: 'lần nữa' }, adminToken))).toBe('CONFLICT');
    expect(errorCode(await merge({ from: ['08'], into: '02', effectiveOn: '2099-01-01', reason: 'tương lai' }, adminToken))).toBe('BAD_USER_INPUT');
    expect(errorCode(await merge({ from: ['08'], into: 'NOPE', effectiveOn: '2025-01-01', reason: 'x' }, adminToken))).toBe('NOT_FOUND');
    expect(errorCode(await merge({ from: ['08'], into: '02', effectiveOn: '2025-01-01', reason: 'x' }, leader))).toBe('FORBIDDEN');
    const u = ok(await server.gql<{ unit: { status: string } }>(`{ unit(id: "08") { status } }`, {}, leader));
    expect(u.unit.status).toBe('ACTIVE');
  });
});
