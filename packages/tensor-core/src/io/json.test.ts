import { describe, expect, it } from 'vitest';
import { dropUndefined, jsonDifferences } from './json.js';

describe('json helpers', () => {
  it('dropUndefined removes unset properties at any depth but leaves non-plain objects alone', () => {
    expect(dropUndefined({ a: 1, b: undefined, c: { d: undefined, e: [1, { f: undefined }] } })).toEqual({ a: 1, c: { e: [1, {}] } });
    const map = new Map();
    expect((dropUndefined({ m: map }) as { m: unknown }).m).toBe(map);
  });

  it('jsonDifferences recurses into objects, ignores key order and compares arrays whole', () => {
    expect(jsonDifferences({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
    expect(jsonDifferences({ a: 1, b: { c: [1, 2], d: 'x' } }, { a: 2, b: { c: [1, 3] }, e: null })).toEqual([
      { path: 'a', left: 1, right: 2 },
      { path: 'b.c', left: [1, 2], right: [1, 3] },
      { path: 'b.d', left: 'x', right: undefined },
      { path: 'e', left: undefined, right: null },
    ]);
    expect(jsonDifferences([{ a: 1 }], [{ a: 1 }])).toEqual([]);
    expect(jsonDifferences(1, '1')).toEqual([{ path: '(root)', left: 1, right: '1' }]);
  });
});
