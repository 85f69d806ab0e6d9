#!/usr/bin/env python3
"""Independent safetensors reader: validates files and prints every tensor.

Written from the format's specification (huggingface/safetensors), sharing no
code with weft, to show that weft's checkpoints load in any safetensors reader.
Needs only python3 and numpy.

usage: scripts/check_safetensors.py FILE.safetensors [FILE ...]

For each file: a '#' line (tensor count, header size, metadata), then one line
per tensor in data order, tab-separated: name, dtype, shape, sum (float64 sum of
the values as repr(); '-' for dtypes numpy cannot represent). Exit status 0 when
every file is valid, 1 when one is not (the reason goes to stderr), 2 on usage.
"""
import json
import struct
import sys

import numpy as np

MAX_HEADER = 100_000_000

# dtype -> (bits per element, numpy dtype or None when numpy has no equivalent)
DTYPES = {
    "BOOL": (8, np.dtype(np.bool_)),
    "U8": (8, np.dtype("<u1")),
    "I8": (8, np.dtype("<i1")),
    "I16": (16, np.dtype("<i2")),
    "U16": (16, np.dtype("<u2")),
    "F16": (16, np.dtype("<f2")),
    "BF16": (16, None),  # decoded by hand below
    "I32": (32, np.dtype("<i4")),
    "U32": (32, np.dtype("<u4")),
    "F32": (32, np.dtype("<f4")),
    "C64": (64, np.dtype("<c8")),
    "F64": (64, np.dtype("<f8")),
    "I64": (64, np.dtype("<i8")),
    "U64": (64, np.dtype("<u8")),
    "F8_E5M2": (8, None),
    "F8_E4M3": (8, None),
    "F8_E8M0": (8, None),
    "F8_E4M3FNUZ": (8, None),
    "F8_E5M2FNUZ": (8, None),
    "F4": (4, None),
    "F6_E2M3": (6, None),
    "F6_E3M2": (6, None),
}


class FormatError(Exception):
    pass


def _no_duplicate_keys(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise FormatError(f"header has the key {k!r} more than once")
        out[k] = v
    return out


def _reject_constant(name):
    raise FormatError(f"header contains {name}, which is not JSON")


def _is_count(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def load(path):
    """Returns (metadata, [(name, dtype, shape, array or None)]) or raises FormatError."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise FormatError(f"file is {len(data)} bytes, shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER:
        raise FormatError(f"header length {n} exceeds {MAX_HEADER}")
    if n > len(data) - 8:
        raise FormatError(f"header length {n} is larger than the {len(data) - 8} bytes that follow")
    raw = data[8 : 8 + n]
    if not raw.startswith(b"{"):
        raise FormatError("header does not start with '{'")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"header is not UTF-8: {e}") from None
    try:
        header = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise FormatError(f"header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise FormatError("header is not a JSON object")

    metadata = header.pop("__metadata__", None)
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise FormatError("__metadata__ is not a map of strings to strings")

    entries = []
    for name, info in header.items():
        if not isinstance(info, dict):
            raise FormatError(f"entry {name!r} is not an object")
        dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
        if dtype not in DTYPES:
            raise FormatError(f"tensor {name!r}: unknown dtype {dtype!r}")
        if not isinstance(shape, list) or not all(_is_count(d) for d in shape):
            raise FormatError(f"tensor {name!r}: shape {shape!r} is not a list of non-negative integers")
        if not isinstance(offsets, list) or len(offsets) != 2 or not all(_is_count(o) for o in offsets):
            raise FormatError(f"tensor {name!r}: data_offsets {offsets!r} is not [begin, end]")
        begin, end = offsets
        if end < begin:
            raise FormatError(f"tensor {name!r}: data_offsets {offsets} end before they begin")
        numel = 1
        for d in shape:
            numel *= d
        bits = numel * DTYPES[dtype][0]
        if bits % 8:
            raise FormatError(f"tensor {name!r}: {dtype} {shape} does not end on a byte boundary")
        if end - begin != bits // 8:
            raise FormatError(f"tensor {name!r}: data_offsets {offsets} span {end - begin} bytes, expected {bits // 8}")
        entries.append((begin, end, name, dtype, shape))

    buffer = memoryview(data)[8 + n :]
    entries.sort(key=lambda e: (e[0], e[1]))
    pos = 0
    for begin, end, name, _, _ in entries:
        if begin > pos:
            raise FormatError(f"data bytes [{pos}, {begin}) belong to no tensor (hole before {name!r})")
        if begin < pos:
            raise FormatError(f"tensor {name!r} overlaps the previous tensor")
        pos = end
    if pos > len(buffer):
        raise FormatError(f"tensors need {pos} data bytes but only {len(buffer)} are present (truncated)")
    if pos < len(buffer):
        raise FormatError(f"{len(buffer) - pos} trailing bytes after the last tensor")

    tensors = []
    for begin, end, name, dtype, shape in entries:
        chunk = buffer[begin:end]
        np_dtype = DTYPES[dtype][1]
        if np_dtype is not None:
            array = np.frombuffer(chunk, dtype=np_dtype).reshape(shape)
        elif dtype == "BF16":  # bf16 is the top half of an f32
            bits16 = np.frombuffer(chunk, dtype="<u2").astype("<u4")
            array = (bits16 << 16).view("<f4").reshape(shape)
        else:
            array = None
        tensors.append((name, dtype, shape, array))
    return metadata, tensors, n


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    status = 0
    for path in argv[1:]:
        try:
            metadata, tensors, header_len = load(path)
        except (FormatError, OSError) as e:
            print(f"error: {path}: {e}", file=sys.stderr)
            status = 1
            continue
        print(f"# {path}: {len(tensors)} tensors, header {header_len} bytes, metadata {json.dumps(metadata)}")
        for name, dtype, shape, array in tensors:
            if array is None:
                total = "-"
            elif array.dtype.kind == "c":
                total = repr(complex(np.sum(array, dtype=np.complex128)))
            else:
                total = repr(float(np.sum(array, dtype=np.float64)))
            print(f"{name}\t{dtype}\t{shape}\t{total}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
