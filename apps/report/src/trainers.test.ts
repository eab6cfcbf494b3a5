import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainerApps } from './trainers.js';

const APP_DIR = path.resolve(import.meta.dirname, '..');

describe('trainerApps', () => {
  it('lists the trainers this package depends on, each with the prepare-data, train and eval tasks', () => {
    const apps = trainerApps(APP_DIR);
    expect(apps.map((a) => a.name)).toEqual(['@patchwork/app-classify', '@patchwork/app-flowmo-train', '@patchwork/app-mae-pretrain', '@patchwork/app-mat-train', '@patchwork/app-segment-train']);
    for (const app of apps) {
      const scripts = (JSON.parse(fs.readFileSync(path.join(app.dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
      expect(scripts, app.name).toMatchObject({ 'prepare-data': 'node dist/pipeline/prepare.js', train: 'node dist/pipeline/train.js', eval: 'node dist/pipeline/eval.js' });
      for (const step of ['prepare', 'train', 'eval']) expect(fs.existsSync(path.join(app.dir, 'src/pipeline', `${step}.ts`)), `${app.name} ${step}`).toBe(true);
    }
  });
});
