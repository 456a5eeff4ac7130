#!/usr/bin/python3
# -*- coding: utf-8 -*-
"""Independent PyTorch reference for mergekit's per-tensor merge math.

Kumiki's Java merge code is tested against this script, and it serves as a
benchmark baseline.  It is a clean re-implementation (not a copy) of what
mergekit (arcee-ai/mergekit, 0.1.x, mid-2025 to 2026 sources) computes for
one tensor, for the 14 methods

    linear, slerp, nuslerp, task_arithmetic, ties, dare_ties, dare_linear,
    breadcrumbs, breadcrumbs_ties, della, della_linear, model_stock, sce,
    passthrough

Each merge function names the mergekit file/function it follows.  The method
reference for humans is docs/merge-methods.md in the Kumiki repository.

Requirements: Debian's python3 with python3-torch (1.13) and python3-numpy.
No `safetensors` package: the file format is read and written here.

Usage:
    python3 mergekit_reference.py SPEC.json
    python3 mergekit_reference.py --self-test

SPEC.json (paths relative to the folder of the spec file):
    {
      "method": "ties",
      "base": "base.safetensors",              # or null / absent
      "models": [{"path": "m1.safetensors", "params": {"weight": 0.5, "density": 0.7}}],
      "params": {"normalize": true, "lambda": 1.0},
      "masks": "masks.safetensors",            # optional, random methods only
      "seed": 42,                              # optional, default 0
      "out": "out.safetensors"
    }

"models" are the non-base inputs, in order (the order matters for nuslerp and
for the float summation order).  Per-model parameters missing from a model's
"params" fall back to the top-level "params" (as mergekit's ConfigReader does
for a global `parameters:` entry), then to mergekit's default.

All inputs are converted to float32 when read, and all arithmetic is float32
on the CPU: this equals mergekit run with `dtype: float32`.  Every merged
tensor is written as F32 under its input name.

Exit codes: 0 success, 2 bad spec / bad input (one line on stderr), 1 internal
error.
"""

import json
import math
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

PROG = "mergekit_reference"


class SpecError(Exception):
    """A problem with the spec or its input files (one line, exit code 2)."""


# ---------------------------------------------------------------------------
# safetensors I/O (format: u64 little-endian header length, JSON header,
# raw little-endian tensor bytes addressed by data_offsets relative to the
# end of the header)
# ---------------------------------------------------------------------------

_ITEM_SIZE = {
    "F64": 8, "F32": 4, "F16": 2, "BF16": 2,
    "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
}
_NUMPY_DTYPE = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "u1",
}


def read_safetensors(path):
    """Reads every tensor of a .safetensors file as a float32 torch tensor.

    Returns (tensors, dtypes): dicts keyed by tensor name.  BF16 is widened by
    placing its 16 bits in the high half of a float32 (exact); F16 is widened
    by numpy (exact).
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise SpecError(f"cannot read {path}: {e.strerror}")
    if len(data) < 8:
        raise SpecError(f"{path}: not a safetensors file (shorter than 8 bytes)")
    (header_len,) = struct.unpack("<Q", data[:8])
    if 8 + header_len > len(data):
        raise SpecError(f"{path}: header length {header_len} exceeds the file size")
    try:
        header = json.loads(data[8:8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise SpecError(f"{path}: header is not valid JSON: {e}")
    if not isinstance(header, dict):
        raise SpecError(f"{path}: header is not a JSON object")
    body = memoryview(data)[8 + header_len:]
    tensors, dtypes = {}, {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype = info["dtype"]
            shape = [int(d) for d in info["shape"]]
            begin, end = (int(o) for o in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise SpecError(f"{path}: tensor '{name}': malformed header entry")
        if dtype not in _ITEM_SIZE:
            raise SpecError(f"{path}: tensor '{name}': unsupported dtype {dtype}")
        count = math.prod(shape)
        if end - begin != count * _ITEM_SIZE[dtype] or begin < 0 or end > len(body):
            raise SpecError(f"{path}: tensor '{name}': data_offsets do not match "
                            f"dtype {dtype} and shape {shape}")
        raw = body[begin:end]
        if count == 0:
            arr = np.zeros(shape, dtype=np.float32)
        elif dtype == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << np.uint32(16)
            arr = bits.view(np.float32).reshape(shape)
        else:
            arr = np.frombuffer(raw, dtype=_NUMPY_DTYPE[dtype]).astype(np.float32).reshape(shape)
        tensors[name] = torch.from_numpy(np.ascontiguousarray(arr))
        dtypes[name] = dtype
    return tensors, dtypes


def write_safetensors(path, tensors, dtypes=None):
    """Writes {name: tensor} to a .safetensors file, F32 unless `dtypes` says
    F16 or BF16 (those two are only used by the self-test)."""
    dtypes = dtypes or {}
    header = {"__metadata__": {"format": "pt"}}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        dtype = dtypes.get(name, "F32")
        if dtype == "F32":
            raw = t.numpy().astype("<f4").tobytes()
        elif dtype == "F16":
            raw = t.numpy().astype("<f2").tobytes()
        elif dtype == "BF16":
            raw = t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raise ValueError(f"cannot write dtype {dtype}")
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)  # keep the data 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for c in chunks:
            f.write(c)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------
# Sparsification -- follows mergekit/sparsify.py
# ---------------------------------------------------------------------------

# eps of sparsify.py rescaled_masked_tensor()
RESCALE_EPS = 1e-7


def masked_and_rescaled(tensor, keep, rescale_l1):
    """sparsify.py rescaled_masked_tensor() with norm None or RescaleNorm.l1.

    masked = tensor * keep; with rescaling, multiply by
    ||tensor||_1 / ||masked||_1 unless either norm is below 1e-7.
    """
    masked = tensor * keep
    if not rescale_l1:
        return masked
    before = tensor.abs().sum()
    after = masked.abs().sum()
    if before < RESCALE_EPS or after < RESCALE_EPS:
        return masked
    return masked * (before / after)


def sparsify_magnitude(delta, density, rescale_l1, where):
    """sparsify.py magnitude(): keep the int(density*numel) largest |delta|."""
    if density >= 1:
        return delta
    k = int(density * delta.numel())
    if k <= 0:
        # mergekit: assert k > 0, "not gonna zero out the whole tensor buddy"
        raise SpecError(f"{where}: density {density} keeps no element of "
                        f"{delta.numel()} (mergekit fails its 'k > 0' assertion)")
    keep = torch.zeros_like(delta)
    order = torch.argsort(delta.abs().reshape(-1).float(), descending=True)
    keep.view(-1)[order[:k]] = 1
    return masked_and_rescaled(delta, keep, rescale_l1)


def sparsify_magnitude_outliers(delta, density, gamma, rescale_l1):
    """sparsify.py magnitude_outliers() (Model Breadcrumbs).

    Sort |delta| ascending; drop the n_bot smallest and the n_top largest.
    mergekit selects sorted_indices[n_bot:-n_top]; with n_top == 0 that slice
    is EMPTY (Python's -0 == 0), so the whole delta is dropped.  This happens
    whenever int(gamma*numel) == 0, e.g. numel < 100 with the default gamma.
    The same slice is used here on purpose.
    """
    if density >= 1:
        return delta
    n = delta.numel()
    target = int(density * n)
    n_top = int(gamma * n)
    n_bot = n - target - n_top
    if n_bot < 0:
        n_top += n_bot
        n_bot = 0
    order = torch.sort(delta.abs().reshape(-1).float(), descending=False).indices
    keep = torch.zeros_like(delta)
    keep.view(-1)[order[n_bot:-n_top]] = 1
    return masked_and_rescaled(delta, keep, rescale_l1)


def sparsify_bernoulli(delta, density, rescale_l1, draw_keep):
    """sparsify.py bernoulli() (DARE): keep each element with probability
    `density`, then (by default) rescale to the delta's L1 norm."""
    if density >= 1:
        return delta
    probs = torch.full_like(delta, density, dtype=torch.float32)
    keep = draw_keep(probs)
    return masked_and_rescaled(delta, keep, rescale_l1)


def sparsify_della_magprune(delta, density, epsilon, rescale_l1, draw_keep, where):
    """sparsify.py della_magprune() (DELLA MagPrune).

    Per row (dim 1 of the tensor seen as >= 2-D; a 1-D tensor is one row),
    rank |delta| ascending (rank 1 = smallest), map ranks linearly onto
    [density-epsilon, density+epsilon] and keep each element with that
    probability.  The L1 rescale is over the whole tensor, not per row.
    """
    if density >= 1:
        return delta
    if density <= 0:
        return torch.zeros_like(delta)
    if density + epsilon >= 1 or density - epsilon <= 0:
        raise SpecError(f"{where}: della needs density +/- epsilon inside (0, 1), got "
                        f"density {density}, epsilon {epsilon} (mergekit raises ValueError)")
    shape = delta.shape
    t = delta.unsqueeze(0) if delta.dim() < 2 else delta
    ranks = torch.argsort(torch.argsort(t.abs(), dim=1, descending=False), dim=1)
    ranks = ranks.to(torch.float32) + 1
    lowest = ranks.min(dim=1, keepdim=True).values
    highest = ranks.max(dim=1, keepdim=True).values
    rank_norm = ((ranks - lowest) / (highest - lowest)).clamp(0, 1)
    probs = (density - epsilon) + rank_norm * 2 * epsilon
    keep = draw_keep(probs).reshape(t.shape).to(torch.float32)
    return masked_and_rescaled(t, keep, rescale_l1).reshape(shape)


# ---------------------------------------------------------------------------
# Sign consensus -- generalized_task_arithmetic.py get_mask()
# ---------------------------------------------------------------------------

def sign_consensus_mask(weighted, method, mask_dtype):
    """Boolean mask over the stacked (already weighted) deltas: True where the
    element's sign equals the per-position majority sign.

    "sum":   majority = sign of the sum of the weighted deltas (0 counts as +).
    "count": majority = sign of the sum of their signs (0 counts as +).
    Zero elements have sign 0 and never match.  The mask dtype (int8 or the
    tensor dtype, mergekit's int8_mask) does not change the result.
    """
    sign = weighted.sign().to(mask_dtype)
    if method == "sum":
        majority = (weighted.sum(dim=0) >= 0).to(mask_dtype) * 2 - 1
    elif method == "count":
        majority = (sign.sum(dim=0) >= 0).to(mask_dtype) * 2 - 1
    else:
        raise ValueError(method)
    return sign == majority


# ---------------------------------------------------------------------------
# Merge methods.  Each merge function gets
#   name   : tensor name (for messages)
#   base   : float32 tensor or None
#   xs     : list of float32 tensors of the non-base models, spec order
#   g      : resolved method-wide parameters
#   mp     : list of resolved per-model parameter dicts
#   ctx    : MergeContext (masks / RNG)
# ---------------------------------------------------------------------------

def _weights_column(values, like):
    """torch.tensor(weights, dtype) unsqueezed to broadcast over a stack."""
    w = torch.tensor([float(v) for v in values], dtype=like.dtype)
    return w.reshape((len(values),) + (1,) * (like.dim() - 1))


def merge_linear(name, base, xs, g, mp, ctx):
    """linear.py LinearMergeTask.execute():
    sum_i w_i x_i, divided by sum_i w_i when normalize (no zero guard)."""
    stacked = torch.stack(xs, dim=0)
    w = _weights_column([p["weight"] for p in mp], stacked)
    res = (w * stacked).sum(dim=0)
    if g["normalize"]:
        res = res / w.sum(dim=0)
    return res


# name -> (consensus, sparsification, default normalize, default rescale);
# merge_methods/registry.py STATIC_MERGE_METHODS
GTA_METHODS = {
    "task_arithmetic": (None, None, False, False),
    "ties": ("sum", "magnitude", True, False),
    "dare_ties": ("sum", "random", False, True),
    "dare_linear": (None, "random", False, True),
    "breadcrumbs": (None, "magnitude_outliers", False, False),
    "breadcrumbs_ties": ("sum", "magnitude_outliers", False, False),
    "della": ("sum", "della_magprune", True, True),
    "della_linear": (None, "della_magprune", False, True),
}


def make_gta_merge(method):
    consensus, sparsification, _, _ = GTA_METHODS[method]

    def merge_gta(name, base, xs, g, mp, ctx):
        """generalized_task_arithmetic.py GTATask.execute() /
        GeneralizedTaskArithmeticMerge.merge_group()."""
        if not xs:
            return base
        rescale = bool(g["rescale"])
        deltas = []
        for i, (x, p) in enumerate(zip(xs, mp)):
            delta = x - base
            where = f"tensor '{name}', model {i}"
            if sparsification == "magnitude":
                delta = sparsify_magnitude(delta, p["density"], rescale, where)
            elif sparsification == "magnitude_outliers":
                delta = sparsify_magnitude_outliers(delta, p["density"], p["gamma"], rescale)
            elif sparsification == "random":
                delta = sparsify_bernoulli(delta, p["density"], rescale,
                                           ctx.keep_drawer(i, name, delta.shape))
            elif sparsification == "della_magprune":
                delta = sparsify_della_magprune(delta, p["density"], p["epsilon"], rescale,
                                                ctx.keep_drawer(i, name, delta.shape), where)
            deltas.append(delta)
        stacked = torch.stack(deltas, dim=0)
        w = _weights_column([p["weight"] for p in mp], stacked)
        weighted = stacked * w
        if consensus:
            mask_dtype = torch.int8 if g["int8_mask"] else base.dtype
            mask = sign_consensus_mask(weighted, consensus, mask_dtype)
            mixed = (weighted * mask).sum(dim=0)
            divisor = (w * mask).sum(dim=0)
            divisor[divisor == 0] = 1
        else:
            mixed = weighted.sum(dim=0)
            divisor = w.sum(dim=0)
            divisor[divisor.abs() < 1e-8] = 1
        if g["normalize"]:
            mixed = mixed / divisor
        if g["lambda"] != 1:
            mixed = mixed * g["lambda"]
        return base + mixed

    return merge_gta


def slerp_numpy(t, v0_t, v1_t, dot_threshold=0.9995, eps=1e-8):
    """slerp.py slerp() -- done in numpy float32 like mergekit.

    mergekit runs this on numpy float32 arrays; its scalar intermediates
    follow numpy's promotion rules.  Modern mergekit installs numpy 2 (NEP 50:
    a Python float meeting a float32 scalar stays float32), so every scalar
    here is kept float32 explicitly, which gives numpy-2 results on numpy 1.x
    too.  (Under numpy 1.x mergekit itself computes theta_t, s0, s1 in float64;
    the results differ by about one float32 ulp.)
    """
    f32 = np.float32
    v0 = v0_t.detach().to(torch.float32).numpy()
    v1 = v1_t.detach().to(torch.float32).numpy()

    def direction(v):
        n = np.linalg.norm(v)  # Frobenius norm of the whole tensor, float32
        return v / n if n > eps else v

    dot = np.sum(direction(v0) * direction(v1))
    if np.abs(dot) > dot_threshold:
        # (nearly) colinear: plain lerp; numpy casts the Python scalars to float32
        res = (1 - t) * v0 + t * v1
    else:
        theta_0 = np.arccos(dot)
        sin_theta_0 = np.sin(theta_0)
        theta_t = f32(theta_0 * f32(t))
        s0 = f32(np.sin(f32(theta_0 - theta_t)) / sin_theta_0)
        s1 = f32(np.sin(theta_t) / sin_theta_0)
        res = s0 * v0 + s1 * v1
    return torch.from_numpy(np.ascontiguousarray(res, dtype=np.float32))


def merge_slerp(name, base, xs, g, mp, ctx):
    """slerp.py SlerpTask.execute(): base is v0 (t=0), the other model v1."""
    if not xs:
        return base
    return slerp_numpy(g["t"], base, xs[0])


def nuslerp_torch(t, v0, v1, row_wise, flatten, eps=1e-8):
    """nuslerp.py nuslerp(): torch float32 slerp over the last dim.

    flatten: the whole tensor is one vector (row_wise is then ignored).
    row_wise (and not flatten): dim 0 is swapped to the end first, so for a
    2-D weight the vectors are its columns.  Otherwise: its rows.
    Unit vectors use norm.clamp(min=1e-7); vectors whose |sin(theta)| < 1e-8
    are lerped instead.  A zero vector is NOT colinear (cos=0, theta=pi/2).
    """
    shape = v0.shape
    swap = (not flatten) and row_wise
    if flatten:
        a, b = v0.reshape(-1), v1.reshape(-1)
    elif swap:
        a, b = v0.transpose(0, -1), v1.transpose(0, -1)
    else:
        a, b = v0, v1

    def unit(x):
        return x / torch.norm(x, dim=-1, keepdim=True).clamp(min=1e-7)

    cos_theta = torch.sum(unit(a) * unit(b), dim=-1, keepdim=True)
    theta = torch.acos(cos_theta.clamp(-1, 1))
    sin_theta = torch.sin(theta)
    res = (torch.sin((1 - t) * theta) * a + torch.sin(t * theta) * b) / sin_theta
    lerped = (1 - t) * a + t * b
    # mergekit assigns res[colinear] = lerp for the colinear vectors
    res = torch.where(sin_theta.abs() < eps, lerped, res)
    if swap:
        res = res.transpose(0, -1)
    return res.reshape(shape)


def merge_nuslerp(name, base, xs, g, mp, ctx):
    """nuslerp.py NuSlerpTask.execute(): t = w1 / (w0 + w1) (0.5 when
    |w0 + w1| < 1e-6); with a base model the slerp is over the task vectors
    and the base is added back."""
    weights = [float(p["weight"]) for p in mp]
    total = sum(weights)
    t = 0.5 if abs(total) < 1e-6 else weights[1] / total
    row_wise, flatten = bool(g["nuslerp_row_wise"]), bool(g["nuslerp_flatten"])
    if base is not None:
        return base + nuslerp_torch(t, xs[0] - base, xs[1] - base, row_wise, flatten)
    return nuslerp_torch(t, xs[0], xs[1], row_wise, flatten)


def merge_model_stock(name, base, xs, g, mp, ctx):
    """model_stock.py ModelStockMergeTask.execute()."""
    if not xs:
        return base
    shape = base.shape
    if g["filter_wise"]:
        # per row (reductions over the last dim); 1-D tensors are one row
        w0 = base.unsqueeze(0) if base.dim() == 1 else base
        ws = [x.unsqueeze(0) if x.dim() == 1 else x for x in xs]
    else:
        w0 = base.reshape(-1)
        ws = [x.reshape(-1) for x in xs]
    offsets = [w - w0 for w in ws]
    cosines = []
    for i in range(len(offsets)):
        for j in range(i + 1, len(offsets)):
            norm_product = torch.norm(offsets[i], dim=-1) * torch.norm(offsets[j], dim=-1)
            cos = (offsets[i] * offsets[j]).sum(dim=-1) / norm_product.clamp(min=1e-6)
            cosines.append(cos.clamp(-1, 1))
    cos_theta = torch.stack(cosines).mean(dim=0).unsqueeze(-1)
    n = len(ws)
    t = (n * cos_theta) / (1 + (n - 1) * cos_theta)
    w_avg = ws[0]
    for w in ws[1:]:
        w_avg = w_avg + w
    w_avg = w_avg / n
    return (t * w_avg + (1 - t) * w0).reshape(shape)


def sce_selection_mask(tvs, density, mask_dtype):
    """sce.py sce_mask(): keep the positions with the largest variance
    (population variance across models); k = int(count_nonzero(var) * density)
    computed in float32 by torch.  Returns a mask of one model's shape.
    (mergekit 0.1.x returns a mask with an extra leading dim for density <= 0
    or k == 0, which then mis-broadcasts; the intended all-zero mask is used
    here, as in mergekit's 2026 code.)"""
    if density <= 0:
        return torch.zeros_like(tvs[0], dtype=mask_dtype)
    if density >= 1:
        return torch.ones_like(tvs[0], dtype=mask_dtype)
    var = torch.var(tvs, dim=0, unbiased=False)
    nonzero = torch.count_nonzero(var)
    k = int(nonzero * density)
    if k == 0:
        return torch.zeros_like(var, dtype=mask_dtype)
    top = torch.topk(var.abs().reshape(-1), k=k, largest=True).indices
    mask = torch.zeros_like(var, dtype=mask_dtype)
    mask.view(-1)[top] = 1
    return mask


def sce_coefficients(tvs):
    """sce.py sce_weight(): mean square of each task vector, normalised to
    sum 1; uniform 1/N when the float sum is below 1e-6 in absolute value."""
    energy = torch.mean(tvs ** 2, dim=list(range(1, tvs.dim())))
    total = torch.sum(energy).item()
    if abs(total) < 1e-6:
        return torch.ones_like(energy) / energy.shape[0]
    return energy / total


def merge_sce(name, base, xs, g, mp, ctx):
    """sce.py sce_merge(): Select (variance top-k), Calculate (energy
    weights), Erase (sign consensus "sum" on the unweighted task vectors)."""
    if not xs:
        return base
    mask_dtype = torch.int8 if g["int8_mask"] else base.dtype
    tvs = torch.stack([x - base for x in xs], dim=0)
    if g["select_topk"] < 1:
        tvs = tvs * sce_selection_mask(tvs, g["select_topk"], mask_dtype).unsqueeze(0)
    erase = sign_consensus_mask(tvs, "sum", mask_dtype)
    coeff = sce_coefficients(tvs)
    coeff = coeff.reshape((coeff.shape[0],) + (1,) * (tvs.dim() - 1))
    erased = coeff * erase
    merged = (tvs * erased).sum(dim=0)
    return base + merged / torch.sum(erased, dim=0).clamp(min=1e-6)


def merge_passthrough(name, base, xs, g, mp, ctx):
    """passthrough.py PassthroughMergeTask.execute(): the single input,
    multiplied by `scale` when one is given."""
    scale = mp[0]["scale"]
    return xs[0] * scale if scale is not None else xs[0]


# ---------------------------------------------------------------------------
# Method table: base policy, parameters (mergekit names and defaults), model
# count and merge function.
# ---------------------------------------------------------------------------

REQUIRED = object()
BOOL_PARAMS = {"normalize", "int8_mask", "rescale", "filter_wise",
               "nuslerp_flatten", "nuslerp_row_wise"}
NULLABLE_PARAMS = {"scale"}


class MethodDef:
    def __init__(self, name, base, global_params, model_params, merge,
                 min_models, max_models, random=False):
        self.name = name
        self.base = base                      # "required" | "optional" | "none"
        self.global_params = global_params    # name -> default or REQUIRED
        self.model_params = model_params      # name -> default or REQUIRED
        self.merge = merge
        self.min_models = min_models          # non-base models
        self.max_models = max_models          # None = unbounded
        self.random = random


def _build_methods():
    m = {
        "linear": MethodDef("linear", "none", {"normalize": True},
                            {"weight": REQUIRED}, merge_linear, 1, None),
        "slerp": MethodDef("slerp", "required", {"t": REQUIRED}, {},
                           merge_slerp, 0, 1),
        "nuslerp": MethodDef("nuslerp", "optional",
                             {"nuslerp_row_wise": False, "nuslerp_flatten": True},
                             {"weight": REQUIRED}, merge_nuslerp, 2, 2),
        "model_stock": MethodDef("model_stock", "required", {"filter_wise": False}, {},
                                 merge_model_stock, 0, None),
        "sce": MethodDef("sce", "required", {"int8_mask": False, "select_topk": 1.0}, {},
                         merge_sce, 0, None),
        "passthrough": MethodDef("passthrough", "none", {}, {"scale": None},
                                 merge_passthrough, 1, 1),
    }
    for name, (consensus, sparsification, normalize, rescale) in GTA_METHODS.items():
        model_params = {"weight": REQUIRED, "density": 1.0}
        if sparsification == "magnitude_outliers":
            model_params["gamma"] = 0.01
        if sparsification == "della_magprune":
            model_params["epsilon"] = 0.15
        m[name] = MethodDef(
            name, "required",
            {"int8_mask": False, "normalize": normalize, "rescale": rescale, "lambda": 1.0},
            model_params, make_gta_merge(name), 0, None,
            random=sparsification in ("random", "della_magprune"))
    return m


METHODS = _build_methods()


# ---------------------------------------------------------------------------
# Spec handling
# ---------------------------------------------------------------------------

def _check_value(pname, value, where):
    if pname in NULLABLE_PARAMS and value is None:
        return None
    if pname in BOOL_PARAMS:
        if isinstance(value, bool) or isinstance(value, (int, float)):
            return bool(value)
        raise SpecError(f"{where}: parameter '{pname}' must be a boolean, got {value!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SpecError(f"{where}: parameter '{pname}' must be a plain number "
                        f"(gradients and filters must be resolved), got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise SpecError(f"{where}: parameter '{pname}' is not finite")
    return value


def resolve_params(mdef, spec_params, models):
    """Method-wide and per-model parameters with mergekit's defaults."""
    g = {}
    for pname, default in mdef.global_params.items():
        if spec_params.get(pname) is not None:
            g[pname] = _check_value(pname, spec_params[pname], "params")
        elif default is REQUIRED:
            raise SpecError(f"method '{mdef.name}' needs parameter '{pname}' in \"params\"")
        else:
            g[pname] = default
    per_model = []
    for i, model in enumerate(models):
        mp = model.get("params") or {}
        if not isinstance(mp, dict):
            raise SpecError(f"models[{i}].params must be an object")
        where = f"models[{i}] ({model.get('path')})"
        d = {}
        for pname, default in mdef.model_params.items():
            if pname in mp and (mp[pname] is not None or pname in NULLABLE_PARAMS):
                d[pname] = _check_value(pname, mp[pname], where)
            elif spec_params.get(pname) is not None:
                # mergekit's ConfigReader: a model parameter not set on the model
                # is looked up in the global `parameters:` too
                d[pname] = _check_value(pname, spec_params[pname], where)
            elif default is REQUIRED:
                raise SpecError(f"{where}: method '{mdef.name}' needs parameter '{pname}'")
            else:
                d[pname] = default
        for pname in mp:
            if pname not in mdef.model_params:
                warn(f"{where}: parameter '{pname}' is not used by '{mdef.name}', ignored")
        per_model.append(d)
    for pname in spec_params:
        if pname not in mdef.global_params and pname not in mdef.model_params:
            warn(f"params: parameter '{pname}' is not used by '{mdef.name}', ignored")
    return g, per_model


def warn(msg):
    print(f"{PROG}: warning: {msg}", file=sys.stderr)


class MergeContext:
    """Source of keep-masks for the random methods: a masks file, or
    torch.bernoulli after torch.manual_seed(seed)."""

    def __init__(self, masks, masks_path):
        self.masks = masks
        self.masks_path = masks_path

    def keep_drawer(self, model_index, tensor_name, shape):
        def draw(probs):
            if self.masks is None:
                return torch.bernoulli(probs)
            key = f"{model_index}:{tensor_name}"
            if key not in self.masks:
                raise SpecError(f"{self.masks_path}: no mask '{key}'")
            mask = self.masks[key]
            if tuple(mask.shape) != tuple(shape):
                raise SpecError(f"{self.masks_path}: mask '{key}' has shape {list(mask.shape)}, "
                                f"tensor has {list(shape)}")
            return (mask != 0).to(torch.float32).reshape(probs.shape)
        return draw


def run_spec(spec_path):
    try:
        with open(spec_path, "r", encoding="utf-8") as f:
            spec = json.load(f)
    except OSError as e:
        raise SpecError(f"cannot read spec {spec_path}: {e.strerror}")
    except ValueError as e:
        raise SpecError(f"spec {spec_path} is not valid JSON: {e}")
    if not isinstance(spec, dict):
        raise SpecError("spec must be a JSON object")
    folder = os.path.dirname(os.path.abspath(spec_path))

    def path_of(p, what):
        if not isinstance(p, str) or not p:
            raise SpecError(f"\"{what}\" must be a file path")
        return p if os.path.isabs(p) else os.path.join(folder, p)

    method = spec.get("method")
    if method not in METHODS:
        raise SpecError(f"unknown method {method!r} (known: {', '.join(sorted(METHODS))})")
    mdef = METHODS[method]

    models = spec.get("models")
    if models is None:
        models = []
    if not isinstance(models, list) or not all(isinstance(m, dict) for m in models):
        raise SpecError("\"models\" must be a list of objects")
    n = len(models)
    if n < mdef.min_models or (mdef.max_models is not None and n > mdef.max_models):
        want = (f"exactly {mdef.min_models}" if mdef.min_models == mdef.max_models else
                f"{mdef.min_models} to {mdef.max_models}" if mdef.max_models is not None else
                f"at least {mdef.min_models}")
        raise SpecError(f"method '{method}' takes {want} non-base model(s), got {n}")
    if method == "model_stock" and n == 1:
        raise SpecError("method 'model_stock' needs the base plus at least two models "
                        "(mergekit raises ValueError), got one")

    base_path = spec.get("base")
    if mdef.base == "required" and base_path is None:
        raise SpecError(f"method '{method}' needs a base model (\"base\")")
    if mdef.base == "none" and base_path is not None:
        raise SpecError(f"method '{method}' takes no base model; list every input in "
                        f"\"models\" (linear: each with its weight)")

    spec_params = spec.get("params") or {}
    if not isinstance(spec_params, dict):
        raise SpecError("\"params\" must be an object")
    g, mp = resolve_params(mdef, spec_params, models)

    out_path = path_of(spec.get("out"), "out")
    seed = spec.get("seed", 0)
    if seed is None:
        seed = 0
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SpecError("\"seed\" must be an integer")

    masks, masks_path = None, spec.get("masks")
    if masks_path is not None:
        masks_path = path_of(masks_path, "masks")
        masks, _ = read_safetensors(masks_path)
        if not mdef.random:
            warn(f"\"masks\" is ignored by '{method}' (not a random method)")

    inputs = []  # (label, tensors)
    if base_path is not None:
        bp = path_of(base_path, "base")
        inputs.append((f"base ({base_path})", read_safetensors(bp)[0]))
    for i, model in enumerate(models):
        mpth = path_of(model.get("path"), f"models[{i}].path")
        inputs.append((f"model {i} ({model.get('path')})", read_safetensors(mpth)[0]))

    names = sorted(set().union(*(t.keys() for _, t in inputs)))
    for name in names:
        shape = None
        for label, tensors in inputs:
            if name not in tensors:
                raise SpecError(f"tensor '{name}' is missing from {label}")
            if shape is None:
                shape, first = tuple(tensors[name].shape), label
            elif tuple(tensors[name].shape) != shape:
                raise SpecError(f"tensor '{name}': shape mismatch: {first} has {list(shape)}, "
                                f"{label} has {list(tensors[name].shape)}")

    torch.manual_seed(seed)
    ctx = MergeContext(masks, masks_path)
    has_base = base_path is not None
    out = {}
    with torch.no_grad():
        for name in names:
            base = inputs[0][1][name] if has_base else None
            xs = [t[name] for _, t in inputs[1:]] if has_base else [t[name] for _, t in inputs]
            res = mdef.merge(name, base, xs, g, mp, ctx)
            out[name] = res.to(torch.float32).contiguous()
    write_safetensors(out_path, out)
    return out


# ---------------------------------------------------------------------------
# Self-test
# ---------------------------------------------------------------------------

def _self_test():
    failures = []

    def check(label, got, want, atol=0.0):
        got = got.to(torch.float32)
        want = torch.as_tensor(want, dtype=torch.float32)
        if got.shape != want.shape or not torch.allclose(got, want, rtol=0, atol=atol):
            failures.append(f"{label}: got {got.tolist()}, want {want.tolist()}")

    def run(method, base, xs, g=None, mp=None, masks=None):
        mdef = METHODS[method]
        models = [{"params": p} for p in (mp or [{} for _ in xs])]
        gp, mpp = resolve_params(mdef, g or {}, models)
        return mdef.merge("t", base, xs, gp, mpp, MergeContext(masks, "masks"))

    base = torch.tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.5]])
    m1 = torch.tensor([[2.0, -1.0, 2.0], [0.5, 1.0, -1.0]])
    m2 = torch.tensor([[0.0, -4.0, 3.5], [1.5, -2.0, -1.5]])

    # linear of identical models is that model
    check("linear identical", run("linear", None, [m1, m1], mp=[{"weight": 0.25}, {"weight": 0.75}]), m1)
    check("linear 2x3", run("linear", None, [m1, m2], mp=[{"weight": 1.0}, {"weight": 3.0}]),
          (m1 + 3 * m2) / 4, atol=1e-6)
    check("linear unnormalized", run("linear", None, [m1, m2], {"normalize": False},
                                     [{"weight": 1.0}, {"weight": 3.0}]), m1 + 3 * m2, atol=1e-6)

    # task arithmetic
    check("task_arithmetic", run("task_arithmetic", base, [m1, m2],
                                 mp=[{"weight": 0.5}, {"weight": 0.25}]),
          base + 0.5 * (m1 - base) + 0.25 * (m2 - base), atol=1e-6)
    check("task_arithmetic lambda", run("task_arithmetic", base, [m1], {"lambda": 2.0},
                                        [{"weight": 0.5}]), base + (m1 - base), atol=1e-6)

    # ties, one model, density 1: normalize=false gives base + w*delta;
    # the default normalize=true divides by w where delta != 0, giving m1
    check("ties one model unnormalized", run("ties", base, [m1], {"normalize": False},
                                             [{"weight": 0.5}]), base + 0.5 * (m1 - base))
    check("ties one model normalized", run("ties", base, [m1], mp=[{"weight": 0.5}]), m1)
    # ties 2x3 by hand (base 0, magnitudes without ties); density 0.5 keeps 3 of 6
    d1 = torch.tensor([[1.0, 4.0, -2.0], [0.0, 3.0, 0.5]])
    d2 = torch.tensor([[-3.0, -1.0, 0.25], [2.0, -5.0, 0.0]])
    # d1 top3: 4, 3, -2 ; d2 top3: -5, -3, 2
    # weighted (w1=1, w2=0.5): d1' = [[0,4,-2],[0,3,0]], d2' = [[-1.5,0,0],[1,-2.5,0]]
    # sum = [[-1.5,4,-2],[1,0.5,0]] -> majority [[-,+,-],[+,+,+]]
    # mixed = [[-1.5,4,-2],[1,3,0]], divisor = [[0.5,1,1],[0.5,1,1(0->1)]]
    check("ties 2x3", run("ties", torch.zeros(2, 3), [d1, d2],
                          mp=[{"weight": 1.0, "density": 0.5}, {"weight": 0.5, "density": 0.5}]),
          [[-3.0, 4.0, -2.0], [2.0, 3.0, 0.0]])

    # dare with all-ones masks equals task arithmetic (L1 rescale factor 1)
    ones = {"0:t": torch.ones(2, 3), "1:t": torch.ones(2, 3)}
    mps = [{"weight": 0.5, "density": 0.3}, {"weight": 0.7, "density": 0.6}]
    ta = run("task_arithmetic", base, [m1, m2], mp=mps)
    check("dare_linear ones", run("dare_linear", base, [m1, m2], mp=mps, masks=ones), ta, atol=1e-6)
    # dare_linear with a half mask: kept elements scaled by L1(delta)/L1(kept)
    half = {"0:t": torch.tensor([[1.0, 0, 1], [0, 1, 0]])}
    d = m1 - base  # [[1,1,-1],[0,1,0.5]] L1 = 4.5, kept [1,-1,1] L1 = 3
    check("dare_linear rescale", run("dare_linear", base, [m1], mp=[{"weight": 1.0, "density": 0.5}],
                                     masks=half), base + d * half["0:t"] * 1.5, atol=1e-6)
    # dare_ties with ones = ties-style consensus without normalisation
    check("dare_ties ones", run("dare_ties", base, [m1], mp=[{"weight": 0.5, "density": 0.5}],
                                masks={"0:t": torch.ones(2, 3)}), base + 0.5 * (m1 - base), atol=1e-6)
    # della with all-ones mask and one model, normalized: base + delta
    check("della ones", run("della", base, [m1], mp=[{"weight": 0.5, "density": 0.5}],
                            masks={"0:t": torch.ones(2, 3)}), m1, atol=1e-6)
    try:
        run("della", base, [m1], mp=[{"weight": 0.5, "density": 0.9}], masks=ones)
        failures.append("della density+epsilon>=1 did not fail")
    except SpecError:
        pass

    # breadcrumbs: 6 elements with gamma 0.01 -> int(0.06) = 0 -> mergekit
    # keeps nothing (slice [n_bot:-0] is empty) -> base
    check("breadcrumbs gamma->0 quirk", run("breadcrumbs", base, [m1],
                                            mp=[{"weight": 1.0, "density": 0.5}]), base)
    # gamma 0.2 -> n_top = 1, target 3, n_bot = 2: drop the 2 smallest and the largest
    dd = torch.tensor([[1.0, -6.0, 3.0], [2.0, -5.0, 4.0]])
    check("breadcrumbs", run("breadcrumbs", torch.zeros(2, 3), [dd],
                             mp=[{"weight": 1.0, "density": 0.5, "gamma": 0.2}]),
          [[0.0, 0.0, 3.0], [0.0, -5.0, 4.0]])
    check("breadcrumbs density 1", run("breadcrumbs", torch.zeros(2, 3), [dd],
                                       mp=[{"weight": 1.0, "density": 1.0, "gamma": 0.2}]), dd)

    # slerp endpoints
    check("slerp t=0", run("slerp", base, [m1], {"t": 0.0}), base)
    check("slerp t=1", run("slerp", base, [m1], {"t": 1.0}), m1)
    check("slerp colinear lerp", run("slerp", base, [2 * base], {"t": 0.25}), 1.25 * base, atol=1e-6)
    # orthogonal unit vectors at t=0.5 -> (e0 + e1)/sqrt(2)
    e0, e1 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    check("slerp orthogonal", run("slerp", e0, [e1], {"t": 0.5}),
          [math.sqrt(0.5), math.sqrt(0.5)], atol=1e-6)

    # nuslerp: weights [1, 0] -> first model, [0, 1] -> second, with and without base
    check("nuslerp w=[1,0]", run("nuslerp", None, [m1, m2], mp=[{"weight": 1.0}, {"weight": 0.0}]),
          m1, atol=1e-6)
    check("nuslerp base w=[0,1]", run("nuslerp", base, [m1, m2], mp=[{"weight": 0.0}, {"weight": 2.0}]),
          m2, atol=1e-6)
    check("nuslerp rows orthogonal", run("nuslerp", None, [torch.tensor([[1.0, 0.0], [0.0, 2.0]]),
                                                         torch.tensor([[0.0, 1.0], [0.0, 4.0]])],
                                         {"nuslerp_flatten": False},
                                         [{"weight": 1.0}, {"weight": 1.0}]),
          [[math.sqrt(0.5), math.sqrt(0.5)], [0.0, 3.0]], atol=1e-6)

    # model_stock: models equal to the base -> base; two symmetric models with
    # orthogonal offsets -> cos 0 -> t 0 -> base
    check("model_stock same", run("model_stock", base, [base.clone(), base.clone()]), base)
    check("model_stock orthogonal", run("model_stock", torch.zeros(2), [e0, e1]), [0.0, 0.0])
    # identical offsets: cos 1 -> t = N/(1+(N-1)) = 1 -> average
    check("model_stock parallel", run("model_stock", base, [m1, m1]), m1, atol=1e-6)

    # sce with one model: coefficient 1, erase keeps nonzero deltas -> m1
    check("sce one model", run("sce", base, [m1]), m1, atol=1e-6)

    # passthrough
    check("passthrough", run("passthrough", None, [m1]), m1)
    check("passthrough scale", run("passthrough", None, [m1], mp=[{"scale": 0.5}]), 0.5 * m1)

    # sign consensus count vs sum
    wd = torch.tensor([[3.0], [-1.0], [-1.0]])
    check("consensus sum", sign_consensus_mask(wd, "sum", torch.float32).float(), [[1.0], [0.0], [0.0]])
    check("consensus count", sign_consensus_mask(wd, "count", torch.int8).float(), [[0.0], [1.0], [1.0]])

    # end to end through files: F16/BF16 reading, spec, bad specs -> exit 2
    with tempfile.TemporaryDirectory() as tmp:
        write_safetensors(os.path.join(tmp, "b.safetensors"), {"w": base, "v": base[0]},
                          {"w": "BF16", "v": "F16"})
        write_safetensors(os.path.join(tmp, "m.safetensors"), {"w": m1, "v": m1[0]})
        got, dts = read_safetensors(os.path.join(tmp, "b.safetensors"))
        check("bf16 read", got["w"], base)
        check("f16 read", got["v"], base[0])
        if dts != {"w": "BF16", "v": "F16"}:
            failures.append(f"dtypes read back as {dts}")
        spec = {"method": "task_arithmetic", "base": "b.safetensors",
                "models": [{"path": "m.safetensors", "params": {"weight": 0.5}}],
                "out": "o.safetensors"}
        with open(os.path.join(tmp, "s.json"), "w") as f:
            json.dump(spec, f)
        r = subprocess.run([sys.executable, os.path.abspath(__file__), os.path.join(tmp, "s.json")],
                           capture_output=True, text=True)
        if r.returncode != 0:
            failures.append(f"CLI run failed: {r.stderr.strip()}")
        else:
            out, _ = read_safetensors(os.path.join(tmp, "o.safetensors"))
            check("CLI w", out["w"], base + 0.5 * (m1 - base), atol=1e-6)
            check("CLI v", out["v"], (base + 0.5 * (m1 - base))[0], atol=1e-6)
        bad = [dict(spec, method="frobnicate"),
               dict(spec, models=[{"path": "m.safetensors", "params": {}}]),
               dict(spec, method="slerp"),
               dict(spec, models=[{"path": "m.safetensors", "params": {"weight": "x"}}])]
        write_safetensors(os.path.join(tmp, "x.safetensors"), {"w": torch.zeros(3, 2), "v": m1[0]})
        bad.append(dict(spec, models=[{"path": "x.safetensors", "params": {"weight": 1}}]))
        for i, b in enumerate(bad):
            with open(os.path.join(tmp, "bad.json"), "w") as f:
                json.dump(b, f)
            r = subprocess.run([sys.executable, os.path.abspath(__file__),
                                os.path.join(tmp, "bad.json")], capture_output=True, text=True)
            lines = r.stderr.strip().splitlines()
            if r.returncode != 2 or len(lines) != 1 or "error" not in lines[0]:
                failures.append(f"bad spec {i}: exit {r.returncode}, stderr {r.stderr!r}")
    if failures:
        for f in failures:
            print("FAIL " + f)
        return 1
    print("OK")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return _self_test()
    if len(argv) != 2 or argv[1].startswith("-"):
        print(f"usage: {PROG}.py SPEC.json | --self-test", file=sys.stderr)
        return 2
    try:
        run_spec(argv[1])
    except SpecError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # pragma: no cover - a bug here, not in the spec
        print(f"{PROG}: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
