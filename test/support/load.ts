import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readStoredEvents } from './events-db.js';
import { SECRET, type TestServer, ok, token } from './server.js';

/**
 * A small Project 06 world and a load of concurrent mutations against the real server, for the
 * reliability tests (crash, shutdown, backup): every mutation carries a clientMutationId, so each
 * one can be found on disk afterwards and retried.
 */

const root = new URL('../..', import.meta.url).pathname;
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
export const UNITS: [string, string, string | null][] = [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['01', 'PROVINCE', 'GOV'], ['79', 'PROVINCE', 'GOV']];
const LEADS = ['BCA', '01', '79'];

export interface World { leader: string; focal: Record<string, string>; tasks: { id: string; lead: string }[] }

/** Units, tokens and a few tasks with an indicator each. */
export async function setUpWorld(server: TestServer, prefix = 'W'): Promise<World> {
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  const leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  const focal: Record<string, string> = {};
  for (const u of LEADS) focal[u] = await token({ id: `focal-${u}`, role: 'focal_point', unit: u });
  for (const [id, kind, parentId] of UNITS) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`,
      { input: { clientMutationId: `unit-${id}`, id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
  const tasks: World['tasks'] = [];
  for (let i = 0; i < 6; i++) {
    const lead = LEADS[i % LEADS.length]!;
    const id = `${prefix}${i}`;
    ok(await server.gql(ASSIGN, { input: assignInput(id, lead, `setup-${id}`) }, leader));
    tasks.push({ id, lead });
  }
  return { leader, focal, tasks };
}

const ASSIGN = `mutation ($input: AssignTaskInput!) { assignTask(input: $input) { clientMutationId position task { id version } } }`;
const PROGRESS = `mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { clientMutationId position task { id version } } }`;
const OBSTACLE = `mutation ($input: RaiseObstacleInput!) { raiseObstacle(input: $input) { clientMutationId position obstacle { id version } } }`;

const assignInput = (id: string, lead: string, clientMutationId: string) => ({
  clientMutationId, id, title: `Nhiệm vụ ${id}`, source, leadUnitId: lead, deadline: '2030-12-31',
  indicators: [{ code: 'VNEID_L2', name: 'Tài khoản định danh mức 2', unitOfMeasure: 'tài khoản', target: 1_000_000 }],
});

/** One mutation as sent: enough to find it on disk and to send it again. */
export interface Mutation { clientMutationId: string; actorId: string; query: string; variables: Record<string, unknown>; token: string; field: string }
export interface Ack { mutation: Mutation; position: string }

export interface LoadResult {
  attempted: Mutation[];
  acked: Ack[];
  /** Requests that got a response that was not an acknowledgement (e.g. 503 while closing), by status. */
  refused: Record<string, number>;
  /** Requests in flight when `onAck` asked to stop (the stop came mid-load when this is > 0). */
  inFlightAtStop: number;
}

/**
 * `clients` loops, each sending its next mutation as soon as the last one answered. After
 * `stopAfter` acknowledgements `onStop` runs once (kill the server, take a backup …) while the others
 * are still in flight; the loops end when it has finished, or at their first network error.
 */
export async function drive(server: TestServer, world: World, opts: { clients: number; stopAfter: number; onStop: (sofar: LoadResult) => Promise<unknown>; tag: string }): Promise<LoadResult> {
  const result: LoadResult = { attempted: [], acked: [], refused: {}, inFlightAtStop: -1 };
  const tasks = [...world.tasks];
  let inFlight = 0;
  let stopping: Promise<unknown> | undefined;
  let finished = false;
  const leaderId = 'leader';
  const client = async (c: number) => {
    for (let n = 0; ; n++) {
      const cmid = `${opts.tag}-c${c}-${n}`;
      const pick = tasks[(c * 7 + n * 13) % tasks.length]!;
      let m: Mutation;
      if (n % 6 === 5) {
        const lead = LEADS[(c + n) % LEADS.length]!;
        m = { clientMutationId: cmid, actorId: leaderId, field: 'assignTask', query: ASSIGN, variables: { input: assignInput(`${opts.tag}-${c}-${n}`, lead, cmid) }, token: world.leader };
      } else if (n % 6 === 3) {
        m = {
          clientMutationId: cmid, actorId: `focal-${pick.lead}`, field: 'raiseObstacle', query: OBSTACLE, token: world.focal[pick.lead]!,
          variables: { input: { clientMutationId: cmid, id: `O-${cmid}`, taskId: pick.id, category: n % 2 ? 'DATA' : 'INFRASTRUCTURE', description: `Vướng mắc ${cmid}` } },
        };
      } else {
        m = {
          clientMutationId: cmid, actorId: `focal-${pick.lead}`, field: 'reportProgress', query: PROGRESS, token: world.focal[pick.lead]!,
          variables: { input: { clientMutationId: cmid, taskId: pick.id, percent: (c * 31 + n) % 101, indicators: [{ code: 'VNEID_L2', value: c * 1000 + n }], note: `Báo cáo ${cmid}` } },
        };
      }
      result.attempted.push(m);
      inFlight++;
      let r;
      try {
        r = await server.gql<Record<string, { position: string; task?: { id: string } }>>(m.query, m.variables, m.token);
      } catch {
        inFlight--;
        return; // the server is gone
      }
      inFlight--;
      const payload = r.status === 200 && !r.body.errors?.length ? r.body.data?.[m.field] : undefined;
      if (payload) {
        result.acked.push({ mutation: m, position: payload.position });
        if (m.field === 'assignTask') tasks.push({ id: (m.variables.input as { id: string }).id, lead: (m.variables.input as { leadUnitId: string }).leadUnitId });
        if (result.acked.length === opts.stopAfter && !stopping) {
          result.inFlightAtStop = inFlight;
          stopping = opts.onStop(result).finally(() => (finished = true));
        }
      } else {
        const key = `${r.status} ${r.body.errors?.[0]?.extensions?.code ?? ''}`.trim();
        result.refused[key] = (result.refused[key] ?? 0) + 1;
        if (r.status >= 500 && r.status !== 503) throw new Error(`server error ${r.status}: ${JSON.stringify(r.body)}`);
      }
      if (finished || (stopping && !server.alive)) return;
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, (_, c) => client(c)));
  await stopping;
  return result;
}

/**
 * Every acknowledged mutation is on disk exactly once, at the position its payload named: read
 * straight from events.db. Returns what is missing or wrong (empty when all is well).
 */
export function missingAcks(dataDir: string, acked: Ack[]): string[] {
  const byCmid = new Map<string, { position: string; actor: string }[]>();
  for (const e of readStoredEvents(dataDir)) {
    const m = e.metadata as { clientMutationId?: string; actor: { id: string } };
    if (!m.clientMutationId) continue;
    const list = byCmid.get(m.clientMutationId) ?? [];
    list.push({ position: e.position, actor: m.actor.id });
    byCmid.set(m.clientMutationId, list);
  }
  const problems: string[] = [];
  for (const a of acked) {
    const found = (byCmid.get(a.mutation.clientMutationId) ?? []).filter((x) => x.actor === a.mutation.actorId);
    if (found.length !== 1) problems.push(`${a.mutation.clientMutationId}: ${found.length} events`);
    else if (found[0]!.position !== a.position) problems.push(`${a.mutation.clientMutationId}: at ${found[0]!.position}, acknowledged at ${a.position}`);
  }
  return problems;
}

/** How many events each clientMutationId has on disk. */
export function eventsPerMutation(dataDir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of readStoredEvents(dataDir)) {
    const id = (e.metadata as { clientMutationId?: string }).clientMutationId;
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

const SNAPSHOT_TASKS = `query ($after: String) { tasks(first: 100, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id version progress status deadline lead { id } indicators { code target actual } history(first: 1) { totalCount } } } } }`;
const SNAPSHOT_REST = `{
  gov: unitProgress(unitId: "GOV") { totalTasks onTimeRate openObstacles byStatus { status count } indicators { code target actual } obstaclesByCategory { category count } }
  bca: unitProgress(unitId: "BCA") { totalTasks openObstacles byStatus { status count } indicators { code target actual } }
  p01: unitProgress(unitId: "01") { totalTasks openObstacles byStatus { status count } indicators { code target actual } }
  p79: unitProgress(unitId: "79") { totalTasks openObstacles byStatus { status count } indicators { code target actual } }
  programmeDashboard { ministries { unit { id } totalTasks overdue onTimeRate openObstacles } provinces { unit { id } totalTasks overdue onTimeRate openObstacles } obstaclesByCategory { category count } }
  obstacles(first: 1) { totalCount }
}`;

/** The read models as the API shows them: every task (version, progress, indicators, history count) and the roll-ups. */
export async function readModelSnapshot(server: TestServer, leaderToken: string): Promise<Record<string, unknown>> {
  const tasks: unknown[] = [];
  for (let after: string | null = null; ;) {
    const page: { tasks: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } =
      ok(await server.gql(SNAPSHOT_TASKS, { after }, leaderToken));
    tasks.push(...page.tasks.edges.map((e) => e.node));
    if (!page.tasks.pageInfo.hasNextPage) break;
    after = page.tasks.pageInfo.endCursor;
  }
  tasks.sort((a, b) => ((a as { id: string }).id < (b as { id: string }).id ? -1 : 1));
  const rest = ok(await server.gql(SNAPSHOT_REST, {}, leaderToken));
  return { tasks, ...rest };
}

/** `node bin/tiendo.js …args` on a data directory; resolves with the exit code and output. */
export function runCli(args: string[], dataDir: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/tiendo.js'), ...args], {
      cwd: root,
      env: { ...process.env, TIENDO_DATA: dataDir, TIENDO_AUTH_SECRET: SECRET, TIENDO_DEMO: '0', LOG_LEVEL: 'warn', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const REPORT_AND_SHOW = `mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { position task { id version progress } } }`;
const TASK = `query ($id: ID!) { task(id: $id) { version progress } }`;

/** `n` progress reports on the world's first task, each read back by the next query (no X-Tiendo-Min-Position): read-your-writes. Their positions. */
export async function reportAndReadBack(s: TestServer, world: World, n: number, tag: string): Promise<number[]> {
  const task = world.tasks[0]!;
  const seen: number[] = [];
  for (let i = 0; i < n; i++) {
    const percent = (i * 7 + 3) % 101;
    const r = ok(await s.gql<{ reportProgress: { position: string; task: { version: number; progress: number } } }>(REPORT_AND_SHOW,
      { input: { clientMutationId: `${tag}-${i}`, taskId: task.id, percent, indicators: [{ code: 'VNEID_L2', value: i }], note: `${tag} ${i}` } },
      world.focal[task.lead]));
    expect(r.reportProgress.task.progress).toBe(percent);
    const read = ok(await s.gql<{ task: { version: number; progress: number } }>(TASK, { id: task.id }, world.leader));
    expect(read.task).toEqual({ version: r.reportProgress.task.version, progress: percent });
    seen.push(Number(r.reportProgress.position));
  }
  return seen;
}

/**
 * After a SIGKILL: the server restarted on its data recovers a read model (more tasks than the
 * world's own), and it is the one a fresh `tiendo rebuild` of the same events gives. `env`: the
 * settings the rebuild runs with.
 */
export async function expectRecoveryAsRebuilt(s: TestServer, world: World, env: Record<string, string> = {}): Promise<void> {
  await s.boot();
  const recovered = await readModelSnapshot(s, world.leader);
  expect((recovered.tasks as unknown[]).length).toBeGreaterThan(world.tasks.length);
  expect(await s.stop()).toBe(0);
  const rebuild = await runCli(['rebuild'], s.dataDir, env);
  expect(rebuild.code, rebuild.stderr).toBe(0);
  expect(rebuild.stdout).toMatch(/rebuilt read models from \d+ events/);
  await s.boot();
  expect(await readModelSnapshot(s, world.leader)).toEqual(recovered);
}
