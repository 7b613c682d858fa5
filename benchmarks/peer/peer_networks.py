"""The whole-network workloads of the peer comparison: benchmarks/peer/networks.tsv (the list our side and ONNX Runtime
read too) and the PyTorch model of each row. Shared by pytorch_peer.py and export_onnx.py."""
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def networks(only="all"):
    """The rows of networks.tsv that compare.sh's workload argument selects (all, a group, or one row's name), as dicts."""
    keys = ("group", "workload", "ours", "torch", "mode", "input", "batch", "batches", "warmup", "inner", "reps")
    for line in open(os.path.join(HERE, "networks.tsv")):
        if line.startswith("#") or not line.strip():
            continue
        row = dict(zip(keys, line.rstrip("\n").split("\t")))
        for k in ("batch", "batches", "warmup", "inner", "reps"):
            row[k] = int(row[k])
        row["input"] = tuple(int(d) for d in row["input"].split("x"))
        if only in ("all", row["group"], row["workload"]):
            yield row


def build(expression):
    """The PyTorch model of a networks.tsv row (random initialisation from seed 42; nothing is downloaded)."""
    import torch_lenet5  # noqa: F401  (the expressions name their module)
    import torch_resnet20  # noqa: F401
    if "torchvision" in expression:
        import torchvision  # noqa: F401
    torch.manual_seed(42)
    return eval(expression)
