#!/usr/bin/python3
"""The PyTorch side of the side-by-side comparison: the same workloads as DeepPsych.Dsl.Benchmarks' PeerRun,
timed the same way (warm-up, then the median of timed blocks). Prints `name median_seconds value unit` lines.

Run through compare.sh, which sets OPENBLAS_NUM_THREADS=1 and interleaves this with our run."""
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


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else "all"
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

    if only in ("all", "conv"):
        conv = nn.Conv2d(64, 64, 3, padding=1)
        x = (torch.rand(32, 64, 56, 56) - 0.5).requires_grad_(True)
        dy = torch.rand(32, 64, 56, 56) - 0.5
        flops = 2.0 * 32 * 64 * 56 * 56 * 64 * 9 / 1e9
        with torch.no_grad():
            report("conv64_fwd", median(lambda: conv(x), 1, 5), flops, "GFLOP/s")

        def fwdbwd():
            conv.zero_grad()
            x.grad = None
            conv(x).backward(dy)

        report("conv64_fwdbwd", median(fwdbwd, 1, 5), 3 * flops, "GFLOP/s")


if __name__ == "__main__":
    main()
