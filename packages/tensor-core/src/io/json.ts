// JSON values as stored in checkpoint metadata, and the comparison used to explain config mismatches.

/** A JSON-serialisable value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Drop `undefined` object properties recursively, as JSON.stringify would, so that configs with
 * unset optional fields validate as JSON and compare equal to their stored form. Other values
 * are returned as they are (validation reports them).
 */
export function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  // Only plain objects: a Map or class instance must reach validation as it is and be rejected.
  if (isObject(value) && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, dropUndefined(v)]])));
  }
  return value;
}

/** One difference between two JSON values: where, and the value on each side (undefined = absent). */
export interface JsonDifference {
  path: string;
  left: JsonValue | undefined;
  right: JsonValue | undefined;
}

/**
 * Differences between two JSON values, recursing into objects (key order ignored); arrays and
 * scalars are compared whole. Paths are dotted (`encoder.depth`), `(root)` for the values themselves.
 */
export function jsonDifferences(left: JsonValue | undefined, right: JsonValue | undefined, path = ''): JsonDifference[] {
  if (isObject(left) && isObject(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    return keys.flatMap((k) => jsonDifferences(left[k], right[k], path === '' ? k : `${path}.${k}`));
  }
  return jsonEqual(left, right) ? [] : [{ path: path === '' ? '(root)' : path, left, right }];
}

function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObject(a) && isObject(b)) return jsonDifferences(a, b).length === 0;
  return a === b;
}

function isObject(v: unknown): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
