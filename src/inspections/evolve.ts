import type { InspectionEvent } from './events.js';
import type { Finding, InspectionState } from './state.js';

export function evolveInspection(state: InspectionState, event: InspectionEvent, at: string): InspectionState {
  if (event.type === 'InspectionPlanned') {
    const d = event.data;
    return {
      id: d.inspectionId, title: d.title, teamUnitId: d.teamUnitId, targetUnitIds: d.targetUnitIds, taskIds: d.taskIds,
      from: d.from, to: d.to, findings: [], concluded: false, conclusion: null, plannedAt: at,
    };
  }
  if (!state) return state;
  const finding = (id: string, change: Partial<Finding>) => ({
    ...state, findings: state.findings.map((f) => (f.id === id ? { ...f, ...change } : f)),
  });
  switch (event.type) {
    case 'FindingRecorded': {
      const d = event.data;
      return {
        ...state,
        findings: [...state.findings, {
          id: d.findingId, inspectionId: d.inspectionId, unitId: d.unitId, taskId: d.taskId, severity: d.severity,
          description: d.description, recommendation: d.recommendation, dueDate: d.dueDate, status: 'OPEN', response: null, recordedAt: at,
        }],
      };
    }
    case 'FindingResponded':
      return finding(event.data.findingId, { status: 'RESPONDED', response: event.data.response });
    case 'FindingClosed':
      return finding(event.data.findingId, { status: 'CLOSED' });
    case 'InspectionConcluded':
      return { ...state, concluded: true, conclusion: event.data.conclusion };
    case 'FindingBecameOverdue':
      // A reminder (src/reminders): a notice, the finding stays as it was.
      return state;
    default: {
      const never: never = event;
      return never;
    }
  }
}
