// defines: write_safetensors, read_safetensors, read_safetensors_metadata.
//
// safetensors (huggingface/safetensors) is the file format of checkpoints, so any
// safetensors reader (Python's `safetensors`, PyTorch, NumPy via
// scripts/check_safetensors.py) can open weft's weights without weft:
//   bytes 0..7   N, the header length, unsigned 64-bit little-endian
//   next N bytes a UTF-8 JSON object, padded with spaces so N % 8 == 0:
//                {"__metadata__": {str: str}, "name": {"dtype": "F32", "shape": [..],
//                 "data_offsets": [begin, end]}, ...}
//   the rest     the data: each tensor row-major little-endian at [begin, end)
//                relative to the end of the header; the tensors tile it exactly.
// dtypes: F32, F64, I32, I64, BF16, F16 (weft's DTypes). Files holding other valid
// safetensors dtypes (U8, BOOL, ...) are refused with a CheckpointError naming them.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "weft/core/tensor.h"

namespace weft {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Writes `tensors` (any device, any strides: copied to a contiguous host tensor when
// needed) to `file`, replacing it, then fsyncs the file. Data is laid out like the
// reference writer: by descending dtype size, then by name (byte order), so equal
// inputs give byte-identical files. `metadata` becomes "__metadata__" when non-empty.
// Throws CheckpointError naming the file for duplicate or reserved ("__metadata__")
// names, names that are not valid UTF-8, and any I/O failure (a partial file is
// removed). Fsyncing the containing folder is the caller's job.
void write_safetensors(const std::filesystem::path& file, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Reads every tensor of `file` into fresh contiguous CPU tensors, returned in file
// order (ascending data offset; this is the writer's order for weft's own files).
// Validates the whole file first; any violation of the format is a CheckpointError
// that names the file and the problem: a file shorter than 8 bytes, a header
// length over 100,000,000 bytes or past the end of the file, a header that is not a
// JSON object (or does not start with '{'), duplicate keys, an unknown or
// unsupported dtype, a shape that is not a list of non-negative integers, bad
// data_offsets, a byte size that differs from numel × dtype size, and offsets that
// do not tile the data section exactly (holes, overlaps, trailing bytes).
NamedTensors read_safetensors(const std::filesystem::path& file);

// The "__metadata__" map (empty when absent). Validates the header and the data
// layout exactly like read_safetensors but reads no tensor data.
std::map<std::string, std::string> read_safetensors_metadata(const std::filesystem::path& file);

}  // namespace weft
