/**
 * Trainer command lines → a raw config object: `--key value`, `--key=value`, `--flag`, `--no-flag`;
 * kebab-case keys become camelCase, numbers, booleans and comma-separated number lists are parsed.
 * Validation (unknown keys, ranges) is the job of the app's zod schema.
 */
export function argsToConfig(argv: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}' (options look like --steps 100)`);
    let key = arg.slice(2);
    let value: string | undefined;
    const eq = key.indexOf('=');
    if (eq >= 0) {
      value = key.slice(eq + 1);
      key = key.slice(0, eq);
    } else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) {
      value = argv[++i];
    }
    const negated = value === undefined && key.startsWith('no-');
    const camel = (negated ? key.slice(3) : key).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    out[camel] = value === undefined ? !negated : parseValue(value);
  }
  return out;
}

function parseValue(v: string): unknown {
  if (v === 'true' || v === 'false') return v === 'true';
  const parts = v.split(',');
  if (parts.length > 1 && parts.every((p) => p.trim() !== '' && !Number.isNaN(Number(p)))) return parts.map(Number);
  return v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
}
