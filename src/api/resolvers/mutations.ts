import type { CommandContext, CommandResult } from '../../app/run-command.js';
import { findingNode } from '../inspection-nodes.js';
import { type Ctx, source, taskNode, unitNode } from '../nodes.js';

type Input = Record<string, unknown> & { clientMutationId?: string | null; expectedVersion?: number | null };

/** GraphQL passes null for an omitted optional field; commands treat null and absent alike. */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, dropNulls(v)]));
  }
  return value;
}

function commandContext(ctx: Ctx, input: Input): CommandContext {
  return {
    actor: ctx.actor, now: ctx.now, correlationId: ctx.correlationId ?? ctx.requestId, causationId: null,
    clientMutationId: input.clientMutationId ?? null, expectedVersion: input.expectedVersion ?? null,
  };
}

function split(input: Input) {
  const { clientMutationId: _c, expectedVersion: _v, ...rest } = dropNulls(input) as Input;
  return rest;
}

/** Waits until the views hold the write, so the payload reflects it (read-your-writes). */
async function written(ctx: Ctx, position: string) {
  await ctx.tiendo.runner.waitFor(position);
  return source(ctx.tiendo.runner.views, ctx.now, false);
}

type TaskCommandName = 'reassign' | 'reportProgress' | 'requestDeadlineExtension' | 'decideDeadlineExtension' | 'reportCompletion'
  | 'confirmCompletion' | 'rejectCompletion' | 'pause' | 'resume' | 'cancel';

function taskMutation(name: TaskCommandName) {
  return async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
    const result: CommandResult<unknown> = await ctx.tiendo.tasks[name](split(input), commandContext(ctx, input));
    const src = await written(ctx, result.position);
    const taskId = (result.events[0]!.data as { taskId: string }).taskId;
    return { clientMutationId: input.clientMutationId ?? null, task: taskNode(src.views.tasks.get(taskId)!, src), position: result.position };
  };
}

export const mutationResolvers = {
  Mutation: {
    registerUnit: async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
      const result = await ctx.tiendo.units.register(split(input), commandContext(ctx, input));
      const src = await written(ctx, result.position);
      return { clientMutationId: input.clientMutationId ?? null, unit: unitNode(src.views.units.get(String(input.id)), src), position: result.position };
    },
    mergeUnits: async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
      const result = await ctx.tiendo.mergers.merge(split(input), commandContext(ctx, input));
      const src = await written(ctx, result.position);
      return {
        clientMutationId: input.clientMutationId ?? null, position: result.position,
        unit: unitNode(src.views.units.get(String(input.into)), src),
        merged: (input.from as string[]).map((id) => unitNode(src.views.units.get(id), src)),
        movedTasks: result.movedTasks.map((id) => taskNode(src.views.tasks.get(id)!, src)),
      };
    },
    renameUnit: async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
      const result = await ctx.tiendo.units.rename(split(input), commandContext(ctx, input));
      const src = await written(ctx, result.position);
      return { clientMutationId: input.clientMutationId ?? null, unit: unitNode(src.views.units.get(String(input.unitId)), src), position: result.position };
    },
    assignTask: async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
      const result = await ctx.tiendo.tasks.assign(split(input), commandContext(ctx, input));
      const src = await written(ctx, result.position);
      const taskId = (result.events[0]!.data as { taskId: string }).taskId;
      return { clientMutationId: input.clientMutationId ?? null, task: taskNode(src.views.tasks.get(taskId)!, src), position: result.position };
    },
    delegateTask: async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
      const { result, children } = await ctx.tiendo.tasks.delegate(split(input), commandContext(ctx, input));
      const src = await written(ctx, result.position);
      return {
        clientMutationId: input.clientMutationId ?? null,
        task: taskNode(src.views.tasks.get(String(input.taskId))!, src),
        children: children.map((id) => taskNode(src.views.tasks.get(id)!, src)),
        position: result.position,
      };
    },
    reassignTask: taskMutation('reassign'),
    reportProgress: taskMutation('reportProgress'),
    requestDeadlineExtension: taskMutation('requestDeadlineExtension'),
    decideDeadlineExtension: taskMutation('decideDeadlineExtension'),
    reportCompletion: taskMutation('reportCompletion'),
    confirmCompletion: taskMutation('confirmCompletion'),
    rejectCompletion: taskMutation('rejectCompletion'),
    pauseTask: taskMutation('pause'),
    resumeTask: taskMutation('resume'),
    cancelTask: taskMutation('cancel'),
  },
};

/** Obstacles, inspections and periodic reports: the same shape, other payloads. */
export const recordMutationResolvers = {
  Mutation: {
    ...Object.fromEntries((['raise', 'escalate', 'resolve', 'withdraw'] as const).map((name) => [
      `${name}Obstacle`,
      async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
        const result = await ctx.tiendo.obstacles[name](split(input), commandContext(ctx, input));
        const src = await written(ctx, result.position);
        const id = (result.events[0]!.data as { obstacleId: string }).obstacleId;
        return { clientMutationId: input.clientMutationId ?? null, obstacle: { ...src.views.obstacles.get(id)!, __src: src }, position: result.position };
      },
    ])),
    planInspection: async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
      const result = await ctx.tiendo.inspections.plan(split(input), commandContext(ctx, input));
      const src = await written(ctx, result.position);
      const id = (result.events[0]!.data as { inspectionId: string }).inspectionId;
      return { clientMutationId: input.clientMutationId ?? null, inspection: { ...src.views.inspections.get(id)!, __src: src }, position: result.position };
    },
    concludeInspection: async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
      const result = await ctx.tiendo.inspections.conclude(split(input), commandContext(ctx, input));
      const src = await written(ctx, result.position);
      return { clientMutationId: input.clientMutationId ?? null, inspection: { ...src.views.inspections.get(String(input.inspectionId))!, __src: src }, position: result.position };
    },
    ...Object.fromEntries((['recordFinding', 'respond', 'closeFinding'] as const).map((name) => [
      name === 'respond' ? 'respondToFinding' : name,
      async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
        const result = await ctx.tiendo.inspections[name](split(input), commandContext(ctx, input));
        const src = await written(ctx, result.position);
        const { inspectionId, findingId } = result.events[0]!.data as { inspectionId: string; findingId: string };
        const inspection = src.views.inspections.get(inspectionId)!;
        return {
          clientMutationId: input.clientMutationId ?? null, position: result.position,
          inspection: { ...inspection, __src: src }, finding: findingNode(inspection.findings.find((f) => f.id === findingId)!, src),
        };
      },
    ])),
    submitPeriodicReport: async (_: unknown, { input }: { input: Input }, ctx: Ctx) => {
      const result = await ctx.tiendo.reports.submit(split(input), commandContext(ctx, input));
      await written(ctx, result.position);
      return { clientMutationId: input.clientMutationId ?? null, accepted: true, position: result.position };
    },
  },
};
