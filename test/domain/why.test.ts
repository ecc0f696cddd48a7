import { describe, expect, it } from 'vitest';
import { taskSteps } from '../../projections/task-view.js';
import { explain, parseWhyField } from '../../projections/why.js';
import { TiendoError } from '../../src/errors.js';
import { type DomainEnvelope, decode, encode } from '../../src/events.js';
import { uuidFromName } from '../../src/shared/ids.js';
import type { Actor, Basis, Decided } from '../../src/shared/schemas.js';

/** The pure explanation builder, fed envelopes built as the store hands them back (encode, then decode). */
const LEADER: Actor = { id: 'u-gov', role: 'leader', unit: 'GOV' };
const FOCAL: Actor = { id: 'u-01', role: 'focal_point', unit: '01' };
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
let n = 0;
const revisions = new Map<string, number>();

function event(stream: string, type: string, data: Record<string, unknown>, at: string, who: Actor, basis: Basis[] = []): DomainEnvelope {
  n += 1;
  const stored = encode({ type, data, reason: `lý do ${n}`, basis } as Decided, { actor: who, occurredAt: at, correlationId: `c${n}`, causationId: null }, uuidFromName(`why-${n}`));
  const revision = (revisions.get(stream) ?? -1) + 1;
  revisions.set(stream, revision);
  return decode({ ...stored, stream, revision, position: String(n).padStart(8, '0'), recordedAt: at });
}

const assigned = (id: string, deadline: string | null, at: string) => event(`task-${id}`, 'TaskAssigned', {
  taskId: id, title: 'Nhiệm vụ', description: null, output: null, source, leadUnitId: '01', coordinatorIds: [], deadline,
  indicators: [], confidential: false, parentId: null,
}, at, LEADER);

const why = (events: DomainEnvelope[], field: string, at: string, cited = new Map<string, DomainEnvelope[]>()) =>
  explain({ field: parseWhyField(field), at, dueSoonDays: 7, steps: taskSteps(events), cited });

describe('why, the pure builder', () => {
  it('status: OVERDUE since the task resumed past its deadline, with the deadline in force and the resumption', () => {
    const events = [
      assigned('T1', '2025-01-31', '2025-01-02T02:00:00.000Z'),
      event('task-T1', 'TaskPaused', { taskId: 'T1' }, '2025-01-10T02:00:00.000Z', LEADER),
      event('task-T1', 'TaskResumed', { taskId: 'T1' }, '2025-03-01T02:00:00.000Z', LEADER),
    ];
    const w = why(events, 'status', '2025-04-01T00:00:00.000Z');
    expect(w.value).toBe('OVERDUE');
    expect(w.since).toBe('2025-03-01T02:00:00.000Z');
    expect(w.summary).toBe('OVERDUE since 2025-03-01: deadline 2025-01-31 in force, no completion reported');
    expect(w.links.map((l) => [l.kind, l.event.type])).toEqual([['DEADLINE_IN_FORCE', 'TaskAssigned'], ['PHASE_SET_BY', 'TaskResumed']]);
  });

  it('status: OVERDUE from the first instant of the day after the deadline, in Vietnam', () => {
    const w = why([assigned('T2', '2025-01-31', '2025-01-02T02:00:00.000Z')], 'status', '2025-03-01T00:00:00.000Z');
    expect(w.since).toBe('2025-01-31T17:00:00.000Z');
    expect(w.changed).toBe(false);
  });

  it('status: DUE_SOON from the window\'s first day', () => {
    const w = why([assigned('T3', '2025-01-31', '2025-01-02T02:00:00.000Z')], 'status', '2025-01-26T00:00:00.000Z');
    expect(w.value).toBe('DUE_SOON');
    expect(w.since).toBe('2025-01-23T17:00:00.000Z'); // 2025-01-24 00:00 in Vietnam: 7 days before the deadline
  });

  it('follows a basis only into what the caller handed over; each event once', () => {
    const raised = event('obstacle-VM-1', 'ObstacleRaised', {
      obstacleId: 'VM-1', taskId: 'T4', unitId: '01', category: 'DATA', description: 'Thiếu dữ liệu', proposedSolution: null, decisionUnitId: null,
    }, '2025-01-05T02:00:00.000Z', FOCAL);
    const onObstacle: Basis[] = [{ kind: 'OBSTACLE', ref: 'VM-1' }];
    const events = [
      assigned('T4', '2025-01-31', '2025-01-02T02:00:00.000Z'),
      event('task-T4', 'DeadlineExtensionRequested', { taskId: 'T4', proposedDeadline: '2025-06-30', currentDeadline: '2025-01-31' }, '2025-01-06T02:00:00.000Z', FOCAL, onObstacle),
      event('task-T4', 'DeadlineExtensionApproved', { taskId: 'T4', deadline: '2025-06-30', previousDeadline: '2025-01-31', proposedDeadline: '2025-06-30' }, '2025-01-07T02:00:00.000Z', LEADER, onObstacle),
    ];
    const at = '2025-02-01T00:00:00.000Z';
    const seen = why(events, 'deadline', at, new Map([['OBSTACLE:VM-1', [raised]]]));
    expect(seen.links.map((l) => [l.kind, l.event.type, l.obstacleId])).toEqual([
      ['SET_BY', 'DeadlineExtensionApproved', null], ['DECIDED_ON_BASIS_OF', 'DeadlineExtensionRequested', null], ['REQUESTED_BECAUSE_OF', 'ObstacleRaised', 'VM-1'],
    ]);
    const hidden = why(events, 'deadline', at);
    expect(hidden.links.map((l) => l.event.type)).toEqual(['DeadlineExtensionApproved', 'DeadlineExtensionRequested']);
  });

  it('reads field names as history writes them, target:/actual: for indicators; anything else is BAD_USER_INPUT', () => {
    expect(parseWhyField('target:POP_DATA')).toEqual({ asked: 'target:POP_DATA', name: 'indicators.POP_DATA.target', indicator: 'POP_DATA' });
    expect(parseWhyField('indicators.POP_DATA.actual').indicator).toBe('POP_DATA');
    expect(parseWhyField('lead').name).toBe('lead');
    for (const bad of ['', 'deadlines', 'target:', 'target:lower', 'status; drop']) {
      expect(() => parseWhyField(bad), bad).toThrow(TiendoError);
    }
  });
});
