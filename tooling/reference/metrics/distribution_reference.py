#!/usr/bin/python3
"""Reference values for the Fréchet distance, feature statistics and KID in @patchwork/metrics.

Run with Debian's python3 (numpy 1.24, scipy 1.10, torch 1.13):
    /usr/bin/python3 tooling/reference/metrics/distribution_reference.py

Writes, next to this script:
  distribution-inputs.safetensors  float32 feature sets (`<case>.real`, `<case>.fake`) and the KID
                                   subset indices (`kid.real_idx`, `kid.fake_idx`, int32 [subsets, m]);
  distribution.json                per case: means/covariance checks, the Fréchet distance three ways,
                                   and KID per subset, mean and std.

Fréchet distance, computed in float64 from the float32 inputs:
  * `fd_pytorch_fid`: pytorch-fid's `calculate_frechet_distance` logic (np.cov with N − 1,
    scipy.linalg.sqrtm(sigma1 @ sigma2, disp=False), the eps = 1e-6 retry when the root is not
    finite, the 1e-3 imaginary-part check, real part of the trace);
  * `fd_exact`: the same formula with tr((S1^½ S2 S1^½)^½) written as the nuclear norm of
    A2 @ A1.T, where S = A.T @ A and A = (X − mean) / sqrt(N − 1); this needs no matrix square root
    at all, so it is exact to rounding also when N < dim (rank-deficient covariances);
  * `fd_eigh`: S1^½ from numpy.linalg.eigh, then the eigenvalues of S1^½ S2 S1^½.

KID follows torchmetrics' `KernelInceptionDistance` / clean-fid's `kernel_distance`: polynomial
kernel k(x, y) = (x·y / d + 1)^3, per subset the unbiased MMD²
  (Σ_{i≠j} k(x_i, x_j) + Σ_{i≠j} k(y_i, y_j)) / (m(m − 1)) − 2 Σ_{i,j} k(x_i, y_j) / m²,
then the mean and the population std (torch.std(unbiased=False)) over subsets. The subsets are
drawn here with numpy (default_rng(7), choice without replacement) and stored, so the
TypeScript test evaluates exactly the same subsets. Evaluated with numpy and with torch float64.
"""
import numpy as np
import scipy
import scipy.linalg
import torch

from common import write_json, write_safetensors


def make_features(rng, n, dim, rank, shift, scale):
    """Correlated features: n samples of (z @ mix + shift), z ~ N(0, I_rank); stored as float32."""
    mix = rng.normal(0, 1, (rank, dim)) * scale / np.sqrt(rank)
    x = rng.normal(0, 1, (n, rank)) @ mix + shift
    return x.astype(np.float32)


def fd_pytorch_fid(mu1, s1, mu2, s2, eps=1e-6):
    diff = mu1 - mu2
    covmean, _ = scipy.linalg.sqrtm(s1.dot(s2), disp=False)
    retried = False
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((s1 + offset).dot(s2 + offset))
        retried = True
    imag = 0.0
    if np.iscomplexobj(covmean):
        imag = float(np.max(np.abs(np.diagonal(covmean).imag)))
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):
            raise ValueError(f"imaginary component {imag}")
        covmean = covmean.real
    value = diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)
    return float(value), retried, imag


def centred_root(x):
    x = x.astype(np.float64)
    return (x - x.mean(0)) / np.sqrt(x.shape[0] - 1)


def fd_exact(x1, x2):
    a1, a2 = centred_root(x1), centred_root(x2)
    diff = x1.astype(np.float64).mean(0) - x2.astype(np.float64).mean(0)
    nuclear = np.linalg.svd(a2 @ a1.T, compute_uv=False).sum()
    return float(diff.dot(diff) + (a1 * a1).sum() + (a2 * a2).sum() - 2 * nuclear)


def fd_eigh(mu1, s1, mu2, s2):
    w, v = np.linalg.eigh(s1)
    root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    mu = np.linalg.eigvalsh(root @ s2 @ root)
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(mu, 0, None)).sum())


def mmd_numpy(x, y):
    d = x.shape[1]
    m = x.shape[0]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    return ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.sum() / m**2


def mmd_torch(x, y):
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    d, m = x.shape[1], x.shape[0]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    value = (kxx.sum(-1) - kxx.diag()).sum() / (m * (m - 1)) + (kyy.sum(-1) - kyy.diag()).sum() / (m * (m - 1))
    return float(value - 2 * kxy.sum() / m**2)


def main():
    rng = np.random.default_rng(2024)
    cases = {
        # full-rank covariances, non-trivial dim
        "full64": (make_features(rng, 300, 64, 64, 0.5, 1.0), make_features(rng, 260, 64, 64, 0.7, 1.2)),
        # both sides rank-deficient (N < dim)
        "lowrank64": (make_features(rng, 40, 64, 64, 0.5, 1.0), make_features(rng, 30, 64, 64, 0.6, 0.8)),
        # one full-rank side, one rank-deficient side
        "mixed64": (make_features(rng, 200, 64, 64, 0.2, 1.0), make_features(rng, 20, 64, 64, 0.3, 1.1)),
        # low-rank data (rank 5 in 16 dims) with a large common mean: exactly singular covariances
        "singular16": (make_features(rng, 100, 16, 5, 30.0, 1.0), make_features(rng, 90, 16, 5, 30.5, 1.0)),
    }
    arrays, results = {}, {}
    for name, (real, fake) in cases.items():
        arrays[f"{name}.real"], arrays[f"{name}.fake"] = real, fake
        r64, f64 = real.astype(np.float64), fake.astype(np.float64)
        mu1, mu2 = r64.mean(0), f64.mean(0)
        s1, s2 = np.cov(r64, rowvar=False), np.cov(f64, rowvar=False)
        pf, retried, imag = fd_pytorch_fid(mu1, s1, mu2, s2)
        exact = fd_exact(real, fake)
        results[name] = {
            "dim": int(real.shape[1]),
            "counts": [int(real.shape[0]), int(fake.shape[0])],
            "fd_exact": exact,
            "fd_pytorch_fid": pf,
            "fd_pytorch_fid_eps_retry": retried,
            "fd_pytorch_fid_max_imag": imag,
            "fd_eigh": fd_eigh(mu1, s1, mu2, s2),
            "trace_cov_real": float(np.trace(s1)),
            "cov_real_sum": float(s1.sum()),
            "cov_real_00": float(s1[0, 0]),
            "cov_real_01": float(s1[0, 1]),
            "mean_real_sum": float(mu1.sum()),
            "rank_cov_real": int(np.linalg.matrix_rank(s1)),
            "rank_cov_fake": int(np.linalg.matrix_rank(s2)),
        }
        print(f"{name}: exact {exact:.12g}  pytorch-fid {pf:.12g} (retry {retried}, imag {imag:.2g})  "
              f"eigh {results[name]['fd_eigh']:.12g}  |pf - exact| {abs(pf - exact):.3g}")

    # KID on full64 with 10 subsets of 50.
    real, fake = cases["full64"]
    subsets, m = 10, 50
    krng = np.random.default_rng(7)
    real_idx = np.stack([krng.choice(real.shape[0], m, replace=False) for _ in range(subsets)]).astype(np.int32)
    fake_idx = np.stack([krng.choice(fake.shape[0], m, replace=False) for _ in range(subsets)]).astype(np.int32)
    arrays["kid.real_idx"], arrays["kid.fake_idx"] = real_idx, fake_idx
    r64, f64 = real.astype(np.float64), fake.astype(np.float64)
    per_np = [mmd_numpy(r64[ri], f64[fi]) for ri, fi in zip(real_idx, fake_idx)]
    per_torch = [mmd_torch(r64[ri], f64[fi]) for ri, fi in zip(real_idx, fake_idx)]
    per_t = torch.tensor(per_torch, dtype=torch.float64)
    results["kid"] = {
        "case": "full64",
        "subsets": subsets,
        "subset_size": m,
        "per_subset": [float(v) for v in per_np],
        "mean": float(np.mean(per_np)),
        "std": float(np.std(per_np)),
        "torch_mean": float(per_t.mean()),
        "torch_std_unbiased_false": float(per_t.std(unbiased=False)),
        "max_abs_numpy_vs_torch": float(np.max(np.abs(np.array(per_np) - np.array(per_torch)))),
    }
    print("kid:", results["kid"]["mean"], results["kid"]["std"], "numpy vs torch", results["kid"]["max_abs_numpy_vs_torch"])
    results["versions"] = {"numpy": np.__version__, "scipy": scipy.__version__, "torch": torch.__version__}
    write_safetensors("distribution-inputs.safetensors", arrays, {"script": "distribution_reference.py"})
    write_json("distribution.json", results)


if __name__ == "__main__":
    main()
