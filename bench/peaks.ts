/**
 * `node --import tsx bench/peaks.ts [--events N]`: where the national workload (workload.ts) peaks,
 * for the sizing in docs/scale-out.md. Plans the same commands the bench plays (nothing is written:
 * no store, no server) and counts their events by ISO week, by Vietnam day and by hour, and the
 * monthly reporting days (periodic reports fall due on the 17th for ministries and provinces).
 */
import { parseArgs } from 'node:util';
import { planWorkload, vnDate } from './workload.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '6' } } });
const { shape, steps } = planWorkload(Number(values.events), Number(values.seed));
const byWeek = new Map<number, number>();
const byDay = new Map<string, number>();
const byHour = new Map<string, number>();
const reportsByDay = new Map<string, number>();
let total = 0;
for (const step of steps()) {
  for (const c of step.commands) {
    total += c.events;
    byWeek.set(step.week, (byWeek.get(step.week) ?? 0) + c.events);
    const day = vnDate(c.at);
    byDay.set(day, (byDay.get(day) ?? 0) + c.events);
    const hour = `${day} ${new Date(c.at + 7 * 3_600_000).toISOString().slice(11, 13)}h`;
    byHour.set(hour, (byHour.get(hour) ?? 0) + c.events);
    if (c.kind === 'submitPeriodicReport') reportsByDay.set(day, (reportsByDay.get(day) ?? 0) + 1);
  }
}
const top = <K>(m: Map<K, number>, n = 3) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
// Weeks 0 and 1 load the tree and the tasks (an import, not users): the busiest week of use is after them.
const usage = new Map([...byWeek].filter(([w]) => w >= 2));
const firstUsageDay = vnDate(Date.UTC(2023, 11, 11));
const usageDays = new Map([...byDay].filter(([d]) => d >= firstUsageDay));
const usageHours = new Map([...byHour].filter(([h]) => h >= firstUsageDay));
console.log(JSON.stringify({
  shape: { events: total, tasks: shape.tasks, units: shape.ministries + shape.provinces + shape.communes + 2 },
  busiestWeeks: top(usage), busiestDays: top(usageDays), busiestHours: top(usageHours), setUpHours: top(byHour, 2),
  setUpWeeks: [0, 1].map((w) => [w, byWeek.get(w) ?? 0]),
  busiestReportingDays: top(reportsByDay).map(([d, n]) => ({ day: d, reports: n, events: byDay.get(d) })),
  meanWeek: Math.round(total / byWeek.size),
}, null, 1));
