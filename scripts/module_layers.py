#!/usr/bin/env python3
"""Which top-level modules of src/ import which, and whether any two import each other
(directly or through others). Reads `crate::<module>` paths in the source, which is how every
module of tollgate names another; exits 1 on a cycle. Run: python3 scripts/module_layers.py"""
import os, re, sys
from itertools import chain

SRC = os.path.join(os.path.dirname(__file__), "..", "src")

def top_level(path):
    rel = os.path.relpath(path, SRC)
    head = rel.split(os.sep)[0]
    return head[:-3] if head.endswith(".rs") else head

modules = {}
for root, _, files in os.walk(SRC):
    for f in files:
        if f.endswith(".rs") and f not in ("lib.rs", "main.rs"):
            path = os.path.join(root, f)
            text = open(path, encoding="utf-8").read()
            # `crate::x` and `use crate::{x, y}` both name a top-level module.
            used = set(re.findall(r"crate::(\w+)", text))
            for group in re.findall(r"crate::\{([^}]*)\}", text):
                used |= {g.strip().split("::")[0] for g in group.split(",") if g.strip()}
            modules.setdefault(top_level(path), set()).update(used)

graph = {m: sorted(u - {m} & modules.keys()) for m, u in modules.items()}

def reaches(start):
    seen, todo = set(), list(graph[start])
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(graph[m])
    return seen

cycles = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if a in reaches(b)})
for m in sorted(graph):
    print(f"{m:16} -> {', '.join(graph[m]) or '(nothing)'}")
if cycles:
    print("cycles:", ", ".join(f"{a} <-> {b}" for a, b in cycles))
    sys.exit(1)
print("no cycles between top-level modules")
