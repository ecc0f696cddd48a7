import { DateTime } from 'luxon';
import { authorize } from '../auth/policy.js';
import type { EventStore } from '../eventstore/port.js';
import { encode } from '../events.js';
import type { Views } from '../runner/views.js';
import { uuidFromName } from '../shared/ids.js';
import { ZONE } from '../shared/schemas.js';
import { dateAt } from '../shared/time.js';
import { decideTask } from '../tasks/decide.js';
import { type TaskEvent, taskStream } from '../tasks/events.js';
import { evolveTask } from '../tasks/evolve.js';
import type { TaskState } from '../tasks/state.js';
import * as C from '../units/commands.js';
import { decideUnit, mergedUnitEvents } from '../units/decide.js';
import { type UnitEvent, unitStream } from '../units/events.js';
import { evolveUnit } from '../units/evolve.js';
import type { UnitStreamState } from '../units/state.js';
import { parse } from './parse.js';
import { type CommandContext, type CommandResult, runCommand } from './run-command.js';

const OPEN_PHASES = new Set(['OPEN', 'PAUSED', 'AWAITING_CONFIRMATION']);

/**
 * An administrative merger (sáp nhập đơn vị hành chính): the surviving unit records it, then each
 * merged unit, each of their children (re-parented) and each open task they led (reassigned)
 * records its part, with ids derived from the merger's so that a retry completes, never doubles.
 * The events take effect on `effectiveOn` (00:00 in Vietnam), so views as of an earlier date show
 * the old tree and views after it the new one.
 */
export class MergerCommands {
  constructor(private readonly store: EventStore, private readonly views: () => Views) {}

  async merge(input: unknown, ctx: CommandContext): Promise<CommandResult<UnitStreamState> & { movedTasks: string[] }> {
    const data = parse(C.MergeUnits, input);
    const views = this.views();
    const effective = DateTime.fromISO(data.effectiveOn, { zone: ZONE }).toUTC().toISO()!;
    const result = await runCommand<UnitStreamState, UnitEvent>(this.store, {
      stream: unitStream(data.into),
      initial: null,
      evolve: (s, e) => evolveUnit(s, e),
      decide: (state) => {
        for (const unit of [data.into, ...data.from]) authorize('mergeUnits', ctx.actor, unit, views);
        return decideUnit({ type: 'MergeUnits', data }, state, views, dateAt(ctx.now));
      },
    }, { ...ctx, now: effective });
    const merger = result.events.find((e) => e.type === 'UnitsMergedInto')!;
    const meta = { ...merger.meta, causationId: merger.id };
    let position = result.position;
    const note = (p: string) => {
      if (this.store.comparePositions(p, position) > 0) position = p;
    };

    for (const event of mergedUnitEvents(merger as unknown as Parameters<typeof mergedUnitEvents>[0])) {
      const stored = encode(event, meta, uuidFromName(`${merger.id}|merged|${event.data.unitId}`));
      note((await this.store.append(unitStream(event.data.unitId), [stored], 'stream_exists')).position);
    }
    for (const from of data.from) {
      for (const child of views.unitChildren.get(from) ?? []) {
        const moved: UnitEvent = { type: 'UnitReparented', data: { unitId: child, parentId: data.into, previousParentId: from }, reason: data.reason, basis: data.basis };
        const stored = encode(moved, meta, uuidFromName(`${merger.id}|child|${child}`));
        note((await this.store.append(unitStream(child), [stored], 'stream_exists')).position);
      }
    }
    const movedTasks: string[] = [];
    for (const from of data.from) {
      for (const taskId of [...(views.tasksByLead.get(from) ?? [])]) {
        const task = views.tasks.get(taskId);
        if (!task || !OPEN_PHASES.has(task.phase)) continue;
        // A task changed after the effective date moves when the merger is recorded, keeping its own order of events.
        const at = task.updatedAt > effective ? task.updatedAt : effective;
        const moved = await runCommand<TaskState, TaskEvent>(this.store, {
          stream: taskStream(taskId),
          initial: null,
          evolve: evolveTask,
          decide: (state) => decideTask({ type: 'ReassignTask', data: { taskId, leadUnitId: data.into, reason: data.reason, basis: data.basis } }, state, { now: at, units: views }),
        }, { ...ctx, now: at, causationId: merger.id, clientMutationId: `merger:${merger.id}:${taskId}`, expectedVersion: null });
        note(moved.position);
        movedTasks.push(taskId);
      }
    }
    return { ...result, position, movedTasks };
  }
}
