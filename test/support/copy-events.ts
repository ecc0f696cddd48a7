import { expect, vi } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.js';
import type { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import type { ProjectionRunner } from '../../src/runner/runner.js';

/** `events` appended to `live` in their order, with their ids; then, given a runner following it, waited for until it shows them. */
export async function copyInto(live: SqliteEventStore, events: RecordedEvent[], runner?: ProjectionRunner): Promise<void> {
  for (const e of events) await live.append(e.stream, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }]);
  if (!runner) return;
  const [head] = await live.readAll({ direction: 'backwards', maxCount: 1 });
  await vi.waitFor(() => expect(runner.views.position).toBe(head!.position), { timeout: 60_000 });
}
