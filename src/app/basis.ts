import { notFound } from '../errors.js';
import type { Views } from '../runner/views.js';
import type { Basis } from '../shared/schemas.js';

/** A basis that names an obstacle, finding or inspection must name one that exists: that link answers "why". */
export function checkBasis(basis: Basis[], views: Views): void {
  for (const b of basis) {
    if (b.kind === 'OBSTACLE' && !views.obstacles.has(b.ref)) throw notFound('OBSTACLE', b.ref);
    if (b.kind === 'FINDING' && !views.findingIndex.has(b.ref)) throw notFound('FINDING', b.ref);
    if (b.kind === 'INSPECTION' && !views.inspections.has(b.ref)) throw notFound('INSPECTION', b.ref);
  }
}
