#!/usr/bin/env python3
"""Module import graph of a crate, from its `use crate::…`/`use super::…` lines and inline
`crate::…` paths, and the circles in it.

usage: import-graph.py SRC_DIR [--inside PREFIX]...

Prints every strongly connected component with more than one module. Exits 1 when one
spans modules of different folders, or lies under an --inside prefix (where no circle at all
is allowed). In-file `#[cfg(test)] mod tests { … }` blocks and comments are left out: a test importing
its parent, or a doc link, is not a design circle.
"""
import os
import re
import sys


def modules(src):
    mods = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, src)[:-3].split(os.sep)
            if rel[-1] in ("mod", "lib", "main"):
                rel = rel[:-1]
            mods[tuple(rel)] = path
    return mods


def strip_tests(text):
    cut = re.search(r"#\[cfg\(test\)\]\s*mod \w+\s*\{", text)
    text = text[: cut.start()] if cut else text
    # Comments (doc links included) name modules without depending on them.
    return re.sub(r"//[^\n]*", "", text)


def expand(tree):
    """`a::{b, c::{d}}` -> [a::b, a::c::d] (enough of the grammar for paths)."""
    tree = re.sub(r"\s+", "", tree)
    out = []

    def walk(prefix, s):
        i = s.find("{")
        if i < 0:
            for part in s.split(","):
                if part:
                    out.append(prefix + part)
            return
        head = s[:i]
        depth, j = 0, i
        for j in range(i, len(s)):
            depth += {"{": 1, "}": -1}.get(s[j], 0)
            if depth == 0:
                break
        inner, rest = s[i + 1 : j], s[j + 1 :].lstrip(",")
        pieces, depth, start = [], 0, 0
        for k, ch in enumerate(inner):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if ch == "," and depth == 0:
                pieces.append(inner[start:k])
                start = k + 1
        pieces.append(inner[start:])
        pre = head.rsplit(",", 1)
        if len(pre) == 2:
            walk(prefix, pre[0])
            head = pre[1]
        for p in pieces:
            walk(prefix + head, p)
        walk(prefix, rest)

    walk("", tree)
    return out


def targets(me, text, mods):
    paths = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        paths += expand(m.group(1))
    paths += re.findall(r"(?<![\w:])((?:crate|super)(?:::\w+)+)", text)
    found = set()
    for p in paths:
        p = p.split(" as ")[0].split("as")[0] if " as " in p else p
        parts = p.split("::")
        if parts[0] == "crate":
            base = []
        elif parts[0] in ("super", "self"):
            # Module paths, not file paths: `self` is this module, each `super` one level up.
            base = list(me)
            while parts and parts[0] in ("super", "self"):
                if parts[0] == "super":
                    base = base[:-1]
                parts = parts[1:]
            parts = ["crate"] + parts
        elif tuple(me) + (parts[0],) in mods:
            # 2018-edition relative path to a child module: `use config::X` in `http`.
            base, parts = list(me), ["crate"] + parts
        else:
            continue
        full = base + parts[1:]
        for n in range(len(full), 0, -1):
            if tuple(full[:n]) in mods:
                t = tuple(full[:n])
                if t != me and not is_ancestor(t, me):
                    found.add(t)
                break
    return found


def is_ancestor(a, b):
    return len(a) < len(b) and b[: len(a)] == a


def sccs(graph):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            out.append(comp)

    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    args = sys.argv[1:]
    src = args[0]
    # `--inside crate` means the whole crate: no circle at all.
    inside = [() if a == "crate" else tuple(a.split("::")) for a in args[2::2]]
    mods = modules(src)
    graph = {}
    for m, path in mods.items():
        with open(path) as f:
            graph[m] = targets(m, strip_tests(f.read()), mods)
    bad = 0
    for comp in sccs(graph):
        if len(comp) < 2:
            continue
        names = sorted("::".join(c) or "crate" for c in comp)
        folders = {os.path.dirname(mods[c]) for c in comp}
        under = [p for p in inside if all(c[: len(p)] == p for c in comp)]
        verdict = "ok (one folder)"
        if len(folders) > 1:
            verdict, bad = "CIRCLE across folders", bad + 1
        elif under:
            verdict, bad = "CIRCLE inside " + "::".join(under[0]), bad + 1
        print(f"{verdict}: {', '.join(names)}")
    print(f"{len(mods)} modules, {bad} circle(s) that count")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
