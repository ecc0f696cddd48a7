import { authorize } from '../auth/policy.js';
import type { EventStore } from '../eventstore/port.js';
import * as C from '../reports/commands.js';
import { decideReport } from '../reports/decide.js';
import { type ReportEvent, reportStream } from '../reports/events.js';
import { evolveReport } from '../reports/evolve.js';
import type { ReportState } from '../reports/state.js';
import type { Views } from '../runner/views.js';
import { parse } from './parse.js';
import { type CommandContext, runCommand } from './run-command.js';

export class ReportCommands {
  constructor(private readonly store: EventStore, private readonly views: () => Views) {}

  /** A re-submission for the same unit and period appends to the same stream: it supersedes, history keeps both. */
  submit(input: unknown, ctx: CommandContext) {
    const data = parse(C.SubmitPeriodicReport, input);
    const views = this.views();
    return runCommand<ReportState, ReportEvent>(this.store, {
      stream: reportStream(data.unitId, data.period.key),
      initial: null,
      evolve: evolveReport,
      decide: (state) => {
        authorize('submitPeriodicReport', ctx.actor, data.unitId, views);
        return decideReport({ type: 'SubmitPeriodicReport', data }, state, { now: ctx.now, units: views });
      },
    }, ctx);
  }
}
