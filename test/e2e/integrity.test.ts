import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ack, drive, missingAcks, runCli, setUpWorld, type World } from '../support/load.js';
import { TestServer, ok } from '../support/server.js';

/**
 * Tamper evidence and backup over the real server and the real CLI (issue 7, items 4 and 7):
 * /health reports how far the hash chain is verified; `tiendo verify` passes an untouched store and
 * names the first changed event of a tampered copy; `tiendo backup` takes a consistent copy while
 * 16 clients write; `tiendo restore` refuses while the server runs, then puts the copy in place,
 * and `verify` and the restarted server agree with it.
 */
let server: TestServer;
let world: World;
const scratch = mkdtempSync(join(tmpdir(), 'tiendo-backup-'));
const backupFile = join(scratch, 'tiendo-backup.db');
let ackedBeforeBackup: Ack[] = [];

interface Health { position: string | null; integrity: { status: string; verifiedPosition: string | null; headHash: string | null; badEvent: unknown } }
const health = async () => (await (await fetch(`${server.url}/health`)).json()) as Health;

async function eventually<T>(what: string, read: () => Promise<T>, done: (x: T) => boolean): Promise<T> {
  for (const deadline = Date.now() + 30_000; ;) {
    const x = await read();
    if (done(x)) return x;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(x)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function rows(file: string): { position: number; id: string; hash: string }[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], { position: number; id: string; hash: string }>('SELECT position, id, hash FROM events ORDER BY position').all();
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  server = await TestServer.start();
  world = await setUpWorld(server, 'B');
}, 90_000);

afterAll(async () => {
  await server?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe('tamper evidence', () => {
  it('/health reports the position the hash chain is verified up to, and follows new events', async () => {
    const first = await eventually('the chain to be verified to the head', health, (h) => h.integrity.verifiedPosition === h.position);
    expect(first.integrity).toMatchObject({ status: 'ok', badEvent: null, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const r = ok(await server.gql<{ reportProgress: { position: string } }>(
      `mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { position } }`,
      { input: { taskId: 'B0', percent: 5, note: 'sau kiểm tra' } }, world.focal.BCA!));
    expect(Number(r.reportProgress.position)).toBeGreaterThan(Number(first.integrity.verifiedPosition));
    const later = await eventually('the new event to be verified', health, (h) => h.integrity.verifiedPosition === r.reportProgress.position);
    expect(later.integrity.status).toBe('ok');
  });

  it('`tiendo verify` passes the live store untouched', async () => {
    const v = await runCli(['verify'], server.dataDir);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/^ok: .*events\.db: \d+ events, hash chain intact up to position \d+ \(head hash [0-9a-f]{64}\); every event passes its schema/);
  });

  it('a mistyped option is named with the usage exit code, not a stack trace', async () => {
    const v = await runCli(['verify', '--anchors'], server.dataDir);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/^tiendo: .*--anchors/);
    expect(v.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('backup while serving', () => {
  it('takes a consistent, verified copy while 16 clients write', async () => {
    let backup: Awaited<ReturnType<typeof runCli>> | undefined;
    const load = await drive(server, world, {
      clients: 16, stopAfter: 40, tag: 'bk',
      onStop: async (sofar) => {
        ackedBeforeBackup = [...sofar.acked];
        backup = await runCli(['backup', backupFile], server.dataDir);
      },
    });
    expect(backup!.code, backup!.stderr).toBe(0);
    expect(backup!.stdout).toMatch(/^backup written to .*tiendo-backup\.db: \d+ events, hash chain intact up to position \d+/);
    expect(backup!.stdout).toMatch(/read model \(views\.db\) is not in it: it is rebuilt/);
    // Writes went on while it ran: the live store has more than the copy.
    expect(load.acked.length).toBeGreaterThan(40);

    const copy = rows(backupFile);
    const live = rows(join(server.dataDir, 'events.db'));
    // One instant of the store: the copy is a prefix of the live store, event for event, hash for hash.
    expect(copy.length).toBeLessThan(live.length);
    expect(live.slice(0, copy.length)).toEqual(copy);
    // Everything acknowledged before the backup began is in it.
    expect(missingAcks(scratchDirWith(backupFile), ackedBeforeBackup)).toEqual([]);
  }, 90_000);

  it('`tiendo verify FILE` names the first event of a tampered copy; the untouched copy passes', async () => {
    const good = await runCli(['verify', backupFile], server.dataDir);
    expect(good.code, good.stderr).toBe(0);

    const bad = join(scratch, 'tampered.db');
    copyFileSync(backupFile, bad);
    const db = new Database(bad);
    const victim = db.prepare<[], { position: number; id: string }>(`SELECT position, id FROM events WHERE type = 'ProgressReported' ORDER BY position LIMIT 1 OFFSET 3`).get()!;
    db.prepare(`UPDATE events SET data = json_set(data, '$.percent', 100) WHERE position = ?`).run(victim.position);
    db.close();
    const v = await runCli(['verify', bad], server.dataDir);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain(`TAMPERED: event at position ${victim.position} (id ${victim.id}`);
    expect(v.stderr).toMatch(/content does not match its hash/);

    const refused = await runCli(['restore', bad], server.dataDir);
    expect(refused.code).toBe(1);
  });
});

describe('restore', () => {
  it('refuses while the server runs on the data directory, and changes nothing', async () => {
    const before = rows(join(server.dataDir, 'events.db')).length;
    const r = await runCli(['restore', backupFile], server.dataDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a server \(pid \d+\) is running on .*; stop it first/);
    expect(rows(join(server.dataDir, 'events.db')).length).toBe(before);
    expect(server.alive).toBe(true);
  });

  it('puts the backup in place with the server stopped; verify round-trips; the server serves exactly it', async () => {
    expect(await server.stop()).toBe(0);
    const backupRows = rows(backupFile);
    const r = await runCli(['restore', backupFile], server.dataDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^restored .* \d+ events, hash chain intact/);
    expect(r.stdout).toMatch(/the store it replaced is kept at .*events\.db\.replaced-/);
    expect(existsSync(join(server.dataDir, 'views.db'))).toBe(false);

    const v = await runCli(['verify'], server.dataDir);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain(`${backupRows.length} events, hash chain intact up to position ${backupRows.at(-1)!.position} (head hash ${backupRows.at(-1)!.hash})`);
    expect(rows(join(server.dataDir, 'events.db'))).toEqual(backupRows);

    await server.boot();
    expect((await eventually('the restored chain to be verified', health, (h) => h.integrity.verifiedPosition === String(backupRows.at(-1)!.position))).integrity.status).toBe('ok');
    // The read model was rebuilt from the restored events: what was acknowledged before the backup is there.
    for (const a of ackedBeforeBackup.filter((x) => x.mutation.field === 'assignTask')) {
      const id = (a.mutation.variables.input as { id: string }).id;
      expect(ok(await server.gql<{ task: { id: string } | null }>(`query ($id: ID!) { task(id: $id) { id } }`, { id }, world.leader)).task?.id).toBe(id);
    }
    // And new writes continue the restored chain.
    ok(await server.gql(`mutation ($input: ReportProgressInput!) { reportProgress(input: $input) { position } }`, { input: { taskId: 'B0', percent: 9, note: 'sau khôi phục' } }, world.focal.BCA!));
    const after = await runCli(['verify'], server.dataDir);
    expect(after.code, after.stderr).toBe(0);
  }, 90_000);
});

/** missingAcks reads `<dir>/events.db`: a directory whose events.db is `file`. */
function scratchDirWith(file: string): string {
  const dir = mkdtempSync(join(scratch, 'as-data-'));
  copyFileSync(file, join(dir, 'events.db'));
  return dir;
}
