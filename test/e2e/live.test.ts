import { DateTime } from 'luxon';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, errorInfo, untilSubscribed, wsClient } from '../support/live.js';
import { TestServer, ok, token } from '../support/server.js';

/**
 * GraphQL subscriptions (issue 10) with the graphql-ws client over `ws` against the real server:
 * a deadline change reaches a subscriber, a confidential task reaches no unrelated subscriber,
 * bad subscriptions and bad tokens get clear refusals and the server keeps serving.
 */
const today = DateTime.now().setZone('Asia/Ho_Chi_Minh');
const day = (offset: number) => today.plus({ days: offset }).toISODate()!;
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };

let server: TestServer;
let admin: string;
let leader: string;
let focalBCA: string;
let focal01: string;
let focal79: string;
const clients: Client[] = [];
const collectors: Collector[] = [];

const client = (params?: Record<string, unknown>) => {
  const c = wsClient(server, params);
  clients.push(c);
  return c;
};
function watch<T = Record<string, unknown>>(c: Client, query: string, variables: Record<string, unknown> = {}): Collector<T> {
  const col = new Collector<T>(c, query, variables);
  collectors.push(col as Collector);
  return col;
}

const ASSIGN = `mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id version } } }`;
const REQUEST = `mutation ($input: RequestDeadlineExtensionInput!) { requestDeadlineExtension(input: $input) { task { version } } }`;
const DECIDE = `mutation ($input: DecideDeadlineExtensionInput!) { decideDeadlineExtension(input: $input) { task { deadline version } } }`;

beforeAll(async () => {
  server = await TestServer.start({ TIENDO_REMINDERS: '0' });
  admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader-gov', role: 'leader', unit: 'GOV' });
  focalBCA = await token({ id: 'focal-bca', role: 'focal_point', unit: 'BCA' });
  focal01 = await token({ id: 'focal-01', role: 'focal_point', unit: '01' });
  focal79 = await token({ id: 'focal-79', role: 'focal_point', unit: '79' });
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['01', 'PROVINCE', 'GOV'], ['79', 'PROVINCE', 'GOV']] as const) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
  ok(await server.gql(ASSIGN, { input: { id: 'L1', title: 'Kết nối CSDL quốc gia về dân cư', source, leadUnitId: 'BCA', deadline: day(30) } }, leader));
  ok(await server.gql(ASSIGN, { input: { id: 'S1', title: 'Nhiệm vụ mật của Hà Nội', source, leadUnitId: '01', deadline: day(30), confidential: true } }, leader));
  ok(await server.gql(ASSIGN, { input: { id: 'P1', title: 'Nhiệm vụ công khai của Hà Nội', source, leadUnitId: '01', deadline: day(30) } }, leader));
}, 90_000);

afterAll(async () => {
  for (const c of collectors) c.dispose();
  await Promise.all(clients.map((c) => c.dispose()));
  await server?.dispose();
});

describe('GraphQL subscriptions over WebSocket (graphql-ws)', () => {
  it('delivers a deadline change to taskChanged, commitmentChanged and unitProgressChanged subscribers within a second', async () => {
    const c = client({ authorization: `Bearer ${focalBCA}` });
    const task = watch<{ taskChanged: { id: string; deadline: string; version: number; status: string } }>(c,
      `subscription ($id: ID!) { taskChanged(id: $id) { id deadline version status } }`, { id: 'L1' });
    const commitments = watch<{ commitmentChanged: { kind: string; task: { id: string }; changes: { field: string; from: string; to: string }[]; reason: string; actor: { id: string } } }>(
      client({ token: leader }),
      `subscription { commitmentChanged(unitId: "GOV") { kind task { id } changes { field from to } reason actor { id } } }`);
    const progress = watch<{ unitProgressChanged: { unit: { id: string }; totalTasks: number } }>(c,
      `subscription { unitProgressChanged(unitId: "BCA") { unit { id } totalTasks } }`);
    await untilSubscribed(server, 'taskChanged', 1);
    await untilSubscribed(server, 'commitmentChanged', 1);
    await untilSubscribed(server, 'unitProgressChanged', 1);

    // The request is a change too (a pending extension), but not of the deadline.
    const requested = ok(await server.gql<{ requestDeadlineExtension: { task: { version: number } } }>(REQUEST,
      { input: { taskId: 'L1', proposedDeadline: day(60), reason: 'Chờ nâng cấp hạ tầng' } }, focalBCA));
    const first = await task.next((d) => d.taskChanged.version === requested.requestDeadlineExtension.task.version);
    expect(first.data.taskChanged.deadline).toBe(day(30));

    const sentAt = Date.now();
    const approved = ok(await server.gql<{ decideDeadlineExtension: { task: { deadline: string; version: number } } }>(DECIDE,
      { input: { taskId: 'L1', approve: true, reason: 'Đồng ý gia hạn', basis: [{ kind: 'DOCUMENT', ref: '123/TB-VPCP' }] } }, leader));
    expect(approved.decideDeadlineExtension.task.deadline).toBe(day(60));

    const update = await task.next((d) => d.taskChanged.deadline === day(60), 5000);
    expect(update.data.taskChanged).toEqual({ id: 'L1', deadline: day(60), version: approved.decideDeadlineExtension.task.version, status: 'IN_PROGRESS_ON_TIME' });
    expect(update.at - sentAt).toBeLessThanOrEqual(1000);

    const change = await commitments.next((d) => d.commitmentChanged.kind === 'DeadlineExtensionApproved');
    expect(change.data.commitmentChanged).toEqual({
      kind: 'DeadlineExtensionApproved', task: { id: 'L1' }, changes: [{ field: 'deadline', from: day(30), to: day(60) }],
      reason: 'Đồng ý gia hạn', actor: { id: 'leader-gov' },
    });
    expect(change.at - sentAt).toBeLessThanOrEqual(1000);
    // Only commitment changes: the extension request before it is not one.
    expect(commitments.items.map((i) => i.data.commitmentChanged.kind)).toEqual(['DeadlineExtensionApproved']);

    const p = await progress.next();
    expect(p.data.unitProgressChanged).toEqual({ unit: { id: 'BCA' }, totalTasks: 1 });
  });

  it('never sends a confidential task to an unrelated subscriber, and refuses to watch it', async () => {
    // Control: a GOV leader sees S1 change; the unrelated focal point of 79 watches the same scope.
    const control = watch<{ commitmentChanged: { task: { id: string } } }>(client({ token: leader }),
      `subscription { commitmentChanged(unitId: "01") { task { id } } }`);
    const outsider = client({ authorization: `Bearer ${focal79}` });
    const leaked = watch<{ commitmentChanged: { task: { id: string; title: string } } }>(outsider,
      `subscription { commitmentChanged(unitId: "01") { task { id title } } }`);
    const progress = watch<{ unitProgressChanged: { totalTasks: number; overdue: { id: string }[] } }>(outsider,
      `subscription { unitProgressChanged(unitId: "01") { totalTasks overdue { id } } }`);
    const direct = watch(outsider, `subscription { taskChanged(id: "S1") { id title } }`);
    expect(errorInfo(await direct.failure())).toEqual([{ message: 'task S1 not found', extensions: { code: 'NOT_FOUND', reason: 'TASK_NOT_FOUND' } }]);
    await untilSubscribed(server, 'commitmentChanged', 3);
    await untilSubscribed(server, 'unitProgressChanged', 2);

    ok(await server.gql(`mutation ($input: ChangeTaskPhaseInput!) { pauseTask(input: $input) { task { id } } }`,
      { input: { taskId: 'S1', reason: 'Tạm hoãn nhiệm vụ mật' } }, leader));
    ok(await server.gql(`mutation ($input: ChangeTaskPhaseInput!) { pauseTask(input: $input) { task { id } } }`,
      { input: { taskId: 'P1', reason: 'Tạm hoãn nhiệm vụ công khai' } }, leader));

    await control.next((d) => d.commitmentChanged.task.id === 'S1');
    await control.next((d) => d.commitmentChanged.task.id === 'P1');
    // P1 changed after S1: once the outsider has P1's change, S1's would have come before it.
    await leaked.next((d) => d.commitmentChanged.task.id === 'P1');
    expect(leaked.items.map((i) => i.data.commitmentChanged.task.id)).toEqual(['P1']);
    // A progress update is sent for P1's change only: S1's change is no signal to the outsider either.
    await progress.next();
    await new Promise((r) => setTimeout(r, 300));
    expect(progress.items).toHaveLength(1);
    expect(JSON.stringify(progress.items)).not.toContain('S1');
    const seenByFocal01 = watch<{ taskChanged: { id: string } }>(client({ token: focal01 }), `subscription { taskChanged(id: "S1") { id } }`);
    await untilSubscribed(server, 'taskChanged', 1);
    expect(seenByFocal01.error).toBeUndefined();
  });

  it('answers NOT_FOUND for an unknown task or unit, and keeps serving', async () => {
    const c = client({ token: focal01 });
    for (const [query, message, reason] of [
      [`subscription { taskChanged(id: "NO-SUCH") { id } }`, 'task NO-SUCH not found', 'TASK_NOT_FOUND'],
      [`subscription { unitProgressChanged(unitId: "XX") { totalTasks } }`, 'unit XX not found', 'UNIT_NOT_FOUND'],
      [`subscription { commitmentChanged(unitId: "XX") { kind } }`, 'unit XX not found', 'UNIT_NOT_FOUND'],
    ] as const) {
      const s = watch(c, query);
      expect(errorInfo(await s.failure())).toEqual([{ message, extensions: { code: 'NOT_FOUND', reason } }]);
    }
    const invalid = watch(c, `subscription { taskChanged(id: "L1") { noSuchField } }`);
    expect((errorInfo(await invalid.failure()) as { extensions: { code: string } }[])[0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect(ok(await server.gql<{ task: { id: string } }>(`{ task(id: "L1") { id } }`, {}, focal01)).task.id).toBe('L1');
  });

  it('refuses a connection without a valid token (4401) and one with a forged token', async () => {
    for (const params of [undefined, { authorization: 'Bearer not-a-token' }, { token: `${leader}x` }]) {
      const s = watch(client(params), `subscription { taskChanged(id: "L1") { id } }`);
      const error = errorInfo(await s.failure()) as { code?: number; reason?: string };
      expect(error.code, JSON.stringify(error)).toBe(4401);
      expect(error.reason).toMatch(/^Unauthorized: /);
    }
    expect(server.alive).toBe(true);
  });
});
