#!/usr/bin/env python3
"""Checks that lib/ keeps its layers (lib/README.md): every library source
sits in a layer's folder; a file includes (#include "...") only headers of
its own or a lower layer; a file's object calls (or uses data of) only
objects of its own or a lower layer, as nm shows the undefined symbols of
BUILD/lib/LAYER/*.o and which object defines them; and neither the includes
nor the calls between files make a circle. Prints each problem and exits 1,
or prints one line and exits 0.

  scripts/check-layers.py [--src DIR] [--build DIR]

--src is the tree holding lib/ (default: this repository), --build the build
directory holding its objects (default: build). tests/e2e/test_layers.py runs
it in `make test`.
"""
import argparse
import os
import re
import subprocess
import sys

# from the bottom: a layer may use only those before it
LAYERS = ["base", "sym", "kernel", "load", "data", "print", "runtime"]
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def rank(layer):
    return LAYERS.index(layer)


def sources(lib, problems):
    """lib/LAYER/NAME.{c,h} as (layer, relative path), each in a layer."""
    found = []
    for dirpath, _, files in os.walk(lib):
        rel_dir = os.path.relpath(dirpath, lib)
        for name in sorted(files):
            if not name.endswith((".c", ".h")):
                continue
            rel = os.path.normpath(os.path.join(rel_dir, name))
            parts = rel.split(os.sep)
            if len(parts) != 2 or parts[0] not in LAYERS:
                problems.append(f"lib/{rel}: not in a layer's folder ({', '.join(LAYERS)})")
                continue
            found.append((parts[0], rel))
    return sorted(found, key=lambda s: (rank(s[0]), s[1]))


def circles(edges):
    """One circle (a list of nodes, first repeated last) per strongly
    connected group of @edges (node -> set of nodes) that has one."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        # Tarjan's algorithm, iterative so that depth is no limit
        work = [(v, iter(sorted(edges.get(v, ()))))]
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        group.append(w)
                        if w == node:
                            break
                    if len(group) > 1 or node in edges.get(node, ()):
                        out.append(path_within(sorted(group), edges))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def path_within(group, edges):
    """A circle through group[0] that stays inside @group, by breadth first."""
    members, start = set(group), group[0]
    prev, todo = {start: None}, [start]
    while todo:
        v = todo.pop(0)
        for w in sorted(edges.get(v, ())):
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w in members and w not in prev:
                prev[w] = v
                todo.append(w)
    return group + [start]


def check_includes(lib, files, problems):
    edges = {}
    for layer, rel in files:
        with open(os.path.join(lib, rel), errors="replace") as f:
            text = f.read()
        for inc in INCLUDE.findall(text):
            target = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
            if not os.path.exists(os.path.join(lib, target)):
                continue  # found on the include path: a build product (skeleton, table)
            parts = target.split(os.sep)
            if parts[0] == os.pardir:
                problems.append(f"lib/{rel}: includes \"{inc}\", outside the library")
                continue
            if len(parts) != 2 or parts[0] not in LAYERS:
                continue  # reported by sources()
            if target.endswith(".c"):
                problems.append(f"lib/{rel}: includes a source file, lib/{target}")
            if rank(parts[0]) > rank(layer):
                problems.append(f"lib/{rel}: upward include of lib/{target} "
                                f"({layer} is below {parts[0]})")
            edges.setdefault(rel, set()).add(target)
    for c in circles(edges):
        problems.append("include circle: " + " -> ".join(f"lib/{f}" for f in c))


def nm(objs, *flags):
    """(object, symbol) for each symbol nm lists of @objs, in one run."""
    r = subprocess.run(["nm", "-A", *flags, *objs], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode:
        raise RuntimeError(f"nm: {r.stderr.strip()}")
    for line in r.stdout.splitlines():
        # "path.o: [addr] type name"
        path, _, rest = line.rpartition(".o:")
        yield path + ".o", rest.split()[-1]


def check_calls(build, files, problems):
    objs = {}
    for layer, rel in files:
        if not rel.endswith(".c"):
            continue
        obj = os.path.join(build, "lib", rel[:-2] + ".o")
        if not os.path.exists(obj):
            problems.append(f"lib/{rel}: no object {obj} (build the library first)")
            continue
        objs[rel] = (layer, obj)
    if not objs:
        return 0
    by_obj = {obj: rel for rel, (_, obj) in objs.items()}
    owner = {sym: by_obj[obj] for obj, sym in nm(by_obj, "--defined-only", "-g")}
    edges = {}
    for obj, sym in nm(by_obj, "-u"):
        rel, layer = by_obj[obj], objs[by_obj[obj]][0]
        callee = owner.get(sym)
        if callee is None or callee == rel:
            continue
        callee_layer = objs[callee][0]
        if rank(callee_layer) > rank(layer):
            problems.append(f"lib/{rel}: upward call of {sym} in lib/{callee} "
                            f"({layer} is below {callee_layer})")
        edges.setdefault(rel, set()).add(callee)
    for c in circles(edges):
        problems.append("call circle: " + " -> ".join(f"lib/{f}" for f in c))
    return len(objs)


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--src", default=here)
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    lib = os.path.join(args.src, "lib")
    problems = []
    files = sources(lib, problems)
    check_includes(lib, files, problems)
    nobjs = check_calls(args.build, files, problems)
    for p in problems:
        print(f"check-layers: {p}")
    if problems:
        return 1
    print(f"check-layers: {len(files)} files, {nobjs} objects, layers "
          f"{' < '.join(LAYERS)}: no upward include or call, no circle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
