import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, eventHash } from '../../src/eventstore/hash.js';
import { runCli, setUpWorld, type World } from '../support/load.js';
import { TestServer, ok } from '../support/server.js';
import { eventually } from '../support/eventually.js';

/**
 * Anchored head hashes (issue 16, point 1) over the real server and the real CLI: the server signs its
 * head every TIENDO_ANCHOR_INTERVAL and at shutdown, into the anchor file and its log; /health shows the
 * last one; `tiendo anchor` writes one on demand; `tiendo verify --anchors` passes the untouched store
 * and fails, naming the anchor, on a copy whose last 5 events were deleted or whose chain was rewritten
 * and hashed again — which the hash chain alone does not show.
 */
interface AnchorLine { position: number; hash: string; at: string; mac: string }
interface Health { position: string | null; lastAnchor: AnchorLine | null }

let server: TestServer;
let world: World;
const scratch = mkdtempSync(join(tmpdir(), 'tiendo-anchors-'));
let anchorFile: string;

const health = async () => (await (await fetch(`${server.url}/health`)).json()) as Health;
const anchors = () => readFileSync(anchorFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AnchorLine);

function withDb<T>(file: string, f: (db: Database.Database) => T, readonly = false): T {
  const db = new Database(file, { readonly, fileMustExist: true });
  try {
    return f(db);
  } finally {
    db.close();
  }
}

const hashAt = (file: string, position: number) =>
  withDb(file, (db) => db.prepare<[number], { hash: string }>('SELECT hash FROM events WHERE position = ?').get(position)?.hash, true);
const headOf = (file: string) =>
  withDb(file, (db) => db.prepare<[], { position: number; hash: string }>('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1').get()!, true);

const progress = (percent: number) => server.gql<{ reportProgress: { position: string } }>(
  `mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { position } }`,
  { input: { taskId: 'A0', percent, note: `tiến độ ${percent}` } }, world.focal.BCA!);

/** A copy of the stopped server's store to tamper with. */
function copyOfStore(name: string): string {
  const file = join(scratch, name);
  copyFileSync(join(server.dataDir, 'events.db'), file);
  // The stopped server left one file (no WAL with events in it).
  const wal = join(server.dataDir, 'events.db-wal');
  expect(existsSync(wal) ? readFileSync(wal).length : 0).toBe(0);
  return file;
}

beforeAll(async () => {
  // LOG_LEVEL info: the anchors' log lines are part of what is checked.
  server = await TestServer.start({ TIENDO_ANCHOR_INTERVAL: '200ms', LOG_LEVEL: 'info', TIENDO_REMINDERS: '0' });
  anchorFile = join(server.dataDir, 'anchors.jsonl');
  world = await setUpWorld(server, 'A');
}, 90_000);

afterAll(async () => {
  await server?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe('anchors while serving', () => {
  it('/health shows the last anchor, which follows the head every interval and is in the log', async () => {
    const first = await eventually('an anchor of the head', health, (h) => h.lastAnchor !== null && String(h.lastAnchor.position) === h.position);
    expect(first.lastAnchor!.hash).toBe(hashAt(join(server.dataDir, 'events.db'), first.lastAnchor!.position));
    expect(first.lastAnchor!.mac).toMatch(/^[0-9a-f]{64}$/);

    const moved = ok(await progress(10)).reportProgress.position;
    const later = await eventually('an anchor of the new head', health, (h) => String(h.lastAnchor?.position) === moved);
    expect(later.lastAnchor!.hash).toBe(hashAt(join(server.dataDir, 'events.db'), Number(moved)));
    // The log line may reach the pipe after /health already shows the anchor: waited for, not read once.
    const logged = `"anchor":{"position":${moved},"hash":"${later.lastAnchor!.hash}"`;
    const output = await eventually('the anchor in the log', async () => server.output, (o) => o.includes(logged));
    expect(output).toMatch(/"msg":"anchor recorded"/);
    // What /health shows is the file's last line.
    expect(anchors().at(-1)).toEqual(later.lastAnchor);
  });

  it('`tiendo anchor` writes one on demand while the server runs; /health shows it', async () => {
    const r = await runCli(['anchor'], server.dataDir);
    expect(r.code, r.stderr).toBe(0);
    const m = /^anchor written to .*anchors\.jsonl: position (\d+), head hash ([0-9a-f]{64}), at (\S+)\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const h = await eventually('the CLI anchor in /health', health, (x) => x.lastAnchor?.at === m![3]);
    expect(h.lastAnchor).toMatchObject({ position: Number(m![1]), hash: m![2] });
  });
});

describe('verify --anchors', () => {
  let finalHead: { position: number; hash: string };

  it('the graceful shutdown anchors the final head', async () => {
    for (let p = 20; p <= 60; p += 10) ok(await progress(p));
    expect(await server.stop()).toBe(0);
    finalHead = headOf(join(server.dataDir, 'events.db'));
    expect(anchors().at(-1)).toMatchObject(finalHead);
    expect(server.output).toMatch(/"reason":"shutdown"/);
  });

  it('passes the untouched store', async () => {
    const v = await runCli(['verify', '--anchors', anchorFile], server.dataDir);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`ok: ${anchors().length} anchors of .*anchors\\.jsonl match the store; the latest: anchor at line ${anchors().length} \\(position ${finalHead.position}, `));
  });

  it('fails naming the anchor when the last 5 events of a copy were deleted with raw SQLite (the chain alone passes it)', async () => {
    const copy = copyOfStore('truncated.db');
    withDb(copy, (db) => db.prepare('DELETE FROM events WHERE position > ?').run(finalHead.position - 5));
    expect(headOf(copy).position).toBe(finalHead.position - 5);

    const chainOnly = await runCli(['verify', copy], server.dataDir);
    expect(chainOnly.code, chainOnly.stderr).toBe(0);

    const v = await runCli(['verify', copy, '--anchors', anchorFile], server.dataDir);
    expect(v.code).toBe(1);
    const last = anchors().at(-1)!;
    expect(v.stderr).toContain(`ANCHOR FAILED: anchor at line ${anchors().length} (position ${last.position}, recorded ${last.at})`);
    expect(v.stderr).toContain(`the store ends at position ${finalHead.position - 5}, before the anchored position: events were cut off the end`);
    // Anchors of earlier heads, still in the copy, match: only those past its end fail.
    const failing = anchors().filter((a) => a.position > finalHead.position - 5).length;
    expect(v.stderr).toContain(`${failing} of ${anchors().length} anchors fail`);
  });

  it('fails naming the anchors when one event\'s payload is rewritten in place and every hash after it computed again', async () => {
    const copy = copyOfStore('rewritten.db');
    // The first event, before every anchor: all of them must fail. A unit's name: the event still passes its schema.
    withDb(copy, (db) => {
      expect(db.prepare(`UPDATE events SET data = json_set(data, '$.name', 'Đơn vị đã sửa') WHERE position = 1 AND type = 'UnitRegistered'`).run().changes).toBe(1);
      rehashFrom(db, 1);
    });
    expect(headOf(copy).position).toBe(finalHead.position);
    expect(headOf(copy).hash).not.toBe(finalHead.hash);

    const chainOnly = await runCli(['verify', copy], server.dataDir);
    expect(chainOnly.code, chainOnly.stderr).toBe(0);

    const v = await runCli(['verify', copy, '--anchors', anchorFile], server.dataDir);
    expect(v.code).toBe(1);
    const first = anchors()[0]!;
    expect(v.stderr).toContain(`ANCHOR FAILED: anchor at line 1 (position ${first.position}, recorded ${first.at})`);
    expect(v.stderr).toMatch(/not the anchored one: the events up to it were changed and hashed again/);
    expect(v.stderr).toContain(`${anchors().length} of ${anchors().length} anchors fail`);
  });

  it('fails on a payload rewritten in place without new hashes (the chain names the event too)', async () => {
    const copy = copyOfStore('edited.db');
    withDb(copy, (db) => db.prepare(`UPDATE events SET data = json_set(data, '$.percent', 99) WHERE position = ?`).run(finalHead.position));
    const v = await runCli(['verify', copy, '--anchors', anchorFile], server.dataDir);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain(`TAMPERED: event at position ${finalHead.position}`);
  });

  it('fails on an anchor that was changed, and under another key', async () => {
    const forged = join(scratch, 'forged.jsonl');
    const lines = anchors();
    // Move the last anchor back to an earlier head (as if the store had been that short): its HMAC no longer matches.
    const earlier = lines[0]!;
    writeFileSync(forged, [...lines.slice(0, -1), { ...lines.at(-1)!, position: earlier.position, hash: earlier.hash }].map((a) => JSON.stringify(a)).join('\n'));
    const v = await runCli(['verify', '--anchors', forged], server.dataDir);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain(`ANCHOR FAILED: anchor at line ${lines.length} (position ${earlier.position}`);
    expect(v.stderr).toMatch(/its HMAC does not match/);

    const otherKey = await runCli(['verify', '--anchors', anchorFile], server.dataDir, { TIENDO_ANCHOR_KEY: 'x'.repeat(40) });
    expect(otherKey.code).toBe(1);
    expect(otherKey.stderr).toContain(`${lines.length} of ${lines.length} anchors fail`);
  });

  it('cannot check without a key, and says so (exit 2)', async () => {
    const elsewhere = mkdtempSync(join(scratch, 'no-key-'));
    const v = await runCli(['verify', join(server.dataDir, 'events.db'), '--anchors', anchorFile], elsewhere);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/no anchor key to check .* with: set TIENDO_ANCHOR_KEY/);
  });

  it('refuses a bad TIENDO_ANCHOR_INTERVAL at start-up, naming it', async () => {
    const v = await runCli(['verify'], server.dataDir, { TIENDO_ANCHOR_INTERVAL: 'ten minutes' });
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/TIENDO_ANCHOR_INTERVAL: "ten minutes" is not a duration like 10m/);
  });
});

/** What an attacker with the file and the code does: every event's hash computed again from `from` on, so the chain holds. */
function rehashFrom(db: Database.Database, from: number): void {
  type Row = { position: number; id: string; stream: string; revision: number; type: string; data: string; metadata: string; recorded_at: string };
  let prev = db.prepare<[number], { hash: string }>('SELECT hash FROM events WHERE position < ? ORDER BY position DESC LIMIT 1').get(from)?.hash ?? '0'.repeat(64);
  const update = db.prepare('UPDATE events SET prev_hash = ?, hash = ? WHERE position = ?');
  for (const r of db.prepare<[number], Row>('SELECT position, id, stream, revision, type, data, metadata, recorded_at FROM events WHERE position >= ? ORDER BY position').all(from)) {
    const hash = eventHash(prev, {
      stream: r.stream, revision: r.revision, type: r.type, id: r.id, recordedAt: r.recorded_at,
      dataCanonical: canonicalJson(JSON.parse(r.data)), metadataCanonical: canonicalJson(JSON.parse(r.metadata)),
    });
    update.run(prev, hash, r.position);
    prev = hash;
  }
}
