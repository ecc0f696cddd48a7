import { join, resolve } from 'node:path';
import type { Config } from '../config.js';

/** What the maintenance commands (verify, backup, restore, anchor) share: their output and the store they work on. */
export type Out = (line: string) => void;
export const out: Out = (line) => process.stdout.write(`${line}\n`);
export const err: Out = (line) => process.stderr.write(`${line}\n`);

export const eventsFile = (config: Config) => join(resolve(config.TIENDO_DATA), 'events.db');

export function sqliteOnly(config: Config, command: string): boolean {
  if (!config.EVENTSTORE_URL) return true;
  err(`tiendo ${command}: works on the embedded SQLite store only; with EVENTSTORE_URL use EventStoreDB's own tools ` +
    '(its backups, and its append-only log: events cannot be changed through its API)');
  return false;
}
