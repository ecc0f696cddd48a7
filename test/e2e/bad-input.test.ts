import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer, errorCode, ok, token } from '../support/server.js';

/** Bad input of every kind gets a clear error with a code, and nothing is written. */
let server: TestServer;
let admin: string;
let leader: string;
let focal: string;
let otherFocal: string;

const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const ASSIGN = `mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`;

async function eventCount(): Promise<number> {
  const r = ok(await server.gql<{ tasks: { totalCount: number } ; t: { version: number; history: { totalCount: number } } }>(
    `{ tasks(first: 1) { totalCount } t: task(id: "B1") { version history { totalCount } } }`, {}, leader));
  return r.tasks.totalCount * 1000 + r.t.version * 10 + r.t.history.totalCount;
}

beforeAll(async () => {
  server = await TestServer.start();
  admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  focal = await token({ id: 'focal-bca', role: 'focal_point', unit: 'BCA' });
  otherFocal = await token({ id: 'focal-byt', role: 'focal_point', unit: 'BYT' });
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['BYT', 'MINISTRY', 'GOV']]) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Unit ${id}`, parentId } }, admin));
  }
  ok(await server.gql(ASSIGN, { input: { id: 'B1', title: 'Nhiệm vụ mẫu', source, leadUnitId: 'BCA', deadline: '2030-01-01' } }, leader));
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

describe('bad input over HTTP', () => {
  const cases: [string, () => Promise<{ status: number; code: string | undefined }>, string][] = [
    ['an impossible date', async () => {
      const r = await server.gql(ASSIGN, { input: { title: 'x', source, leadUnitId: 'BCA', deadline: '2026-13-45' } }, leader);
      return { status: r.status, code: errorCode(r) };
    }, 'BAD_USER_INPUT'],
    ['an impossible date in a literal', async () => {
      const r = await server.gql(`mutation { assignTask(input: { title: "x", source: { number: "1", date: "2026-02-30", issuer: "y" }, leadUnitId: "BCA" }) { task { id } } }`, {}, leader);
      return { status: r.status, code: errorCode(r) };
    }, 'BAD_USER_INPUT'],
    ['a wrong type', async () => {
      const r = await server.gql(ASSIGN, { input: { title: 42, source, leadUnitId: 'BCA' } }, leader);
      return { status: r.status, code: errorCode(r) };
    }, 'BAD_USER_INPUT'],
    ['a blank title', async () => {
      const r = await server.gql(ASSIGN, { input: { title: '   ', source, leadUnitId: 'BCA' } }, leader);
      return { status: r.status, code: errorCode(r) };
    }, 'BAD_USER_INPUT'],
    ['an oversized title', async () => {
      const r = await server.gql(ASSIGN, { input: { title: 'x'.repeat(501), source, leadUnitId: 'BCA' } }, leader);
      return { status: r.status, code: errorCode(r) };
    }, 'BAD_USER_INPUT'],
    ['a NUL character', async () => {
      const r = await server.gql(ASSIGN, { input: { title: 'a\u0000b', source, leadUnitId: 'BCA' } }, leader);
      return { status: r.status, code: errorCode(r) };
    }, 'BAD_USER_INPUT'],
    ['an unknown lead unit', async () => {
      const r = await server.gql(ASSIGN, { input: { title: 'x', source, leadUnitId: 'NOPE' } }, leader);
      return { status: r.status, code: errorCode(r) };
    }, 'NOT_FOUND'],
    ['an unknown task', async () => {
      const r = await server.gql(`mutation { reportProgress(input: { taskId: "NOPE", percent: 5, note: "x" }) { task { id } } }`, {}, focal);
      return { status: r.status, code: errorCode(r) };
    }, 'NOT_FOUND'],
    ['a stale expectedVersion', async () => {
      const r = await server.gql(`mutation { reportProgress(input: { taskId: "B1", expectedVersion: 7, percent: 5, note: "x" }) { task { id } } }`, {}, focal);
      return { status: r.status, code: errorCode(r) };
    }, 'CONFLICT'],
    ['a focal point assigning a task', async () => {
      const r = await server.gql(ASSIGN, { input: { title: 'x', source, leadUnitId: 'BCA' } }, focal);
      return { status: r.status, code: errorCode(r) };
    }, 'FORBIDDEN'],
    ['a focal point writing for another unit', async () => {
      const r = await server.gql(`mutation { reportProgress(input: { taskId: "B1", percent: 5, note: "x" }) { task { id } } }`, {}, otherFocal);
      return { status: r.status, code: errorCode(r) };
    }, 'FORBIDDEN'],
    ['a focal point changing a deadline', async () => {
      const r = await server.gql(`mutation { decideDeadlineExtension(input: { taskId: "B1", approve: true, deadline: "2031-01-01", reason: "tự gia hạn" }) { task { id } } }`, {}, focal);
      return { status: r.status, code: errorCode(r) };
    }, 'FORBIDDEN'],
    ['a page larger than 100', async () => {
      const r = await server.gql(`{ tasks(first: 101) { totalCount } }`, {}, leader);
      return { status: r.status, code: errorCode(r) };
    }, 'BAD_USER_INPUT'],
    ['a query that does not parse', async () => {
      const r = await server.gql(`{ tasks(first: `, {}, leader);
      return { status: r.status, code: errorCode(r) };
    }, 'BAD_USER_INPUT'],
    ['an unknown field', async () => {
      const r = await server.gql(`{ nothingHere }`, {}, leader);
      return { status: r.status, code: errorCode(r) };
    }, 'BAD_USER_INPUT'],
    ['no token', async () => {
      const r = await server.gql(`{ tasks { totalCount } }`);
      return { status: r.status, code: errorCode(r) };
    }, 'UNAUTHENTICATED'],
    ['a token signed with another secret', async () => {
      const forged = 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoibGVhZGVyIiwidW5pdCI6IkdPViIsInN1YiI6IngifQ.c2lnbmF0dXJlLWZyb20tc29tZXdoZXJlLWVsc2U';
      const r = await server.gql(`{ tasks { totalCount } }`, {}, forged);
      return { status: r.status, code: errorCode(r) };
    }, 'UNAUTHENTICATED'],
  ];

  for (const [label, call, code] of cases) {
    it(`${label}: ${code}, nothing written`, async () => {
      const before = await eventCount();
      const { status, code: got } = await call();
      expect(got).toBe(code);
      expect(status).toBeLessThan(500);
      expect(await eventCount()).toBe(before);
    });
  }

  it('a message says what is wrong, without a stack trace', async () => {
    const r = await server.gql(ASSIGN, { input: { title: 'x', source, leadUnitId: 'BCA', deadline: '2026-13-45' } }, leader);
    const message = r.body.errors![0]!.message;
    expect(message).toMatch(/2026-13-45|calendar date/);
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('malformed JSON gets a 400 and the server stays up', async () => {
    const r = await server.raw('{"query": "{ tasks', { 'content-type': 'application/json', authorization: `Bearer ${leader}` });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('accepts "extensions": null, as the GraphQL-over-HTTP spec requires', async () => {
    const r = await server.raw(JSON.stringify({ query: '{ me { id role } }', extensions: null }), { 'content-type': 'application/json', authorization: `Bearer ${leader}` });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).data.me).toEqual({ id: 'leader', role: 'leader' });
  });
});
