import { describe, expect, it } from 'vitest';
import { type Action, authorize, policy } from '../../src/auth/policy.js';
import { TiendoError } from '../../src/errors.js';
import type { Actor, Role } from '../../src/shared/schemas.js';
import { unitDirectory } from '../support/given-when-then.js';

const units = unitDirectory([
  { id: 'GOV', kind: 'GOVERNMENT', name: 'Chính phủ' },
  { id: 'BCA', kind: 'MINISTRY', parentId: 'GOV', name: 'Bộ Công an' },
  { id: 'C06', kind: 'AGENCY', parentId: 'BCA', name: 'Cục Cảnh sát QLHC về TTXH' },
  { id: '01', kind: 'PROVINCE', parentId: 'GOV', name: 'Thành phố Hà Nội' },
  { id: '00004', kind: 'COMMUNE', parentId: '01', name: 'Phường Ba Đình' },
  { id: '48', kind: 'PROVINCE', parentId: 'GOV', name: 'Thành phố Đà Nẵng' },
  { id: '20194', kind: 'COMMUNE', parentId: '48', name: 'Phường Hải Châu' },
]);
const UNIT_IDS = ['GOV', 'BCA', 'C06', '01', '00004', '48', '20194'];

const actor = (role: Role, unit: string): Actor => ({ id: `${role}@${unit}`, role, unit });

const TASK_ACTIONS = [
  'assignTask', 'delegateTask', 'reassignTask', 'reportProgress', 'requestDeadlineExtension', 'decideDeadlineExtension',
  'reportCompletion', 'confirmCompletion', 'rejectCompletion', 'pauseTask', 'resumeTask', 'cancelTask',
] as const satisfies readonly Action[];
const UNIT_ACTIONS = ['registerUnit', 'renameUnit', 'mergeUnits'] as const satisfies readonly Action[];
const ALL_ACTIONS = [...UNIT_ACTIONS, ...TASK_ACTIONS];

/** What authorize decided: null when allowed, else the error it threw. */
function decision(action: Action, who: Actor, target: string): TiendoError | null {
  try {
    authorize(action, who, target, units);
    return null;
  } catch (error) {
    if (error instanceof TiendoError) return error;
    throw error;
  }
}

function expectAllowed(action: Action, who: Actor, target: string) {
  const error = decision(action, who, target);
  expect(error?.message ?? null, `${who.role}@${who.unit} ${action} on ${target}`).toBeNull();
}
function expectForbidden(action: Action, who: Actor, target: string) {
  const error = decision(action, who, target);
  expect(error, `${who.role}@${who.unit} ${action} on ${target} should be refused`).not.toBeNull();
  expect({ code: error!.code, reason: error!.reason }).toStrictEqual({ code: 'FORBIDDEN', reason: 'FORBIDDEN' });
}

describe('the policy table', () => {
  it('has exactly these rows for unit and task commands (an auditor reads it; widening it must show up here)', () => {
    const rows = Object.fromEntries(ALL_ACTIONS.map((action) => [action, policy[action]]));
    expect(rows).toStrictEqual({
      registerUnit: { admin: 'above' },
      renameUnit: { admin: 'above' },
      mergeUnits: { admin: 'above' },
      assignTask: { leader: 'subtree' },
      delegateTask: { leader: 'subtree' },
      reassignTask: { leader: 'above' },
      reportProgress: { focal_point: 'own', leader: 'subtree' },
      requestDeadlineExtension: { focal_point: 'own', leader: 'own' },
      decideDeadlineExtension: { leader: 'above' },
      reportCompletion: { focal_point: 'own', leader: 'subtree' },
      confirmCompletion: { leader: 'above' },
      rejectCompletion: { leader: 'above' },
      pauseTask: { leader: 'above' },
      resumeTask: { leader: 'above' },
      cancelTask: { leader: 'above' },
    });
  });

  it('no focal point, inspector or admin may change a deadline, confirm, or steer a task', () => {
    for (const action of ['decideDeadlineExtension', 'confirmCompletion', 'rejectCompletion', 'reassignTask', 'pauseTask', 'resumeTask', 'cancelTask'] as const) {
      expect(Object.keys(policy[action])).toStrictEqual(['leader']);
    }
  });
});

/** [role, actor unit, action, target unit, allowed] — read as a sentence. */
type Row = [Role, string, Action, string, boolean];
const rows: Row[] = [
  // focal point: their own unit only
  ['focal_point', '01', 'reportProgress', '01', true],
  ['focal_point', '01', 'reportProgress', '00004', false],
  ['focal_point', '01', 'reportProgress', '48', false],
  ['focal_point', '01', 'reportProgress', 'GOV', false],
  ['focal_point', '01', 'reportCompletion', '01', true],
  ['focal_point', '01', 'reportCompletion', '00004', false],
  ['focal_point', '01', 'requestDeadlineExtension', '01', true],
  ['focal_point', '00004', 'requestDeadlineExtension', '01', false],
  ['focal_point', '01', 'requestDeadlineExtension', '48', false],
  ['focal_point', '01', 'decideDeadlineExtension', '01', false],
  ['focal_point', '01', 'assignTask', '01', false],
  ['focal_point', '01', 'confirmCompletion', '00004', false],
  ['focal_point', 'GOV', 'reportProgress', '01', false],
  // leader: subtree for assigning and reporting
  ['leader', '01', 'assignTask', '01', true],
  ['leader', '01', 'assignTask', '00004', true],
  ['leader', '01', 'assignTask', '48', false],
  ['leader', '01', 'assignTask', '20194', false],
  ['leader', '01', 'assignTask', 'GOV', false],
  ['leader', '01', 'delegateTask', '01', true],
  ['leader', '01', 'delegateTask', '48', false],
  ['leader', '01', 'reportProgress', '00004', true],
  ['leader', '01', 'reportCompletion', '00004', true],
  ['leader', '01', 'reportCompletion', '48', false],
  ['leader', 'BCA', 'assignTask', 'C06', true],
  ['leader', 'BCA', 'assignTask', '01', false],
  // leader: 'above' — the assigning authority, strictly above the lead unit
  ['leader', '01', 'confirmCompletion', '01', false],
  ['leader', '01', 'confirmCompletion', '00004', true],
  ['leader', '01', 'confirmCompletion', '20194', false],
  ['leader', '01', 'rejectCompletion', '01', false],
  ['leader', '01', 'rejectCompletion', '00004', true],
  ['leader', '01', 'decideDeadlineExtension', '01', false],
  ['leader', '01', 'decideDeadlineExtension', '00004', true],
  ['leader', '01', 'decideDeadlineExtension', '48', false],
  ['leader', '01', 'reassignTask', '00004', true],
  ['leader', '01', 'reassignTask', '01', false],
  ['leader', '01', 'pauseTask', '00004', true],
  ['leader', '01', 'pauseTask', '01', false],
  ['leader', '01', 'resumeTask', '00004', true],
  ['leader', '01', 'resumeTask', '01', false],
  ['leader', '01', 'cancelTask', '00004', true],
  ['leader', '01', 'cancelTask', '01', false],
  ['leader', '00004', 'confirmCompletion', '00004', false],
  ['leader', '00004', 'confirmCompletion', '01', false],
  ['leader', 'BCA', 'confirmCompletion', 'C06', true],
  ['leader', 'BCA', 'confirmCompletion', 'BCA', false],
  ['leader', 'BCA', 'confirmCompletion', '01', false],
  ['leader', 'BCA', 'decideDeadlineExtension', '01', false],
  // leader: requesting an extension is for their own unit's tasks
  ['leader', '01', 'requestDeadlineExtension', '01', true],
  ['leader', '01', 'requestDeadlineExtension', '00004', false],
  // leader: no unit administration
  ['leader', 'GOV', 'registerUnit', '01', false],
  ['leader', 'GOV', 'renameUnit', '01', false],
  // admin: unit commands below their own unit (GOV: everywhere), nothing on tasks
  ['admin', 'GOV', 'registerUnit', '20194', true],
  ['admin', 'GOV', 'renameUnit', 'GOV', true],
  ['admin', 'GOV', 'mergeUnits', '01', true],
  ['admin', '01', 'registerUnit', '00004', true],
  ['admin', '01', 'registerUnit', '01', false],
  ['admin', '01', 'registerUnit', '48', false],
  ['admin', '01', 'renameUnit', '00004', true],
  ['admin', '01', 'renameUnit', '01', false],
  ['admin', '01', 'renameUnit', 'BCA', false],
  ['admin', '01', 'mergeUnits', '00004', true],
  ['admin', '01', 'mergeUnits', '01', false],
  ['admin', '01', 'mergeUnits', '20194', false],
  ['admin', '00004', 'renameUnit', '00004', false],
  ['admin', 'GOV', 'assignTask', '01', false],
  ['admin', 'GOV', 'confirmCompletion', '01', false],
];

describe('authorize, row by row', () => {
  it.each(rows)('%s of %s: %s for %s → allowed %s', (role, unit, action, target, allowed) => {
    if (allowed) expectAllowed(action, actor(role, unit), target);
    else expectForbidden(action, actor(role, unit), target);
  });
});

describe('authorize, exhaustively', () => {
  it('the GOV leader may do every task action on every unit, GOV included (except asking for extensions elsewhere)', () => {
    const gov = actor('leader', 'GOV');
    for (const action of TASK_ACTIONS) {
      for (const target of UNIT_IDS) {
        if (action === 'requestDeadlineExtension' && target !== 'GOV') expectForbidden(action, gov, target);
        else expectAllowed(action, gov, target);
      }
    }
  });

  it('a province leader: subtree actions in the province, above-actions only below it, nothing elsewhere', () => {
    const hanoi = actor('leader', '01');
    const subtree = new Set(['01', '00004']);
    for (const action of TASK_ACTIONS) {
      const scope = (policy[action] as Partial<Record<Role, string>>).leader;
      for (const target of UNIT_IDS) {
        const ok = scope === 'subtree' ? subtree.has(target) : scope === 'above' ? target === '00004' : scope === 'own' ? target === '01' : false;
        if (ok) expectAllowed(action, hanoi, target);
        else expectForbidden(action, hanoi, target);
      }
    }
  });

  it('an admin may only register, rename and merge units: below their own unit, every unit for GOV', () => {
    const below: Record<string, Set<string>> = { GOV: new Set(UNIT_IDS), '01': new Set(['00004']), BCA: new Set(['C06']), '00004': new Set() };
    for (const [unit, units] of Object.entries(below)) {
      for (const action of ALL_ACTIONS) {
        for (const target of UNIT_IDS) {
          if ((UNIT_ACTIONS as readonly string[]).includes(action) && units.has(target)) expectAllowed(action, actor('admin', unit), target);
          else expectForbidden(action, actor('admin', unit), target);
        }
      }
    }
  });

  it('an inspector may do none of these commands, not even on their own unit', () => {
    for (const unit of ['GOV', '01']) {
      for (const action of ALL_ACTIONS) {
        for (const target of UNIT_IDS) expectForbidden(action, actor('inspector', unit), target);
      }
    }
  });

  it('a focal point may only report and ask for extensions, on their own unit', () => {
    const own = new Set<Action>(['reportProgress', 'requestDeadlineExtension', 'reportCompletion']);
    for (const unit of ['01', '00004', 'BCA']) {
      for (const action of ALL_ACTIONS) {
        for (const target of UNIT_IDS) {
          if (own.has(action) && target === unit) expectAllowed(action, actor('focal_point', unit), target);
          else expectForbidden(action, actor('focal_point', unit), target);
        }
      }
    }
  });

  it('an unknown target unit is NOT_FOUND for a role the action allows, FORBIDDEN for one it does not', () => {
    expect({ ...decision('confirmCompletion', actor('leader', 'GOV'), '99') }).toMatchObject({ code: 'NOT_FOUND', reason: 'UNIT_NOT_FOUND' });
    expectForbidden('confirmCompletion', actor('inspector', 'GOV'), '99');
    // The app asks about a unit to be registered of the tree as it would be with it (src/app/units.ts).
    expect({ ...decision('registerUnit', actor('admin', 'GOV'), '99') }).toMatchObject({ code: 'NOT_FOUND', reason: 'UNIT_NOT_FOUND' });
  });

  it('says who was refused what, for whom', () => {
    expect(decision('confirmCompletion', actor('leader', '01'), '01')?.message).toBe('leader of unit 01 may not confirmCompletion for unit 01');
    expect(decision('assignTask', actor('inspector', 'GOV'), '01')?.message).toMatch(/inspector may not assignTask$/);
  });
});
