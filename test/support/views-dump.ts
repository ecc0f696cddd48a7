import type { Views } from '../../src/runner/views.js';

/** Everything a Views holds that queries read, in a stable order. */
export function dump(v: Views) {
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const ids = (m: Map<string, Iterable<string>>) => sorted(m).map(([k, s]) => [k, [...s].sort()]);
  return {
    position: v.position, lastOccurredAt: v.lastOccurredAt,
    units: sorted(v.units), tasks: sorted(v.tasks), obstacles: sorted(v.obstacles), inspections: sorted(v.inspections),
    reports: sorted(v.reports), notifications: sorted(v.notifications), webhooks: sorted(v.webhooks),
    children: ids(v.unitChildren), byLead: ids(v.tasksByLead), byCoordinator: ids(v.tasksByCoordinator),
    obstaclesByTask: ids(v.obstaclesByTask), findings: sorted(v.findingIndex), reportsByUnit: ids(v.reportsByUnit),
    notificationsByUnit: ids(v.notificationsByUnit),
  };
}
