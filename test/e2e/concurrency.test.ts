import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamEvents } from '../support/events-db.js';
import { TestServer, errorCode, ok, token, type GqlResponse } from '../support/server.js';

/**
 * Concurrent commands against the real server (DESIGN §3 "Streams", "Idempotency"; §5 Reliability):
 * N requests are all in flight at once, and the outcome is read back both over the API and straight
 * from the SQLite file.
 */
const N = 16;
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const ASSIGN = `mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id version } } }`;
const PROGRESS = `mutation ($input: ReportProgressInput!) {
  reportProgress(input: $input) { clientMutationId position task { id version progress } } }`;
const VERSION = `query ($id: ID!) { task(id: $id) { version progress history { totalCount } } }`;

type ProgressPayload = { reportProgress: { clientMutationId: string | null; position: string; task: { id: string; version: number; progress: number } } };

let server: TestServer;
let leader: string;
let focal: string;

const all = <T>(n: number, f: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => f(i)));

async function newTask(id: string): Promise<void> {
  ok(await server.gql(ASSIGN, { input: { id, title: `Nhiệm vụ ${id}`, source, leadUnitId: 'BCA', deadline: '2030-12-31' } }, leader));
}

async function snapshot(id: string) {
  return ok(await server.gql<{ task: { version: number; progress: number; history: { totalCount: number } } }>(VERSION, { id }, leader)).task;
}

beforeAll(async () => {
  server = await TestServer.start();
  const admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  focal = await token({ id: 'focal-bca', role: 'focal_point', unit: 'BCA' });
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV']]) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

describe(`${N} concurrent commands on one stream`, () => {
  it('on one expectedVersion: exactly one succeeds, the others get CONFLICT, one event is written', async () => {
    await newTask('K1');
    const before = await snapshot('K1');
    const results = await all(N, (i) => server.gql<ProgressPayload>(PROGRESS, { input: { taskId: 'K1', expectedVersion: before.version, percent: i + 1, note: `đua ${i}` } }, focal));
    const winners = results.filter((r) => r.body.data?.reportProgress);
    const losers = results.filter((r) => !r.body.data?.reportProgress);
    expect(winners).toHaveLength(1);
    expect(losers.map(errorCode)).toEqual(Array(N - 1).fill('CONFLICT'));
    for (const r of results) expect(r.status).toBeLessThan(500);

    const after = await snapshot('K1');
    expect(after.version).toBe(before.version + 1);
    expect(after.history.totalCount).toBe(before.history.totalCount + 1);
    // The stored event is the winner's, not some other request's.
    const stored = streamEvents(server.dataDir, 'task-K1');
    expect(stored).toHaveLength(before.version + 2);
    expect(stored.at(-1)!.data).toMatchObject({ percent: winners[0]!.body.data!.reportProgress.task.progress });
  });

  it('retrying one clientMutationId: one event, and every request gets the same payload', async () => {
    await newTask('K2');
    const before = await snapshot('K2');
    const input = { clientMutationId: 'retry-me', taskId: 'K2', percent: 42, indicators: [], note: 'gửi lại nhiều lần' };
    const results: GqlResponse<ProgressPayload>[] = await all(N, () => server.gql<ProgressPayload>(PROGRESS, { input }, focal));
    const payloads = results.map((r) => ok(r).reportProgress);
    for (const p of payloads) expect(p).toEqual(payloads[0]);
    expect(payloads[0]).toMatchObject({ clientMutationId: 'retry-me', task: { version: before.version + 1, progress: 42 } });

    const after = await snapshot('K2');
    expect(after.history.totalCount).toBe(before.history.totalCount + 1);
    const stored = streamEvents(server.dataDir, 'task-K2').filter((e) => (e.metadata as { clientMutationId?: string }).clientMutationId === 'retry-me');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.position).toBe(payloads[0]!.position);
  });

  it('without expectedVersion: all are serialised and none is lost', async () => {
    await newTask('K3');
    const before = await snapshot('K3');
    const results = await all(N, (i) => server.gql<ProgressPayload>(PROGRESS, { input: { taskId: 'K3', percent: i, note: `báo cáo ${i}` } }, focal));
    const versions = results.map((r) => ok(r).reportProgress.task.version);
    // Each request saw its own write (read-your-writes), and each got a different version.
    expect(new Set(versions).size).toBe(N);
    const after = await snapshot('K3');
    expect(after.version).toBe(before.version + N);
    expect(after.history.totalCount).toBe(before.history.totalCount + N);
    const notes = streamEvents(server.dataDir, 'task-K3').slice(1).map((e) => (e.data as { note: string }).note);
    expect(notes.sort()).toEqual(Array.from({ length: N }, (_, i) => `báo cáo ${i}`).sort());
    // Revisions are gap-free: 0..N.
    expect(streamEvents(server.dataDir, 'task-K3').map((e) => e.revision)).toEqual(Array.from({ length: N + 1 }, (_, i) => i));
  });

  it('creating one task id: exactly one assignTask succeeds, the others get CONFLICT', async () => {
    const results = await all(N, (i) => server.gql(ASSIGN, { input: { id: 'K4', title: `Ứng viên ${i}`, source, leadUnitId: 'BCA' } }, leader));
    expect(results.filter((r) => r.body.data?.assignTask)).toHaveLength(1);
    expect(results.filter((r) => !r.body.data?.assignTask).map(errorCode)).toEqual(Array(N - 1).fill('CONFLICT'));
    expect(streamEvents(server.dataDir, 'task-K4')).toHaveLength(1);
  });

  it('different streams at once: every command lands on its own stream', async () => {
    const ids = Array.from({ length: N }, (_, i) => `K5-${i}`);
    await all(N, (i) => newTask(ids[i]!));
    const results = await all(N * 2, (i) => server.gql<ProgressPayload>(PROGRESS, { input: { taskId: ids[i % N]!, percent: i, note: `n${i}` } }, focal));
    for (const r of results) ok(r);
    for (const id of ids) expect(streamEvents(server.dataDir, `task-${id}`).map((e) => e.revision)).toEqual([0, 1, 2]);
  });
});
