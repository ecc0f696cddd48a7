import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/tasks/events.js';
import { evolveTask } from '../../src/tasks/evolve.js';
import type { TaskState } from '../../src/tasks/state.js';

const assigned: TaskEvent = {
  type: 'TaskAssigned',
  data: {
    taskId: 'NV-9', title: 'Kết nối dữ liệu', description: null, output: null,
    source: { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' },
    leadUnitId: 'BCA', coordinatorIds: ['BTC', 'BYT'], deadline: '2026-06-30', indicators: [], confidential: false, parentId: null,
  },
};
const fold = (events: [TaskEvent, string][]): TaskState => events.reduce<TaskState>((s, [e, at]) => evolveTask(s, e, at), null);

describe('evolveTask', () => {
  it('drops the new lead unit from the coordinators when a task is reassigned to one of them', () => {
    const task = fold([
      [assigned, '2026-01-10T02:00:00.000Z'],
      [{ type: 'TaskReassigned', data: { taskId: 'NV-9', leadUnitId: 'BTC', previousLeadUnitId: 'BCA' } }, '2026-02-01T02:00:00.000Z'],
    ])!;
    expect(task.leadUnitId).toBe('BTC');
    expect(task.coordinatorIds).toEqual(['BYT']);
  });

  it('keeps every deadline with the Vietnam date it took force', () => {
    const task = fold([
      [assigned, '2026-01-10T18:00:00.000Z'],
      [{ type: 'DeadlineExtensionApproved', data: { taskId: 'NV-9', deadline: '2026-12-31', previousDeadline: '2026-06-30', proposedDeadline: null } }, '2026-07-19T17:30:00.000Z'],
    ])!;
    expect(task.deadlines).toEqual([{ since: '2026-01-11', deadline: '2026-06-30' }, { since: '2026-07-20', deadline: '2026-12-31' }]);
  });
});
