import Database from 'better-sqlite3';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/load.js';
import { TestServer, ok, token } from '../support/server.js';
import { eventually } from '../support/eventually.js';

/**
 * Restore gives back every file of the data directory a backup carries (issue 16, point 6): a
 * registered webhook's delivery log (webhooks.db) and the anchor file survive backup → wipe →
 * restore, and the restored server does not deliver again what was delivered; views.db is rebuilt
 * from the events; the output says which file was restored and which is rebuilt. A backup made
 * before backups carried those files still restores (its events), and says what it kept.
 */
const source = { number: '06/QĐ-TTg', date: '2022-01-06', issuer: 'Thủ tướng Chính phủ' };
const REGISTER = `mutation ($input: RegisterWebhookInput!) { registerWebhook(input: $input) { webhook { id } } }`;
const DELIVERIES = `query ($id: ID!) { webhookDeliveries(webhookId: $id) { edges { node { id status attempts } } } }`;
const ASSIGN = `mutation ($input: AssignTaskInput!) { assignTask(input: $input) { task { id } } }`;

interface Delivery { id: string; status: string; attempts: number }

let server: TestServer;
let receiver: Server;
let receiverPort = 0;
/** The X-Tiendo-Delivery id of every request the receiver got. */
const received: string[] = [];
let admin: string;
let leader: string;
let webhookId = '';
const scratch = mkdtempSync(join(tmpdir(), 'tiendo-restore-'));
const backupFile = join(scratch, 'backup.db');

const deliveries = async () =>
  ok(await server.gql<{ webhookDeliveries: { edges: { node: Delivery }[] } }>(DELIVERIES, { id: webhookId }, leader)).webhookDeliveries.edges.map((e) => e.node);

const assign = async (id: string) =>
  ok(await server.gql(ASSIGN, { input: { id, title: `Nhiệm vụ ${id}`, source, leadUnitId: 'BCA', deadline: '2030-12-31' } }, leader));

const deliveryRows = (file: string) => {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], { id: string; status: string }>('SELECT id, status FROM deliveries ORDER BY seq').all();
  } finally {
    db.close();
  }
};

/** Everything in the data directory but the keys, which backups do not carry (and say so). */
function wipe(dir: string): void {
  for (const f of readdirSync(dir)) if (f !== 'anchor-key') rmSync(join(dir, f), { recursive: true, force: true });
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    received.push(String(req.headers['x-tiendo-delivery']));
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverPort = (receiver.address() as AddressInfo).port;
  server = await TestServer.start({ TIENDO_WEBHOOK_PRIVATE_NETWORKS: '1', TIENDO_REMINDERS: '0', TIENDO_ANCHOR_INTERVAL: '200ms' });
  admin = await token({ id: 'admin', role: 'admin', unit: 'GOV' });
  leader = await token({ id: 'leader', role: 'leader', unit: 'GOV' });
  for (const [id, kind, parentId] of [['GOV', 'GOVERNMENT', null], ['BCA', 'MINISTRY', 'GOV']] as const) {
    ok(await server.gql(`mutation ($input: RegisterUnitInput!) { registerUnit(input: $input) { unit { id } } }`, { input: { id, kind, name: `Đơn vị ${id}`, parentId } }, admin));
  }
  webhookId = ok(await server.gql<{ registerWebhook: { webhook: { id: string } } }>(
    REGISTER, { input: { unitId: 'BCA', url: `http://127.0.0.1:${receiverPort}/hook`, kinds: ['TaskAssigned'] } }, leader)).registerWebhook.webhook.id;
}, 90_000);

afterAll(async () => {
  await server?.dispose();
  receiver?.closeAllConnections();
  await new Promise((r) => receiver?.close(r));
  rmSync(scratch, { recursive: true, force: true });
});

describe('backup → wipe → restore', () => {
  let delivered: Delivery;

  it('backup carries webhooks.db and the anchor file, and says so', async () => {
    await assign('R1');
    delivered = (await eventually('the delivery', deliveries, (d) => d.length === 1 && d[0]!.status === 'DELIVERED'))[0]!;
    expect(received).toEqual([delivered!.id]);
    await eventually('an anchor', async () => existsSync(join(server.dataDir, 'anchors.jsonl')), Boolean);

    const b = await runCli(['backup', backupFile], server.dataDir);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/^with webhooks\.db \(.*webhooks\.db, \d+ bytes\)$/m);
    expect(b.stdout).toMatch(/^with anchors\.jsonl \(.*anchors\.jsonl, \d+ bytes\)$/m);
    expect(b.stdout).toMatch(/the read model \(views\.db\) is not in it/);
    expect(b.stdout).toMatch(/nor are the keys \(anchor-key in /);
  });

  it('restore puts back events.db, webhooks.db and anchors.jsonl, rebuilds views.db, and says which', async () => {
    expect(await server.stop()).toBe(0);
    wipe(server.dataDir);
    expect(existsSync(join(server.dataDir, 'webhooks.db'))).toBe(false);

    const r = await runCli(['restore', backupFile], server.dataDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^restored events\.db from .*backup\.db to .*events\.db: \d+ events, hash chain intact/m);
    expect(r.stdout).toMatch(/^restored webhooks\.db to .*webhooks\.db$/m);
    expect(r.stdout).toMatch(/^restored anchors\.jsonl to .*anchors\.jsonl$/m);
    expect(r.stdout).toMatch(/^views\.db: rebuilt from the events when tiendo starts \(derived, so not in backups; removed now\)$/m);
    expect(deliveryRows(join(server.dataDir, 'webhooks.db'))).toEqual([{ id: delivered.id, status: 'DELIVERED' }]);
    // The restored store is a store: the carried files left it.
    const db = new Database(join(server.dataDir, 'events.db'), { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'events' }]);
    db.close();
    // The restored anchors are of heads the restored store reaches.
    const v = await runCli(['verify', '--anchors', join(server.dataDir, 'anchors.jsonl')], server.dataDir);
    expect(v.code, v.stderr).toBe(0);
  });

  it('the restored server has the webhook and its delivery, and does not deliver it again', async () => {
    await server.boot();
    expect(await deliveries()).toEqual([delivered]);
    await assign('R2');
    const after = await eventually('the new delivery', deliveries, (d) => d.length === 2 && d.every((x) => x.status === 'DELIVERED'));
    const fresh = after.find((d) => d.id !== delivered.id)!;
    await eventually('the receiver to get the new delivery', async () => received, (x) => x.includes(fresh.id));
    expect(received.filter((id) => id === delivered.id)).toHaveLength(1);
  });
});

describe('older and damaged backups', () => {
  it('a backup made before backups carried files restores its events and keeps the others, saying so', async () => {
    expect(await server.stop()).toBe(0);
    const old = join(scratch, 'old-format.db');
    copyFileSync(backupFile, old);
    const db = new Database(old);
    db.exec('DROP TABLE tiendo_backup_files; VACUUM');
    db.close();
    const webhooksBefore = readFileSync(join(server.dataDir, 'webhooks.db'));

    const r = await runCli(['restore', old], server.dataDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^restored events\.db from .*old-format\.db/m);
    expect(r.stdout).toMatch(/^kept webhooks\.db as it is \(.*webhooks\.db\): the backup was made before backups carried it$/m);
    expect(r.stdout).toMatch(/^kept anchors\.jsonl as it is \(.*anchors\.jsonl\): the backup was made before backups carried it$/m);
    expect(readFileSync(join(server.dataDir, 'webhooks.db'))).toEqual(webhooksBefore);
  });

  it('a backup whose copy of a file is damaged is refused, and nothing changes', async () => {
    const bad = join(scratch, 'damaged.db');
    copyFileSync(backupFile, bad);
    const db = new Database(bad);
    db.prepare("UPDATE tiendo_backup_files SET content = zeroblob(length(content)) WHERE name = 'webhooks.db'").run();
    db.close();
    const eventsBefore = readFileSync(join(server.dataDir, 'events.db'));
    const r = await runCli(['restore', bad], server.dataDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the backup's copy of webhooks\.db is damaged \(its SHA-256 does not match\); nothing changed/);
    expect(readFileSync(join(server.dataDir, 'events.db'))).toEqual(eventsBefore);
  });
});
