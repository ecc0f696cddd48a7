import { readFileSync } from 'node:fs';
import { buildSchema, getNamedType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/shared/schemas.js';
import { type GqlResponse, TestServer, errorCode, ok, token } from '../support/server.js';

/**
 * Every mutation, for every role, against a target that is the actor's own unit, one below it and
 * one elsewhere: allowed or FORBIDDEN, as issues 5 and 16 say (the expectations below are written from the issue, not
 * read from src/auth/policy.ts) — and a refusal writes nothing. "Nothing" is measured in the
 * store: the latest write before the attempt and a barrier write after it must be adjacent in
 * the store's global order (the embedded store numbers its events 1, 2, 3 …). Nothing else
 * writes: no demo data, reminders off.
 *
 * The actors all sit in province 01 (Hà Nội): focal_point@01, inspector@01, leader@01, admin@01.
 * Unit tree: GOV ─ BCA, BYT (ministries), 01 ─ 00004 (commune) ─ 0000401 (village), 79 ─ 79001 (commune).
 * The targets: own unit 01, descendant 00004, other 79 (the other province's side of the tree).
 */

const schema = buildSchema(readFileSync(new URL('../../schemas/schema.graphql', import.meta.url), 'utf8'));
const mutationFields = schema.getMutationType()!.getFields();

let server: TestServer;
const tokens: Record<string, string> = {};
const as = async (role: Role, unit: string) => (tokens[`${role}@${unit}`] ??= await token({ id: `${role}@${unit}`, role, unit }));

const ROLES: Role[] = ['focal_point', 'inspector', 'leader', 'admin'];
const ACTOR_UNIT = '01';
const parentOf: Record<string, string> = { '01': 'GOV', '79': 'GOV', '00004': '01', '79001': '79', BCA: 'GOV', BYT: 'GOV' };
const childOf: Record<string, string> = { '01': '00004', '00004': '0000401', '79': '79001', GOV: 'BCA' };
const kindOf: Record<string, string> = { '01': 'PROVINCE', '79': 'PROVINCE', '00004': 'COMMUNE' };
const kindUnder: Record<string, string> = { '01': 'COMMUNE', '79': 'COMMUNE', '00004': 'VILLAGE' };
type Where = 'own' | 'descendant' | 'other';
const TARGETS: Record<Where, string> = { own: ACTOR_UNIT, descendant: '00004', other: '79' };
const OWN: Where[] = ['own'];
/** The actor's unit and the units below it. */
const SUBTREE: Where[] = ['own', 'descendant'];
/** Strictly below the actor's unit: the assigning or administering authority ("above" in the policy). */
const BELOW: Where[] = ['descendant'];
const ANYWHERE: Where[] = ['own', 'descendant', 'other'];
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

interface Row {
  /** Builds fresh preconditions around `target` (a unit) and returns the mutation's input. */
  prepare: (target: string) => Promise<Record<string, unknown>>;
  /** Who may, and where; absent = nowhere. */
  allowed: Partial<Record<Role, Where[]>>;
}

const onTask = (more: (taskId: string, lead: string) => Promise<Record<string, unknown>> | Record<string, unknown> = () => ({})) =>
  async (lead: string) => {
    const taskId = await assignTask(lead);
    return { taskId, ...(await more(taskId, lead)) };
  };

const rows: Record<string, Row> = {
  // Issue 16: an admin manages the units below their own. A unit registered under the target lies below it.
  registerUnit: {
    prepare: async (parent) => ({ id: fresh('U'), kind: kindUnder[parent], name: `Đơn vị ${serial}`, parentId: parent }),
    allowed: { admin: SUBTREE },
  },
  renameUnit: {
    prepare: async (unit) => ({ unitId: unit, name: `Tên mới ${fresh('N')}`, reason: 'Đổi tên theo nghị quyết' }),
    allowed: { admin: BELOW },
  },
  mergeUnits: {
    // A fresh sibling of the target (same kind, same parent) merges into it.
    prepare: async (into) => {
      const from = fresh('U');
      await must('registerUnit', { id: from, kind: kindOf[into], name: `Đơn vị ${from}`, parentId: parentOf[into] }, await as('admin', 'GOV'));
      return { from: [from], into, effectiveOn: '2025-07-01', reason: 'Sắp xếp đơn vị hành chính' };
    },
    allowed: { admin: BELOW },
  },
  assignTask: {
    prepare: async (lead) => ({ id: fresh('T'), title: 'Nhiệm vụ mới', source, leadUnitId: lead, deadline: '2030-12-31' }),
    allowed: { leader: SUBTREE },
  },
  delegateTask: {
    prepare: onTask((_, lead) => ({ to: [{ leadUnitId: childOf[lead] }] })),
    allowed: { leader: SUBTREE },
  },
  reassignTask: {
    prepare: onTask((_, lead) => ({ leadUnitId: lead === '01' ? '00004' : '01', reason: 'Điều chỉnh đơn vị chủ trì' })),
    allowed: { leader: BELOW },
  },
  reportProgress: {
    prepare: onTask(() => ({ percent: 40, note: 'Đã triển khai 40%' })),
    allowed: { focal_point: OWN, leader: SUBTREE },
  },
  requestDeadlineExtension: {
    prepare: onTask(() => ({ proposedDeadline: '2031-06-30', reason: 'Chờ hạ tầng' })),
    allowed: { focal_point: OWN, leader: OWN }, // a leader asks for their own unit's tasks only
  },
  decideDeadlineExtension: {
    prepare: onTask(async (taskId, lead) => {
      await must('requestDeadlineExtension', { taskId, proposedDeadline: '2031-06-30', reason: 'Chờ hạ tầng' }, await as('focal_point', lead));
      return { approve: true, reason: 'Đồng ý gia hạn' };
    }),
    allowed: { leader: BELOW },
  },
  reportCompletion: {
    prepare: onTask(() => ({ completedOn: '2026-01-15', evidence: 'Biên bản nghiệm thu' })),
    allowed: { focal_point: OWN, leader: SUBTREE },
  },
  confirmCompletion: {
    prepare: onTask(async (taskId) => {
      await must('reportCompletion', { taskId, completedOn: '2026-01-15', evidence: 'Biên bản' });
      return { reason: 'Xác nhận hoàn thành' };
    }),
    allowed: { leader: BELOW },
  },
  rejectCompletion: {
    prepare: onTask(async (taskId) => {
      await must('reportCompletion', { taskId, completedOn: '2026-01-15', evidence: 'Biên bản' });
      return { reason: 'Chưa đạt' };
    }),
    allowed: { leader: BELOW },
  },
  pauseTask: { prepare: onTask(() => ({ reason: 'Tạm hoãn' })), allowed: { leader: BELOW } },
  resumeTask: {
    prepare: onTask(async (taskId) => {
      await must('pauseTask', { taskId, reason: 'Tạm hoãn' });
      return { reason: 'Tiếp tục' };
    }),
    allowed: { leader: BELOW },
  },
  cancelTask: { prepare: onTask(() => ({ reason: 'Không còn phù hợp' })), allowed: { leader: BELOW } },
  raiseObstacle: {
    prepare: onTask(() => ({ id: fresh('O'), category: 'DATA', description: 'Dữ liệu dân cư chưa đồng bộ' })),
    allowed: { focal_point: OWN, leader: SUBTREE },
  },
  escalateObstacle: {
    prepare: async (unit) => ({ obstacleId: await raiseObstacle(unit), toUnitId: parentOf[unit], reason: 'Vượt thẩm quyền' }),
    allowed: { focal_point: OWN, leader: SUBTREE },
  },
  withdrawObstacle: {
    prepare: async (unit) => ({ obstacleId: await raiseObstacle(unit), reason: 'Đã tự xử lý' }),
    allowed: { focal_point: OWN, leader: SUBTREE },
  },
  resolveObstacle: {
    prepare: async (unit) => ({ obstacleId: await raiseObstacle(unit), resolution: 'Đã bố trí kinh phí' }),
    allowed: { leader: SUBTREE },
  },
  planInspection: {
    prepare: async (unit) => ({ id: fresh('K'), title: 'Kiểm tra Đề án 06', targetUnitIds: [unit], from: '2026-01-01', to: '2026-03-31' }),
    allowed: { inspector: ANYWHERE, leader: SUBTREE }, // an inspection team may inspect any unit
  },
  recordFinding: {
    prepare: async (team) => ({
      inspectionId: await planInspection(team), unitId: team, severity: 'MEDIUM', description: 'Chưa cập nhật', recommendation: 'Cập nhật',
    }),
    allowed: { inspector: OWN, leader: SUBTREE }, // the inspection's own team (or a leader above it)
  },
  respondToFinding: {
    prepare: async (unit) => ({ ...(await recordFinding('GOV', unit)), response: 'Đã khắc phục' }),
    allowed: { focal_point: OWN, leader: SUBTREE }, // the inspected unit responds
  },
  closeFinding: {
    prepare: async (team) => ({ ...(await recordFinding(team, team)), reason: 'Đã khắc phục' }),
    allowed: { inspector: OWN, leader: SUBTREE },
  },
  concludeInspection: {
    prepare: async (team) => ({ inspectionId: await planInspection(team), conclusion: 'Cơ bản hoàn thành' }),
    allowed: { inspector: OWN, leader: SUBTREE },
  },
  registerWebhook: {
    // A kind these tests never cause: nothing is delivered to the (closed) port.
    prepare: async (unit) => ({ unitId: unit, url: 'http://127.0.0.1:9/hook', kinds: ['DeadlineExtensionRejected'], includeDescendants: false }),
    allowed: { leader: SUBTREE },
  },
  removeWebhook: {
    prepare: async (unit) => {
      const r = ok(await server.gql<{ registerWebhook: { webhook: { id: string }; position: string } }>(
        'mutation ($i: RegisterWebhookInput!) { registerWebhook(input: $i) { webhook { id } position } }',
        { i: { unitId: unit, url: 'http://127.0.0.1:9/hook', kinds: ['DeadlineExtensionRejected'], includeDescendants: false } }, await as('leader', 'GOV')));
      latest = Math.max(latest, Number(r.registerWebhook.position));
      return { webhookId: r.registerWebhook.webhook.id, reason: 'Không dùng nữa' };
    },
    allowed: { leader: SUBTREE },
  },
  submitPeriodicReport: {
    prepare: async (unit) => ({ unitId: unit, period: { kind: 'MONTHLY', key: '2025-06' }, narrative: 'Báo cáo tháng 6' }),
    allowed: { focal_point: OWN, leader: SUBTREE },
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
    ['01', 'PROVINCE', 'GOV'], ['79', 'PROVINCE', 'GOV'], ['00004', 'COMMUNE', '01'], ['79001', 'COMMUNE', '79'], ['0000401', 'VILLAGE', '00004'],
  ];
  for (const [id, kind, parentId] of units) await must('registerUnit', { id, kind, name: `Đơn vị ${id}`, parentId }, admin);
  await must('assignTask', { id: 'BARRIER', title: 'Mốc đo', source, leadUnitId: 'GOV' });
}, 90_000);

afterAll(async () => {
  await server?.dispose();
});

describe('authorisation, every mutation × every role × own unit, descendant, other', () => {
  it('covers every mutation the schema has', () => {
    expect(Object.keys(mutationFields).filter((m) => !rows[m]), 'mutations without a row: add one').toEqual([]);
  });

  const cases = Object.entries(rows).flatMap(([name, row]) => ROLES.flatMap((role) => (Object.keys(TARGETS) as Where[]).map((where) => (
    { name, row, role, where, target: TARGETS[where], expected: row.allowed[role]?.includes(where) ?? false }
  ))));

  it.each(cases)('$name by $role@01 on $where unit $target', async ({ name, row, role, target, expected }) => {
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

  it('a province admin may not merge a unit from elsewhere into one of theirs; the GOV admin may rename any unit', async () => {
    const from = fresh('U');
    await must('registerUnit', { id: from, kind: 'COMMUNE', name: `Xã ${from}`, parentId: '79' }, await as('admin', 'GOV'));
    await refusedWithNothingWritten('mergeUnits', { from: [from], into: '00004', effectiveOn: '2025-07-01', reason: 'x' }, await as('admin', ACTOR_UNIT));
    await must('renameUnit', { unitId: '79', name: 'Thành phố Hồ Chí Minh', reason: 'Đổi tên' }, await as('admin', 'GOV'));
    await must('renameUnit', { unitId: 'GOV', name: 'Chính phủ nước CHXHCN Việt Nam', reason: 'Đổi tên' }, await as('admin', 'GOV'));
  });

  it('the GOV leader may do what leaders do anywhere, including on GOV-led tasks', async () => {
    const taskId = await assignTask('GOV');
    await must('reportCompletion', { taskId, completedOn: '2026-01-15', evidence: 'Biên bản' });
    await must('confirmCompletion', { taskId });
  });
});
