#!/usr/bin/python3
"""The PyTorch side of the side-by-side comparison: the same workloads as DeepPsych.Dsl.Benchmarks' PeerRun,
timed the same way (warm-up, then the median of timed blocks). Prints `name median_seconds value unit` lines, and
`info key text` lines saying which ISA each part of PyTorch runs.

Run through compare.sh, which sets PyTorch's side up as pytorch_env.sh says (OpenBLAS's own kernel, one BLAS thread,
TCMalloc) and interleaves it with our run. Every convolutional row runs in the memory format that is faster for it
(contiguous or channels_last, tried on the warm-up calls), and says which.
  pytorch_peer.py [all|lenet|classic|classic_more|conv|<workload or shape name>] [threads]"""
import ctypes
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from peer_networks import build, networks


torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
torch.set_flush_denormal(True)   # PyTorch at its best: no denormal slow paths
torch.manual_seed(42)
HERE = os.path.dirname(os.path.abspath(__file__))


def median(work, inner, reps, warmup=None):
    for _ in range(max(3, inner) if warmup is None else warmup):
        work()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(inner):
            work()
        times.append((time.perf_counter() - t) / inner)
    return statistics.median(times)


def seconds_per_call(work, calls):
    t = time.perf_counter()
    for _ in range(calls):
        work()
    return (time.perf_counter() - t) / calls


def fastest_format(setup, calls):
    """PyTorch at its best: setup(format) builds a fresh model and input in a memory format (contiguous or channels_last)
    and returns the call to time. Each format's warm-up (one untimed call, then `calls` timed ones) runs twice,
    alternating; the format with the faster best time is named in an info line and returned with a fresh call of its
    own (a model switched between formats in place runs slower afterwards, so nothing timed is ever switched)."""
    formats = [torch.contiguous_format, torch.channels_last]
    best = [float("inf")] * len(formats)
    for _ in range(2):
        for i, f in enumerate(formats):
            work = setup(f)
            work()
            best[i] = min(best[i], seconds_per_call(work, max(1, calls)))
    fastest = formats[best.index(min(best))]
    return ("channels_last" if fastest == torch.channels_last else "contiguous"), setup(fastest)


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
    malloc = "TCMalloc" if "tcmalloc" in os.environ.get("LD_PRELOAD", "") else "glibc malloc"
    info("isa", f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads: ATen {aten}, OpenBLAS {core} "
                f"(OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}), oneDNN {onednn}, {malloc}")


def conv_shapes():
    for line in open(os.path.join(HERE, "conv_shapes.tsv")):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        yield f[0], *map(int, f[1:8])


def network_call(row, fmt):
    """A fresh PyTorch model of a networks.tsv row in memory format `fmt`, and its timed call: a training step (SGD
    momentum, cross-entropy, cycling through `batches` random batches) in train mode, or inference in eval mode without
    gradients."""
    net = build(row["torch"]).to(memory_format=fmt)
    b, batches = row["batch"], row["batches"] if row["mode"] == "train" else 1
    g = torch.Generator().manual_seed(42)
    x = (torch.rand(b * batches, *row["input"], generator=g) * 2 - 1).contiguous(memory_format=fmt)
    if row["mode"] != "train":
        net.eval()

        def infer():
            with torch.no_grad():
                net(x)

        return infer
    net.eval()
    with torch.no_grad():
        classes = net(x[:1]).shape[1]
    y = torch.randint(0, classes, (b * batches,), generator=g)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    net.train()
    step = [0]

    def train_step():
        i = step[0] % batches
        step[0] += 1
        opt.zero_grad()
        F.cross_entropy(net(x[i * b:(i + 1) * b]), y[i * b:(i + 1) * b]).backward()
        opt.step()

    return train_step


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else "all"
    describe()
    for row in networks(only):   # each row on fresh models, freed before the next row's (VGG-16 holds 0.55 GB)
        fmt, work = fastest_format(lambda f: network_call(row, f), row["warmup"])
        info(f"format_{row['workload']}", fmt)
        report(row["workload"], median(work, row["inner"], row["reps"], row["warmup"]), row["batch"], "images/s")
        del work

    for name, n, c, size, o, k, s, p in conv_shapes():
        if only not in ("all", "conv", name):
            continue
        out = (size + 2 * p - k) // s + 1
        flops = 2.0 * n * o * out * out * c * k * k / 1e9

        def conv_call(fmt, backward):
            torch.manual_seed(42)
            conv = nn.Conv2d(c, o, k, stride=s, padding=p).to(memory_format=fmt)
            x = (torch.rand(n, c, size, size) - 0.5).contiguous(memory_format=fmt).requires_grad_(backward)
            dy = (torch.rand(n, o, out, out) - 0.5).contiguous(memory_format=fmt)

            def fwd():
                with torch.no_grad():
                    conv(x)

            def fwdbwd():
                conv.zero_grad()
                x.grad = None
                conv(x).backward(dy)

            return fwdbwd if backward else fwd

        for suffix, backward, units in (("fwd", False, flops), ("fwdbwd", True, 3 * flops)):
            fmt, work = fastest_format(lambda f: conv_call(f, backward), 2)
            info(f"format_{name}_{suffix}", fmt)
            report(f"{name}_{suffix}", median(work, 1, 5), units, "GFLOP/s")


if __name__ == "__main__":
    main()
