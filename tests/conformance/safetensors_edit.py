"""Minimal raw safetensors reader/writer for making broken checkpoints (bytes kept as stored, so
BF16 / U32 tensors round-trip exactly without numpy dtype support)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

DTYPE_SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
               "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}


def read(path: Path):
    """-> (metadata or None, {name: (dtype, shape, raw bytes)}) in file order."""
    data = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", None)
    base = 8 + n
    tensors = {}
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        b, e = info["data_offsets"]
        tensors[name] = (info["dtype"], list(info["shape"]), data[base + b:base + e])
    return meta, tensors


def write(path: Path, meta, tensors: dict) -> None:
    header, blobs, off = {}, [], 0
    if meta is not None:
        header["__metadata__"] = meta
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))
