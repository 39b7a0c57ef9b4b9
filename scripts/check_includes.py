#!/usr/bin/env python3
"""Fails when a source file includes a header from a folder above its own.

The layer order (bottom first) is the one docs/ARCHITECTURE.md writes down; a folder may
include its own headers and those of any folder below it. Unit tests (*_test.cc) sit beside
the code but may reach up to build their fixtures, so they are not checked.

usage: scripts/check_includes.py [SRC_DIR]   (default: src/ next to this script)
"""
import pathlib
import re
import sys

LAYERS = [
    "util", "io", "sampler", "kernels", "tokenizer", "chat_template", "grammar", "kv_cache", "scheduler", "dist",
    "model", "runner", "engine", "api", "server", "bench", "cli",
]
RANK = {name: i for i, name in enumerate(LAYERS)}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_0-9]+)/[^"]+"', re.M)


def main() -> int:
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent / "src")
    bad = []
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cc", ".cu", ".cuh") or path.name.endswith("_test.cc"):
            continue
        folder = path.relative_to(src).parts[0]
        if folder not in RANK:
            bad.append(f"{path}: folder '{folder}' is not in the layer order (add it to {__file__})")
            continue
        for m in INCLUDE.finditer(path.read_text(errors="replace")):
            target = m.group(1)
            if target in RANK and RANK[target] > RANK[folder]:
                line = path.read_text(errors="replace")[: m.start()].count("\n") + 1
                bad.append(f"{path}:{line}: {folder}/ includes {target}/ (above it in the layer order)")
    for b in bad:
        print(b, file=sys.stderr)
    if bad:
        print(f"check_includes: {len(bad)} upward include(s); layer order, bottom first: "
              + " < ".join(LAYERS), file=sys.stderr)
        return 1
    print(f"check_includes: ok ({len(LAYERS)} layers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
