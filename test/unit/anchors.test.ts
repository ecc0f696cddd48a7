import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { macMatches, signAnchor } from '../../src/anchors/anchor.js';
import { checkAnchors } from '../../src/anchors/check.js';
import { lastAnchor, readAnchors } from '../../src/anchors/file.js';
import { recordAnchor } from '../../src/anchors/record.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';

/** Anchors (src/anchors) on real files: signing, the file, when one is written, what a check reports. */
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tiendo-anchor-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const key = new TextEncoder().encode('k'.repeat(40));
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:10:00.000Z';

async function storeWith(n: number, dir = tempDir()): Promise<string> {
  const file = join(dir, 'events.db');
  const store = new SqliteEventStore(file);
  for (let i = 0; i < n; i++) await store.append('s', [{ id: randomUUID(), type: 'X', data: { i } }]);
  await store.dispose();
  return file;
}

describe('anchors', () => {
  it('an anchor is signed over position, hash and time: changing any of them breaks its HMAC', () => {
    const a = signAnchor(key, { position: 7, hash: 'a'.repeat(64) }, T0);
    expect(macMatches(key, a)).toBe(true);
    expect(macMatches(key, { ...a, position: 6 })).toBe(false);
    expect(macMatches(key, { ...a, hash: 'b'.repeat(64) })).toBe(false);
    expect(macMatches(key, { ...a, at: T1 })).toBe(false);
    expect(macMatches(new TextEncoder().encode('other'.repeat(8)), a)).toBe(false);
  });

  it('is written only when the head moved, unless asked for by hand; not for an empty store', async () => {
    const dir = tempDir();
    const anchorFile = join(dir, 'anchors.jsonl');
    const eventsFile = await storeWith(0, dir);
    expect(recordAnchor({ eventsFile, anchorFile, key, now: T0 })).toEqual({ skipped: 'the store is empty' });

    const store = new SqliteEventStore(eventsFile);
    await store.append('s', [{ id: randomUUID(), type: 'X', data: {} }]);
    expect(recordAnchor({ eventsFile, anchorFile, key, now: T0 })).toMatchObject({ written: { position: 1, at: T0 } });
    expect(recordAnchor({ eventsFile, anchorFile, key, now: T1 })).toEqual({ skipped: `the head did not move since the last anchor (${T0})` });
    expect(recordAnchor({ eventsFile, anchorFile, key, now: T1, always: true })).toMatchObject({ written: { position: 1, at: T1 } });
    await store.append('s', [{ id: randomUUID(), type: 'X', data: {} }]);
    expect(recordAnchor({ eventsFile, anchorFile, key, now: T1 })).toMatchObject({ written: { position: 2 } });
    await store.dispose();
    expect(readAnchors(anchorFile).map((l) => ('anchor' in l ? l.anchor.position : null))).toEqual([1, 1, 2]);
    expect(lastAnchor(anchorFile)?.position).toBe(2);
  });

  it('a line left half-written spoils only itself: the next anchor starts a line of its own', async () => {
    const dir = tempDir();
    const anchorFile = join(dir, 'anchors.jsonl');
    const eventsFile = await storeWith(3, dir);
    recordAnchor({ eventsFile, anchorFile, key, now: T0 });
    appendFileSync(anchorFile, '{"position":3,"ha');
    recordAnchor({ eventsFile, anchorFile, key, now: T1, always: true });
    const lines = readAnchors(anchorFile);
    expect(lines.map((l) => ('anchor' in l ? 'anchor' : l.problem))).toEqual(['anchor', 'it is not JSON', 'anchor']);
    expect(readFileSync(anchorFile, 'utf8').endsWith('\n')).toBe(true);
  });

  it('a check names each anchor the store fails, and why', async () => {
    const dir = tempDir();
    const anchorFile = join(dir, 'anchors.jsonl');
    const eventsFile = await storeWith(6, dir);
    const db = new Database(eventsFile);
    const hashAt = (p: number) => db.prepare<[number], { hash: string }>('SELECT hash FROM events WHERE position = ?').get(p)!.hash;
    appendFileSync(anchorFile, [
      JSON.stringify(signAnchor(key, { position: 2, hash: hashAt(2) }, T0)),
      JSON.stringify(signAnchor(key, { position: 3, hash: 'f'.repeat(64) }, T0)),
      JSON.stringify({ ...signAnchor(key, { position: 4, hash: hashAt(4) }, T0), position: 5 }),
      JSON.stringify(signAnchor(key, { position: 6, hash: hashAt(6) }, T1)),
      '{"position":"6"}',
    ].join('\n'));
    db.prepare('DELETE FROM events WHERE position = 6').run();
    const check = checkAnchors(db, readAnchors(anchorFile), key);
    db.close();
    expect(check.matched).toBe(1);
    expect(check.latest?.line).toBe(1);
    expect(check.problems.map((p) => p.line)).toEqual([2, 3, 4, 5]);
    const [changed, forged, cut, notAnchor] = check.problems.map((p) => p.reason);
    expect(changed).toMatch(/^the store's hash there is [0-9a-f]{64}, not the anchored one/);
    expect(forged).toMatch(/^its HMAC does not match/);
    expect(cut).toMatch(/^the store ends at position 5, before the anchored position/);
    expect(notAnchor).toMatch(/^it is not an anchor \(position: /);
  });

  it('TIENDO_ANCHOR_INTERVAL is a duration: 10m by default, 0 for never, nonsense refused', () => {
    expect(loadConfig({}).TIENDO_ANCHOR_INTERVAL).toBe(600_000);
    expect(loadConfig({ TIENDO_ANCHOR_INTERVAL: '30s' }).TIENDO_ANCHOR_INTERVAL).toBe(30_000);
    expect(loadConfig({ TIENDO_ANCHOR_INTERVAL: '1h' }).TIENDO_ANCHOR_INTERVAL).toBe(3_600_000);
    expect(loadConfig({ TIENDO_ANCHOR_INTERVAL: '0' }).TIENDO_ANCHOR_INTERVAL).toBe(0);
    for (const bad of ['10', '10 minutes', '-1m', '50ms']) expect(() => loadConfig({ TIENDO_ANCHOR_INTERVAL: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ TIENDO_ANCHOR_KEY: 'short' })).toThrow(/TIENDO_ANCHOR_KEY: must be at least 32 characters/);
  });
});
