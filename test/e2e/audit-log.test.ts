import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/shared/schemas.js';
import { runCli } from '../support/load.js';
import { TestServer, errorCode, ok, token } from '../support/server.js';

/**
 * auditLog through the real server, from its read model (issue 16): every filter (actor, unit,
 * kind of event, time window) and their combinations give what the whole log, filtered here, gives;
 * pages of any size put together give the same; a leader sees their subtree (after a merger moved
 * a unit, its past with it); a rebuild of the read model gives the same rows, cursors included.
 *
 * Unit tree: GOV ─ BCA; 01 ─ 00004 ─ 0000401 (village), 00007; 79 ─ 79001.
 */
let server: TestServer;
const tokens: Record<string, string> = {};
const as = async (role: Role, unit: string) => (tokens[`${role}@${unit}`] ??= await token({ id: `${role}@${unit}`, role, unit }));
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const before: Record<string, string> = { BCA: 'GOV', '01': 'GOV', '79': 'GOV', '00004': '01', '00007': '01', '0000401': '00004', '79001': '79' };
/** After the merger (recorded after t2, dated its effective day): the village sits under 79001. */
const after: Record<string, string> = { ...before, '0000401': '79001' };
const within = (tree: Record<string, string>, unit: string, ancestor: string): boolean =>
  unit === ancestor || (!!tree[unit] && within(tree, tree[unit]!, ancestor));
/** The log's order, as the server first gave it. */
let everything: Entry[] = [];
/**
 * A change concerns a unit's subtree as the tree stood when it was recorded, or as it stands now
 * (a moved unit brings its past).
 */
const concerns = (e: Entry, ancestor: string) => {
  const beforeMerger = everything.indexOf(e) < everything.findIndex((x) => x.node.action === 'UnitsMergedInto');
  return e.node.units.some((u) => within(after, u.id, ancestor) || (beforeMerger && within(before, u.id, ancestor)));
};

interface Entry { cursor: string; node: { id: string; at: string; action: string; stream: string; actor: { id: string }; units: { id: string }[] } }
interface Page { edges: Entry[]; pageInfo: { hasNextPage: boolean; endCursor: string | null }; totalCount: number }

const QUERY = `query ($from: DateTime, $to: DateTime, $actorId: ID, $unitId: ID, $actions: [String!], $first: Int, $after: String) {
  auditLog(from: $from, to: $to, actorId: $actorId, unitId: $unitId, actions: $actions, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id at action stream actor { id } units { id } } } } }`;

async function page(args: Record<string, unknown>, bearer: string): Promise<Page> {
  return ok(await server.gql<{ auditLog: Page }>(QUERY, args, bearer)).auditLog;
}
/** Every entry, page by page of `size`; checks hasNextPage and totalCount on the way. */
async function all(args: Record<string, unknown>, bearer?: string, size = 100): Promise<Entry[]> {
  const who = bearer ?? (await as('leader', 'GOV'));
  const out: Entry[] = [];
  for (let after: string | null = null; ;) {
    const p = await page({ ...args, first: size, after }, who);
    out.push(...p.edges);
    expect(p.edges.length).toBeLessThanOrEqual(size);
    if (!p.pageInfo.hasNextPage) {
      expect(p.totalCount).toBe(out.length);
      return out;
    }
    expect(p.edges.length).toBe(size);
    after = p.pageInfo.endCursor;
  }
}
const ids = (entries: Entry[]) => entries.map((e) => e.node.id);

async function must(mutation: string, input: Record<string, unknown>, bearer: string) {
  const r = await server.gql<Record<string, { position: string }>>(`mutation ($input: ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { position } }`, { input }, bearer);
  return ok(r)[mutation]!.position;
}
/** An instant strictly between what came before and what comes after (the server stamps events with its clock). */
async function instantBetween(): Promise<string> {
  const t = Date.now();
  while (Date.now() <= t + 1) await new Promise((r) => setImmediate(r));
  return new Date(t + 1).toISOString();
}

let t1 = '';
let t2 = '';

beforeAll(async () => {
  server = await TestServer.start({ TIENDO_REMINDERS: '0' });
  const admin = await as('admin', 'GOV');
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['01', 'PROVINCE', 'GOV'], ['79', 'PROVINCE', 'GOV'],
    ['00004', 'COMMUNE', '01'], ['00007', 'COMMUNE', '01'], ['0000401', 'VILLAGE', '00004'], ['79001', 'COMMUNE', '79']] as const) {
    await must('registerUnit', { id, kind, name: `Đơn vị ${id}`, parentId }, admin);
  }
  const gov = await as('leader', 'GOV');
  for (const [id, lead] of [['A1', '01'], ['A2', '00004'], ['B1', '79'], ['V1', '0000401']]) {
    await must('assignTask', { id, title: `Nhiệm vụ ${id}`, source, leadUnitId: lead, deadline: '2030-12-31' }, gov);
  }
  await must('assignTask', { id: 'S1', title: 'Mật', source, leadUnitId: '79', confidential: true }, gov);
  t1 = await instantBetween();
  for (let i = 1; i <= 3; i++) {
    await must('reportProgress', { taskId: 'A1', percent: 10 * i, note: `Lần ${i}` }, await as('focal_point', '01'));
    await must('reportProgress', { taskId: 'A2', percent: 10 * i, note: `Lần ${i}` }, await as('leader', '01'));
    await must('reportProgress', { taskId: 'B1', percent: 10 * i, note: `Lần ${i}` }, await as('focal_point', '79'));
  }
  await must('reportProgress', { taskId: 'S1', percent: 5, note: 'Mật' }, await as('focal_point', '79'));
  await must('renameUnit', { unitId: '0000401', name: 'Thôn Một', reason: 'Đổi tên' }, await as('admin', '01'));
  t2 = await instantBetween();
  // 00004 merges into 79001: its village and its task move to Hồ Chí Minh City's side of the tree.
  await must('mergeUnits', { from: ['00004'], into: '79001', effectiveOn: '2025-07-01', reason: 'Sắp xếp đơn vị hành chính' }, admin);
  await must('reportProgress', { taskId: 'V1', percent: 50, note: 'Sau sáp nhập' }, await as('focal_point', '0000401'));
}, 120_000);

afterAll(async () => {
  await server?.dispose();
});

describe('auditLog from its read model, through the server', () => {
  it('gives every change, oldest first, the same in pages of any size', async () => {
    everything = await all({});
    expect(everything.length).toBeGreaterThan(25);
    expect(everything[0]!.node).toMatchObject({ action: 'UnitRegistered', stream: 'unit-GOV' });
    // The merger's events are dated the day it took effect, before everything else they follow: time and order differ.
    expect(everything.find((e) => e.node.action === 'UnitsMergedInto')!.node.at < t1).toBe(true);
    for (const size of [1, 7]) expect(ids(await all({}, undefined, size))).toEqual(ids(everything));
    expect(new Set(ids(everything)).size).toBe(everything.length);
  });

  it('each filter and their combinations give what the whole log filtered gives', async () => {
    const cases: [Record<string, unknown>, (e: Entry) => boolean][] = [
      [{ actorId: 'focal_point@79' }, (e) => e.node.actor.id === 'focal_point@79'],
      [{ actions: ['ProgressReported'] }, (e) => e.node.action === 'ProgressReported'],
      [{ actions: ['UnitRenamed', 'UnitsMergedInto'] }, (e) => ['UnitRenamed', 'UnitsMergedInto'].includes(e.node.action)],
      [{ from: t1, to: t2 }, (e) => e.node.at >= t1 && e.node.at <= t2],
      [{ from: t2 }, (e) => e.node.at >= t2],
      [{ to: t1 }, (e) => e.node.at <= t1],
      [{ unitId: '01' }, (e) => concerns(e, '01')],
      [{ unitId: '79' }, (e) => concerns(e, '79')],
      [{ unitId: '00004' }, (e) => concerns(e, '00004')],
      [{ unitId: '01', actions: ['ProgressReported'], from: t1, to: t2 }, (e) => e.node.action === 'ProgressReported' && concerns(e, '01') && e.node.at >= t1 && e.node.at <= t2],
      [{ actorId: 'leader@01', actions: ['ProgressReported'], from: t1 }, (e) => e.node.actor.id === 'leader@01' && e.node.action === 'ProgressReported' && e.node.at >= t1],
    ];
    for (const [args, keep] of cases) {
      const expected = ids(everything.filter(keep));
      expect(expected.length, JSON.stringify(args)).toBeGreaterThan(0);
      expect(ids(await all(args, undefined, 2)), JSON.stringify(args)).toEqual(expected);
    }
    expect(ids(await all({ actorId: 'nobody' }))).toEqual([]);
    expect(ids(await all({ from: '2000-01-01T00:00:00Z', to: '2000-12-31T00:00:00Z' }))).toEqual([]);
    // A window in another offset is the same instants.
    const hanoi = (iso: string) => new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().replace('Z', '+07:00');
    expect(ids(await all({ from: hanoi(t1), to: hanoi(t2) }))).toEqual(ids(everything.filter((e) => e.node.at >= t1 && e.node.at <= t2)));
  });

  it('a province leader sees their subtree, and a merged unit\'s past moves with it', async () => {
    const hcm = await all({}, await as('leader', '79'));
    const streams = new Set(hcm.map((e) => e.node.stream));
    for (const s of ['unit-79', 'unit-79001', 'task-B1', 'task-S1', 'unit-0000401', 'task-V1']) expect(streams, s).toContain(s);
    expect(streams).not.toContain('unit-01');
    // The village's registration, from before the merger, is now Hồ Chí Minh City's past too.
    expect(hcm.some((e) => e.node.stream === 'unit-0000401' && e.node.action === 'UnitRegistered')).toBe(true);
    const hanoi = await all({}, await as('leader', '01'));
    expect(hanoi.some((e) => e.node.stream === 'task-A1')).toBe(true);
    expect(hanoi.some((e) => e.node.stream === 'task-S1' || e.node.stream === 'unit-79')).toBe(false);
    const refused = await server.gql(QUERY, { unitId: '79' }, await as('leader', '01'));
    expect(errorCode(refused)).toBe('FORBIDDEN');
  });

  it('refuses a cursor it did not give and too many kinds, with BAD_USER_INPUT', async () => {
    const gov = await as('leader', 'GOV');
    expect(errorCode(await server.gql(QUERY, { after: Buffer.from('c:abc').toString('base64url') }, gov))).toBe('BAD_USER_INPUT');
    expect(errorCode(await server.gql(QUERY, { actions: Array.from({ length: 51 }, (_, i) => `K${i}`) }, gov))).toBe('BAD_USER_INPUT');
  });

  it('a rebuild that files the audit log anew (TIENDO_REBUILD_KEEP_AUDIT=0) gives the same rows and cursors', async () => {
    const { stdout } = await rebuildGivesSamePages({ TIENDO_REBUILD_KEEP_AUDIT: '0' });
    expect(stdout).toMatch(/rebuilt read models from \d+ events\n/);
  });

  it('a rebuild keeps the audit log by default, says so, and gives the same rows and cursors', async () => {
    const { stdout } = await rebuildGivesSamePages();
    // The server stopped caught up: the log it wrote holds every event, none filed again.
    const said = /rebuilt read models from (\d+) events; the audit log kept, (\d+) events filed before unchanged/.exec(stdout);
    expect(said, stdout).not.toBeNull();
    expect(Number(said![2])).toBe(Number(said![1]));
  });

  /** The server stopped, `tiendo rebuild` run with `env`, the server booted again: the same pages, whole and by unit. The CLI's output. */
  async function rebuildGivesSamePages(env: Record<string, string> = {}): Promise<{ stdout: string }> {
    const before = await all({});
    const beforeHcm = await all({ unitId: '79' });
    expect(await server.stop()).toBe(0);
    const rebuilt = await runCli(['rebuild'], server.dataDir, env);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    await server.boot();
    expect(await all({})).toEqual(before);
    expect(await all({ unitId: '79' })).toEqual(beforeHcm);
    return rebuilt;
  }
});
