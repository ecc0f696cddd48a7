import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '../../src/auth/tokens.js';
import type { Actor } from '../../src/shared/schemas.js';

export const SECRET = 'e2e-secret-that-is-long-enough-for-hs256-0123456789';
const root = new URL('../..', import.meta.url).pathname;

/** A TCP port free on 127.0.0.1 right now (the bench's server takes one too). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  body: { data?: T | null; errors?: { message: string; path?: string[]; extensions?: { code?: string; reason?: string; retryAfter?: number } }[] };
}

/** The real server as a child process over a data directory on disk, spoken to over HTTP. */
export class TestServer {
  private child: ChildProcess | undefined;
  output = '';
  port = 0;

  private constructor(readonly dataDir: string, private readonly env: Record<string, string>) {}

  static async start(env: Record<string, string> = {}, dataDir = mkdtempSync(join(tmpdir(), 'tiendo-e2e-'))): Promise<TestServer> {
    const server = new TestServer(dataDir, env);
    await server.boot();
    return server;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async boot(): Promise<void> {
    this.port = await freePort();
    const child = spawn(process.execPath, [join(root, 'bin/tiendo.js'), 'serve'], {
      cwd: root,
      env: {
        ...process.env, PORT: String(this.port), HOST: '127.0.0.1', TIENDO_DATA: this.dataDir, TIENDO_DEMO: '0',
        // In production /metrics has a port of its own (9464 by default): any free one here, as servers run side by side.
        TIENDO_AUTH_SECRET: SECRET, LOG_LEVEL: 'warn', NODE_ENV: 'test', TIENDO_METRICS_PORT: '0', ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server did not become healthy:\n${this.output}`);
  }

  /** SIGTERM and wait: a graceful stop. */
  async stop(): Promise<number | null> {
    return this.signal('SIGTERM');
  }

  /** SIGKILL: the process dies wherever it is. */
  async kill(): Promise<number | null> {
    return this.signal('SIGKILL');
  }

  private async signal(sig: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    // 'close', not 'exit': after 'exit' the last lines of stdout/stderr may still be in the pipe.
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    child.kill(sig);
    return exited;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive() {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async gql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token?: string, headers: Record<string, string> = {}): Promise<GqlResponse<T>> {
    const res = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as GqlResponse<T>['body'] };
  }

  async raw(body: string, headers: Record<string, string> = {}, method = 'POST', path = '/graphql'): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.url}${path}`, { method, headers, ...(method === 'GET' ? {} : { body }) });
    return { status: res.status, text: await res.text() };
  }
}

export const token = (actor: Actor) => mintToken(new TextEncoder().encode(SECRET), actor, '1h');

/** Fails with the server's errors when a GraphQL call did not succeed. */
export function ok<T>(r: GqlResponse<T>): T {
  if (r.body.errors?.length || !r.body.data) throw new Error(`GraphQL errors (HTTP ${r.status}): ${JSON.stringify(r.body.errors)}`);
  return r.body.data;
}

export function errorCode(r: GqlResponse): string | undefined {
  return r.body.errors?.[0]?.extensions?.code;
}
