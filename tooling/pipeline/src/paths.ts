/**
 * Folders of the `pnpm start` pipeline inside a trainer app, relative to the app (turbo runs each
 * task there). turbo.json's `outputs` and `inputs` name the same paths, so keep them in step.
 */
export const PIPELINE_DIRS = {
  /** `prepare-data` output: the data the run reads, `card.json` and `preview.png`. */
  data: 'runs/pipeline/data',
  /** `train` output (never cached): checkpoints, `log.jsonl`, the trainer's own report, and the wall-clock-free `curves.json` and `weights.json` that `eval` hashes. */
  train: 'runs/pipeline/train',
  /** `eval` output: `summary.json` and its figures. */
  eval: 'runs/pipeline/eval',
} as const;
