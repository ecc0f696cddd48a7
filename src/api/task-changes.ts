/**
 * Where in the store each task last changed, for the response cache (query-cache.ts): an answer
 * about a task (answer-scope.ts) computed at position P is still the answer while neither the task
 * nor a task below it (its progress rolls up) nor any unit changed after P.
 */
import type { ProjectionRunner } from '../runner/runner.js';
import type { AppliedNotice } from '../runner/read-model.js';

export class TaskChanges {
  /** task id → position of the last event on its stream or on a stream of a task below it. */
  private readonly changedAt = new Map<string, string>();
  /** Position after which every answer counts as changed: a unit's event, or a move not seen as a notice. */
  private everything: string | null = null;
  /** The position of the last notice. */
  private seen: string | null;

  constructor(private readonly runner: ProjectionRunner, private readonly compare: (a: string, b: string) => number) {
    this.seen = runner.views.position;
    this.everything = this.seen;
    runner.on('applied', this.listener);
  }

  private readonly listener = (n: AppliedNotice): void => {
    const { position, stream } = n.event;
    this.seen = position;
    if (stream.startsWith('task-')) {
      const tasks = this.runner.views.tasks;
      // The task and every task above it, from where it hangs now and (if it moved) where it hung.
      for (const start of [n.event.stream.slice('task-'.length), n.task?.before?.parentId]) {
        for (let id = start, hops = 0; id && hops < 64; id = tasks.get(id)?.parentId ?? undefined, hops++) this.changedAt.set(id, position);
      }
    } else if (stream.startsWith('unit-')) {
      this.everything = position;
    }
  };

  /** True when none of `taskIds`, the tasks below them, nor any unit changed after `since`. */
  unchangedSince(taskIds: readonly string[], since: string | null): boolean {
    // The read model moved without a notice (an unreadable event, rows loaded at start): anything may have changed.
    // (Views rebuilt from the same events at the same position give the same answers.)
    const { position } = this.runner.views;
    if (position !== this.seen) {
      this.seen = position;
      this.everything = position;
    }
    if (since === null) return this.everything === null && this.changedAt.size === 0;
    if (this.everything !== null && this.compare(this.everything, since) > 0) return false;
    for (const id of taskIds) {
      const at = this.changedAt.get(id);
      if (at !== undefined && this.compare(at, since) > 0) return false;
    }
    return true;
  }

  close(): void {
    this.runner.off('applied', this.listener);
  }
}
