import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeServeLock, serveLockHolder, writeServeLock } from '../../src/cli/maintenance.js';

/** The lock `tiendo serve` keeps in its data directory, so that `tiendo restore` can refuse. */
const dirs: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tiendo-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the serve lock', () => {
  it('names a live server, and is gone after it removes it', () => {
    const d = dir();
    expect(serveLockHolder(d)).toBeNull();
    writeServeLock(d, 4000);
    expect(serveLockHolder(d)).toBe(process.pid);
    removeServeLock(d);
    expect(serveLockHolder(d)).toBeNull();
  });

  it('is ignored when the server that wrote it is dead (killed with SIGKILL, say)', () => {
    const d = dir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(d, 'serve.lock'), JSON.stringify({ pid: Number(dead), host: hostname(), port: 1 }));
    expect(serveLockHolder(d)).toBeNull();
  });

  it('is honoured when written on another host (a shared disk): its process cannot be checked', () => {
    const d = dir();
    writeFileSync(join(d, 'serve.lock'), JSON.stringify({ pid: 12345, host: 'another-host', port: 1 }));
    expect(serveLockHolder(d)).toBe(12345);
  });

  it('is not removed by a process that does not hold it', () => {
    const d = dir();
    writeFileSync(join(d, 'serve.lock'), JSON.stringify({ pid: 12345, host: 'another-host', port: 1 }));
    removeServeLock(d);
    expect(serveLockHolder(d)).toBe(12345);
  });
});
