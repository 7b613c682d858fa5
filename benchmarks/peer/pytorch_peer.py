#!/usr/bin/python3
"""The PyTorch side of the side-by-side comparison: the same workloads as DeepPsych.Dsl.Benchmarks' PeerRun,
timed the same way (warm-up, then the median of timed blocks). Prints `name median_seconds value unit` lines, and
`info key text` lines saying which ISA each part of PyTorch runs.

Run through compare.sh, which sets OPENBLAS_NUM_THREADS=1, unsets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for this side
only and interleaves it with our run.
  pytorch_peer.py [all|lenet|conv|<shape name>] [threads]"""
import ctypes
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_lenet5 import LeNet5

torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
torch.set_flush_denormal(True)   # PyTorch at its best: no denormal slow paths
torch.manual_seed(42)
BATCHES = 16                     # training cycles through 16 random batches, as PeerRun does
HERE = os.path.dirname(os.path.abspath(__file__))


def median(work, inner, reps):
    for _ in range(max(3, inner)):
        work()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(inner):
            work()
        times.append((time.perf_counter() - t) / inner)
    return statistics.median(times)


def report(name, seconds, units, unit):
    print(f"{name} {seconds:.6g} {units / seconds:.2f} {unit}", flush=True)


def info(key, text):
    print(f"info {key} {text}", flush=True)


def describe():
    """Which ISA each part of PyTorch takes: ATen's kernels, OpenBLAS (nn.Linear), oneDNN (convolutions)."""
    aten = next((l.split(":", 1)[1].strip() for l in torch.__config__.show().splitlines() if "CPU capability" in l), "?")
    try:
        blas = ctypes.CDLL("libblas.so.3")
        blas.openblas_get_corename.restype = ctypes.c_char_p
        core = blas.openblas_get_corename().decode()
    except (OSError, AttributeError):
        core = "not OpenBLAS (install libopenblas0-pthread)"
    onednn = os.environ.get("DEEPPSYCH_ONEDNN_ISA", "?")   # compare.sh reads it from ONEDNN_VERBOSE once
    info("isa", f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads: ATen {aten}, OpenBLAS {core} "
                f"(OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}), oneDNN {onednn}")


def conv_shapes():
    for line in open(os.path.join(HERE, "conv_shapes.tsv")):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        yield f[0], *map(int, f[1:8])


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else "all"
    describe()
    if only in ("all", "lenet"):
        net = LeNet5()
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        x = torch.rand(BATCHES * 64, 1, 28, 28) * 2 - 1
        y = torch.randint(0, 10, (BATCHES * 64,))
        step = [0]

        def train():
            b = step[0] % BATCHES
            step[0] += 1
            opt.zero_grad()
            loss = F.cross_entropy(net(x[b * 64:(b + 1) * 64]), y[b * 64:(b + 1) * 64])
            loss.backward()
            opt.step()

        report("lenet5_train_b64", median(train, 20, 15), 64, "images/s")
        net.eval()
        with torch.no_grad():
            report("lenet5_infer_b1", median(lambda: net(x[:1]), 200, 30), 1, "images/s")
            report("lenet5_infer_b256", median(lambda: net(x[:256]), 10, 15), 256, "images/s")

    for name, n, c, size, o, k, s, p in conv_shapes():
        if only not in ("all", "conv", name):
            continue
        conv = nn.Conv2d(c, o, k, stride=s, padding=p)
        x = (torch.rand(n, c, size, size) - 0.5).requires_grad_(True)
        out = (size + 2 * p - k) // s + 1
        dy = torch.rand(n, o, out, out) - 0.5
        flops = 2.0 * n * o * out * out * c * k * k / 1e9
        with torch.no_grad():
            report(f"{name}_fwd", median(lambda: conv(x), 1, 5), flops, "GFLOP/s")

        def fwdbwd():
            conv.zero_grad()
            x.grad = None
            conv(x).backward(dy)

        report(f"{name}_fwdbwd", median(fwdbwd, 1, 5), 3 * flops, "GFLOP/s")


if __name__ == "__main__":
    main()
