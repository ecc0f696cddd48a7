import Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WrongExpectedRevisionError } from '../../src/eventstore/errors.js';
import { GENESIS_HASH, canonicalJson, eventHash } from '../../src/eventstore/hash.js';
import type { NewEvent } from '../../src/eventstore/port.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite.js';
import { IntegrityMonitor, NotHashedError, verifyChain, verifyFile } from '../../src/eventstore/verify.js';

/** Tamper evidence of the SQLite event store: the hash chain (hash.ts) and its verifier (verify.ts). */
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'tiendo-chain-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ev = (i: number, extra: Record<string, unknown> = {}): NewEvent => ({
  id: randomUUID(), type: 'ProgressReported',
  data: { taskId: `T${i % 3}`, percent: i, note: `báo cáo ${i} — Hà Nội ✓ 𝔸`, nested: { b: [1, { y: 2, x: 1 }], a: null }, ...extra },
  metadata: { z: 1, actor: { id: 'u', role: 'focal_point', unit: '01' } },
});

/** A store file with `n` events spread over three streams, closed; returns its path. */
async function storeFile(n: number): Promise<string> {
  const file = join(tempDir(), 'events.db');
  const store = new SqliteEventStore(file);
  await Promise.all(Array.from({ length: n }, (_, i) => store.append(`task-T${i % 3}`, [ev(i)])));
  await store.dispose();
  return file;
}

/** A copy of `file` changed by `sql`. */
function tampered(file: string, sql: string, ...params: unknown[]): string {
  const copy = join(tempDir(), 'copy.db');
  copyFileSync(file, copy);
  const db = new Database(copy);
  db.prepare(sql).run(...params);
  db.close();
  return copy;
}

const row = (file: string, position: number) => {
  const db = new Database(file, { readonly: true });
  const r = db.prepare<[number], { id: string; hash: string; prev_hash: string }>('SELECT id, hash, prev_hash FROM events WHERE position = ?').get(position)!;
  db.close();
  return r;
};

describe('canonical form', () => {
  it('is the same before storing and after reading back, whatever the key order', () => {
    const shuffle = (v: unknown, seed: number): unknown => {
      if (Array.isArray(v)) return v.map((x) => shuffle(x, seed));
      if (v && typeof v === 'object') {
        const keys = Object.keys(v);
        const order = seed % 2 ? keys.reverse() : keys;
        return Object.fromEntries(order.map((k) => [k, shuffle((v as Record<string, unknown>)[k], seed)]));
      }
      return v;
    };
    fc.assert(fc.property(fc.jsonValue(), fc.nat(), (value, seed) => {
      const c = canonicalJson(value);
      expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(c);
      expect(canonicalJson(shuffle(value, seed))).toBe(c);
      expect(JSON.parse(c)).toEqual(JSON.parse(JSON.stringify(value)));
    }), { numRuns: 300 });
    expect(canonicalJson({ b: 1, a: [undefined, -0, 'é\u0000'], c: undefined })).toBe('{"a":[null,0,"é\\u0000"],"b":1}');
  });

  it('the event hash is sha256 of the canonical JSON of { data, id, metadata, prevHash, recordedAt, revision, stream, type }', () => {
    const e = { stream: 'task-T1', revision: 3, type: 'X', id: randomUUID(), recordedAt: '2025-07-01T00:00:00.000Z', data: { b: 2, a: 'ă' }, metadata: { k: [1] } };
    const prevHash = 'ab'.repeat(32);
    const expected = createHash('sha256').update(canonicalJson({ ...e, prevHash })).digest('hex');
    expect(eventHash(prevHash, { ...e, dataCanonical: canonicalJson(e.data), metadataCanonical: canonicalJson(e.metadata) })).toBe(expected);
  });
});

describe('the store keeps a hash chain', () => {
  it('links every event to the one before it, from the genesis hash; an untouched file verifies', async () => {
    const file = await storeFile(30);
    expect(row(file, 1).prev_hash).toBe(GENESIS_HASH);
    for (let p = 2; p <= 30; p++) expect(row(file, p).prev_hash).toBe(row(file, p - 1).hash);
    expect(verifyFile(file)).toMatchObject({ events: 30, bad: null, head: { position: 30, hash: row(file, 30).hash } });
  });

  it('survives appends that fail inside a group commit (their savepoint rolls back, the chain skips them)', async () => {
    const file = join(tempDir(), 'events.db');
    const store = new SqliteEventStore(file);
    await store.append('s', [ev(0)]);
    const results = await Promise.allSettled([
      store.append('s', [ev(1)], 0),
      store.append('s', [ev(2), ev(3)], 0), // loses: expected 0, is 1 by then
      store.append('t', [ev(4)], 'no_stream'),
      store.append('s', [ev(5)], 1),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
    await store.dispose();
    expect(verifyFile(file)).toMatchObject({ events: 4, bad: null });
  });

  it('stays one chain when two processes append to the same file', async () => {
    const file = join(tempDir(), 'events.db');
    const a = new SqliteEventStore(file);
    const b = new SqliteEventStore(file);
    for (let round = 0; round < 10; round++) {
      await Promise.all([a.append('a', [ev(round)]), b.append('b', [ev(round)]), a.append(`a${round}`, [ev(round)])]);
    }
    await a.dispose();
    await b.dispose();
    expect(verifyFile(file)).toMatchObject({ events: 30, bad: null });
  });
});

describe('verify names the first event that does not match', () => {
  const cases: [string, string, unknown[], number, RegExp][] = [
    ['data changed', `UPDATE events SET data = json_set(data, '$.percent', 99) WHERE position = 7`, [], 7, /content does not match its hash/],
    ['data rewritten with other spacing and key order only: not a change', `UPDATE events SET data = json(data) WHERE position = 7`, [], 0, /./],
    // Not the text that was hashed, so verify parses and canonicalises it (verify.ts): the same event.
    ['data stored with whitespace around it: not a change', `UPDATE events SET data = ' ' || data || char(10) WHERE position = 7`, [], 0, /./],
    ['metadata changed', `UPDATE events SET metadata = json_set(metadata, '$.actor.id', 'someone-else') WHERE position = 12`, [], 12, /content does not match/],
    ['recorded_at changed', `UPDATE events SET recorded_at = '2020-01-01T00:00:00.000Z' WHERE position = 3`, [], 3, /content does not match/],
    ['type changed', `UPDATE events SET type = 'TaskCancelled' WHERE position = 20`, [], 20, /content does not match/],
    ['moved to another stream', `UPDATE events SET stream = 'task-X' WHERE position = 5`, [], 5, /content does not match/],
    ['an event deleted', `DELETE FROM events WHERE position = 9`, [], 10, /prev_hash does not match the hash of the event before it, at position 8/],
    ['the first event deleted', `DELETE FROM events WHERE position = 1`, [], 2, /does not start the chain/],
    ['the hash removed', `UPDATE events SET hash = NULL WHERE position = 15`, [], 15, /has no hash/],
    ['data not JSON', `UPDATE events SET data = '{oops' WHERE position = 4`, [], 4, /not JSON/],
  ];
  for (const [label, sql, params, position, reason] of cases) {
    it(label, async () => {
      const file = await storeFile(24);
      const copy = tampered(file, sql, ...params);
      const report = verifyFile(copy);
      if (position === 0) {
        expect(report.bad).toBeNull();
        return;
      }
      expect(report.bad).toMatchObject({ position, id: row(copy, position).id });
      expect(report.bad!.reason).toMatch(reason);
      // Every event before it matched: the count is of the rows still there before it.
      const db = new Database(copy, { readonly: true });
      expect(report.events).toBe(db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM events WHERE position < ?').get(position)!.n);
      db.close();
      expect(verifyFile(file).bad).toBeNull(); // the original is untouched
    });
  }

  it('a changed event whose own hash was recomputed breaks the next link', async () => {
    const file = await storeFile(10);
    const copy = join(tempDir(), 'copy.db');
    copyFileSync(file, copy);
    const db = new Database(copy);
    const r = db.prepare<[], { id: string; stream: string; revision: number; type: string; data: string; metadata: string; recorded_at: string; prev_hash: string }>(
      'SELECT * FROM events WHERE position = 4').get()!;
    const data = { ...JSON.parse(r.data), percent: 100 };
    const hash = eventHash(r.prev_hash, { stream: r.stream, revision: r.revision, type: r.type, id: r.id, recordedAt: r.recorded_at, dataCanonical: canonicalJson(data), metadataCanonical: canonicalJson(JSON.parse(r.metadata)) });
    db.prepare('UPDATE events SET data = ?, hash = ? WHERE position = 4').run(JSON.stringify(data), hash);
    db.close();
    expect(verifyFile(copy).bad).toMatchObject({ position: 5, reason: expect.stringMatching(/at position 4/) });
  });

  it('walks in chunks from a cursor with the same verdict', async () => {
    const file = await storeFile(25);
    const copy = tampered(file, `UPDATE events SET data = json_set(data, '$.note', 'sửa') WHERE position = 18`);
    const db = new Database(copy, { readonly: true });
    let cursor = { position: 0, hash: GENESIS_HASH };
    let bad = null;
    for (let i = 0; i < 10 && !bad; i++) {
      const r = verifyChain(db, cursor, 4);
      cursor = r.verified;
      bad = r.bad;
    }
    db.close();
    expect(bad).toMatchObject({ position: 18 });
    expect(cursor.position).toBe(17);
  });
});

describe('a file from before the chain', () => {
  it('gets the columns and every hash the first time the store opens it; then verifies and grows', async () => {
    const file = join(tempDir(), 'events.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL, revision INTEGER NOT NULL,
      type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream, revision))`);
    const insert = old.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < 12; i++) insert.run(randomUUID(), 's', i, 'X', JSON.stringify({ i, text: 'cũ' }), '{"v":1}', `2024-01-01T00:00:${String(i).padStart(2, '0')}.000Z`);
    old.close();
    expect(() => verifyFile(file)).toThrow(NotHashedError);

    const store = new SqliteEventStore(file);
    await store.append('s', [ev(99)], 11);
    await store.dispose();
    expect(verifyFile(file)).toMatchObject({ events: 13, bad: null });
    // Opening again does not re-hash: a hash removed later stays missing, and verify says so.
    const copy = tampered(file, 'UPDATE events SET hash = NULL WHERE position = 3');
    await new SqliteEventStore(copy).dispose();
    expect(verifyFile(copy).bad).toMatchObject({ position: 3, reason: 'it has no hash' });
  });
});

describe('the background monitor', () => {
  it('verifies up to the head, follows appends, and reports the first changed event', async () => {
    const file = join(tempDir(), 'events.db');
    const store = new SqliteEventStore(file);
    const monitor = new IntegrityMonitor(store, undefined, { chunk: 7 });
    expect(monitor.status()).toMatchObject({ status: 'pending', verifiedPosition: null });
    for (let i = 0; i < 20; i++) await store.append('s', [ev(i)]);
    await monitor.run();
    expect(monitor.status()).toMatchObject({ status: 'ok', verifiedPosition: '20', verifiedEvents: 20, badEvent: null });
    await store.append('s', [ev(20)]);
    await monitor.run();
    expect(monitor.status()).toMatchObject({ status: 'ok', verifiedPosition: '21', verifiedEvents: 21 });

    // A row changed after it was verified: the incremental walk trusts what it verified, so it does
    // not look again; the full walk at the next start does.
    store.database.prepare(`UPDATE events SET data = json_set(data, '$.percent', 0) WHERE position = 5`).run();
    await store.append('s', [ev(21)]);
    await monitor.run();
    expect(monitor.status()).toMatchObject({ status: 'ok', verifiedPosition: '22' });
    const fresh = new IntegrityMonitor(store);
    await fresh.run();
    expect(fresh.status()).toMatchObject({ status: 'tampered', verifiedPosition: '4', badEvent: { position: 5 } });
    // A row changed before the walk reached it is found by the next incremental walk.
    await store.append('s', [ev(22)]);
    store.database.prepare(`UPDATE events SET data = json_set(data, '$.percent', -1) WHERE position = 23`).run();
    await monitor.run();
    expect(monitor.status()).toMatchObject({ status: 'tampered', verifiedPosition: '22', badEvent: { position: 23 } });
    await monitor.stop();
    await fresh.stop();
    await store.dispose();
  });
});
