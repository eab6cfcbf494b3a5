import type { tf } from '@patchwork/tensor-core';

/**
 * Gradients for a set of variables: either keyed by the variable itself, or a `tf.NamedTensorMap`
 * keyed by `variable.name` (what `tf.variableGrads` returns). Values may be `null` for variables
 * that got no gradient (`tf.variableGrads` reports non-trainable variables that way); they are skipped.
 */
export type GradMap = Map<tf.Variable, tf.Tensor | null> | tf.NamedTensorMap;

/** A gradient map of the same kind as `G` (a `Map` stays a `Map`), without `null` entries. */
export type SameKind<G extends GradMap> = G extends Map<tf.Variable, tf.Tensor | null> ? Map<tf.Variable, tf.Tensor> : tf.NamedTensorMap;

/** The `[key, gradient]` pairs of a {@link GradMap}, `null` gradients dropped. */
export function gradEntries(grads: GradMap): [tf.Variable | string, tf.Tensor][] {
  const raw: [tf.Variable | string, tf.Tensor | null | undefined][] = grads instanceof Map ? [...grads.entries()] : Object.entries(grads);
  return raw.filter((e): e is [tf.Variable | string, tf.Tensor] => e[1] !== null && e[1] !== undefined);
}

/**
 * Apply `fn` to every gradient, keeping the map's kind and keys (`null` entries are dropped).
 * The returned tensors are whatever `fn` returns; the inputs are not disposed.
 */
export function mapGrads<G extends GradMap>(grads: G, fn: (g: tf.Tensor) => tf.Tensor): SameKind<G> {
  if (grads instanceof Map) {
    const out = new Map<tf.Variable, tf.Tensor>();
    for (const [v, g] of gradEntries(grads)) out.set(v as tf.Variable, fn(g));
    return out as SameKind<G>;
  }
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of gradEntries(grads)) out[name as string] = fn(g);
  return out as SameKind<G>;
}
