import { describe, expect, it } from 'vitest';
import { RowLines, isChange, rowLine, wholeLine } from '../../src/runner/snapshot-lines.js';
import type { Row } from '../../src/runner/views.js';

const task = (value: Record<string, unknown>) => ({ kind: 'task', id: 't-1', value }) as unknown as Row;
/** A line's text without the newline it ends in. */
const text = (line: Buffer) => {
  expect(line.at(-1)).toBe(10);
  return line.toString('utf8', 0, line.length - 1);
};

/** Lines given newest first, as a restore reads a chain (newest snapshot first). */
function restored(...lines: Buffer[]): Row[] {
  const chain = new RowLines();
  for (const line of lines) chain.add(line, 0, line.length - 1);
  return [...chain.each()];
}

describe('snapshot lines', () => {
  const before = { id: 't-1', title: 'Cấp căn cước điện tử', indicators: [{ code: 'A', actual: null }], progress: 10, version: 3 };

  it('holds a row whole when there is no value before it to change', () => {
    const line = rowLine(task(before), undefined);
    expect(isChange(line)).toBe(false);
    expect(text(line)).toBe(`task\t"t-1"\t${JSON.stringify(before)}`);
  });

  it('holds only the fields replaced since the snapshot before', () => {
    const after = { ...before, progress: 20, version: 4, indicators: [{ code: 'A', actual: 5 }] };
    const line = rowLine(task(after), before);
    expect(isChange(line)).toBe(true);
    expect(text(line)).toBe(`+task\t"t-1"\t${JSON.stringify({ indicators: [{ code: 'A', actual: 5 }], progress: 20, version: 4 })}`);
  });

  it('holds the row whole when a field went away or became undefined, which a change cannot say', () => {
    const { title: _gone, ...without } = before;
    expect(isChange(rowLine(task(without), before))).toBe(false);
    expect(isChange(rowLine(task({ ...before, title: undefined }), before))).toBe(false);
  });

  it('lays the changes after a row\'s newest whole line over it, oldest first, and passes over older lines', () => {
    const second = { ...before, progress: 20, version: 4 };
    const third = { ...second, progress: 30, version: 5, title: 'Cấp căn cước điện tử (mức 2)' };
    const rows = restored(
      rowLine(task(third), second), // newest
      rowLine(task(second), before),
      wholeLine(task(before)),
      wholeLine(task({ ...before, progress: 0 })), // older than the whole line above: not read
    );
    expect(rows).toEqual([task(third)]);
  });

  it('refuses a chain that holds a row\'s changes but not the row', () => {
    expect(() => restored(rowLine(task({ ...before, progress: 20 }), before))).toThrow(/holds changes of task "t-1" but not the row/);
  });
});
