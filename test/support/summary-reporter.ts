import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line "N passed, N failed, N skipped" that CI reads, and lists every
 * skipped test so that no skip goes unseen.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedNames: string[] = [];
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const result = t.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed') failed++;
        else {
          skipped++;
          const note = result.state === 'skipped' && result.note ? ` (${result.note})` : '';
          // A suite skipped whole says why in its name: one line for it; otherwise the test's own name.
          const suite = t.fullName.split(' > ')[0]!;
          const name = suite.includes('skipped') ? suite : t.fullName;
          skippedNames.push(`${m.moduleId.replace(process.cwd() + '/', '')} > ${name}${note}`);
        }
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    const counts = new Map<string, number>();
    for (const n of skippedNames) counts.set(n, (counts.get(n) ?? 0) + 1);
    if (counts.size) process.stdout.write(`\nskipped:\n${[...counts].map(([n, c]) => `  - ${n}: ${c} test${c > 1 ? 's' : ''}`).join('\n')}\n`);
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
