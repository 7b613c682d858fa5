#!/usr/bin/python3
"""The PyTorch side of the side-by-side comparison: the same workloads as DeepPsych.Dsl.Benchmarks' PeerRun,
timed the same way (warm-up, then the median of timed blocks). Prints `name median_seconds value unit` lines, and
`info key text` lines saying which ISA each part of PyTorch runs.

Run through compare.sh, which sets OPENBLAS_NUM_THREADS=1, unsets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for this side
only and interleaves it with our run.
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


def time_network(rows):
    """One model serves its rows in the file's order, as on our side: training steps (SGD momentum, cross-entropy,
    cycling through random batches) in train mode, inference in eval mode without gradients."""
    net = build(rows[0]["torch"])
    train = [r for r in rows if r["mode"] == "train"]
    batches = train[0]["batches"] if train else 1
    n = max([r["batch"] * r["batches"] for r in train] + [r["batch"] for r in rows])
    x = torch.rand(n, *rows[0]["input"]) * 2 - 1
    net.eval()
    with torch.no_grad():
        classes = net(x[:1]).shape[1]
    y = torch.randint(0, classes, (n,))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    for row in rows:
        b = row["batch"]
        if row["mode"] == "train":
            net.train()
            step = [0]

            def train_step():
                i = step[0] % batches
                step[0] += 1
                opt.zero_grad()
                loss = F.cross_entropy(net(x[i * b:(i + 1) * b]), y[i * b:(i + 1) * b])
                loss.backward()
                opt.step()

            report(row["workload"], median(train_step, row["inner"], row["reps"], row["warmup"]), b, "images/s")
        else:
            net.eval()
            with torch.no_grad():
                report(row["workload"], median(lambda: net(x[:b]), row["inner"], row["reps"], row["warmup"]), b, "images/s")


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else "all"
    describe()
    models = {}
    for row in networks(only):
        models.setdefault(row["ours"], []).append(row)
    for rows in models.values():
        time_network(rows)   # each model is freed on return, before the next one is built (VGG-16 holds 0.55 GB)

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
