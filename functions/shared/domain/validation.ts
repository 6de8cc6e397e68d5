import type { z } from 'zod';
import { InvalidInputError } from '../errors';

/** Parses with a zod schema and turns its issues into one error that names every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 8)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  throw new InvalidInputError(`invalid ${what}: ${problems}`);
}
