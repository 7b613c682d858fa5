#!/usr/bin/env python3
"""The same work as DeepPsych.Dsl.GpuCheck, in PyTorch, printing "RESULT name value unit" lines.
LeNet-5 training step (SGD momentum) at the given batches, and conv 3x3 64->64 pad 1 forward / forward+backward."""
import sys, time
import torch, torch.nn as nn, torch.nn.functional as F

small = "--small" in sys.argv
dev = torch.device("cuda" if torch.cuda.is_available() and "--cpu" not in sys.argv else "cpu")
if dev.type == "cpu":
    torch.set_num_threads(2)
torch.backends.cudnn.benchmark = True
print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0) if dev.type == 'cuda' else 'cpu'}")

def sync():
    if dev.type == "cuda": torch.cuda.synchronize()

def timed(work, reps):
    work(); sync()
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); work(); sync(); ts.append(time.perf_counter() - t)
    ts.sort(); return ts[len(ts) // 2]

class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2); self.c3 = nn.Conv2d(6, 16, 5)
        self.f5 = nn.Linear(400, 120); self.f6 = nn.Linear(120, 84); self.out = nn.Linear(84, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2); x = F.max_pool2d(F.relu(self.c3(x)), 2)
        x = x.flatten(1); return self.out(F.relu(self.f6(F.relu(self.f5(x)))))

for batch in ([4] if small else [64, 1024]):
    net = LeNet5().to(dev); opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x = torch.rand(batch, 1, 28, 28, device=dev); y = torch.randint(0, 10, (batch,), device=dev)
    def step():
        opt.zero_grad(set_to_none=False); F.cross_entropy(net(x), y).backward(); opt.step()
    s = timed(step, 2 if small else 20)
    print(f"LeNet-5 train step, batch {batch}: {s*1e3:.2f} ms = {batch/s:.0f} images/s")
    print(f"RESULT lenet_train_b{batch} {batch/s:.1f} images/s")

n, c, hw = (2, 8, 14) if small else (32, 64, 56)
conv = nn.Conv2d(c, c, 3, padding=1).to(dev)
x = torch.rand(n, c, hw, hw, device=dev, requires_grad=True)
flops = 2.0 * n * c * hw * hw * c * 9
with torch.no_grad():
    fwd = timed(lambda: F.relu(conv(x)), 2 if small else 10)
def fb():
    out = F.relu(conv(x)); out.backward(out)
both = timed(fb, 2 if small else 10)
print(f"conv {n}x{c}x{hw}x{hw} -> {c} 3x3: forward {fwd*1e3:.2f} ms ({flops/fwd/1e9:.1f} GFLOP/s); forward+backward {both*1e3:.2f} ms ({3*flops/both/1e9:.1f} GFLOP/s)")
print(f"RESULT conv_fwd {flops/fwd/1e9:.2f} GFLOP/s")
print(f"RESULT conv_fwd_bwd {3*flops/both/1e9:.2f} GFLOP/s")
