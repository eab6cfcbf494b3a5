import { tf } from '@patchwork/tensor-core';
import { assertAllClose } from '@patchwork/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { Adam, AdamW } from './adamw.js';
import { clipGradNorm, clipGradValue } from './clip.js';
import type { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';

// Expected values are printed by tooling/reference/optim_reference.py (PyTorch 1.13, float32):
// run `/usr/bin/python3 tooling/reference/optim_reference.py`. Inputs are closed-form functions of
// (parameter j, element i, step k), rebuilt here exactly as the script builds them.

const SHAPES = [[3, 4], [4], [2, 3], [2]];
const LR_FACTORS = [0, 1, 2, 3, 4].map((k) => 1 - 0.15 * k);

function initParam(j: number): tf.Variable {
  const shape = SHAPES[j]!;
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => Math.cos(0.37 * i + 0.1 + 0.9 * j) * 0.5);
  return tf.variable(tf.tensor(values, shape));
}

function gradAt(j: number, k: number, scale = 1): tf.Tensor {
  const shape = SHAPES[j]!;
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Array.from({ length: n }, (_, i) => Math.sin(0.9 * i + 1.7 * k + 0.5 * j) * (1 + 0.25 * j) * scale), shape);
}

interface RunOptions {
  lrFactors?: number[];
  gradScales?: number[];
}

/** Five steps as the script runs them; parameter 3 gets no gradient at step 2. */
function run(make: (params: tf.Variable[]) => Optimizer, { lrFactors, gradScales = [1, 1, 1, 1] }: RunOptions = {}): Float32Array[] {
  const params = SHAPES.map((_, j) => initParam(j));
  const opt = make(params);
  const baseLr = opt.lr;
  for (let k = 0; k < 5; k++) {
    if (lrFactors !== undefined) opt.setLr(baseLr * lrFactors[k]!);
    const grads = new Map<tf.Variable, tf.Tensor>();
    params.forEach((p, j) => {
      if (!(j === 3 && k === 2)) grads.set(p, gradAt(j, k, gradScales[j]));
    });
    opt.step(grads);
    tf.dispose([...grads.values()]);
  }
  const out = params.map((p) => p.dataSync() as Float32Array);
  opt.dispose();
  tf.dispose(params);
  return out;
}

function expectParams(actual: Float32Array[], expected: number[][], atol: number): void {
  expected.forEach((e, j) => assertAllClose(actual[j]!, e, { atol, label: `param ${j}` }));
}

const TORCH_ADAMW = [
  [0.488170087, 0.425278395, 0.319601655, 0.171358958, 0.0155033814, -0.167524174, -0.330808103, -0.467074186, -0.517135441, -0.491901904, -0.399481893, -0.237519413],
  [0.2495206, 0.0826115832, -0.0927653164, -0.237639546],
  [-0.171041578, -0.32755065, -0.439624071, -0.484706372, -0.476762056, -0.405494362],
  [-0.481531322, -0.505120397],
];

const TORCH_ADAM = [
  [0.494669229, 0.442792982, 0.331350297, 0.175156251, -0.00172042544, -0.182303399, -0.338718474, -0.452621996, -0.501245558, -0.481629908, -0.396771133, -0.255184293],
  [0.267239928, 0.0969786271, -0.0859165564, -0.253914922],
  [-0.164574191, -0.32401222, -0.439664215, -0.492740035, -0.483134508, -0.408598423],
  [-0.463136554, -0.491822213],
];

const TORCH_SGD_NESTEROV = [
  [0.356881768, 0.161800817, 0.121000618, 0.195799261, 0.231992424, 0.0897617117, -0.235297009, -0.593676329, -0.782042146, -0.687925279, -0.370764613, -0.0185203198],
  [-0.0340853743, -0.239031985, -0.201177999, -0.0633443594],
  [-0.269212395, -0.393846661, -0.420405954, -0.401252925, -0.386470705, -0.381143957],
  [-0.655674696, -0.575283706],
];

const TORCH_SGD_DAMPENING = [
  [0.461179972, 0.291712075, 0.178508073, 0.137604982, 0.102254473, -0.0133399107, -0.233860537, -0.489016086, -0.65366292, -0.63331449, -0.431570292, -0.148989812],
  [0.12970762, -0.114771336, -0.210421115, -0.19915244],
  [-0.402963579, -0.542467654, -0.471423298, -0.316057801, -0.22953704, -0.271236032],
  [-0.829715788, -0.693759322],
];

const TORCH_CLIP = {
  l2: {
    total: 4.52462482,
    grads: [
      [0.0, 0.173125237, 0.215232745, 0.0944564044, -0.0978026614, -0.216046631, -0.170790806, 0.0037160865, 0.175410718, 0.214358017, 0.0910834447, -0.101121269],
      [0.132448941, 0.272246182, 0.206012964, -0.0161267873],
      [0.278963715, 0.31371659, 0.111054987, -0.17565082, -0.32942757, -0.23390013],
      [0.385803461, 0.261250466],
    ],
  },
  inf: {
    total: 1.7456162,
    grads: [
      [0.0, 0.224369615, 0.278940767, 0.122415118, -0.126751855, -0.279995561, -0.221344203, 0.00481603295, 0.227331579, 0.277807146, 0.118043773, -0.131052762],
      [0.171653301, 0.352829963, 0.266991973, -0.0209002513],
      [0.361535847, 0.406575441, 0.143926814, -0.227642745, -0.426936805, -0.303133607],
      [0.499999702, 0.338579565],
    ],
  },
  l1: {
    total: 19.319006,
    grads: [
      [0.0, 0.121640861, 0.151226342, 0.0663667396, -0.068717882, -0.151798189, -0.120000646, 0.00261098822, 0.123246677, 0.150611743, 0.0639968365, -0.0710495934],
      [0.0930609703, 0.191284999, 0.144748345, -0.0113309668],
      [0.196004853, 0.220422834, 0.0780292004, -0.123415373, -0.231461644, -0.164342359],
      [0.271072328, 0.183559209],
    ],
  },
  l2_noclip: {
    total: 4.52462482,
    grads: [
      [0.0, 0.783326924, 0.973847628, 0.427379876, -0.44252044, -0.977530122, -0.772764504, 0.0168139003, 0.793667853, 0.96988982, 0.412118495, -0.457535893],
      [0.599281907, 1.23181212, 0.932131529, -0.0729676783],
      [1.26220644, 1.41945016, 0.502482235, -0.794754207, -1.49053645, -1.05831051],
      [1.7456162, 1.1820606],
    ],
  },
};

const TORCH_CLIP_VALUE = [
  [0.0, 0.600000024, 0.600000024, 0.427379876, -0.44252044, -0.600000024, -0.600000024, 0.0168139003, 0.600000024, 0.600000024, 0.412118495, -0.457535893],
  [0.599281907, 0.600000024, 0.600000024, -0.0729676783],
  [0.600000024, 0.600000024, 0.502482235, -0.600000024, -0.600000024, -0.600000024],
  [0.600000024, 0.600000024],
];

describe('optimizers match PyTorch 1.13', () => {
  it('AdamW: two groups (lr scale 1 / 0.5, wd 0.05 / 0.1), lr changed every step, a skipped gradient', () => {
    const actual = run(
      (ps) =>
        new AdamW(
          [
            { variables: ps.slice(0, 2), lrScale: 1, weightDecay: 0.05 },
            { variables: ps.slice(2), lrScale: 0.5, weightDecay: 0.1 },
          ],
          { lr: 1e-2, betas: [0.9, 0.95], eps: 1e-3 },
        ),
      { lrFactors: LR_FACTORS },
    );
    expectParams(actual, TORCH_ADAMW, 1e-6);
  });

  it('Adam: betas (0, 0.99) with L2 weight decay', () => {
    const actual = run((ps) => new Adam(ps, { lr: 2e-3, betas: [0, 0.99], weightDecay: 1e-2 }), { gradScales: [1, 1, 1, 1e-8] });
    expectParams(actual, TORCH_ADAM, 1e-6);
  });

  it('SGD: momentum + nesterov + weight decay, two groups', () => {
    const actual = run(
      (ps) =>
        new SGD(
          [
            { variables: ps.slice(0, 2), weightDecay: 1e-3 },
            { variables: ps.slice(2), lrScale: 0.25, weightDecay: 0 },
          ],
          { lr: 0.1, momentum: 0.9, nesterov: true },
        ),
      { lrFactors: LR_FACTORS },
    );
    expectParams(actual, TORCH_SGD_NESTEROV, 1e-6);
  });

  it('SGD: momentum with dampening', () => {
    const actual = run((ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.5 }));
    expectParams(actual, TORCH_SGD_DAMPENING, 1e-6);
  });
});

describe('gradient clipping matches torch.nn.utils', () => {
  const cases: [keyof typeof TORCH_CLIP, number, number][] = [
    ['l2', 1.0, 2],
    ['inf', 0.5, Infinity],
    ['l1', 3.0, 1],
    ['l2_noclip', 100.0, 2],
  ];
  for (const [key, maxNorm, normType] of cases) {
    it(`clip_grad_norm_ (${key})`, () => {
      const grads = SHAPES.map((_, j) => gradAt(j, 0));
      const named: tf.NamedTensorMap = Object.fromEntries(grads.map((g, j) => [`g${j}`, g]));
      const { grads: clipped, totalNorm } = clipGradNorm(named, maxNorm, { normType });
      expect(Math.abs(totalNorm - TORCH_CLIP[key].total)).toBeLessThan(1e-5 * TORCH_CLIP[key].total);
      TORCH_CLIP[key].grads.forEach((e, j) => assertAllClose(clipped[`g${j}`]!, e, { atol: 1e-6, label: `grad ${j}` }));
      tf.dispose([...grads, ...Object.values(clipped)]);
    });
  }

  it('clip_grad_value_', () => {
    const grads = new Map(SHAPES.map((_, j) => [initParam(j), gradAt(j, 0)] as const));
    const clipped = clipGradValue(grads, 0.6);
    [...clipped.values()].forEach((g, j) => assertAllClose(g, TORCH_CLIP_VALUE[j]!, { atol: 1e-7, label: `grad ${j}` }));
    tf.dispose([...grads.keys(), ...grads.values(), ...clipped.values()]);
  });
});
