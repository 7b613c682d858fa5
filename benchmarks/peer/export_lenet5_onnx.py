#!/usr/bin/python3
"""Exports the peer LeNet-5 (torch_lenet5.py, the same definition the PyTorch side times) to ONNX with a dynamic batch
axis, for the ONNX Runtime side of compare.sh. Needs Debian's python3-onnx.
  export_lenet5_onnx.py OUT.onnx"""
import sys

import torch

from torch_lenet5 import LeNet5

torch.manual_seed(42)
net = LeNet5().eval()
torch.onnx.export(net, torch.zeros(1, 1, 28, 28), sys.argv[1], input_names=["x"], output_names=["logits"],
                  dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)
