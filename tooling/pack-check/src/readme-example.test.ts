import { describe, expect, it } from 'vitest';
import { readmeExample, toRunnableJs } from './readme-example.js';

describe('readmeExample', () => {
  it('takes the first ts/js block, skipping others, and lists the packages it imports', () => {
    const md = "# x\n\n```bash\npnpm add @patchwork/x\n```\n\n```ts\nimport { a } from '@patchwork/vit';\nimport { b } from \"@patchwork/datasets/node\";\nimport type { C } from '@patchwork/vit';\nconst n: number = 1;\n```\n\n```ts\nimport '@patchwork/mae';\n```\n";
    const ex = readmeExample(md)!;
    expect(ex.lang).toBe('ts');
    expect(ex.imports).toEqual(['@patchwork/datasets', '@patchwork/vit']);
    expect(ex.code).toContain('const n: number = 1;');
    expect(ex.code).not.toContain('@patchwork/mae');
    expect(readmeExample('```js\nconsole.log(1)\n```\n')).toEqual({ lang: 'js', code: 'console.log(1)\n', imports: [] });
    expect(readmeExample('no code')).toBeNull();
  });

  it('erases types so Node can run the example', () => {
    const js = toRunnableJs({ lang: 'ts', code: "import { tf } from '@patchwork/tensor-core';\nconst x: number[] = [1];\nawait Promise.resolve(tf.tensor(x as unknown as number[]));\n", imports: [] });
    expect(js).toContain("import { tf } from '@patchwork/tensor-core';");
    expect(js).toContain('const x = [1];');
    expect(js).toContain('await Promise.resolve(tf.tensor(x));');
  });
});
