// What a checkpoint records besides tensors, validated with zod on save and on load, and its
// encoding as safetensors `__metadata__` strings (JSON for the structured fields).
import { z } from 'zod';
import { parseConfig } from '../config.js';
import { FormatError, PatchworkError } from '../errors.js';
import { dropUndefined, jsonDifferences } from './json.js';
import type { JsonValue } from './json.js';

/** `__metadata__.format` of a Patchwork checkpoint. */
export const CHECKPOINT_FORMAT = 'patchwork-checkpoint';
/** `__metadata__.version`; bumped on incompatible layout changes. */
export const CHECKPOINT_VERSION = '1';

const json = z.json() as z.ZodType<JsonValue>;
const uint32 = z.number().int().min(0).max(0xffffffff);

const infoSchema = z.object({
  model: z.object({ name: z.string().min(1), config: json }),
  step: z.number().int().nonnegative(),
  optimizer: z.object({ name: z.string().min(1), hyper: json }).optional(),
  rng: z
    .tuple([uint32, uint32, uint32, uint32])
    .refine((s) => s.some((v) => v !== 0), 'Rng state must not be all zero')
    .optional(),
  extra: json.optional(),
});

/** Everything in a checkpoint except its tensors. */
export type CheckpointInfo = z.output<typeof infoSchema>;

/** Validate what is about to be saved; throws a ConfigError listing every problem. */
export function checkpointInfoFromInput(input: unknown): CheckpointInfo {
  return parseConfig(infoSchema, dropUndefined(input), 'checkpoint');
}

/** The `__metadata__` strings for a checkpoint. */
export function checkpointMetadata(info: CheckpointInfo): Record<string, string> {
  const out: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    model: JSON.stringify(info.model),
    step: String(info.step),
  };
  if (info.optimizer !== undefined) out.optimizer = JSON.stringify(info.optimizer);
  if (info.rng !== undefined) out.rng = JSON.stringify(info.rng);
  if (info.extra !== undefined) out.extra = JSON.stringify(info.extra);
  return out;
}

/** Read back {@link checkpointMetadata}; throws {@link FormatError} naming `source` if anything is off. */
export function checkpointInfoFromMetadata(metadata: Readonly<Record<string, string>>, source: string): CheckpointInfo {
  if (metadata.format !== CHECKPOINT_FORMAT) {
    const found = metadata.format === undefined ? 'no format' : `format '${metadata.format}'`;
    throw new FormatError(`${source} is not a Patchwork checkpoint (its metadata has ${found}, expected '${CHECKPOINT_FORMAT}')`);
  }
  if (metadata.version !== CHECKPOINT_VERSION) {
    throw new FormatError(`${source}: checkpoint version '${metadata.version}' is not supported (this build reads version ${CHECKPOINT_VERSION})`);
  }
  const raw: Record<string, unknown> = { step: Number(metadata.step) };
  for (const key of ['model', 'optimizer', 'rng', 'extra'] as const) {
    const text = metadata[key];
    if (text === undefined) continue;
    try {
      raw[key] = JSON.parse(text);
    } catch (err) {
      throw new FormatError(`${source}: checkpoint metadata '${key}' is not valid JSON`, { cause: err });
    }
  }
  const result = infoSchema.safeParse(raw);
  if (!result.success) throw new FormatError(`${source}: invalid checkpoint metadata:\n${z.prettifyError(result.error)}`);
  return result.data;
}

/**
 * Throw an E_CHECKPOINT error when a checkpoint's model differs from the expected one, saying
 * which model and config it holds and listing every differing config key.
 */
export function assertSameModel(found: CheckpointInfo['model'], expected: { name: string; config: unknown }, source: string): void {
  const want = parseConfig(infoSchema.shape.model, dropUndefined(expected), 'expected model');
  const diffs = jsonDifferences(found.config, want.config);
  if (found.name === want.name && diffs.length === 0) return;
  const lines = diffs.map((d) => {
    const inCheckpoint = d.left === undefined ? 'not in the checkpoint' : `${brief(d.left)} in the checkpoint`;
    const expectedText = d.right === undefined ? 'not in the expected config' : `${brief(d.right)} expected`;
    return `  - ${d.path}: ${inCheckpoint}, ${expectedText}`;
  });
  const detail = lines.length > 0 ? `; differing config keys:\n${lines.join('\n')}` : '';
  throw new PatchworkError(
    'E_CHECKPOINT',
    `checkpoint ${source} is of model '${found.name}' (config ${brief(found.config)}) but expected '${want.name}' (config ${brief(want.config)})${detail}`,
  );
}

// Configs can be long; the differing keys carry the detail, so the summary is cut short.
function brief(v: JsonValue): string {
  const text = JSON.stringify(v);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
