#!/usr/bin/python3
"""Reads compare.sh's log (`who round name seconds value unit` and `who round info key text` lines) and prints the
ISA lines and a Markdown table: per workload the median over rounds of each side, the median of the per-round ratios
with their range, and our share of the FMA peak (the fastest FMA-loop call of all rounds at the vector width we take);
for a network row, the share of the rate the peak would allow at our generated summary's FLOPs per image (forward;
three times that for a training step).
  compare_table.py LOG ROUNDS ISA"""
import statistics
import sys

values, units, infos, formats = {}, {}, {}, {}
for line in open(sys.argv[1]):
    who, rnd, name, rest = line.split(maxsplit=3)
    if name == "info":
        key, text = rest.split(maxsplit=1)
        infos[(who, key)] = text.strip()
        if key.startswith("format_"):   # PyTorch's memory format per row and round
            formats.setdefault(key[len("format_"):], set()).add(text.strip())
        continue
    _, value, unit = rest.split()
    values.setdefault(name, {}).setdefault(who, {})[int(rnd)] = float(value)
    units[name] = unit

peak = max(values.pop("fma_peak")["ours"].values())
names = {"ours": "DeepPsych.Dsl", "torch": "PyTorch", "ort": "ONNX Runtime"}
print(f"{sys.argv[2]} interleaved rounds, ISA limit: {sys.argv[3]}")
for who in ("ours", "torch", "ort"):
    if (who, "isa") in infos:
        print(f"- {names[who]}: {infos[(who, 'isa')]}")
print(f"- FMA peak at our vector width, all cores: {peak:,.0f} GFLOP/s (fastest of all rounds)")
if formats:
    print("- PyTorch's faster memory format per row: " + ", ".join(f"{k} {'/'.join(sorted(v))}" for k, v in formats.items()))
print()


def ratio(ours, peer):
    rs = [ours[r] / peer[r] for r in ours if r in peer]
    if not rs:
        return ""
    return f"**{statistics.median(rs):.2f}×** ({min(rs):.2f}–{max(rs):.2f})"


def fmt(v, unit):
    if unit == "images/s":
        return f"{v:,.0f} {unit}" if v >= 100 else f"{v:.3g} {unit}"
    return f"{v:,.1f} {unit}"


print("| workload | DeepPsych.Dsl | PyTorch | ours ÷ PyTorch (range) | ONNX Runtime | ours ÷ ONNX Runtime (range) | ours, share of FMA peak |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, sides in values.items():
    unit = units[name]
    ours = sides.get("ours", {})
    o = statistics.median(ours.values()) if ours else float("nan")
    cells = [name, fmt(o, unit)]
    for peer in ("torch", "ort"):
        p = sides.get(peer)
        cells += [fmt(statistics.median(p.values()), unit), ratio(ours, p)] if p else ["", ""]
    if unit == "GFLOP/s":
        cells.append(f"{100 * o / peak:.0f} %")
    elif ("ours", "flops:" + name) in infos:   # a network row: FLOPs per image from our generated summary
        flops = float(infos[("ours", "flops:" + name)])
        cells.append(f"{100 * o * flops / (peak * 1e9):.0f} % of the peak-bound rate")
    else:
        cells.append("")
    print("| " + " | ".join(cells) + " |")
