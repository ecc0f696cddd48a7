import type { z } from 'zod';
import { type Action, authorize, canSeeTask } from '../auth/policy.js';
import { notFound } from '../errors.js';
import type { EventStore } from '../eventstore/port.js';
import { readableId, uuidFromName } from '../shared/ids.js';
import * as C from '../tasks/commands.js';
import { decideTask, delegatedTasks, type TaskContext } from '../tasks/decide.js';
import { type TaskEvent, taskStream } from '../tasks/events.js';
import { evolveTask } from '../tasks/evolve.js';
import type { TaskState } from '../tasks/state.js';
import type { Views } from '../runner/views.js';
import type { Basis } from '../shared/schemas.js';
import { encode } from '../events.js';
import { checkBasis } from './basis.js';
import { parse } from './parse.js';
import { type CommandContext, type CommandResult, runCommand } from './run-command.js';

type Cmd = C.TaskCommand;

/** The task commands: validate input, authorise against the policy table, decide, append. */
export class TaskCommands {
  constructor(private readonly store: EventStore, private readonly units: () => Views) {}

  /**
   * `target`: the lead unit of a task not yet assigned (else the task's own lead unit);
   * `assignees`: other units the command hands work or confidential access to, each checked as
   * assignTask (coordinators, delegates, a new lead unit).
   */
  private run(taskId: string, action: Action, command: Cmd, ctx: CommandContext, target?: string, assignees: readonly string[] = []): Promise<CommandResult<TaskState>> {
    const units = this.units();
    const decideCtx: TaskContext = { now: ctx.now, units };
    return runCommand<TaskState, TaskEvent>(this.store, {
      stream: taskStream(taskId),
      initial: null,
      evolve: evolveTask,
      decide: (state) => {
        const unit = target ?? state?.leadUnitId;
        // A confidential task the actor may not see does not exist for them (no existence oracle).
        if (!unit || (state && !canSeeTask(ctx.actor, state, (u, a) => units.isWithin(u, a)))) throw notFound('TASK', taskId);
        authorize(action, ctx.actor, unit, units);
        for (const other of assignees) authorize('assignTask', ctx.actor, other, units);
        checkBasis((command.data as { basis?: Basis[] }).basis ?? [], units);
        return decideTask(command, state, decideCtx);
      },
    }, ctx);
  }

  assign(input: Record<string, unknown>, ctx: CommandContext) {
    const seed = ctx.clientMutationId ? `${ctx.actor.id}|${ctx.clientMutationId}` : undefined;
    const data = parse(C.AssignTask, { ...input, id: input.id ?? readableId('NV', seed) });
    return this.run(data.id, 'assignTask', { type: 'AssignTask', data }, ctx, data.leadUnitId, data.coordinatorIds);
  }

  /** The parent records the delegation; then each child task gets its own stream, idempotently. */
  async delegate(input: unknown, ctx: CommandContext) {
    const data = parse(C.DelegateTask, input);
    const result = await this.run(data.taskId, 'delegateTask', { type: 'DelegateTask', data }, ctx, undefined, data.to.map((d) => d.leadUnitId));
    const delegation = result.events.find((e) => e.type === 'TaskDelegated');
    if (!delegation || !result.stateBefore) return { result, children: [] as string[] };
    const assigned = delegatedTasks(result.stateBefore, delegation as unknown as Extract<TaskEvent, { type: 'TaskDelegated' }>);
    let position = result.position;
    for (const child of assigned) {
      const meta = { ...delegation.meta, causationId: delegation.id };
      const event = encode(child, meta, uuidFromName(`${delegation.id}|${child.data.taskId}`));
      const written = await this.store.append(taskStream(child.data.taskId), [event], 'no_stream')
        .catch(async (error: unknown) => {
          // A retry after a crash between parent and children: the child may already be there.
          const [first] = await this.store.readStream(taskStream(child.data.taskId), { maxCount: 1 });
          if (first?.id === event.id) return { position: first.position, nextExpectedRevision: 0 };
          throw error;
        });
      if (this.store.comparePositions(written.position, position) > 0) position = written.position;
    }
    return { result: { ...result, position }, children: assigned.map((a) => a.data.taskId) };
  }

  reassign(input: unknown, ctx: CommandContext) {
    const data = parse(C.ReassignTask, input);
    return this.run(data.taskId, 'reassignTask', { type: 'ReassignTask', data }, ctx, undefined, [data.leadUnitId]);
  }
  /** A command on an existing task whose only rules are the decider's and the policy row's. */
  private onTask<S extends z.ZodType<{ taskId: string }>>(schema: S, action: Action, type: Cmd['type']) {
    return (input: unknown, ctx: CommandContext) => {
      const data = parse(schema, input);
      return this.run(data.taskId, action, { type, data } as Cmd, ctx);
    };
  }

  readonly reportProgress = this.onTask(C.ReportProgress, 'reportProgress', 'ReportProgress');
  readonly requestDeadlineExtension = this.onTask(C.RequestDeadlineExtension, 'requestDeadlineExtension', 'RequestDeadlineExtension');
  readonly decideDeadlineExtension = this.onTask(C.DecideDeadlineExtension, 'decideDeadlineExtension', 'DecideDeadlineExtension');
  readonly reportCompletion = this.onTask(C.ReportCompletion, 'reportCompletion', 'ReportCompletion');
  readonly confirmCompletion = this.onTask(C.DecideCompletion, 'confirmCompletion', 'ConfirmCompletion');
  readonly rejectCompletion = this.onTask(C.DecideCompletion, 'rejectCompletion', 'RejectCompletion');
  readonly pause = this.onTask(C.ChangeTaskPhase, 'pauseTask', 'PauseTask');
  readonly resume = this.onTask(C.ChangeTaskPhase, 'resumeTask', 'ResumeTask');
  readonly cancel = this.onTask(C.ChangeTaskPhase, 'cancelTask', 'CancelTask');
}
