import type { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Validate `input` against a zod schema; on failure throw a {@link ConfigError}
 * listing every issue as `path: message` under the given label.
 */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, label = 'config'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `  - ${path}: ${issue.message}`;
  });
  throw new ConfigError(`invalid ${label}:\n${lines.join('\n')}`);
}
