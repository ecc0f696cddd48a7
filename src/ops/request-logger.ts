import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type Parent = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };
type Write = (...args: unknown[]) => void;

/**
 * A request's logger whose pino child is made when the request first logs at an enabled level.
 * Most requests log nothing, and a child per request cost a small request ≈ 4 % of its CPU. The
 * lines written are the child's own: the same bindings, the parent's level.
 */
class LazyChild {
  #child: FastifyBaseLogger | undefined;

  constructor(private readonly parent: Parent, private readonly bindings: () => Bindings, private readonly options: ChildLoggerOptions) {}

  private get real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings(), this.options));
  }

  private write(level: Level, args: unknown[]): void {
    if (this.#child || this.parent.isLevelEnabled(level)) (this.real[level] as Write)(...args);
  }

  get level(): string { return this.#child?.level ?? this.parent.level; }
  set level(level: string) { this.real.level = level; }
  fatal(...args: unknown[]) { this.write('fatal', args); }
  error(...args: unknown[]) { this.write('error', args); }
  warn(...args: unknown[]) { this.write('warn', args); }
  info(...args: unknown[]) { this.write('info', args); }
  debug(...args: unknown[]) { this.write('debug', args); }
  trace(...args: unknown[]) { this.write('trace', args); }
  silent() {}
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger { return this.real.child(bindings, options); }
}

/**
 * `parent.child(bindings(), options)`, made on first use (the bindings too); at once when it needs
 * a level of its own or the parent is not pino.
 */
export function lazyChild(parent: FastifyBaseLogger, bindings: () => Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const p = parent as Partial<Parent>;
  if (options.level !== undefined || typeof p.isLevelEnabled !== 'function') return parent.child(bindings(), options);
  return new LazyChild(parent as Parent, bindings, options) as unknown as FastifyBaseLogger;
}
