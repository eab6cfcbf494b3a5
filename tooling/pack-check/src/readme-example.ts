import ts from 'typescript';

/** A README's runnable example: its code, language and the `@patchwork/*` packages it imports. */
export interface ReadmeExample {
  lang: 'ts' | 'js';
  code: string;
  /** Package names imported by the example (subpaths folded into their package), sorted. */
  imports: string[];
}

/** The first ```ts / ```js block of a README (the example the package promises runs), or null. */
export function readmeExample(markdown: string): ReadmeExample | null {
  const m = /^```(ts|js|typescript|javascript)[^\S\n]*\n([\s\S]*?)^```[^\S\n]*$/m.exec(markdown);
  if (m === null) return null;
  const code = m[2]!;
  const imports = new Set<string>();
  for (const [, spec] of code.matchAll(/\bfrom\s+['"](@patchwork\/[^'"/]+)(?:\/[^'"]*)?['"]/g)) imports.add(spec!);
  return { lang: m[1]!.startsWith('t') ? 'ts' : 'js', code, imports: [...imports].sort() };
}

/** Plain ES-module JavaScript for Node: TypeScript is transpiled (types erased, no type check). */
export function toRunnableJs(example: ReadmeExample): string {
  if (example.lang === 'js') return example.code;
  return ts.transpileModule(example.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false } }).outputText;
}
