"""ResNet-20 in PyTorch, declared as examples/ClassicNetworks/ResNet20.cs declares it: the same module names (Conv1, Bn1,
Layer1.0.Conv1, Layer2.0.Downsample_0, ..., Fc), so both state_dicts have the same keys, BatchNorm buffers included."""
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    """ResNet.cs's BasicBlock: two 3x3 convolutions with BatchNorm, the input added back, a 1x1 projection (option B)
    where the shape changes."""

    def __init__(self, inplanes, planes, stride=1, downsample=False):
        super().__init__()
        self.Conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.Bn1 = nn.BatchNorm2d(planes)
        self.Conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.Bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        if downsample:
            self.Downsample_0 = nn.Conv2d(inplanes, planes, 1, stride, bias=False)
            self.Downsample_1 = nn.BatchNorm2d(planes)

    def forward(self, x):
        identity = self.Downsample_1(self.Downsample_0(x)) if self.downsample else x
        return F.relu(self.Bn2(self.Conv2(F.relu(self.Bn1(self.Conv1(x))))) + identity)


class ResNet20(nn.Module):
    def __init__(self):
        super().__init__()
        self.Conv1 = nn.Conv2d(1, 16, 3, 1, 1, bias=False)
        self.Bn1 = nn.BatchNorm2d(16)
        self.Layer1 = nn.Sequential(BasicBlock(16, 16), BasicBlock(16, 16), BasicBlock(16, 16))
        self.Layer2 = nn.Sequential(BasicBlock(16, 32, 2, True), BasicBlock(32, 32), BasicBlock(32, 32))
        self.Layer3 = nn.Sequential(BasicBlock(32, 64, 2, True), BasicBlock(64, 64), BasicBlock(64, 64))
        self.Fc = nn.Linear(64, 10)

    def forward(self, x):
        h = F.relu(self.Bn1(self.Conv1(x)))
        h = self.Layer3(self.Layer2(self.Layer1(h)))
        return self.Fc(F.adaptive_avg_pool2d(h, 1).flatten(1))
