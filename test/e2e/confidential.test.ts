import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/shared/schemas.js';
import { TestServer, ok, token } from '../support/server.js';

/**
 * A confidential task (mật) is visible only to its lead and coordinating units and to the
 * leaders of units above them; for everyone else it is absent from task, tasks (search
 * included), children, commitmentChanges, compare, overdue lists and obstacles — and so is its
 * history, which is only reachable through the task.
 *
 * Tree: GOV ─ BCA; 01 ─ 00004; 79; 48. Task C: confidential, lead 01, coordinator 79, overdue,
 * delegated to 00004 (the child C/00004 inherits confidentiality). Task P: public, lead 01.
 */
let server: TestServer;
let before: string;
let after: string;
const source = { number: '01/QĐ-BCA-mật', date: '2024-01-02', issuer: 'Bộ Công an' };

const as = (role: Role, unit: string) => token({ id: `${role}@${unit}`, role, unit });
const q = async <T>(query: string, role: Role, unit: string, variables: Record<string, unknown> = {}) => ok(await server.gql<T>(query, variables, await as(role, unit)));

beforeAll(async () => {
  server = await TestServer.start();
  const admin = await as('admin', 'GOV');
  const gov = await as('leader', 'GOV');
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['01', 'PROVINCE', 'GOV'], ['79', 'PROVINCE', 'GOV'], ['48', 'PROVINCE', 'GOV'], ['00004', 'COMMUNE', '01']]) {
    ok(await server.gql('mutation ($i: RegisterUnitInput!) { registerUnit(input: $i) { position } }', { i: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
  before = new Date().toISOString();
  const assign = 'mutation ($i: AssignTaskInput!) { assignTask(input: $i) { position } }';
  ok(await server.gql(assign, { i: { id: 'C', title: 'Bảo vệ dữ liệu dân cư mật', source, leadUnitId: '01', coordinatorIds: ['79'], deadline: '2025-01-31', confidential: true } }, gov));
  ok(await server.gql(assign, { i: { id: 'P', title: 'Công khai dịch vụ công', source, leadUnitId: '01', deadline: '2025-01-31' } }, gov));
  ok(await server.gql('mutation { delegateTask(input: { taskId: "C", to: [{ leadUnitId: "00004" }] }) { position } }', {}, gov));
  ok(await server.gql('mutation { decideDeadlineExtension(input: { taskId: "C", approve: true, deadline: "2025-06-30", reason: "Theo chỉ đạo" }) { position } }', {}, gov));
  ok(await server.gql('mutation { raiseObstacle(input: { id: "OB-C", taskId: "C", category: DATA, description: "Thiếu dữ liệu" }) { position } }', {}, gov));
  after = new Date(Date.now() + 1000).toISOString();
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

const SEES: [Role, string][] = [['focal_point', '01'], ['inspector', '01'], ['focal_point', '79'], ['leader', '01'], ['leader', '79'], ['leader', 'GOV']];
const BLIND: [Role, string][] = [['focal_point', '48'], ['leader', '48'], ['leader', 'BCA'], ['admin', 'GOV'], ['inspector', 'GOV'], ['focal_point', '00004'], ['leader', '00004']];

interface Everything {
  task: { id: string; history: { totalCount: number } } | null;
  past: { id: string } | null;
  search: { edges: { node: { id: string } }[] };
  byLead: { edges: { node: { id: string } }[] };
  changes: { edges: { node: { task: { id: string } } }[] };
  cmp: { added: { id: string }[] };
  progress: { overdue: { id: string }[] };
  obstacles: { edges: { node: { id: string } }[] };
  obstacle: { id: string } | null;
}

const EVERYTHING = `query ($before: DateTime!, $after: DateTime!) {
  task(id: "C") { id history { totalCount } }
  past: task(id: "C", asOf: $after) { id }
  search: tasks(filter: { text: "du lieu dan cu" }) { edges { node { id } } }
  byLead: tasks(filter: { leadUnitId: "01", includeDescendants: true }, first: 100) { edges { node { id } } }
  changes: commitmentChanges(filter: { unitId: "01" }, first: 100) { edges { node { task { id } } } }
  cmp: compare(unitId: "GOV", from: $before, to: $after) { added { id } }
  progress: unitProgress(unitId: "01") { overdue { id } }
  obstacles(filter: { taskId: "C" }) { edges { node { id } } }
  obstacle(id: "OB-C") { id }
}`;

/** Whether task C itself is among them (its child C/00004 has its own audience). */
const ids = (xs: { id: string }[]) => xs.map((x) => x.id).filter((id) => id === 'C');

describe('a confidential task', () => {
  it.each(SEES)('is visible to %s of %s wherever tasks are listed', async (role, unit) => {
    const r = await q<Everything>(EVERYTHING, role, unit, { before, after });
    expect(r.task?.id).toBe('C');
    expect(r.task!.history.totalCount).toBeGreaterThanOrEqual(3);
    expect(r.past?.id).toBe('C');
    expect(ids(r.search.edges.map((e) => e.node))).toContain('C');
    expect(ids(r.byLead.edges.map((e) => e.node))).toContain('C');
    expect(ids(r.changes.edges.map((e) => e.node.task))).toContain('C');
    expect(ids(r.cmp.added)).toContain('C');
    expect(ids(r.progress.overdue)).toContain('C');
    expect(r.obstacles.edges.map((e) => e.node.id)).toEqual(['OB-C']);
    expect(r.obstacle?.id).toBe('OB-C');
  });

  it.each(BLIND)('is absent everywhere, history included, for %s of %s', async (role, unit) => {
    const r = await q<Everything>(EVERYTHING, role, unit, { before, after });
    expect(r.task).toBeNull();
    expect(r.past).toBeNull();
    expect(ids(r.search.edges.map((e) => e.node))).toEqual([]);
    expect(ids(r.byLead.edges.map((e) => e.node))).toEqual([]);
    expect(ids(r.changes.edges.map((e) => e.node.task))).toEqual([]);
    expect(ids(r.cmp.added)).toEqual([]);
    expect(ids(r.progress.overdue)).toEqual([]);
    expect(r.obstacles.edges).toEqual([]);
    expect(r.obstacle).toBeNull();
    // The public task next to it is there: the filter is confidentiality, not the unit.
    expect(r.byLead.edges.map((e) => e.node.id)).toContain('P');
  });

  it('its delegated child inherits it: the commune and the leaders above see it, the coordinating province does not', async () => {
    const children = 'query { task(id: "C") { children { id lead { id } } } child: task(id: "C/00004") { id parent { id } } }';
    type R = { task: { children: { id: string }[] } | null; child: { id: string; parent: { id: string } | null } | null };
    const childId = (await q<R>(children, 'leader', 'GOV')).task!.children[0]!.id;
    expect(childId).toMatch(/00004/);
    const withId = children.replace('C/00004', childId);
    expect((await q<R>(withId, 'leader', '01')).task!.children.map((c) => c.id)).toEqual([childId]);
    expect((await q<R>(withId, 'leader', '79')).task!.children).toEqual([]); // sees C as coordinator, not the commune's child
    expect((await q<R>(withId, 'leader', '79')).child).toBeNull();
    const commune = await q<R>(withId, 'focal_point', '00004');
    expect(commune.child?.id).toBe(childId);
    expect(commune.child?.parent).toBeNull(); // the commune sees its own task, not the province's confidential parent
  });
});
