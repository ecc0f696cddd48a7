import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { resolveSecret } from '../auth/tokens.js';
import type { Config } from '../config.js';
import type { EventStore } from '../eventstore/port.js';
import { SqliteEventStore } from '../eventstore/sqlite.js';
import { IntegrityMonitor } from '../eventstore/verify.js';
import { ProjectionRunner } from '../runner/runner.js';
import { InspectionCommands } from './inspections.js';
import { MergerCommands } from './mergers.js';
import { ObstacleCommands } from './obstacles.js';
import { ReportCommands } from './reports.js';
import { TaskCommands } from './tasks.js';
import { UnitCommands } from './units.js';

/** Everything a running tiendo holds: the store, the read side and the command services. */
export interface App {
  config: Config;
  dataDir: string;
  /** This process's own read model and delivery log (TIENDO_VIEWS_DIR; default the data dir). */
  viewsDir: string;
  store: EventStore;
  runner: ProjectionRunner;
  tasks: TaskCommands;
  units: UnitCommands;
  mergers: MergerCommands;
  obstacles: ObstacleCommands;
  inspections: InspectionCommands;
  reports: ReportCommands;
  secret: Uint8Array;
  /** The background check of the event store's hash chain (started by `serve`; /health reports it). */
  integrity: IntegrityMonitor;
  close(): Promise<void>;
}

export async function openStore(config: Config): Promise<EventStore> {
  if (config.EVENTSTORE_URL) {
    const { EventStoreDbEventStore } = await import('../eventstore/eventstoredb.js');
    return new EventStoreDbEventStore(config.EVENTSTORE_URL);
  }
  return new SqliteEventStore(join(resolve(config.TIENDO_DATA), 'events.db'), {
    checkpointThread: config.TIENDO_STORE_CHECKPOINT_THREAD, writerThread: config.TIENDO_STORE_WRITER_THREAD,
  });
}

export const viewsDirOf = (config: Config) => resolve(config.TIENDO_VIEWS_DIR ?? config.TIENDO_DATA);

/**
 * `viewsFile`: where the read model lives; ':memory:' gives a private one (the CLI's tools, so that
 * they never write the read model a running server owns).
 */
export async function createApp(config: Config, log?: Logger, options: { viewsFile?: string } = {}): Promise<App> {
  const dataDir = resolve(config.TIENDO_DATA);
  const viewsDir = viewsDirOf(config);
  const store = await openStore(config);
  const runner = new ProjectionRunner(store, options.viewsFile ?? join(viewsDir, 'views.db'), log, undefined, {
    worker: config.TIENDO_RUNNER_WORKER, writerThread: config.TIENDO_VIEWS_WRITER_THREAD, snapshotThread: config.TIENDO_REBUILD_SNAPSHOT_THREAD,
    keepAuditLog: config.TIENDO_REBUILD_KEEP_AUDIT, rebuildPartitions: config.TIENDO_REBUILD_PARTITIONS,
  });
  const directory = () => runner.views;
  const integrity = new IntegrityMonitor(store, log);
  return {
    config, dataDir, viewsDir, store, runner,
    tasks: new TaskCommands(store, directory),
    units: new UnitCommands(store, directory),
    mergers: new MergerCommands(store, directory),
    obstacles: new ObstacleCommands(store, directory),
    inspections: new InspectionCommands(store, directory),
    reports: new ReportCommands(store, directory),
    secret: resolveSecret(config.TIENDO_AUTH_SECRET, dataDir),
    integrity,
    async close() {
      await integrity.stop();
      await runner.stop();
      await store.dispose();
    },
  };
}
