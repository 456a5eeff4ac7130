# PyTorch's side of MatrixBench: the same shapes and thread count, medians of wall times.
# Arguments key=value: threads, runs, vec=layers,rows,cols, mm=rows,cols, tokens=n1,n2,...
import sys
import time

import torch
from torch.utils import mkldnn

args = dict(a.split("=", 1) for a in sys.argv[1:])
threads, runs = int(args["threads"]), int(args["runs"])
layers, vrows, vcols = map(int, args["vec"].split(","))
rows, cols = map(int, args["mm"].split(","))
tokens = [int(t) for t in args["tokens"].split(",")]
torch.set_num_threads(threads)
torch.manual_seed(0)


def timed(work, runs=runs):
    """Median wall time and median CPU time of this thread over runs runs, after warm-up ones."""
    for _ in range(max(3, runs)):
        work()
    wall, cpu = [], []
    for _ in range(runs):
        c0, t0 = time.thread_time(), time.perf_counter()
        work()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    wall.sort()
    cpu.sort()
    return wall[len(wall) // 2], cpu[len(cpu) // 2]


def rate(amount, times, unit):
    wall, cpu = times
    # with one thread the caller does all the work: its CPU time is the fair figure on a shared machine
    by_cpu = f"; by CPU time {amount / cpu / 1e9:.1f}" if threads == 1 else ""
    return f"{amount / wall / 1e9:.1f} {unit}{by_cpu}"


with torch.no_grad():
    for dtype in (torch.float32, torch.bfloat16):
        ws = [torch.randn(vrows, vcols).to(dtype) for _ in range(layers)]
        x = torch.randn(vcols).to(dtype)
        t = timed(lambda: [w @ x for w in ws])
        nbytes = sum(w.numel() * w.element_size() for w in ws)
        print(f"matVec {dtype} eager w @ x threads={threads}: {rate(nbytes, t, 'GB/s')}")
    w = torch.randn(rows, cols)
    lin = torch.nn.Linear(cols, rows, bias=False)
    lin.weight.copy_(w)
    onednn = mkldnn.to_mkldnn(lin)
    for n in tokens:
        x = torch.randn(n, cols)
        flops = 2.0 * rows * cols * n
        # Debian's torch does F32 GEMM in the reference (netlib) BLAS: seconds per call, so fewer runs
        t = timed(lambda: x @ w.T, min(runs, 3))
        print(f"matMul F32 eager x @ w.T n={n} threads={threads}: {rate(flops, t, 'GFLOP/s')}")
        xm = x.to_mkldnn()
        t = timed(lambda: onednn(xm))
        print(f"matMul F32 oneDNN linear n={n} threads={threads}: {rate(flops, t, 'GFLOP/s')}")
        wb, xb = w.to(torch.bfloat16), x.to(torch.bfloat16)
        t = timed(lambda: xb @ wb.T)
        print(f"matMul BF16 eager xb @ wb.T (bf16 activations) n={n} threads={threads}: {rate(flops, t, 'GFLOP/s')}")
