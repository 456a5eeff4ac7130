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
# (every input is converted into a fresh float32 tensor immediately).
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


def load_f32(ref):
    """Read one tensor through a memmap window and return a fresh float32 tensor."""
    np_dtype, t_dtype, itemsize = DTYPES[ref.dtype]
    if ref.nbytes == 0:
        return torch.zeros(ref.shape, dtype=torch.float32)
    mm = np.memmap(ref.path, dtype=np.uint8, mode="r", offset=ref.offset, shape=(ref.nbytes,))
    try:
        if ref.offset % itemsize != 0:
            buf = np.array(mm)  # unaligned data: copy to an aligned buffer
        else:
            buf = mm
        arr = buf.view(np_dtype)
        t = torch.from_numpy(arr)
        if t_dtype == torch.bfloat16:
            t = t.view(torch.bfloat16)
        # copy=True: never alias the read-only mapping (matters for F32 inputs)
        out = t.to(torch.float32, copy=True).reshape(ref.shape)
        del t, arr, buf
    finally:
        del mm  # last reference: the window is unmapped here
    return out


# --------------------------------------------------------------------------
# merge math (float32)
# --------------------------------------------------------------------------

def merge_linear(xs_loader, n, weights):
    acc = None
    for i in range(n):
        x = xs_loader(i)
        x.mul_(weights[i])
        if acc is None:
            acc = x
        else:
            acc.add_(x)
        del x
    wsum = float(torch.tensor(weights, dtype=torch.float32).sum())
    if wsum != 1.0:
        acc.div_(wsum)
    return acc


def kth_largest(absd, k):
    """Value of the k-th largest element of a flat, non-negative float32 tensor.

    Selection, not a sort: for non-negative floats the int32 bit pattern is
    ordered like the value, so a 2^15-bucket histogram of the top 16 bits
    finds the bucket holding the k-th largest; torch.kthvalue then runs only
    on that bucket's elements.  (torch.kthvalue on the whole tensor is ~4x
    slower on CPU and needs a clone plus an int64 index tensor.)
    """
    numel = absd.numel()
    if numel <= (1 << 16):
        return torch.kthvalue(absd, numel - k + 1).values.item()
    hi = absd.view(torch.int32) >> 16
    counts = torch.bincount(hi, minlength=1 << 15)
    at_or_above = counts.flip(0).cumsum(0).flip(0)   # [b] = #elements with bucket >= b
    b = int((at_or_above >= k).nonzero().max())
    above = int(at_or_above[b] - counts[b])           # #elements in higher buckets
    sel = absd[hi == b]
    del hi
    r = k - above                                     # r-th largest inside bucket b
    return torch.kthvalue(sel, sel.numel() - r + 1).values.item()


def magnitude_mask_(delta, density):
    """Zero all but the k = int(density*numel) largest |delta| in place.

    The threshold is found by selection (see kth_largest), not a full sort.
    Elements equal to the threshold are kept in increasing flat-index order
    until exactly k are kept (deterministic tie-break).
    """
    flat = delta.view(-1)
    numel = flat.numel()
    if density >= 1.0 or numel == 0:
        return delta
    k = int(density * numel)
    if k <= 0:
        flat.zero_()
        return delta
    absd = flat.abs()
    thr = kth_largest(absd, k)
    keep = absd > thr
    need = k - int(keep.sum())
    if need > 0:
        eq = absd == thr
        n_eq = int(eq.sum())
        if n_eq == need:
            keep |= eq
        else:
            # find the chunk in which the running count of ties reaches `need`
            chunk = 1 << 16
            nfull = numel // chunk
            per = eq[:nfull * chunk].view(nfull, chunk).sum(1)
            if numel > nfull * chunk:
                per = torch.cat([per, eq[nfull * chunk:].sum().view(1)])
            cum = per.cumsum(0)
            c = int((cum >= need).nonzero()[0])        # first chunk reaching need
            start = c * chunk
            keep[:start] |= eq[:start]
            rest = need - (int(cum[c - 1]) if c > 0 else 0)
            idx = eq[start:start + chunk].nonzero().view(-1)[:rest] + start
            keep[idx] = True
        del eq
    del absd
    flat.mul_(keep)
    del keep
    return delta


def dare_mask_(delta, density):
    """Bernoulli(density) mask, then rescale to the original L1 norm, in place."""
    if density >= 1.0 or delta.numel() == 0:
        return delta
    before = float(delta.abs().sum())
    mask = torch.bernoulli(torch.full_like(delta, density))
    delta.mul_(mask)
    del mask
    after = float(delta.abs().sum())
    if before < 1e-7 or after < 1e-7:
        return delta
    delta.mul_(before / after)
    return delta


def merge_ties(base, xs_loader, n, weights, density, sparsify, normalize):
    wds = []
    sign_sum = None
    for i in range(n):
        d = xs_loader(i)
        d.sub_(base)
        sparsify(d, density)
        d.mul_(weights[i])
        if sign_sum is None:
            sign_sum = d.clone()
        else:
            sign_sum.add_(d)
        wds.append(d)
        del d
    majority_pos = sign_sum >= 0
    mixed = sign_sum.zero_()  # reuse the buffer
    del sign_sum
    divisor = torch.zeros_like(base) if normalize else None
    for i in range(n):
        d = wds[i]
        wds[i] = None
        # sign(d) == majority  (0 entries never match)
        mask = torch.where(majority_pos, d > 0, d < 0)
        d.mul_(mask)
        mixed.add_(d)
        del d
        if normalize:
            divisor.add_(mask, alpha=weights[i])
        del mask
    del majority_pos, wds
    if normalize:
        divisor.masked_fill_(divisor == 0, 1.0)
        mixed.div_(divisor)
        del divisor
    base.add_(mixed)
    del mixed
    return base


# --------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------

def build_header(entries):
    """entries: list of (name, dtype, shape, nbytes). Returns (header bytes, offsets)."""
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


def write_window(path, offset, data_u8):
    n = data_u8.size
    if n == 0:
        return
    mm = np.memmap(path, dtype=np.uint8, mode="r+", offset=offset, shape=(n,))
    mm[:] = data_u8
    del mm  # unmap; dirty pages stay in the page cache until fsync


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

    if args.method == "ties" or args.method == "dare_ties":
        torch.manual_seed(args.seed)
    n = len(models)
    bytes_read = 0
    bytes_written = 0

    for name, off in zip(names, offsets):
        refs = [m[0][name] for m in models]
        loader = lambda i: load_f32(refs[i])
        with torch.no_grad():
            if args.method == "linear":
                res = merge_linear(loader, n, [1.0 / n] * n)
            else:
                bref = base[0][name]
                b = load_f32(bref)
                bytes_read += bref.nbytes
                if args.method == "ties":
                    res = merge_ties(b, loader, n, [TIES_WEIGHT] * n, args.density,
                                     magnitude_mask_, normalize=True)
                else:
                    res = merge_ties(b, loader, n, [TIES_WEIGHT] * n, args.density,
                                     dare_mask_, normalize=False)
                del b
        bytes_read += sum(r.nbytes for r in refs)
        odtype = ref_map[name].dtype
        np_dtype, t_dtype, _ = DTYPES[odtype]
        out_t = res.to(t_dtype).contiguous()
        del res
        if t_dtype == torch.bfloat16:
            out_t = out_t.view(torch.int16)
        data = out_t.numpy().reshape(-1).view(np.uint8)
        write_window(out_path, data_start + off, data)
        bytes_written += data.size
        del data, out_t, refs, loader

    # make the output durable (equivalent of flushing a whole-file memmap)
    fd = os.open(out_path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

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
