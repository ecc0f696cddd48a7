import { z } from 'zod';

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

/** Every setting tiendo reads from the environment, checked once at start-up. */
export const Config = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  TIENDO_DATA: z.string().min(1).default('./data'),
  TIENDO_DEMO: flag.default(true),
  EVENTSTORE_URL: z.string().regex(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\//, 'must be an esdb:// connection string').optional(),
  TIENDO_AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
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
