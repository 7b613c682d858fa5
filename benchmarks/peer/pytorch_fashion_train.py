#!/usr/bin/python3
"""PyTorch's side of the main-job comparison (train_compare.sh): trains the same network on the same data with the same
recipe as a run of examples/LeNet5.FashionMnist, read from that run's metrics.json, so the two cannot drift apart:
network (lenet5: torch_lenet5.py, resnet20: torch_resnet20.py, same state_dict names), optimizer (SGD, Nesterov
momentum, weight decay off biases), one-cycle schedule (PyTorch's OneCycleLR, momentum not cycled), batch size, epochs,
training images, seed, normalisation (the training set's mean and std) and augmentation (random crop after zero padding
in normalised units, i.e. padding with the mean, and a horizontal flip with probability 1/2, drawn per image).
Initialisation follows ours by rule (Xavier uniform for weights not followed by a ReLU, He normal for those that are,
zero biases, BatchNorm 1 and 0), from torch's own random stream. Anything in the recipe this twin does not implement
stops it with a message. Prints `epoch N seconds S test_accuracy A` lines (seconds time the training loop only) and progress lines between.
    pytorch_fashion_train.py RUN/metrics.json [threads=2]"""
import gzip
import json
import re
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_lenet5 import LeNet5
from torch_resnet20 import ResNet20

run = json.load(open(sys.argv[1]))
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
torch.set_flush_denormal(True)
settings = run["settings"]


def need(ok, what):
    if not ok:
        sys.exit(f"pytorch_fashion_train.py: {sys.argv[1]} asks for {what}, which this twin does not implement.")


optimizer = re.fullmatch(r"SGD\(lr=([0-9.eE+-]+), momentum=([0-9.eE+-]+), nesterov, weight_decay=([0-9.eE+-]+)\)", run["optimizer"])
need(optimizer is not None, f"optimizer '{run['optimizer']}' (only SGD with Nesterov momentum)")
lr, momentum, weight_decay = (float(g) for g in optimizer.groups())
need(run["schedule"].startswith("one-cycle:"), f"schedule '{run['schedule']}' (only one-cycle)")
need(settings.get("decay_biases") == "false", "weight decay on biases")
need(settings.get("backend") == "cpu", f"backend {settings.get('backend')}")
network = settings.get("network", "lenet5")
need(network in ("lenet5", "resnet20"), f"network {network}")
augment = settings.get("augment", "none")
need(augment in ("none", "crop-flip"), f"augmentation {augment}")
epochs, batch, seed, train_images = run["plannedEpochs"], run["batchSize"], run["seed"], run["trainSamples"]
torch.manual_seed(seed)
root = settings["data"]


def idx(name, offset):
    with gzip.open(f"{root}/{name}", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


xtr = torch.tensor(idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28), dtype=torch.float32) / 255
ytr = torch.tensor(idx("train-labels-idx1-ubyte.gz", 8), dtype=torch.long)
xte = torch.tensor(idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 1, 28, 28), dtype=torch.float32) / 255
yte = torch.tensor(idx("t10k-labels-idx1-ubyte.gz", 8), dtype=torch.long)
mean, std = xtr.mean(), xtr.std()   # ours: the whole training set's statistics, before --limit
xtr, xte = (xtr - mean) / std, (xte - mean) / std
xtr, ytr = xtr[:train_images], ytr[:train_images]


def crop_flip(x):
    """Per image: shift by dy, dx in [-2, 2] with zero (= mean) fill, then mirror with probability 1/2."""
    n, _, h, w = x.shape
    padded = F.pad(x, (2, 2, 2, 2))
    dy, dx = torch.randint(0, 5, (n,)), torch.randint(0, 5, (n,))
    rows = (dy[:, None] + torch.arange(h)[None, :])[:, None, :, None].expand(n, 1, h, w + 4)
    out = padded.gather(2, rows)
    cols = (dx[:, None] + torch.arange(w)[None, :])[:, None, None, :].expand(n, 1, h, w)
    out = out.gather(3, cols)
    flip = torch.rand(n) < 0.5
    out[flip] = out[flip].flip(3)
    return out


net = LeNet5() if network == "lenet5" else ResNet20()
# Our rule (Planner.ResolveInit): He normal where a ReLU follows directly (LeNet-5's fused ReLUs), Xavier uniform
# otherwise (ResNet-20: every convolution feeds a BatchNorm, the classifier feeds the loss).
with torch.no_grad():
    for name, m in net.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            relu_follows = network == "lenet5" and name != "Output"
            (nn.init.kaiming_normal_ if relu_follows else nn.init.xavier_uniform_)(m.weight)
            if m.bias is not None:
                m.bias.zero_()
# PyTorch at its best: channels_last, the memory format compare.sh finds faster for both networks' training steps.
net = net.to(memory_format=torch.channels_last)
decay = [p for n, p in net.named_parameters() if not n.endswith("bias")]
no_decay = [p for n, p in net.named_parameters() if n.endswith("bias")]
opt = torch.optim.SGD([{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0}],
                      lr=lr, momentum=momentum, nesterov=True)
steps_per_epoch = (len(xtr) + batch - 1) // batch
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch, cycle_momentum=False)
print(f"{network}: {sum(p.numel() for p in net.parameters()):,} parameters, {epochs} epochs, batch {batch}, "
      f"lr {lr}, momentum {momentum}, weight decay {weight_decay}, augment {augment}, {len(xtr):,} training images, "
      f"{torch.get_num_threads()} threads, channels_last", flush=True)
for epoch in range(epochs):
    net.train()
    order = torch.randperm(len(xtr))
    t = time.perf_counter()
    for i in range(0, len(xtr), batch):
        b = order[i:i + batch]
        x = (crop_flip(xtr[b]) if augment == "crop-flip" else xtr[b]).contiguous(memory_format=torch.channels_last)
        opt.zero_grad()
        F.cross_entropy(net(x), ytr[b]).backward()
        opt.step()
        sched.step()
        step = i // batch + 1
        if step % max(1, steps_per_epoch // 10) == 0 and step < steps_per_epoch:   # progress, for slow machines
            print(f"  epoch {epoch + 1} step {step}/{steps_per_epoch} seconds {time.perf_counter() - t:.1f}", flush=True)
    seconds = time.perf_counter() - t
    net.eval()
    with torch.no_grad():
        correct = sum((net(xte[i:i + 256]).argmax(1) == yte[i:i + 256]).sum().item() for i in range(0, len(xte), 256))
    print(f"epoch {epoch + 1} seconds {seconds:.2f} test_accuracy {correct / len(xte) * 100:.2f}", flush=True)
