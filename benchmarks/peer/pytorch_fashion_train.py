#!/usr/bin/python3
"""PyTorch's side of the main-job comparison: the same LeNet-5, data, normalisation and recipe as
examples/LeNet5.FashionMnist (SGD, Nesterov momentum 0.9, weight decay 5e-4 off biases, one-cycle peak 0.05 without
momentum cycling, batch 64, 3 epochs), timing each epoch. Prints `epoch N seconds S test_accuracy A` lines."""
import gzip
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_lenet5 import LeNet5

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
torch.set_flush_denormal(True)
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
torch.manual_seed(seed)
root = "/usr/share/datasets/fashion-mnist"


def idx(name, offset):
    with gzip.open(f"{root}/{name}", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


xtr = torch.tensor(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28), dtype=torch.float32) / 255
ytr = torch.tensor(idx("train-labels-idx1-ubyte.gz", 8), dtype=torch.long)
xte = torch.tensor(idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28), dtype=torch.float32) / 255
yte = torch.tensor(idx("t10k-labels-idx1-ubyte.gz", 8), dtype=torch.long)
mean, std = xtr.mean(), xtr.std()
xtr, xte = (xtr - mean) / std, (xte - mean) / std


net = LeNet5()
decay = [p for n, p in net.named_parameters() if n.endswith("weight")]
no_decay = [p for n, p in net.named_parameters() if n.endswith("bias")]
opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0}],
                      lr=0.05, momentum=0.9, nesterov=True)
steps = epochs * ((len(xtr) + 63) // 64)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=steps, cycle_momentum=False)
for epoch in range(epochs):
    net.train()
    order = torch.randperm(len(xtr))
    t = time.perf_counter()
    for i in range(0, len(xtr), 64):
        b = order[i:i + 64]
        opt.zero_grad()
        F.cross_entropy(net(xtr[b]), ytr[b]).backward()
        opt.step()
        sched.step()
    seconds = time.perf_counter() - t
    net.eval()
    with torch.no_grad():
        acc = (net(xte).argmax(1) == yte).float().mean().item()
    print(f"epoch {epoch + 1} seconds {seconds:.2f} test_accuracy {acc * 100:.2f}", flush=True)
