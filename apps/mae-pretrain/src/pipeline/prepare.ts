#!/usr/bin/env node
import { PIPELINE_DIRS, freshDir, prepareFashionMnist, runEntry } from '@patchwork/pipeline';

runEntry('mae-pretrain prepare-data', async () => {
  const dir = prepareFashionMnist(freshDir(PIPELINE_DIRS.data));
  console.log(`Fashion-MNIST subset ready in ${dir}`);
});
