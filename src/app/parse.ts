import type { z } from 'zod';
import { badInput } from '../errors.js';

/** Validates a command's input with its zod schema; every problem is named with its path. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`);
  throw badInput(problems.join('; '), { problems });
}
