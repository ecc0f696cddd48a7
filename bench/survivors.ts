/**
 * `npm run bench:survivors -- --data DIR [--load task|mutations] [--seconds 10] [--rate 5000] [--rows 20]`:
 * what the server allocates that outlives a scavenge, by allocation site, under one of the bench's
 * loads. Such objects are promoted to the old generation, and only a full collection frees them:
 * at a fixed rate those collections were the latency tail, under mutations a tenth of the CPU
 * (bench/README.md, session 11). DIR is a data directory the bench kept (`npm run bench -- --keep`).
 *
 * The server runs with bench/survivors-preload.cjs, V8's sampling heap profiler with the objects a
 * minor collection frees left out. `task`: the bench's task page query (2,000 tasks in turn),
 * answered from the response cache, at a fixed rate in an open loop; `mutations`: reportProgress on
 * open tasks, 64 connections, each task touched once first. Prints the bytes sampled per request and
 * the allocating functions and stacks with the most.
 */
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BenchServer, type Gql, gql, leaderToken, load, openLoad } from './http.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' }, load: { type: 'string', default: 'task' }, seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '5000' }, rows: { type: 'string', default: '20' },
  },
});
if (!values.data || !['task', 'mutations'].includes(values.load!)) {
  console.error('usage: npm run bench:survivors -- --data DIR [--load task|mutations] [--seconds 10] [--rate 5000] [--rows 20]');
  process.exit(2);
}
const seconds = Number(values.seconds);
const out = join(tmpdir(), `tiendo-survivors-${process.pid}.json`);
const server = await BenchServer.start(values.data, {
  nodeArgs: ['--require', join(dirname(fileURLToPath(import.meta.url)), 'survivors-preload.cjs')], env: { TIENDO_SURVIVORS_OUT: out },
});
const pid = (server as unknown as { child: { pid: number } }).child.pid;

interface Page { tasks: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }
/** Up to 2,000 task ids, in the order the API lists them (`status`: only those). */
async function taskIds(token: string, status?: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let after: string | null = null; ids.length < 2000;) {
    const { data }: { data: Page } = await gql<Page>(server.url, token, {
      query: 'query($f: TaskFilter, $after: String) { tasks(filter: $f, first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
      variables: { f: status ? { status } : null, after },
    });
    ids.push(...data.tasks.edges.map((e) => e.node.id));
    if (!data.tasks.pageInfo.hasNextPage) break;
    after = data.tasks.pageInfo.endCursor;
  }
  return ids;
}

/** Samples from 1 s into `run` until 1 s before its end. */
async function sampled<T extends { requests: number }>(run: Promise<T>): Promise<T> {
  const start = setTimeout(() => process.kill(pid, 'SIGUSR2'), 1000);
  const stop = setTimeout(() => process.kill(pid, 'SIGUSR2'), (seconds - 1) * 1000);
  const figure = await run;
  clearTimeout(start);
  clearTimeout(stop);
  return figure;
}

interface Node { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] }
let figure: { requests: number };
try {
  const token = await leaderToken();
  if (values.load === 'task') {
    const bodies: Gql[] = (await taskIds(token)).map((id) => ({
      query: `query($id: ID!) { task(id: $id) { id title deadline status progress version lead { id name } indicators { code target actual }
        history(first: 10) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { at kind actor { id role } changes { field from to } reason } } } } }`,
      variables: { id },
    }));
    await load(server.url, token, bodies, { connections: 64, seconds: 5 }); // every page in the response cache
    figure = await sampled(openLoad(server.url, token, bodies, { rate: Number(values.rate), seconds, connections: 64 }));
  } else {
    let m = 0;
    const bodies: Gql[] = (await taskIds(token, ['IN_PROGRESS_ON_TIME', 'DUE_SOON', 'OVERDUE'])).map((id) => ({
      query: 'mutation($input: ReportProgressInput!) { reportProgress(input: $input) { position task { id progress version } } }',
      variables: { input: { taskId: id, percent: 50 + (m++ % 50), note: 'Cập nhật tiến độ qua API: đã hoàn thành rà soát trong tuần' } },
    }));
    await load(server.url, token, bodies, { connections: 64, seconds: 60, amount: bodies.length }); // each stream folded once
    figure = await sampled(load(server.url, token, bodies, { connections: 64, seconds }));
  }
  // The profile is written once the second signal is handled.
  for (let i = 0; i < 100; i++) {
    try {
      readFileSync(out);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
} finally {
  await server.stop();
}

const profile = JSON.parse(readFileSync(out, 'utf8')) as { head: Node; error?: string };
rmSync(out);
if (profile.error) throw new Error(profile.error);
const where = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:.*?\/(src|bench|projections)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
const bySite = new Map<string, number>();
const byStack = new Map<string, number>();
let total = 0;
(function walk(n: Node, stack: string[]) {
  const here = [where(n), ...stack];
  if (n.selfSize) {
    total += n.selfSize;
    bySite.set(here[0]!, (bySite.get(here[0]!) ?? 0) + n.selfSize);
    const key = here.slice(0, 6).join('\n      <- ');
    byStack.set(key, (byStack.get(key) ?? 0) + n.selfSize);
  }
  for (const c of n.children) walk(c, here);
})(profile.head, []);
const rows = Number(values.rows);
const sampledRequests = Math.round((figure.requests * (seconds - 2)) / seconds);
console.log(`${values.load}: ${figure.requests} requests in ${seconds} s; sampled over ${seconds - 2} s: ${(total / 1e6).toFixed(1)} MB outlived a scavenge, ~${Math.round(total / sampledRequests)} bytes a request`);
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${(bytes / 1e6).toFixed(2).padStart(8)} MB  ${site}`);
console.log('stacks:');
for (const [stack, bytes] of [...byStack].sort((a, b) => b[1] - a[1]).slice(0, Math.ceil(rows / 2))) console.log(`${(bytes / 1e6).toFixed(2).padStart(8)} MB  ${stack}`);
