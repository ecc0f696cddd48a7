import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import pino from 'pino';
import { createApp } from '../app/app.js';
import { mintToken } from '../auth/tokens.js';
import { ConfigError, loadConfig } from '../config.js';
import { Role } from '../shared/schemas.js';
import { anchorCommand } from './anchor.js';
import { backupCommand, restoreCommand, verifyCommand } from './maintenance.js';
import { dataUsage, dataCommand } from './data-commands.js';

const usage = `tiendo — Project 06 progress tracker

  tiendo serve                     start the API (PORT, TIENDO_DATA, EVENTSTORE_URL …)
  tiendo token --role R --unit U   mint a token (roles: focal_point inspector leader admin)
               [--sub ID] [--ttl 30d]
  tiendo rebuild                   rebuild the read models from every event (server stopped)
                                   (an audit log of this version is kept; TIENDO_REBUILD_KEEP_AUDIT=0: filed anew)
  tiendo verify [FILE]             check every event's hash chain and schema; exit 1 naming the first bad one
               [--anchors A]       and every anchor of A (signed heads): exit 1 naming each one the store fails
  tiendo anchor                    sign the store's head now and append it to the anchor file (TIENDO_ANCHOR_FILE)
  tiendo backup FILE               consistent copy of the events while serving (SQLite online backup), verified
  tiendo restore FILE              put a backup in place of the events (server stopped), verified
`.trimEnd() + dataUsage;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'serve':
      // Loaded only here: the HTTP stack is a second of start-up the other commands do without.
      await (await import('./serve.js')).serve(config);
      return -1;
    case 'token': {
      const { values } = parseArgs({ args: rest, options: { role: { type: 'string' }, unit: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string' } } });
      const role = Role.safeParse(values.role);
      if (!role.success || !values.unit) {
        process.stderr.write(`tiendo token: --role (${Role.options.join(', ')}) and --unit are required\n`);
        return 2;
      }
      const app = await createApp(config);
      const token = await mintToken(app.secret, { id: values.sub ?? `${role.data}@${values.unit}`, role: role.data, unit: values.unit }, values.ttl ?? '30d', { issuer: config.TIENDO_JWT_ISSUER, audience: config.TIENDO_JWT_AUDIENCE });
      await app.close();
      process.stdout.write(`${token}\n`);
      return 0;
    }
    case 'rebuild': {
      const app = await createApp(config, pino({ level: 'warn' }));
      const total = (await app.store.readAll({ direction: 'backwards', maxCount: 1 }))[0]?.position;
      const bar = new SingleBar({ format: 'rebuild [{bar}] {value} events | {duration}s', hideCursor: true }, Presets.shades_classic);
      bar.start(total ? Number(total) || 0 : 0, 0);
      const done = await app.runner.rebuild((n) => bar.update(n));
      bar.stop();
      await app.close();
      const kept = app.runner.keptAuditEvents;
      process.stdout.write(`rebuilt read models from ${done} events${kept ? `; the audit log kept, ${kept} events filed before unchanged` : ''}\n`);
      return 0;
    }
    case 'verify': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { anchors: { type: 'string' } } });
      if (positionals.length > 1) {
        process.stderr.write('tiendo verify: at most one store file\n');
        return 2;
      }
      return verifyCommand(config, positionals[0], values.anchors);
    }
    case 'anchor':
      return anchorCommand(config);
    case 'backup':
      return backupCommand(config, rest[0]);
    case 'restore':
      return restoreCommand(config, rest[0]);
    case 'units':
    case 'import':
    case 'export':
    case 'report':
      return dataCommand(command, rest, config);
    default:
      process.stdout.write(usage);
      return command && command !== 'help' && command !== '--help' ? 2 : 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exitCode = code; },
  (error: unknown) => {
    // A mistyped option is the operator's slip, not a fault: name it, no stack trace, usage exit code.
    const badOption = String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS_');
    if (badOption) process.stderr.write(`tiendo: ${(error as Error).message}\n`);
    else process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `tiendo: ${(error as Error).stack ?? String(error)}\n`);
    // Exit rather than only set the code: a `serve` that failed half-way may hold timers and a store
    // subscription that would keep a process without an HTTP server alive for ever.
    process.exit(badOption ? 2 : 1);
  },
);
