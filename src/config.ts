import { z } from 'zod';
import { type DueRules, PERIOD_KINDS, type PeriodKind, defaultDueRules } from './periods/index.js';

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

/** "MONTHLY=3,QUARTERLY=5": days after a period's cut-off window by which its report is due. */
const dueRules = z.string().default('').transform((text, ctx): DueRules => {
  const rules: Record<string, number> = { ...defaultDueRules };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [kind, days] = part.split('=').map((x) => x.trim());
    if (!PERIOD_KINDS.includes(kind as PeriodKind) || !/^\d{1,3}$/.test(days ?? '')) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not KIND=days with KIND one of ${PERIOD_KINDS.join(', ')}` });
      return defaultDueRules;
    }
    rules[kind!] = Number(days);
  }
  return rules as DueRules;
});

/** Every setting tiendo reads from the environment, checked once at start-up. */
export const Config = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  TIENDO_DATA: z.string().min(1).default('./data'),
  TIENDO_DEMO: flag.default(true),
  EVENTSTORE_URL: z.string().regex(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\//, 'must be an esdb:// connection string').optional(),
  TIENDO_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** An identity provider's JWKS (RS256/ES256 tokens); when set it replaces the HS256 secret for verification. */
  TIENDO_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /** When set, tokens must carry this `iss` (and tokens tiendo mints carry it). */
  TIENDO_JWT_ISSUER: z.string().min(1).optional(),
  /** When set, tokens must carry this `aud` (and tokens tiendo mints carry it). */
  TIENDO_JWT_AUDIENCE: z.string().min(1).optional(),
  TIENDO_REPORT_DUE_DAYS: dueRules,
  TIENDO_DUE_SOON_DAYS: z.coerce.number().int().min(0).max(90).default(7),
  TIENDO_RATE_LIMIT: z.coerce.number().int().min(1).default(6000),
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = Config.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}
