import type { Row } from './views.js';

/**
 * The lines of a snapshot (snapshots.ts), each ending in its newline. A whole row: `kind TAB json(id)
 * TAB json(row)`. A row's change: `+kind TAB json(id) TAB json(fields)`, the fields that are not
 * those of the row at the snapshot before, to be laid over it. JSON text has no raw tab or newline.
 * The newline is encoded with the line: a full snapshot of a million events' read model is 77,000
 * lines put together, and a newline apart from each doubled the pieces.
 *
 * Why changes: nine events in ten are progress reports, and each rewrote a whole task row (about
 * 1 KB: title, description, source, indicators) into the next delta to change its progress,
 * indicators, updatedAt and version. At a million events the deltas held 885 MB of task rows; their
 * changes are 234 MB (bench/README.md), and the compression of the rest was most of a rebuild's
 * snapshot thread.
 */
const CHANGE = 0x2b; // '+'
const TAB = 9;

const encoded = (kind: string, row: Row, json: unknown): Buffer => Buffer.from(`${kind}\t${JSON.stringify(row.id)}\t${JSON.stringify(json)}\n`);

export const wholeLine = (row: Row): Buffer => encoded(row.kind, row, row.value);

/**
 * The line of `row` as a change of `before` (its value at the snapshot before), or its whole line.
 * Fields are compared by reference: the evolve functions replace a field that changes and never
 * change one in place (src/tasks/evolve.ts' `copied`), so an unchanged field is the same value.
 * Whole when a field went away or became undefined, which JSON cannot say.
 */
export function rowLine(row: Row, before: object | undefined): Buffer {
  if (!before || before === row.value) return wholeLine(row);
  const was = before as Record<string, unknown>;
  const now = row.value as unknown as Record<string, unknown>;
  for (const k in was) if (!(k in now)) return wholeLine(row);
  const fields: Record<string, unknown> = {};
  for (const k in now) {
    const v = now[k];
    if (v === was[k]) continue;
    if (v === undefined) return wholeLine(row);
    fields[k] = v;
  }
  return encoded(`+${row.kind}`, row, fields);
}

/** Whether a line is a row's change rather than the whole row. */
export const isChange = (line: Buffer): boolean => line[0] === CHANGE;

interface LineAt { text: Buffer; start: number; end: number }

/**
 * A row put together from a snapshot chain read newest first: its newest whole line, and the
 * changes after it. Lines are found by their bytes and only those needed are decoded: most lines
 * of the deltas are rows changed again later, and UTF-8 decoding every byte was most of a restore.
 */
export class RowLines {
  private readonly rows = new Map<string, { whole: LineAt | null; changes: LineAt[] }>();

  /** One line of the chain, newer lines first; a row's lines older than its newest whole one are passed over. */
  add(text: Buffer, start: number, end: number): void {
    const change = text[start] === CHANGE;
    const idEnd = text.indexOf(TAB, text.indexOf(TAB, start) + 1);
    const key = text.toString('utf8', change ? start + 1 : start, idEnd);
    let lines = this.rows.get(key);
    if (lines?.whole) return;
    if (!lines) this.rows.set(key, (lines = { whole: null, changes: [] }));
    const at = { text, start: idEnd + 1, end };
    if (change) lines.changes.push(at);
    else lines.whole = at;
  }

  /** Each row: its whole line parsed, its changes laid over it oldest first. */
  *each(): Generator<Row> {
    for (const [key, { whole, changes }] of this.rows) {
      // A change is written only for a row the chain holds whole: without one, the chain is not ours.
      if (!whole) throw new Error(`snapshot chain holds changes of ${key.replace('\t', ' ')} but not the row`);
      const value = parse(whole) as Record<string, unknown>;
      for (let i = changes.length - 1; i >= 0; i--) Object.assign(value, parse(changes[i]!));
      const kindEnd = key.indexOf('\t');
      yield { kind: key.slice(0, kindEnd), id: JSON.parse(key.slice(kindEnd + 1)), value } as unknown as Row;
    }
  }
}

const parse = ({ text, start, end }: LineAt): unknown => JSON.parse(text.toString('utf8', start, end));
