import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { LiveFeed } from '../../src/live/feed.js';
import { authorizationOf } from '../../src/live/subscriptions.js';
import { HEAP_GROWTH_FLAG, PRETENURING_OFF_FLAG } from '../../src/ops/heap-growth.js';
import { Metrics } from '../../src/ops/metrics.js';
import type { AppliedNotice, ProjectionRunner } from '../../src/runner/runner.js';
import { signature, verifySignature, webhookSecret } from '../../src/webhooks/secret.js';
import { WebhookUrl } from '../../src/webhooks/commands.js';

/** The small parts of issue 10's operations, one by one. */

describe('configuration (issue 10 keys)', () => {
  const base = { TIENDO_DATA: '/tmp/x' };
  it('has defaults', () => {
    const c = loadConfig(base);
    expect({
      reminders: c.TIENDO_REMINDERS, interval: c.TIENDO_REMINDER_INTERVAL_MS, kinds: c.TIENDO_REMINDER_REPORT_KINDS, webhooks: c.TIENDO_WEBHOOKS,
      attempts: c.TIENDO_WEBHOOK_MAX_ATTEMPTS, backoff: c.TIENDO_WEBHOOK_BACKOFF_MS, timeout: c.TIENDO_WEBHOOK_TIMEOUT_MS, key: c.TIENDO_WEBHOOK_KEY,
    }).toEqual({
      reminders: true, interval: 60_000, kinds: ['MONTHLY', 'QUARTERLY', 'HALF_YEARLY', 'ANNUAL'], webhooks: true,
      attempts: 5, backoff: 1_000, timeout: 5_000, key: undefined,
    });
    expect(loadConfig({ ...base, TIENDO_REMINDERS: '0', TIENDO_REMINDER_REPORT_KINDS: '', TIENDO_WEBHOOKS: 'false' }))
      .toMatchObject({ TIENDO_REMINDERS: false, TIENDO_REMINDER_REPORT_KINDS: [], TIENDO_WEBHOOKS: false });
    expect(loadConfig({ ...base, TIENDO_REMINDER_REPORT_KINDS: ' WEEKLY , MONTHLY,WEEKLY' }).TIENDO_REMINDER_REPORT_KINDS).toEqual(['WEEKLY', 'MONTHLY']);
  });

  it('names every bad value', () => {
    const bad = { TIENDO_REMINDER_INTERVAL_MS: '50', TIENDO_WEBHOOK_BACKOFF_MS: 'x', TIENDO_WEBHOOK_TIMEOUT_MS: '600000', TIENDO_WEBHOOK_KEY: 'short', TIENDO_WEBHOOKS: 'yes' };
    let error: unknown;
    try {
      loadConfig({ ...base, ...bad });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const key of Object.keys(bad)) expect((error as Error).message).toContain(`  ${key}: `);
  });
});

describe('the heap\'s growth between full collections (TIENDO_HEAP_GROWTH_PERCENT)', () => {
  it('defaults to 50 %, takes 0 (V8\'s own) to 1000, and refuses anything else', () => {
    expect(loadConfig({ TIENDO_DATA: '/tmp/x' }).TIENDO_HEAP_GROWTH_PERCENT).toBe(50);
    expect(loadConfig({ TIENDO_DATA: '/tmp/x', TIENDO_HEAP_GROWTH_PERCENT: '0' }).TIENDO_HEAP_GROWTH_PERCENT).toBe(0);
    for (const bad of ['-1', '1001', 'half', '12.5']) {
      expect(() => loadConfig({ TIENDO_DATA: '/tmp/x', TIENDO_HEAP_GROWTH_PERCENT: bad })).toThrow(/TIENDO_HEAP_GROWTH_PERCENT: /);
    }
  });

  it('sets flags this Node\'s V8 has (a flag it lacks would be ignored without a word)', () => {
    const flags = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).split('\n').map((line) => line.trimStart());
    expect(flags.some((line) => line.startsWith(`${HEAP_GROWTH_FLAG} (`))).toBe(true);
    // --no-x turns off the boolean flag --x.
    expect(flags.some((line) => line.startsWith(`${PRETENURING_OFF_FLAG.replace('--no-', '--')} (`))).toBe(true);
  });
});

describe('metrics', () => {
  it('bounds the operation names clients choose', () => {
    const m = new Metrics(false);
    expect(m.operationLabel(null)).toBe('anonymous');
    expect(m.operationLabel('A'.repeat(65))).toBe('invalid');
    expect(m.operationLabel('Op0')).toBe('Op0');
    for (let i = 1; i < 200; i++) m.operationLabel(`Op${i}`);
    expect(m.operationLabel('OneTooMany')).toBe('other');
    expect(m.operationLabel('Op0')).toBe('Op0');
  });
});

describe('subscription tokens', () => {
  it('reads the token from the connection_init payload in each accepted shape', () => {
    expect(authorizationOf({ authorization: 'Bearer abc' })).toBe('Bearer abc');
    expect(authorizationOf({ Authorization: 'Bearer abc' })).toBe('Bearer abc');
    expect(authorizationOf({ token: 'abc' })).toBe('Bearer abc');
    expect(authorizationOf({ token: 'Bearer abc' })).toBe('Bearer abc');
    expect(authorizationOf({ headers: { authorization: 'Bearer abc' } })).toBe('Bearer abc');
    for (const p of [undefined, null, 'Bearer abc', {}, { token: 42 }]) expect(authorizationOf(p)).toBeUndefined();
  });
});

describe('webhook signatures and URLs', () => {
  it('signs the raw body with HMAC-SHA256 as sha256=<hex>', () => {
    const body = '{"a":1}';
    expect(signature('s3cret', body)).toBe(`sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`);
    expect(verifySignature('s3cret', body, signature('s3cret', body))).toBe(true);
    expect(verifySignature('other', body, signature('s3cret', body))).toBe(false);
    expect(verifySignature('s3cret', body, undefined)).toBe(false);
  });

  it('derives a secret per webhook and salt, stable for the same inputs', () => {
    const key = 'k'.repeat(40);
    expect(webhookSecret(key, 'WH-1', 'salt-salt-salt-salt')).toBe(webhookSecret(key, 'WH-1', 'salt-salt-salt-salt'));
    expect(webhookSecret(key, 'WH-1', 'salt-salt-salt-salt')).not.toBe(webhookSecret(key, 'WH-2', 'salt-salt-salt-salt'));
    expect(webhookSecret(key, 'WH-1', 'salt-salt-salt-salt')).not.toBe(webhookSecret(`${key}x`, 'WH-1', 'salt-salt-salt-salt'));
  });

  it('accepts http(s) URLs only', () => {
    for (const url of ['http://127.0.0.1:8080/hook', 'https://example.gov.vn/tiendo']) expect(WebhookUrl.safeParse(url).success, url).toBe(true);
    for (const url of ['ftp://example.gov.vn/x', 'mailto:a@b.vn', 'javascript:alert(1)', '/relative', 'https://u:p@example.gov.vn/']) {
      expect(WebhookUrl.safeParse(url).success, url).toBe(false);
    }
  });
});

describe('the live feed', () => {
  const notice = (n: number) => ({ event: { id: String(n) } }) as unknown as AppliedNotice;
  const tick = () => new Promise((r) => setImmediate(r));

  it('dispatches what a subscriber selects after the batch, coalesces snapshots, and stops on return()', async () => {
    const runner = new EventEmitter() as unknown as ProjectionRunner;
    const feed = new LiveFeed(runner);
    let closed = 0;
    const all = feed.subscribe((batch) => batch.map((n) => n.event.id));
    const latest = feed.subscribe((batch) => batch.map((n) => n.event.id), { coalesce: true, onClose: () => closed++ });
    for (const n of [1, 2, 3]) runner.emit('applied', notice(n));
    await tick();
    expect([(await all.next()).value, (await all.next()).value, (await all.next()).value]).toEqual(['1', '2', '3']);
    expect((await latest.next()).value).toBe('3');
    await latest.return!();
    expect(closed).toBe(1);
    expect(feed.size).toBe(1);
    expect(await latest.next()).toEqual({ value: undefined, done: true });
    feed.close();
    expect(await all.next()).toEqual({ value: undefined, done: true });
  });
});
