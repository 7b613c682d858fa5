"""LeNet-5 in PyTorch, declared as examples/LeNet5.FashionMnist declares it (same names: C1, C3, F5, F6, Output)."""
import torch.nn as nn
import torch.nn.functional as F


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.C1 = nn.Conv2d(1, 6, 5, padding=2)
        self.C3 = nn.Conv2d(6, 16, 5)
        self.F5 = nn.Linear(400, 120)
        self.F6 = nn.Linear(120, 84)
        self.Output = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.C1(x)), 2)
        x = F.max_pool2d(F.relu(self.C3(x)), 2)
        return self.Output(F.relu(self.F6(F.relu(self.F5(x.flatten(1))))))
