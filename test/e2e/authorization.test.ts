import { readFileSync } from 'node:fs';
import { buildSchema, getNamedType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/shared/schemas.js';
import { type GqlResponse, TestServer, errorCode, ok, token } from '../support/server.js';

/**
 * Every mutation, for every role, against a target in the actor's scope and one outside it:
 * allowed or FORBIDDEN, as issue 5 says (the expectations below are written from the issue, not
 * read from src/auth/policy.ts) — and a refusal writes nothing. "Nothing" is measured in the
 * store: the latest write before the attempt and a barrier write after it must be adjacent in
 * the store's global order (the embedded store numbers its events 1, 2, 3 …). Nothing else
 * writes: no demo data, reminders off.
 *
 * The actors all sit in province 01 (Hà Nội): focal_point@01, inspector@01, leader@01, admin@01.
 * Unit tree: GOV ─ BCA, BYT (ministries), 01 ─ 00004 (commune), 79 ─ 79001 (commune).
 * Out of scope is always the other province's side of the tree (79, or BCA for a rename).
 */

const schema = buildSchema(readFileSync(new URL('../../schemas/schema.graphql', import.meta.url), 'utf8'));
const mutationFields = schema.getMutationType()!.getFields();

let server: TestServer;
const tokens: Record<string, string> = {};
const as = async (role: Role, unit: string) => (tokens[`${role}@${unit}`] ??= await token({ id: `${role}@${unit}`, role, unit }));

const ROLES: Role[] = ['focal_point', 'inspector', 'leader', 'admin'];
const ACTOR_UNIT = '01';
const parentOf: Record<string, string> = { '01': 'GOV', '79': 'GOV', '00004': '01', '79001': '79', BCA: 'GOV', BYT: 'GOV' };
const childOf: Record<string, string> = { '01': '00004', '79': '79001', GOV: 'BCA' };
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };

let serial = 0;
const fresh = (prefix: string) => `${prefix}-${++serial}`;

/** Runs a mutation by name with an input; the payload's position is all we ask back. */
async function run(name: string, input: Record<string, unknown>, bearer: string): Promise<GqlResponse<Record<string, { position: string }>>> {
  const inputType = getNamedType(mutationFields[name]!.args[0]!.type).name;
  return server.gql(`mutation ($input: ${inputType}!) { ${name}(input: $input) { position } }`, { input }, bearer);
}
/** The position of the latest write this test made (all writes are its own: no demo, no reminders). */
let latest = 0;
async function must(name: string, input: Record<string, unknown>, bearer?: string): Promise<string> {
  const position = ok(await run(name, input, bearer ?? (await as('leader', 'GOV'))))[name]!.position;
  latest = Math.max(latest, Number(position));
  return position;
}

/** One event on a task of its own: its position marks "everything before this is in the store". */
const barrier = async () => must('reportProgress', { taskId: 'BARRIER', percent: 1, note: 'barrier' });

async function assignTask(lead: string, extra: Record<string, unknown> = {}): Promise<string> {
  const id = fresh('T');
  await must('assignTask', { id, title: `Nhiệm vụ ${id}`, source, leadUnitId: lead, deadline: '2030-12-31', ...extra });
  return id;
}
async function raiseObstacle(lead: string): Promise<string> {
  const taskId = await assignTask(lead);
  const id = fresh('O');
  await must('raiseObstacle', { id, taskId, category: 'FUNDING', description: 'Thiếu kinh phí' });
  return id;
}
/** An inspection planned by an inspector of `team` (the team is the planner's unit), covering `target`. */
async function planInspection(team: string, target = team): Promise<string> {
  const id = fresh('K');
  await must('planInspection', { id, title: `Kiểm tra ${id}`, targetUnitIds: [target], from: '2026-01-01', to: '2026-03-31' }, await as('inspector', team));
  return id;
}
async function recordFinding(team: string, unit: string): Promise<{ inspectionId: string; findingId: string }> {
  const inspectionId = await planInspection(team, unit);
  const findingId = fresh('F');
  await must('recordFinding', { inspectionId, findingId, unitId: unit, severity: 'HIGH', description: 'Dữ liệu chưa sạch', recommendation: 'Làm sạch dữ liệu' }, await as('inspector', team));
  return { inspectionId, findingId };
}

type Allowed = 'in' | 'both';
interface Row {
  /** Builds fresh preconditions around `target` (a unit) and returns the mutation's input. */
  prepare: (target: string) => Promise<Record<string, unknown>>;
  /** Who may, and where: 'in' = in scope only, 'both' = out of scope too; absent = nowhere. */
  allowed: Partial<Record<Role, Allowed>>;
  /** The in-scope target per role, when not the actor's own unit 01. */
  inScope?: Partial<Record<Role, string>>;
  /** The out-of-scope target, when not 79. */
  outOfScope?: string;
}

const onTask = (more: (taskId: string, lead: string) => Promise<Record<string, unknown>> | Record<string, unknown> = () => ({})) =>
  async (lead: string) => {
    const taskId = await assignTask(lead);
    return { taskId, ...(await more(taskId, lead)) };
  };
/** Leaders decide for the units below them ("above" in the policy): in scope is the commune. */
const below = { leader: '00004' } as const;

const rows: Record<string, Row> = {
  registerUnit: {
    prepare: async (parent) => ({ id: fresh('U'), kind: 'COMMUNE', name: `Xã ${serial}`, parentId: parent }),
    allowed: { admin: 'both' }, // DESIGN §1 / policy: the administrator manages units, anywhere
  },
  renameUnit: {
    prepare: async (unit) => ({ unitId: unit, name: `Tên mới ${fresh('N')}`, reason: 'Đổi tên theo nghị quyết' }),
    allowed: { admin: 'both' },
    outOfScope: 'BCA',
  },
  mergeUnits: {
    prepare: async (parent) => {
      const [a, b] = [fresh('U'), fresh('U')];
      for (const id of [a, b]) await must('registerUnit', { id, kind: 'COMMUNE', name: `Xã ${id}`, parentId: parent }, await as('admin', 'GOV'));
      return { from: [a], into: b, effectiveOn: '2025-07-01', reason: 'Sắp xếp đơn vị hành chính cấp xã' };
    },
    allowed: { admin: 'both' },
  },
  assignTask: {
    prepare: async (lead) => ({ id: fresh('T'), title: 'Nhiệm vụ mới', source, leadUnitId: lead, deadline: '2030-12-31' }),
    allowed: { leader: 'in' },
    inScope: below,
  },
  delegateTask: {
    prepare: onTask((_, lead) => ({ to: [{ leadUnitId: childOf[lead] }] })),
    allowed: { leader: 'in' },
  },
  reassignTask: {
    prepare: onTask((_, lead) => ({ leadUnitId: lead === '01' ? '00004' : '01', reason: 'Điều chỉnh đơn vị chủ trì' })),
    allowed: { leader: 'in' },
    inScope: below,
  },
  reportProgress: {
    prepare: onTask(() => ({ percent: 40, note: 'Đã triển khai 40%' })),
    allowed: { focal_point: 'in', leader: 'in' },
    inScope: below,
  },
  requestDeadlineExtension: {
    prepare: onTask(() => ({ proposedDeadline: '2031-06-30', reason: 'Chờ hạ tầng' })),
    allowed: { focal_point: 'in', leader: 'in' }, // a leader asks for their own unit's tasks only
  },
  decideDeadlineExtension: {
    prepare: onTask(async (taskId, lead) => {
      await must('requestDeadlineExtension', { taskId, proposedDeadline: '2031-06-30', reason: 'Chờ hạ tầng' }, await as('focal_point', lead));
      return { approve: true, reason: 'Đồng ý gia hạn' };
    }),
    allowed: { leader: 'in' },
    inScope: below,
  },
  reportCompletion: {
    prepare: onTask(() => ({ completedOn: '2026-01-15', evidence: 'Biên bản nghiệm thu' })),
    allowed: { focal_point: 'in', leader: 'in' },
    inScope: below,
  },
  confirmCompletion: {
    prepare: onTask(async (taskId) => {
      await must('reportCompletion', { taskId, completedOn: '2026-01-15', evidence: 'Biên bản' });
      return { reason: 'Xác nhận hoàn thành' };
    }),
    allowed: { leader: 'in' },
    inScope: below,
  },
  rejectCompletion: {
    prepare: onTask(async (taskId) => {
      await must('reportCompletion', { taskId, completedOn: '2026-01-15', evidence: 'Biên bản' });
      return { reason: 'Chưa đạt' };
    }),
    allowed: { leader: 'in' },
    inScope: below,
  },
  pauseTask: { prepare: onTask(() => ({ reason: 'Tạm hoãn' })), allowed: { leader: 'in' }, inScope: below },
  resumeTask: {
    prepare: onTask(async (taskId) => {
      await must('pauseTask', { taskId, reason: 'Tạm hoãn' });
      return { reason: 'Tiếp tục' };
    }),
    allowed: { leader: 'in' },
    inScope: below,
  },
  cancelTask: { prepare: onTask(() => ({ reason: 'Không còn phù hợp' })), allowed: { leader: 'in' }, inScope: below },
  raiseObstacle: {
    prepare: onTask(() => ({ id: fresh('O'), category: 'DATA', description: 'Dữ liệu dân cư chưa đồng bộ' })),
    allowed: { focal_point: 'in', leader: 'in' },
    inScope: below,
  },
  escalateObstacle: {
    prepare: async (unit) => ({ obstacleId: await raiseObstacle(unit), toUnitId: parentOf[unit], reason: 'Vượt thẩm quyền' }),
    allowed: { focal_point: 'in', leader: 'in' },
    inScope: below,
  },
  withdrawObstacle: {
    prepare: async (unit) => ({ obstacleId: await raiseObstacle(unit), reason: 'Đã tự xử lý' }),
    allowed: { focal_point: 'in', leader: 'in' },
    inScope: below,
  },
  resolveObstacle: {
    prepare: async (unit) => ({ obstacleId: await raiseObstacle(unit), resolution: 'Đã bố trí kinh phí' }),
    allowed: { leader: 'in' },
    inScope: below,
  },
  planInspection: {
    prepare: async (unit) => ({ id: fresh('K'), title: 'Kiểm tra Đề án 06', targetUnitIds: [unit], from: '2026-01-01', to: '2026-03-31' }),
    allowed: { inspector: 'both', leader: 'in' }, // an inspection team may inspect any unit
    inScope: below,
  },
  recordFinding: {
    prepare: async (team) => ({
      inspectionId: await planInspection(team), unitId: team, severity: 'MEDIUM', description: 'Chưa cập nhật', recommendation: 'Cập nhật',
    }),
    allowed: { inspector: 'in', leader: 'in' }, // the inspection's own team (or a leader above it)
  },
  respondToFinding: {
    prepare: async (unit) => ({ ...(await recordFinding('GOV', unit)), response: 'Đã khắc phục' }),
    allowed: { focal_point: 'in', leader: 'in' }, // the inspected unit responds
  },
  closeFinding: {
    prepare: async (team) => ({ ...(await recordFinding(team, team)), reason: 'Đã khắc phục' }),
    allowed: { inspector: 'in', leader: 'in' },
  },
  concludeInspection: {
    prepare: async (team) => ({ inspectionId: await planInspection(team), conclusion: 'Cơ bản hoàn thành' }),
    allowed: { inspector: 'in', leader: 'in' },
  },
  registerWebhook: {
    // A kind these tests never cause: nothing is delivered to the (closed) port.
    prepare: async (unit) => ({ unitId: unit, url: 'http://127.0.0.1:9/hook', kinds: ['DeadlineExtensionRejected'], includeDescendants: false }),
    allowed: { leader: 'in' },
    inScope: below,
  },
  removeWebhook: {
    prepare: async (unit) => {
      const r = ok(await server.gql<{ registerWebhook: { webhook: { id: string }; position: string } }>(
        'mutation ($i: RegisterWebhookInput!) { registerWebhook(input: $i) { webhook { id } position } }',
        { i: { unitId: unit, url: 'http://127.0.0.1:9/hook', kinds: ['DeadlineExtensionRejected'], includeDescendants: false } }, await as('leader', 'GOV')));
      latest = Math.max(latest, Number(r.registerWebhook.position));
      return { webhookId: r.registerWebhook.webhook.id, reason: 'Không dùng nữa' };
    },
    allowed: { leader: 'in' },
    inScope: below,
  },
  submitPeriodicReport: {
    prepare: async (unit) => ({ unitId: unit, period: { kind: 'MONTHLY', key: '2025-06' }, narrative: 'Báo cáo tháng 6' }),
    allowed: { focal_point: 'in', leader: 'in' },
    inScope: below,
  },
};

interface Outcome { allowed: boolean; code: string | undefined; written: number }

/**
 * Prepares, then runs the mutation and writes a barrier after it: what it answered and how many
 * events it wrote (the barrier's position minus the latest write before the attempt, minus one).
 * A write the test forgot to count would show as "written" and fail a refusal: never a false pass.
 */
async function attempt(name: string, row: Row, role: Role, target: string): Promise<Outcome> {
  const input = await row.prepare(target);
  const before = latest;
  const r = await run(name, input, await as(role, ACTOR_UNIT));
  const after = await barrier();
  const allowed = !r.body.errors?.length && typeof r.body.data?.[name]?.position === 'string';
  return { allowed, code: errorCode(r), written: Number(after) - Number(before) - 1 };
}

beforeAll(async () => {
  server = await TestServer.start({ TIENDO_REMINDERS: '0' });
  const admin = await as('admin', 'GOV');
  const units: [string, string, string | null][] = [
    ['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV'], ['BYT', 'MINISTRY', 'GOV'],
    ['01', 'PROVINCE', 'GOV'], ['79', 'PROVINCE', 'GOV'], ['00004', 'COMMUNE', '01'], ['79001', 'COMMUNE', '79'],
  ];
  for (const [id, kind, parentId] of units) await must('registerUnit', { id, kind, name: `Đơn vị ${id}`, parentId }, admin);
  await must('assignTask', { id: 'BARRIER', title: 'Mốc đo', source, leadUnitId: 'GOV' });
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

describe('authorisation, every mutation × every role × in and out of scope', () => {
  it('covers every mutation the schema has', () => {
    expect(Object.keys(mutationFields).filter((m) => !rows[m]), 'mutations without a row: add one').toEqual([]);
  });

  const cases = Object.entries(rows).flatMap(([name, row]) => ROLES.flatMap((role) => [
    { name, row, role, where: 'in scope' as const, target: row.inScope?.[role] ?? ACTOR_UNIT, expected: row.allowed[role] === 'in' || row.allowed[role] === 'both' },
    { name, row, role, where: 'out of scope' as const, target: row.outOfScope ?? '79', expected: row.allowed[role] === 'both' },
  ]));

  it.each(cases)('$name by $role@01 $where ($target)', async ({ name, row, role, target, expected }) => {
    const outcome = await attempt(name, row, role, target);
    if (expected) {
      expect(outcome, `${role} should be allowed to ${name} on ${target}`).toMatchObject({ allowed: true });
      expect(outcome.written).toBeGreaterThan(0);
    } else {
      expect(outcome, `${role} should be refused ${name} on ${target}, with nothing written`).toEqual({ allowed: false, code: 'FORBIDDEN', written: 0 });
    }
  });
});

describe('authorisation at the edges of a scope', () => {
  const leader = () => as('leader', ACTOR_UNIT);

  async function refusedWithNothingWritten(name: string, input: Record<string, unknown>, bearer: string, code = 'FORBIDDEN') {
    const before = await barrier();
    const r = await run(name, input, bearer);
    const after = await barrier();
    expect({ code: errorCode(r), written: Number(after) - Number(before) - 1 }).toEqual({ code, written: 0 });
  }

  it('a leader may not confirm, decide or cancel for their own unit: that is the authority above', async () => {
    const taskId = await assignTask('01');
    await must('reportCompletion', { taskId, completedOn: '2026-01-15', evidence: 'Biên bản' });
    await refusedWithNothingWritten('confirmCompletion', { taskId }, await leader());
    await refusedWithNothingWritten('cancelTask', { taskId, reason: 'x' }, await leader());
  });

  it('a leader may not name a coordinating unit outside their subtree', async () => {
    await refusedWithNothingWritten('assignTask', { title: 'x', source, leadUnitId: '00004', coordinatorIds: ['BCA'] }, await leader());
    expect(ok(await run('assignTask', { title: 'x', source, leadUnitId: '00004', coordinatorIds: ['01'] }, await leader()))).toBeTruthy();
  });

  it('a leader may not delegate their task to a unit outside their subtree', async () => {
    const taskId = await assignTask('01');
    await refusedWithNothingWritten('delegateTask', { taskId, to: [{ leadUnitId: '00004' }, { leadUnitId: '79' }] }, await leader());
  });

  it('a leader may not reassign a task of theirs to a unit outside their subtree', async () => {
    const taskId = await assignTask('00004');
    await refusedWithNothingWritten('reassignTask', { taskId, leadUnitId: '79', reason: 'x' }, await leader());
  });

  it('a focal point of a coordinating unit may not write for the lead unit', async () => {
    const taskId = await assignTask('79', { coordinatorIds: ['01'] });
    await refusedWithNothingWritten('reportProgress', { taskId, percent: 5, note: 'x' }, await as('focal_point', '01'));
  });

  it('a confidential task one may not see answers NOT_FOUND to commands, like a task that does not exist', async () => {
    const hidden = await assignTask('79', { confidential: true });
    await refusedWithNothingWritten('reportProgress', { taskId: hidden, percent: 5, note: 'x' }, await as('focal_point', '01'), 'NOT_FOUND');
    await refusedWithNothingWritten('reportProgress', { taskId: 'NO-SUCH-TASK', percent: 5, note: 'x' }, await as('focal_point', '01'), 'NOT_FOUND');
    // Its own unit still writes.
    expect(ok(await run('reportProgress', { taskId: hidden, percent: 5, note: 'x' }, await as('focal_point', '79')))).toBeTruthy();
  });

  it('the GOV leader may do what leaders do anywhere, including on GOV-led tasks', async () => {
    const taskId = await assignTask('GOV');
    await must('reportCompletion', { taskId, completedOn: '2026-01-15', evidence: 'Biên bản' });
    await must('confirmCompletion', { taskId });
  });
});
