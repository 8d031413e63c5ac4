#!/usr/bin/env python3
"""Fails when a source file includes a header of a layer it may not use.

The layers and what each may include are the architecture (README.md, "Architecture"); the CMake
link lines say the same, but a header-only use would link anyway, so this reads the includes.
Run from anywhere: python3 scripts/check-layers.py [ROOT]
"""
import pathlib
import re
import sys

# folder -> the folders its files may include (its own is always allowed).
ALLOWED = {
    "base": [],
    "template": ["base"],
    "kube": ["base"],
    "controller": ["kube", "base"],
    "reconcilers/api": ["base"],
    "reconcilers/render": ["reconcilers/api", "template", "base"],
    "reconcilers/apply": ["reconcilers/render", "reconcilers/api", "template", "controller", "kube", "base"],
    "reconcilers/operator": ["reconcilers/apply", "reconcilers/render", "reconcilers/api", "template",
                             "controller", "kube", "base"],
    "cmd": ["reconcilers/operator", "reconcilers/apply", "reconcilers/render", "reconcilers/api",
            "template", "controller", "kube", "base"],
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(rel):
    """The most specific layer folder a repository path lies in, or None."""
    best = None
    for layer in ALLOWED:
        if rel == layer or rel.startswith(layer + "/"):
            if best is None or len(layer) > len(best):
                best = layer
    return best


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent).resolve()
    problems = []
    for layer in ALLOWED:
        for path in sorted((root / layer).glob("**/*")):
            if path.suffix not in (".h", ".cpp", ".inc"):
                continue
            rel = path.relative_to(root).as_posix()
            if layer_of(rel) != layer:
                continue  # a deeper layer's file; checked under that layer
            for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = layer_of(m.group(1))
                if target is None or target == layer or target in ALLOWED[layer]:
                    continue
                problems.append(f"{rel}:{lineno}: {layer}/ may not include {m.group(1)} ({target}/ is not below it)")
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) go against the layers; see README.md, Architecture", file=sys.stderr)
        return 1
    print(f"layers ok ({', '.join(ALLOWED)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
