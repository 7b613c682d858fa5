"""What the torchvision parity tests compare against (TorchvisionParity.cs runs this with /usr/bin/python3).

main() builds a torchvision model with a fixed seed (random initialisation, no weights are downloaded) and writes, into
`out`:
  state_dict.safetensors  the model's state_dict, as a plain PyTorch file (no architecture hash): what C# loads
                          through Checkpoint.LoadPyTorch and the PyTorchNames rule;
  expected.safetensors    input      the random input batch, N x C x H x W
                          labels     the random class labels (as float32)
                          logits     eval-mode outputs
                          train_logits, loss   training-mode outputs and the mean cross-entropy of one batch
                          grad.<name>          the gradient of that loss for every parameter (PyTorch names)
                          buffer_after.<name>  every buffer after the training-mode batch (BatchNorm running stats)
                          grad64.<name>        with reference64=True: the same gradient computed in float64 (stored
                                               as float32), the yardstick for networks whose float32 gradients are
                                               ill-conditioned (ResNet-50 at initialisation: PyTorch's own float32
                                               gradients are several percent from float64 there)
Dropout: every nn.Dropout is replaced by DeepPsychDropout, which draws DeepPsych's own mask (DropoutOp.Forward: a
SplitMix64 hash of seed, step and element index, reimplemented below from its documentation), so training-mode
outputs and gradients are compared with dropout on, element for element, not with dropout switched off.
"""
import json
import resource
import struct

import numpy as np
import torch
import torchvision

_DTYPES = {torch.float32: "F32", torch.int64: "I64"}
_M64 = (1 << 64) - 1


def save_safetensors(path, tensors, metadata=None):
    """safetensors by hand (the `safetensors` package is not installed): header, then each tensor's bytes, streamed."""
    header, arrays, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        a = t.detach().contiguous().cpu().numpy()
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + a.nbytes]}
        arrays.append(a)
        offset += a.nbytes
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for a in arrays:
            f.write(memoryview(a.reshape(-1).view(np.uint8)))


def _mix(z):
    """SplitMix64 finaliser on uint64 (numpy arrays wrap on overflow, as C#'s ulong)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def deeppsych_dropout_mask(rate, seed, step, count):
    """DropoutOp.Forward's mask for elements 0..count-1 of a batch tensor: 0 or 1/(1 - rate), float32."""
    rate32 = np.float32(rate)
    threshold = int(np.ceil(float(rate32) * (1 << 24)))
    stream_key = np.array([((seed & 0xFFFFFFFF) << 32) | 0x5851F42D], dtype=np.uint64)
    step_key = _mix(np.array([(step * 0xD1B54A32D192ED03) & _M64], dtype=np.uint64))
    stream = _mix(stream_key ^ step_key)
    e = np.arange(count, dtype=np.uint64)
    u = _mix(stream + e * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)
    scale = np.float32(1) / (np.float32(1) - rate32)
    return np.where(u >= np.uint64(threshold), scale, np.float32(0)).astype(np.float32)


class DeepPsychDropout(torch.nn.Module):
    """nn.Dropout(p) with DeepPsych's mask for (seed, step): every dropout layer of a step draws from the same stream,
    element e of the whole batch tensor (row-major) deciding as in the C# network."""

    def __init__(self, p, seed, step):
        super().__init__()
        self.p, self.seed, self.step = p, seed, step

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        mask = deeppsych_dropout_mask(self.p, self.seed, self.step, x.numel())
        return x * torch.from_numpy(mask).reshape(x.shape)


def _replace_dropout(module, seed, step):
    for name, child in module.named_children():
        if isinstance(child, torch.nn.Dropout):
            setattr(module, name, DeepPsychDropout(child.p, seed, step))
        else:
            _replace_dropout(child, seed, step)


def _watch_relu_margins(net):
    """Records, for the next forward, the ReLU input closest to zero relative to its tensor's largest magnitude: float32
    rounding may put an input that close to the kink on either side of it, and both answers are right, so a gradient
    mismatch below such a unit is a kink, not a bug. Returns the record and the hook handles."""
    closest = {"relative": None, "module": None}   # stays None for a model without nn.ReLU modules (GoogLeNet calls F.relu)

    def hook(module, inputs):
        x = inputs[0].detach().abs()
        scale = float(x.max())
        if scale > 0:
            relative = float(x.min()) / scale
            if closest["relative"] is None or relative < closest["relative"]:
                closest.update(relative=relative, module=names[module])

    names = {m: n for n, m in net.named_modules()}
    handles = [m.register_forward_pre_hook(hook) for m in net.modules() if isinstance(m, torch.nn.ReLU)]
    return closest, handles


def main(model, input_shape, batch, classes, seed, dropout_seed, dropout_step, out, reference64=False):
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    net = eval(model, {"torch": torch, "torchvision": torchvision})
    _replace_dropout(net, dropout_seed, dropout_step)
    initial = {k: v.clone() for k, v in net.state_dict().items()}
    save_safetensors(out + "/state_dict.safetensors", net.state_dict(), {"format": "pt"})

    g = torch.Generator().manual_seed(seed + 1)
    x = torch.randn((batch, *input_shape), generator=g)
    labels = torch.randint(0, classes, (batch,), generator=g)

    net.eval()
    with torch.no_grad():
        logits = net(x)
    net.train()
    net.zero_grad()
    closest, handles = _watch_relu_margins(net)
    train_logits = net(x)
    for h in handles:
        h.remove()
    loss = torch.nn.functional.cross_entropy(train_logits, labels)
    loss.backward()

    expected = {"input": x, "labels": labels.float(), "logits": logits, "train_logits": train_logits, "loss": loss.reshape(1)}
    for name, p in net.named_parameters():
        expected["grad." + name] = p.grad
    for name, b in net.named_buffers():
        expected["buffer_after." + name] = b
    if reference64:
        net64 = eval(model, {"torch": torch, "torchvision": torchvision})
        _replace_dropout(net64, dropout_seed, dropout_step)
        net64.load_state_dict(initial)
        net64.double().train()
        torch.nn.functional.cross_entropy(net64(x.double()), labels).backward()
        for name, p in net64.named_parameters():
            expected["grad64." + name] = p.grad.float()
    save_safetensors(out + "/expected.safetensors", expected)
    print(json.dumps({"torch": torch.__version__, "torchvision": torchvision.__version__,
                      "parameters": sum(p.numel() for p in net.parameters()), "loss": float(loss),
                      "closest_relu_input": closest,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
