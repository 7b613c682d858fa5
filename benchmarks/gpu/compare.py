#!/usr/bin/env python3
"""Pairs the RESULT lines of two logs (ours, PyTorch's) and prints ours/PyTorch ratios (higher is better for us)."""
import sys
def read(path):
    r = {}
    for line in open(path):
        if line.startswith("RESULT "):
            _, name, value, unit = line.split(maxsplit=3); r[name] = (float(value), unit.strip())
    return r
ours, torch = read(sys.argv[1]), read(sys.argv[2])
print(f"{'work':<20} {'DeepPsych (ILGPU)':>20} {'PyTorch':>20} {'ours/PyTorch':>13}")
for name, (v, unit) in ours.items():
    if name in torch:
        t = torch[name][0]
        print(f"{name:<20} {v:>14.4g} {unit:<5} {t:>14.4g} {unit:<5} {(v / t if t else float('nan')):>12.3f}x")
