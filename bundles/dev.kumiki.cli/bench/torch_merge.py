#!/usr/bin/env python3
"""Streaming PyTorch baseline for `kumiki bench merge`.

Implements three mergekit merge methods (linear, ties, dare_ties) one tensor at
a time so that memory stays at a few tensors regardless of model size.  Inputs
are read through numpy.memmap windows (one per tensor, unmapped right after
use) and the output model.safetensors is written the same way.  No dependency
on the `safetensors` package: the format is parsed and written here.

Usage (run with the system interpreter that has torch, e.g. /usr/bin/python3):

  torch_merge.py --method {linear,ties,dare_ties} --out OUT_DIR [--base BASE_DIR]
                 [--threads N] [--density 0.5] [--seed 0] MODEL_DIR [MODEL_DIR ...]

Last stdout line:
  seconds=<float> tensors=<int> bytes_read=<int> bytes_written=<int>

Exit status 0 on success, 2 (one error line on stderr) on bad input.
"""

import argparse
import json
import os
import shutil
import struct
import sys
import time
import warnings

import numpy as np
import torch

# torch.from_numpy on a read-only memmap warns; we never write through it
# (every input is immediately copied/widened into our own float32 buffer).
warnings.filterwarnings("ignore", message=".*not writable.*")
warnings.filterwarnings("ignore", message=".*non-writable.*")

# safetensors dtype -> (numpy storage dtype, torch dtype, itemsize)
DTYPES = {
    "BF16": (np.int16, torch.bfloat16, 2),
    "F16": (np.float16, torch.float16, 2),
    "F32": (np.float32, torch.float32, 4),
    "F64": (np.float64, torch.float64, 8),
}

TIES_WEIGHT = 0.5


class InputError(Exception):
    pass


# --------------------------------------------------------------------------
# safetensors reading
# --------------------------------------------------------------------------

class TensorRef:
    __slots__ = ("name", "path", "dtype", "shape", "offset", "nbytes")

    def __init__(self, name, path, dtype, shape, offset, nbytes):
        self.name = name
        self.path = path        # file holding the tensor
        self.dtype = dtype      # safetensors dtype string
        self.shape = shape      # list of ints
        self.offset = offset    # absolute byte offset in file
        self.nbytes = nbytes


def read_safetensors_header(path):
    """Return ordered list of TensorRef for one .safetensors file."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            raw = f.read(8)
            if len(raw) != 8:
                raise InputError("%s: file too short for a safetensors header" % path)
            (hlen,) = struct.unpack("<Q", raw)
            if hlen <= 0 or 8 + hlen > size:
                raise InputError("%s: bad safetensors header length %d" % (path, hlen))
            hdr = f.read(hlen)
    except OSError as e:
        raise InputError("%s: %s" % (path, e.strerror or e))
    try:
        meta = json.loads(hdr.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise InputError("%s: header is not valid JSON (%s)" % (path, e))
    if not isinstance(meta, dict):
        raise InputError("%s: header is not a JSON object" % path)
    data_start = 8 + hlen
    refs = []
    for name, info in meta.items():
        if name == "__metadata__":
            continue
        try:
            dtype = info["dtype"]
            shape = [int(s) for s in info["shape"]]
            begin, end = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise InputError("%s: malformed header entry for tensor %r" % (path, name))
        if dtype not in DTYPES:
            raise InputError("%s: tensor %r has unsupported dtype %s (supported: %s)"
                             % (path, name, dtype, ", ".join(DTYPES)))
        numel = 1
        for s in shape:
            if s < 0:
                raise InputError("%s: tensor %r has negative dimension" % (path, name))
            numel *= s
        if end - begin != numel * DTYPES[dtype][2] or begin < 0 or data_start + end > size:
            raise InputError("%s: tensor %r has inconsistent data_offsets" % (path, name))
        refs.append(TensorRef(name, path, dtype, shape, data_start + begin, end - begin))
    return refs


def open_model(model_dir):
    """Return (dict name -> TensorRef, ordered names) for a HF model folder."""
    if not os.path.isdir(model_dir):
        raise InputError("%s: not a directory" % model_dir)
    single = os.path.join(model_dir, "model.safetensors")
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.isfile(single):
        refs = read_safetensors_header(single)
    elif os.path.isfile(index):
        try:
            with open(index, "r", encoding="utf-8") as f:
                weight_map = json.load(f)["weight_map"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise InputError("%s: cannot read weight_map (%s)" % (index, e))
        shards = {}
        refs = []
        for name, shard in weight_map.items():
            if shard not in shards:
                shards[shard] = {r.name: r for r in
                                 read_safetensors_header(os.path.join(model_dir, shard))}
            ref = shards[shard].get(name)
            if ref is None:
                raise InputError("%s: tensor %r listed in index but missing from %s"
                                 % (model_dir, name, shard))
            refs.append(ref)
    else:
        raise InputError("%s: neither model.safetensors nor model.safetensors.index.json found"
                         % model_dir)
    if not refs:
        raise InputError("%s: model holds no tensors" % model_dir)
    return {r.name: r for r in refs}, [r.name for r in refs]


def open_window(path, offset, nbytes, mode):
    """A numpy.memmap over exactly [offset, offset+nbytes) of a file.

    One window per tensor; dropping the last reference unmaps it, so mapped
    file pages never accumulate in the resident set."""
    return np.memmap(path, dtype=np.uint8, mode=mode, offset=offset, shape=(nbytes,))


def load_into(ref, out):
    """Read one tensor through a memmap window into the flat float32 tensor `out`."""
    np_dtype, t_dtype, itemsize = DTYPES[ref.dtype]
    if ref.nbytes == 0:
        return out
    mm = open_window(ref.path, ref.offset, ref.nbytes, "r")
    buf = np.array(mm) if ref.offset % itemsize != 0 else mm  # unaligned: copy
    src = torch.from_numpy(buf.view(np_dtype))
    if t_dtype == torch.bfloat16:
        src = src.view(torch.bfloat16)   # int16 bits reinterpreted, no copy (works in 1.13)
    out.copy_(src)                       # widening conversion into our own buffer
    del src, buf, mm
    return out


class Workspace:
    """Named flat buffers of the largest tensor's size, allocated once and
    reused for every tensor (avoids an mmap/munmap + page faults per op)."""

    def __init__(self, capacity):
        self.capacity = max(1, capacity)
        self.bufs = {}

    def get(self, name, numel, dtype=torch.float32):
        b = self.bufs.get((name, dtype))
        if b is None:
            b = torch.empty(self.capacity, dtype=dtype)
            self.bufs[(name, dtype)] = b
        return b[:numel]


# --------------------------------------------------------------------------
# merge math (float32, flat views)
# --------------------------------------------------------------------------

def merge_linear(refs, weights, ws, numel):
    """sum_i w_i x_i / sum_i w_i  (multiply then add, like (w*x).sum(0))."""
    acc = ws.get("acc", numel)
    x = ws.get("x", numel)
    for i, ref in enumerate(refs):
        if i == 0:
            load_into(ref, acc).mul_(weights[0])
        else:
            load_into(ref, x).mul_(weights[i])
            acc.add_(x)
    wsum = torch.tensor(weights, dtype=torch.float32).sum()
    acc.div_(wsum)
    return acc


def kth_largest(absd, k, ws):
    """Select the k-th largest value of the flat non-negative tensor absd.

    Returns (thr, n_gt, eq_idx): the value, how many elements are > thr, and
    the ascending flat indices of the elements == thr.  No full sort: for
    non-negative floats the int32 bit pattern is ordered like the value, so a
    2^15-bucket histogram of the top 16 bits locates the bucket holding the
    k-th largest, and torch.kthvalue runs only on that bucket.  (kthvalue on
    the whole tensor is ~4x slower on CPU and needs a clone plus an int64
    index tensor of the full size; topk is slower still.)
    """
    numel = absd.numel()
    if numel <= (1 << 16):
        thr = torch.kthvalue(absd, numel - k + 1).values
        n_gt = int((absd > thr).sum())
        eq_idx = (absd == thr).nonzero().view(-1)
        return thr.item(), n_gt, eq_idx
    hi = ws.get("tmp", numel).view(torch.int32)      # "tmp" is free while sparsifying
    torch.bitwise_right_shift(absd.view(torch.int32), 16, out=hi)
    counts = torch.bincount(hi, minlength=1 << 15)
    at_or_above = counts.flip(0).cumsum(0).flip(0)   # [b] = #elements in buckets >= b
    b = int((at_or_above >= k).nonzero().max())
    above = int(at_or_above[b] - counts[b])           # #elements in higher buckets
    inb = ws.get("inb", numel, torch.bool)
    torch.eq(hi, b, out=inb)
    idx = inb.nonzero().view(-1)                      # ascending flat indices in bucket b
    sel = absd[idx]
    thr = torch.kthvalue(sel, sel.numel() - (k - above) + 1).values
    n_gt = above + int((sel > thr).sum())
    eq_idx = idx[sel == thr]
    return thr.item(), n_gt, eq_idx


def magnitude_mask_(d, density, ws):
    """Keep the k = int(density*numel) largest |d| (in place), zero the rest.

    Elements equal to the threshold are kept in increasing flat-index order
    until exactly k are kept (deterministic tie-break)."""
    numel = d.numel()
    if density >= 1.0 or numel == 0:
        return d
    k = int(density * numel)
    if k <= 0:
        return d.zero_()
    absd = ws.get("scratch", numel)
    torch.abs(d, out=absd)
    thr, n_gt, eq_idx = kth_largest(absd, k, ws)
    out = absd  # |d| no longer needed; reuse as output buffer
    if thr > 0.0:
        keep_idx = eq_idx[:k - n_gt]
        vals = d[keep_idx]
        torch.hardshrink(d, thr, out=out)            # d where |d| > thr else 0
        out[keep_idx] = vals
    else:
        torch.hardshrink(d, 0.0, out=out)            # thr == 0: only zeros are ties
    d.copy_(out)
    return d


def dare_mask_(d, density, ws):
    """Bernoulli(density) mask, then rescale to the original L1 norm, in place."""
    numel = d.numel()
    if density >= 1.0 or numel == 0:
        return d
    tmp = ws.get("tmp", numel)
    before = torch.abs(d, out=tmp).sum()
    p = ws.get("scratch", numel).fill_(density)
    torch.bernoulli(p, out=tmp)
    d.mul_(tmp)
    after = torch.abs(d, out=tmp).sum()
    if before.item() < 1e-7 or after.item() < 1e-7:
        return d
    d.mul_(before / after)
    return d


def merge_ties(bref, refs, weights, density, sparsify, normalize, ws, numel):
    """mergekit generalized task arithmetic with sign consensus ("sum").

    Sign consensus is done with float arithmetic only: with s = +-1 the
    majority sign (sum >= 0 -> +1), an entry agrees iff wd*s > 0, and
    sum_i wd_i*mask_i == s * sum_i clamp_min(wd_i*s, 0) exactly."""
    base = load_into(bref, ws.get("base", numel))
    n = len(refs)
    wds = []
    for i, ref in enumerate(refs):
        d = load_into(ref, ws.get("d%d" % i, numel))
        d.sub_(base)
        sparsify(d, density, ws)
        d.mul_(weights[i])
        wds.append(d)
    s = ws.get("scratch", numel)
    s.copy_(wds[0])
    for i in range(1, n):
        s.add_(wds[i])
    s.sign_().add_(0.5).sign_()            # majority sign, 0 -> +1
    for d in wds:
        d.mul_(s).clamp_min_(0.0)          # |wd| where sign agrees, else 0
    mixed = wds[0]
    div = ws.get("tmp", numel)
    if normalize:
        torch.sign(wds[0], out=div).mul_(weights[0])
    for i in range(1, n):
        mixed.add_(wds[i])
        if normalize:
            div.add_(wds[i].sign_().mul_(weights[i]))
    mixed.mul_(s)
    if normalize:
        div.masked_fill_(div == 0, 1.0)
        mixed.div_(div)
    base.add_(mixed)
    return base


# --------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------

def build_header(entries):
    """entries: list of (name, dtype, shape, nbytes). Returns (header bytes, offsets, data size)."""
    meta = {"__metadata__": {"format": "pt"}}
    offsets = []
    pos = 0
    for name, dtype, shape, nbytes in entries:
        meta[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [pos, pos + nbytes]}
        offsets.append(pos)
        pos += nbytes
    hdr = json.dumps(meta, separators=(",", ":")).encode("utf-8")
    hdr += b" " * ((8 - len(hdr) % 8) % 8)
    return hdr, offsets, pos


def write_tensor(path, offset, dtype, res):
    """Convert res (flat float32) to dtype straight into a memmap window of the output."""
    np_dtype, t_dtype, _ = DTYPES[dtype]
    nbytes = res.numel() * DTYPES[dtype][2]
    if nbytes == 0:
        return 0
    mm = open_window(path, offset, nbytes, "r+")
    dst = torch.from_numpy(mm.view(np_dtype))
    if t_dtype == torch.bfloat16:
        dst = dst.view(torch.bfloat16)
    dst.copy_(res)                     # f32 -> bf16/f16 rounds to nearest even
    del dst, mm                        # unmap; dirty pages stay in the page cache
    return nbytes


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

class Parser(argparse.ArgumentParser):
    def error(self, message):
        sys.stderr.write("torch_merge: error: %s\n" % message)
        sys.exit(2)


def parse_args(argv):
    p = Parser(prog="torch_merge.py", description="Streaming PyTorch mergekit baseline")
    p.add_argument("--method", required=True, choices=["linear", "ties", "dare_ties"])
    p.add_argument("--out", required=True)
    p.add_argument("--base")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--density", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("models", nargs="+", metavar="MODEL_DIR")
    a = p.parse_args(argv)
    if a.threads < 1:
        p.error("--threads must be >= 1")
    if not (0.0 < a.density <= 1.0):
        p.error("--density must be in (0, 1]")
    if a.method in ("ties", "dare_ties") and not a.base:
        p.error("--method %s requires --base" % a.method)
    return a


def run(args):
    t0 = time.perf_counter()
    torch.set_num_threads(args.threads)

    models = [open_model(m) for m in args.models]
    base = open_model(args.base) if args.base else None
    ref_map, ref_names = base if base is not None else models[0]
    ref_dir = args.base if base is not None else args.models[0]

    # validate: every model must hold every reference tensor with the same shape
    for mdir, (mmap_, _) in zip(args.models, models):
        for name in ref_names:
            r = mmap_.get(name)
            if r is None:
                raise InputError("%s: missing tensor %r" % (mdir, name))
            if r.shape != ref_map[name].shape:
                raise InputError("%s: tensor %r has shape %s, expected %s"
                                 % (mdir, name, r.shape, ref_map[name].shape))

    # output order: reference order, stable-sorted by decreasing itemsize so
    # every tensor stays aligned in a hole-free data section
    order = sorted(range(len(ref_names)), key=lambda i: -DTYPES[ref_map[ref_names[i]].dtype][2])
    names = [ref_names[i] for i in order]
    entries = [(nm, ref_map[nm].dtype, ref_map[nm].shape, ref_map[nm].nbytes) for nm in names]
    hdr, offsets, data_len = build_header(entries)

    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        raise InputError("%s: cannot create output directory (%s)" % (args.out, e))
    out_path = os.path.join(args.out, "model.safetensors")
    data_start = 8 + len(hdr)
    total = data_start + data_len
    head = np.memmap(out_path, dtype=np.uint8, mode="w+", shape=(total,))
    head[:8] = np.frombuffer(struct.pack("<Q", len(hdr)), dtype=np.uint8)
    head[8:data_start] = np.frombuffer(hdr, dtype=np.uint8)
    head.flush()
    del head

    if args.method == "dare_ties":
        torch.manual_seed(args.seed)
    n = len(models)
    weights = [1.0 / n] * n if args.method == "linear" else [TIES_WEIGHT] * n
    ws = Workspace(max(int(np.prod(ref_map[nm].shape)) for nm in names))
    bytes_read = 0
    bytes_written = 0

    with torch.no_grad():
        for name, off in zip(names, offsets):
            refs = [m[0][name] for m in models]
            numel = int(np.prod(ref_map[name].shape))
            if args.method == "linear":
                res = merge_linear(refs, weights, ws, numel)
            else:
                bref = base[0][name]
                bytes_read += bref.nbytes
                if args.method == "ties":
                    res = merge_ties(bref, refs, weights, args.density, magnitude_mask_,
                                     True, ws, numel)
                else:
                    res = merge_ties(bref, refs, weights, args.density, dare_mask_,
                                     False, ws, numel)
            bytes_read += sum(r.nbytes for r in refs)
            bytes_written += write_tensor(out_path, data_start + off, ref_map[name].dtype, res)
            del res, refs
    del ws

    # no fsync: Kumiki and mergekit leave writing the pages to disk to the kernel, so the timings compare alike

    cfg = os.path.join(ref_dir, "config.json")
    if os.path.isfile(cfg):
        shutil.copyfile(cfg, os.path.join(args.out, "config.json"))

    seconds = time.perf_counter() - t0
    return seconds, len(names), bytes_read, bytes_written


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        seconds, ntensors, br, bw = run(args)
    except InputError as e:
        sys.stderr.write("torch_merge: error: %s\n" % e)
        return 2
    except OSError as e:
        sys.stderr.write("torch_merge: error: %s\n" % e)
        return 2
    sys.stdout.write("seconds=%.6f tensors=%d bytes_read=%d bytes_written=%d\n"
                     % (seconds, ntensors, br, bw))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
