export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type FindingStatus = 'OPEN' | 'RESPONDED' | 'CLOSED';

export interface Finding {
  id: string;
  inspectionId: string;
  unitId: string;
  taskId: string | null;
  severity: Severity;
  description: string;
  recommendation: string;
  dueDate: string | null;
  status: FindingStatus;
  response: string | null;
  recordedAt: string;
}

export interface Inspection {
  id: string;
  title: string;
  teamUnitId: string;
  targetUnitIds: string[];
  taskIds: string[];
  from: string;
  to: string;
  findings: Finding[];
  concluded: boolean;
  conclusion: string | null;
  plannedAt: string;
}

export type InspectionState = Inspection | null;
export const initialInspectionState: InspectionState = null;
