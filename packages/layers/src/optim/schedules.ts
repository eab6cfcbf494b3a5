import { ConfigError, PatchworkError, parseConfig } from '@patchwork/tensor-core';
import { z } from 'zod';

/**
 * A learning-rate schedule: a pure function of the training position `t` (an iteration count,
 * or a fractional epoch such as `epoch + i / itersPerEpoch` for MAE's per-iteration updates)
 * to the base learning rate. `t` is in the same unit as the config's `warmup` and `total`.
 */
export type Schedule = (t: number) => number;

const nonNegative = z.number().min(0);
const warmupShape = {
  /** Length of the linear warmup, in units of `t` (0: none). */
  warmup: nonNegative.default(0),
  /** Warmup starts at `warmupRatio × lr` (MAE: 0; mmseg: 1e-6). */
  warmupRatio: z.number().min(0).max(1).default(0),
};

const cosineSchema = z
  .object({ lr: nonNegative, minLr: nonNegative.default(0), total: z.number().gt(0), ...warmupShape })
  .strict()
  .refine((c) => c.warmup < c.total, { message: 'warmup must be shorter than total', path: ['warmup'] });

const polySchema = z
  .object({ lr: nonNegative, total: z.number().gt(0), power: z.number().gt(0).default(1), minLr: nonNegative.default(0), ...warmupShape })
  .strict();

const constantSchema = z.object({ lr: nonNegative, ...warmupShape }).strict();

const stepSchema = z
  .object({
    lr: nonNegative,
    gamma: z.number().gt(0).default(0.1),
    /** Decay every `stepSize` (`StepLR`)… */
    stepSize: z.number().gt(0).optional(),
    /** …or at each milestone (`MultiStepLR`); exactly one of the two. */
    milestones: z.array(nonNegative).optional(),
    /** Floor, as mmcv's `min_lr`. */
    minLr: nonNegative.optional(),
    ...warmupShape,
  })
  .strict()
  .refine((c) => (c.stepSize === undefined) !== (c.milestones === undefined), {
    message: 'give exactly one of stepSize and milestones',
    path: ['stepSize'],
  })
  .refine((c) => c.milestones === undefined || c.milestones.every((m, i, a) => i === 0 || a[i - 1]! <= m), {
    message: 'milestones must be increasing',
    path: ['milestones'],
  });

/** Config of {@link cosineSchedule}. */
export type CosineScheduleConfig = z.input<typeof cosineSchema>;
/** Config of {@link polySchedule}. */
export type PolyScheduleConfig = z.input<typeof polySchema>;
/** Config of {@link constantSchedule}. */
export type ConstantScheduleConfig = z.input<typeof constantSchema>;
/** Config of {@link stepSchedule}. */
export type StepScheduleConfig = z.input<typeof stepSchema>;

/** Any schedule config, tagged with its kind, e.g. from a JSON training config. */
export type ScheduleConfig =
  | ({ kind: 'cosine' } & CosineScheduleConfig)
  | ({ kind: 'poly' } & PolyScheduleConfig)
  | ({ kind: 'constant' } & ConstantScheduleConfig)
  | ({ kind: 'step' } & StepScheduleConfig);

/**
 * MAE `util/lr_sched.py`: linear warmup from `warmupRatio·lr` to `lr` over `warmup`, then a
 * half-cycle cosine from `lr` down to `minLr` at `total` (held there afterwards).
 */
export function cosineSchedule(config: CosineScheduleConfig): Schedule {
  const { lr, minLr, total, warmup, warmupRatio } = parseConfig(cosineSchema, config, 'cosine schedule');
  return (t) => {
    checkT(t);
    if (t < warmup) return lr * warmupFactor(t, warmup, warmupRatio);
    const progress = Math.min(t - warmup, total - warmup) / (total - warmup);
    return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

/**
 * mmseg's poly schedule (mmcv `PolyLrUpdaterHook`, `by_epoch=False`):
 * `(lr − minLr)·(1 − t/total)^power + minLr`, with `t` counted from 0 through the warmup; during
 * the linear warmup that value is multiplied by a factor rising from `warmupRatio` to 1, as
 * mmcv's `warmup='linear'` does. mmseg's usual config: `power: 1, minLr: 0, warmup: 1500, warmupRatio: 1e-6`.
 */
export function polySchedule(config: PolyScheduleConfig): Schedule {
  const { lr, total, power, minLr, warmup, warmupRatio } = parseConfig(polySchema, config, 'poly schedule');
  return (t) => {
    checkT(t);
    const regular = (lr - minLr) * (1 - Math.min(t, total) / total) ** power + minLr;
    return t < warmup ? regular * warmupFactor(t, warmup, warmupRatio) : regular;
  };
}

/** Constant `lr` after a linear warmup from `warmupRatio·lr`. */
export function constantSchedule(config: ConstantScheduleConfig): Schedule {
  const { lr, warmup, warmupRatio } = parseConfig(constantSchema, config, 'constant schedule');
  return (t) => {
    checkT(t);
    return t < warmup ? lr * warmupFactor(t, warmup, warmupRatio) : lr;
  };
}

/**
 * Step decay: `lr·gamma^n` with `n = ⌊t / stepSize⌋` (`torch.optim.lr_scheduler.StepLR`) or the
 * number of milestones `<= t` (`MultiStepLR`), floored at `minLr` if given; a warmup multiplies
 * it as mmcv's does.
 */
export function stepSchedule(config: StepScheduleConfig): Schedule {
  const { lr, gamma, stepSize, milestones, minLr, warmup, warmupRatio } = parseConfig(stepSchema, config, 'step schedule');
  return (t) => {
    checkT(t);
    const n = stepSize !== undefined ? Math.floor(t / stepSize) : (milestones ?? []).filter((m) => m <= t).length;
    const regular = Math.max(lr * gamma ** n, minLr ?? 0);
    return t < warmup ? regular * warmupFactor(t, warmup, warmupRatio) : regular;
  };
}

/** Build any schedule from a tagged config (validated; unknown kinds are a {@link ConfigError}). */
export function createSchedule(config: ScheduleConfig): Schedule {
  const { kind, ...rest } = config;
  switch (kind) {
    case 'cosine':
      return cosineSchedule(rest as CosineScheduleConfig);
    case 'poly':
      return polySchedule(rest as PolyScheduleConfig);
    case 'constant':
      return constantSchedule(rest as ConstantScheduleConfig);
    case 'step':
      return stepSchedule(rest as StepScheduleConfig);
    default:
      throw new ConfigError(`invalid schedule config:\n  - kind: expected one of cosine, poly, constant, step, got ${JSON.stringify(kind)}`);
  }
}

/** mmcv's linear warmup factor `1 − (1 − t/warmup)·(1 − ratio)`; with ratio 0 it is MAE's `t / warmup`. */
function warmupFactor(t: number, warmup: number, ratio: number): number {
  return 1 - (1 - t / warmup) * (1 - ratio);
}

function checkT(t: number): void {
  if (!Number.isFinite(t) || t < 0) throw new PatchworkError('E_ARGUMENT', `schedule position must be a finite number >= 0, got ${t}`);
}
