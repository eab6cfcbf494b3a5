import { ConfigError } from '@patchwork/tensor-core';
import { describe, expect, it } from 'vitest';
import { constantSchedule, cosineSchedule, createSchedule, polySchedule, stepSchedule } from './schedules.js';
import type { Schedule } from './schedules.js';

// Reference values: tooling/reference/optim_reference.py (MAE lr_sched.adjust_learning_rate and
// mmcv PolyLrUpdaterHook + linear warmup formulas verbatim, torch StepLR / MultiStepLR).

function expectClose(schedule: Schedule, points: [number, number][], rtol = 1e-12): void {
  for (const [t, want] of points) {
    const got = schedule(t);
    expect(Math.abs(got - want), `t=${t}: got ${got}, want ${want}`).toBeLessThanOrEqual(rtol * Math.abs(want) + 1e-20);
  }
}

describe('cosineSchedule (MAE half-cycle cosine, per-iteration float epochs)', () => {
  it('matches adjust_learning_rate at epoch + i / itersPerEpoch', () => {
    // lr 1e-3, min_lr 1e-6, warmup_epochs 5, epochs 50, 37 iterations per epoch.
    const mae: [number, number][] = [
      [0.0, 0.0],
      [0.02702702702702703, 5.405405405405406e-6],
      [2.4864864864864864, 0.0004972972972972973],
      [4.972972972972973, 0.0009945945945945946],
      [5.0, 0.001],
      [5.027027027027027, 0.000999999110846714],
      [17.08108108108108, 0.0008326242019809168],
      [30.54054054054054, 0.0003952657046371349],
      [49.972972972972975, 1.0008891532858755e-6],
    ];
    const schedule = cosineSchedule({ lr: 1e-3, minLr: 1e-6, warmup: 5, total: 50 });
    expectClose(schedule, mae);
    expect(schedule(2 + 18 / 37)).toBe(mae[2]![1]);
    expect(schedule(80)).toBe(1e-6);
  });

  it('warms up from warmupRatio·lr', () => {
    const s = cosineSchedule({ lr: 1, total: 10, warmup: 4, warmupRatio: 0.2 });
    expectClose(s, [
      [0, 0.2],
      [2, 0.6],
      [4, 1],
      [7, 0.5],
      [10, 0],
    ]);
  });
});

describe('polySchedule (mmseg poly + linear warmup)', () => {
  it('matches mmcv with power 1, eta_min 0, 1500 warmup iterations at ratio 1e-6', () => {
    expectClose(
      polySchedule({ lr: 6e-5, total: 160000, power: 1, minLr: 0, warmup: 1500, warmupRatio: 1e-6 }),
      [
        [0, 6.000000000172534e-11],
        [1, 4.005970962525067e-8],
        [750, 2.9859404859375005e-5],
        [1499, 5.939824978962525e-5],
        [1500, 5.94375e-5],
        [1501, 5.9437125e-5],
        [80000, 3e-5],
        [159999, 3.7499999999912603e-10],
      ],
      1e-9,
    );
  });

  it('matches mmcv with power 0.9 and min_lr 1e-4, no warmup', () => {
    expectClose(polySchedule({ lr: 0.01, total: 40000, power: 0.9, minLr: 1e-4 }), [
      [0, 0.01],
      [100, 0.009977722213069301],
      [20000, 0.005405278639554652],
      [39999, 0.00010071413645342543],
      [40000, 0.0001],
      [50000, 0.0001],
    ]);
  });
});

describe('stepSchedule', () => {
  it('matches torch StepLR(step_size=3, gamma=0.5)', () => {
    const torch = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125, 0.0125];
    expectClose(
      stepSchedule({ lr: 0.1, stepSize: 3, gamma: 0.5 }),
      torch.map((lr, t) => [t, lr]),
    );
  });

  it('matches torch MultiStepLR(milestones=[2, 5, 9], gamma=0.1)', () => {
    const torch = [0.1, 0.1, 0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.001, 0.0001, 0.0001];
    expectClose(
      stepSchedule({ lr: 0.1, milestones: [2, 5, 9] }),
      torch.map((lr, t) => [t, lr]),
      1e-9,
    );
  });

  it('floors at minLr and warms up', () => {
    const s = stepSchedule({ lr: 1, stepSize: 1, gamma: 0.5, minLr: 0.2, warmup: 2 });
    expectClose(s, [
      [0, 0],
      [1, 0.25],
      [2, 0.25],
      [5, 0.2],
    ]);
  });
});

describe('constantSchedule / createSchedule / validation', () => {
  it('constant with linear warmup', () => {
    expectClose(constantSchedule({ lr: 0.5, warmup: 10 }), [
      [0, 0],
      [5, 0.25],
      [10, 0.5],
      [1e6, 0.5],
    ]);
    expect(constantSchedule({ lr: 0.5 })(0)).toBe(0.5);
  });

  it('createSchedule dispatches on kind', () => {
    const cfg = { kind: 'poly', lr: 6e-5, total: 160000, warmup: 1500, warmupRatio: 1e-6 } as const;
    expect(createSchedule(cfg)(750)).toBe(polySchedule({ lr: 6e-5, total: 160000, warmup: 1500, warmupRatio: 1e-6 })(750));
    expect(createSchedule({ kind: 'constant', lr: 1 })(3)).toBe(1);
    expect(() => createSchedule({ kind: 'linear', lr: 1 } as never)).toThrow(/kind: expected one of cosine, poly, constant, step, got "linear"/);
  });

  it('rejects bad configs with the offending path, and bad positions', () => {
    expect(() => cosineSchedule({ lr: 1, total: 5, warmup: 5 })).toThrow(/warmup: warmup must be shorter than total/);
    expect(() => polySchedule({ lr: -1, total: 5 })).toThrow(ConfigError);
    expect(() => stepSchedule({ lr: 1 })).toThrow(/stepSize: give exactly one of stepSize and milestones/);
    expect(() => stepSchedule({ lr: 1, milestones: [5, 2] })).toThrow(/milestones must be increasing/);
    expect(() => constantSchedule({ lr: 1, warmupRatio: 2 })).toThrow(/warmupRatio/);
    expect(() => constantSchedule({ lr: 1, extra: 1 } as never)).toThrow(ConfigError);
    expect(() => constantSchedule({ lr: 1 })(-1)).toThrow(/finite number >= 0/);
  });
});
