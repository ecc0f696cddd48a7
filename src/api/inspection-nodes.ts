import type { Finding } from '../inspections/state.js';
import type { InspectionView, Views } from '../runner/views.js';
import type { Source } from './nodes.js';

export type FindingNode = Finding & { __src: Source };
export type InspectionNode = InspectionView & { __src: Source };

export const findingNode = (f: Finding, src: Source): FindingNode => ({ ...f, __src: src });
export const inspectionNode = (i: InspectionView | undefined, src: Source): InspectionNode | null => (i ? { ...i, __src: src } : null);
/** A finding by its id, and its inspection. */
export function findingById(views: Views, id: string): { inspection: InspectionView; finding: Finding } | null {
  const inspection = views.inspections.get(views.findingIndex.get(id) ?? '');
  const finding = inspection?.findings.find((f) => f.id === id);
  return finding ? { inspection: inspection!, finding } : null;
}
