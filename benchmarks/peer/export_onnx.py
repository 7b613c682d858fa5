#!/usr/bin/python3
"""Exports the PyTorch model of every inference row of networks.tsv that the workload argument selects (the same
definitions pytorch_peer.py times: torch_lenet5.py's LeNet-5, torchvision's classic networks with random weights from
seed 42) to ONNX with a dynamic batch axis, one file per model, named after our class (OUTDIR/ResNet18.onnx), for the
ONNX Runtime side of compare.sh. Needs Debian's python3-onnx.
  export_onnx.py [all|lenet|classic|classic_more|<workload>] OUTDIR"""
import os
import sys

import torch

from peer_networks import build, networks

only, out = sys.argv[1], sys.argv[2]
done = set()
for row in networks(only):
    name = row["ours"].rsplit(".", 1)[1]
    if row["mode"] != "infer" or name in done:
        continue
    done.add(name)
    net = build(row["torch"]).eval()
    torch.onnx.export(net, torch.zeros(1, *row["input"]), os.path.join(out, name + ".onnx"), input_names=["x"],
                      output_names=["logits"], dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
