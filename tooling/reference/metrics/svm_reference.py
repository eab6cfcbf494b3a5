#!/usr/bin/python3
"""Reference values for the linear SVM and P-IDS / U-IDS in @patchwork/metrics.

Run with Debian's python3 and python3-sklearn (scikit-learn 1.2, numpy 1.24):
    /usr/bin/python3 tooling/reference/metrics/svm_reference.py

Writes svm-inputs.safetensors (float32 `<case>.real` / `<case>.fake`, row i of fake paired with row i
of real) and svm.json. For each case it fits MAT's classifier (metrics/inception_discriminative_score.py):
    svm = sklearn.svm.LinearSVC(dual=False); svm.fit(concat([real, fake]), [1]*n + [0]*n)
    u_ids = 1 - svm.score(inputs, targets)
    p_ids = mean(svm.decision_function(fake) > svm.decision_function(real))
and, to pin the optimum itself more tightly than LinearSVC's default tol=1e-4 allows, the same model
with the dual solver run to tol=1e-10. Both minimise ½(‖w‖² + b²) + C Σ max(0, 1 − y(w·x + b))²
(squared hinge, C = 1, intercept_scaling = 1), whose value is recorded as `objective`.
"""
import warnings

import numpy as np
import sklearn
from sklearn.svm import LinearSVC

from common import write_json, write_safetensors


def objective(w, b, x, y, c=1.0):
    margins = np.maximum(0, 1 - y * (x @ w + b))
    return float(0.5 * (w @ w + b * b) + c * (margins**2).sum())


def fit(model, x, t):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, t)
    return model.coef_[0].astype(np.float64), float(model.intercept_[0])


def main():
    rng = np.random.default_rng(11)
    cases = {}
    # Two well-separated blobs: U-IDS 0, P-IDS 0.
    real = rng.normal(0, 1, (60, 8)) + 4.0
    cases["separable"] = (real, rng.normal(0, 1, (60, 8)) - 4.0)
    # Overlapping blobs, fake paired with real through a shared component.
    real = rng.normal(0, 1, (150, 16))
    cases["overlap"] = (real, 0.6 * real + 0.8 * rng.normal(0, 1, (150, 16)) + 0.35)
    # Inception-like non-negative features: fake = real + small paired perturbation + bias in a few dims.
    base = np.abs(rng.normal(0, 1, (200, 32))) * rng.uniform(0.2, 1.5, 32)
    fake = np.abs(base + 0.3 * rng.normal(0, 1, base.shape)) + np.where(np.arange(32) < 4, 0.15, 0.0)
    cases["inception_like"] = (base, fake)

    arrays, results = {}, {}
    for name, (real, fake) in cases.items():
        real, fake = real.astype(np.float32), fake.astype(np.float32)
        arrays[f"{name}.real"], arrays[f"{name}.fake"] = real, fake
        x = np.concatenate([real, fake]).astype(np.float64)
        t = np.array([1] * len(real) + [0] * len(fake))
        y = np.where(t == 1, 1.0, -1.0)
        mat = LinearSVC(dual=False)
        w, b = fit(mat, x, t)
        tight = LinearSVC(dual=True, tol=1e-10, max_iter=1_000_000)
        wt, bt = fit(tight, x, t)
        real_out, fake_out = mat.decision_function(real), mat.decision_function(fake)
        outs = np.concatenate([real_out, fake_out])
        results[name] = {
            "n": len(real),
            "dim": int(real.shape[1]),
            "mat_weights": w.tolist(),
            "mat_bias": b,
            "mat_objective": objective(w, b, x, y),
            "tight_weights": wt.tolist(),
            "tight_bias": bt,
            "tight_objective": objective(wt, bt, x, y),
            "u_ids": float(1 - mat.score(x, t)),
            "p_ids": float(np.mean(fake_out > real_out)),
            "decision_real_first5": real_out[:5].tolist(),
            "decision_fake_first5": fake_out[:5].tolist(),
            # How close any decision value or pair difference comes to a tie (a flip there would change the scores).
            "min_abs_decision": float(np.min(np.abs(outs))),
            "min_abs_pair_difference": float(np.min(np.abs(fake_out - real_out))),
        }
        print(f"{name}: u_ids {results[name]['u_ids']:.6f} p_ids {results[name]['p_ids']:.6f} "
              f"obj mat {results[name]['mat_objective']:.10g} tight {results[name]['tight_objective']:.10g} "
              f"|w - w_tight| {np.max(np.abs(w - wt)):.2g} min|dec| {results[name]['min_abs_decision']:.3g} "
              f"min|pair| {results[name]['min_abs_pair_difference']:.3g}")
    results["versions"] = {"numpy": np.__version__, "sklearn": sklearn.__version__}
    write_safetensors("svm-inputs.safetensors", arrays, {"script": "svm_reference.py"})
    write_json("svm.json", results)


if __name__ == "__main__":
    main()
