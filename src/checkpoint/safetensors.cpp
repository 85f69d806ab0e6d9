// safetensors reader and writer (format summary in weft/checkpoint/safetensors.h).
//
// The reader validates the whole header and the data layout before it allocates
// a tensor, so a damaged or hostile file fails with a precise message instead of
// a huge allocation or a read past the end. nlohmann::json silently keeps the last
// of duplicate keys, so a parser callback tracks the keys of every open object.
#include "weft/checkpoint/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>

#include <nlohmann/json.hpp>

#include "bounded_json.h"
#include "durable_io.h"

namespace weft {
namespace fs = std::filesystem;
using json = nlohmann::json;

// safetensors data is little-endian; weft writes and reads host memory directly.
static_assert(std::endian::native == std::endian::little, "weft's safetensors I/O assumes a little-endian host");

namespace {

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
// A valid header nests three deep (root → tensor entry → shape list); anything far
// deeper is hostile, and a 100,000-deep array would overflow the stack of every
// recursive walk of the parsed value (dump(), comparison, ...).
constexpr int kMaxHeaderDepth = 16;
constexpr const char* kMetadataKey = "__metadata__";

template <typename... Args>
[[noreturn]] void fail(const fs::path& file, const Args&... args) {
  throw CheckpointError(detail::concat("safetensors file '", file.string(), "': ", args...));
}

std::string_view st_dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "F32";
    case DType::f64: return "F64";
    case DType::i32: return "I32";
    case DType::i64: return "I64";
    case DType::bf16: return "BF16";
    case DType::f16: return "F16";
  }
  return "?";
}

std::optional<DType> dtype_from_st_name(std::string_view s) {
  for (DType t : {DType::f32, DType::f64, DType::i32, DType::i64, DType::bf16, DType::f16})
    if (st_dtype_name(t) == s) return t;
  return std::nullopt;
}

// Every dtype the format defines; weft reads only the six above but says so precisely.
bool is_safetensors_dtype(std::string_view s) {
  static constexpr std::string_view all[] = {
      "BOOL", "U8",  "I8",  "I16", "U16",     "F16",     "BF16",    "I32",         "U32",         "F32", "C64",
      "F64",  "I64", "U64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F4",  "F6_E2M3",
      "F6_E3M2"};
  return std::find(std::begin(all), std::end(all), s) != std::end(all);
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

struct Header {
  std::map<std::string, std::string> metadata;
  std::vector<Entry> entries;  // ascending data offset
  uint64_t data_start = 0;     // 8 + N
};

// Parses the JSON header, refusing duplicate keys at any nesting level.
json parse_header_json(const fs::path& file, const std::string& text) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  json::parser_callback_t track_keys = [&](int, json::parse_event_t ev, json& parsed) {
    if (ev == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (ev == json::parse_event_t::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (ev == json::parse_event_t::key && !open_objects.empty()) {
      if (!open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty())
        duplicate = parsed.get<std::string>();
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text, ckpt_io::depth_limited(kMaxHeaderDepth, "safetensors file '" + file.string() + "': header",
                                                 track_keys));
  } catch (const json::exception& e) {
    fail(file, "header is not valid JSON: ", e.what());
  }
  if (!duplicate.empty()) fail(file, "header has the key '", duplicate, "' more than once");
  if (!j.is_object()) fail(file, "header is JSON but not an object (it is a ", j.type_name(), ")");
  return j;
}

std::string show(const json& v) { return ckpt_io::json_excerpt(v); }

// A JSON value as a uint64, or nullopt when it is not a non-negative integer.
std::optional<uint64_t> as_count(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  return std::nullopt;
}

Entry parse_entry(const fs::path& file, const std::string& name, const json& v) {
  if (!v.is_object()) fail(file, "entry for tensor '", name, "' is not an object (it is ", show(v), ")");
  Entry e;
  e.name = name;

  const auto dt = v.find("dtype");
  if (dt == v.end() || !dt->is_string()) fail(file, "tensor '", name, "' has no \"dtype\" string");
  const std::string dts = dt->get<std::string>();
  const std::optional<DType> dtype = dtype_from_st_name(dts);
  if (!dtype) {
    if (is_safetensors_dtype(dts))
      fail(file, "tensor '", name, "' has dtype ", dts, ", which weft does not support (F32, F64, I32, I64, BF16, F16)");
    fail(file, "tensor '", name, "' has unknown dtype '", dts, "'");
  }
  e.dtype = *dtype;

  const auto sh = v.find("shape");
  if (sh == v.end() || !sh->is_array())
    fail(file, "tensor '", name, "': \"shape\" must be a list of non-negative integers, got ",
         sh == v.end() ? std::string("nothing") : show(*sh));
  bool has_zero = false;
  for (const json& d : *sh) {
    const std::optional<uint64_t> n = as_count(d);
    if (!n || *n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail(file, "tensor '", name, "': \"shape\" must be a list of non-negative integers, got ", show(*sh));
    e.shape.push_back(static_cast<int64_t>(*n));
    has_zero = has_zero || *n == 0;
  }
  // numel × dtype size, refusing overflow (any zero dimension makes it 0).
  uint64_t bytes = has_zero ? 0 : dtype_size(e.dtype);
  for (int64_t d : e.shape) {
    if (has_zero) break;
    const uint64_t ud = static_cast<uint64_t>(d);
    if (bytes > std::numeric_limits<uint64_t>::max() / ud)
      fail(file, "tensor '", name, "': shape ", show(*sh), " overflows a 64-bit byte count");
    bytes *= ud;
  }

  const auto off = v.find("data_offsets");
  std::optional<uint64_t> b, en;
  if (off != v.end() && off->is_array() && off->size() == 2) {
    b = as_count((*off)[0]);
    en = as_count((*off)[1]);
  }
  if (!b || !en)
    fail(file, "tensor '", name, "': \"data_offsets\" must be [begin, end] with non-negative integers, got ",
         off == v.end() ? std::string("nothing") : show(*off));
  if (*en < *b) fail(file, "tensor '", name, "': data_offsets [", *b, ", ", *en, "] end before they begin");
  e.begin = *b;
  e.end = *en;
  if (e.end - e.begin != bytes)
    fail(file, "tensor '", name, "': data_offsets [", e.begin, ", ", e.end, "] span ", e.end - e.begin,
         " bytes but ", dts, " ", show(*sh), " needs ", bytes);
  return e;
}

Header read_header(const fs::path& file, const ckpt_io::Fd& fd, uint64_t file_size) {
  if (file_size < 8)
    fail(file, "file is ", file_size, " bytes, shorter than the 8-byte header length (truncated or not safetensors)");
  unsigned char len_bytes[8];
  ckpt_io::read_exact_at(fd, len_bytes, 8, 0, file);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len_bytes[i];
  if (n > kMaxHeaderBytes)
    fail(file, "header length ", n, " exceeds the limit of ", kMaxHeaderBytes, " bytes (corrupt or not safetensors)");
  if (n > file_size - 8)
    fail(file, "header length ", n, " is larger than the ", file_size - 8,
         " bytes after the length field (truncated or not safetensors)");

  std::string text(static_cast<size_t>(n), '\0');
  ckpt_io::read_exact_at(fd, text.data(), text.size(), 8, file);
  if (text.empty() || text[0] != '{') fail(file, "header does not start with '{' (corrupt or not safetensors)");
  const json j = parse_header_json(file, text);

  Header h;
  h.data_start = 8 + n;
  for (const auto& [key, value] : j.items()) {
    if (key == kMetadataKey) {
      if (value.is_null()) continue;
      if (!value.is_object()) fail(file, "\"__metadata__\" is not an object of strings");
      for (const auto& [mk, mv] : value.items()) {
        if (!mv.is_string()) fail(file, "\"__metadata__\" value of '", mk, "' is not a string (it is ", show(mv), ")");
        h.metadata.emplace(mk, mv.get<std::string>());
      }
      continue;
    }
    h.entries.push_back(parse_entry(file, key, value));
  }

  // The tensors must tile [0, data_len) exactly. Ties (empty tensors sharing an
  // offset) are ordered as the writer lays them out: larger dtype, then name.
  std::sort(h.entries.begin(), h.entries.end(), [](const Entry& a, const Entry& b) {
    return std::make_tuple(a.begin, a.end, dtype_size(b.dtype), std::string_view(a.name)) <
           std::make_tuple(b.begin, b.end, dtype_size(a.dtype), std::string_view(b.name));
  });
  const uint64_t data_len = file_size - h.data_start;
  uint64_t pos = 0;
  const Entry* prev = nullptr;
  for (const Entry& e : h.entries) {
    if (e.begin > pos)
      fail(file, "data bytes [", pos, ", ", e.begin, ") belong to no tensor (a hole before '", e.name, "')");
    if (e.begin < pos)
      fail(file, "tensor '", e.name, "' at data_offsets [", e.begin, ", ", e.end, "] overlaps tensor '", prev->name,
           "' which ends at ", pos);
    pos = e.end;
    prev = &e;
  }
  if (pos > data_len)
    fail(file, "tensors need ", pos, " data bytes but only ", data_len, " follow the header (truncated file)");
  if (pos < data_len) fail(file, data_len - pos, " trailing bytes after the last tensor's data");
  return h;
}

}  // namespace

void write_safetensors(const fs::path& file, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  struct Item {
    const std::string* name;
    Tensor host;  // contiguous, on the CPU
  };
  std::vector<Item> items;
  items.reserve(tensors.size());
  std::set<std::string_view> seen;
  for (const auto& [name, t] : tensors) {
    if (name == kMetadataKey) fail(file, "'", kMetadataKey, "' is reserved and cannot name a tensor");
    if (!seen.insert(name).second) fail(file, "tensor name '", name, "' appears more than once");
    if (!t.defined()) fail(file, "tensor '", name, "' is undefined");
    Tensor host = t.to(Device::cpu());
    if (!host.is_contiguous()) host = host.clone();
    items.push_back({&name, std::move(host)});
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    const size_t sa = dtype_size(a.host.dtype()), sb = dtype_size(b.host.dtype());
    return sa != sb ? sa > sb : *a.name < *b.name;
  });

  // ordered_json keeps the reference writer's key order: metadata, then data order.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  uint64_t offset = 0;
  for (const Item& it : items) {
    nlohmann::ordered_json e = nlohmann::ordered_json::object();
    e["dtype"] = st_dtype_name(it.host.dtype());
    e["shape"] = it.host.shape();
    const uint64_t end = offset + it.host.nbytes();
    e["data_offsets"] = nlohmann::ordered_json::array({offset, end});
    header[*it.name] = std::move(e);
    offset = end;
  }
  std::string text;
  try {
    text = header.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::strict);
  } catch (const nlohmann::ordered_json::exception& e) {
    fail(file, "a tensor name or metadata string is not valid UTF-8 (", e.what(), ")");
  }
  // Spaces up to a multiple of 8 keep the data section 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  if (text.size() > kMaxHeaderBytes)
    fail(file, "header would be ", text.size(), " bytes, over the format's limit of ", kMaxHeaderBytes);

  unsigned char len_bytes[8];
  for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>(static_cast<uint64_t>(text.size()) >> (8 * i));

  ckpt_io::Fd fd = ckpt_io::open_write(file);
  try {
    ckpt_io::write_all(fd, len_bytes, 8, file);
    ckpt_io::write_all(fd, text.data(), text.size(), file);
    for (const Item& it : items)
      if (it.host.nbytes() > 0) ckpt_io::write_all(fd, it.host.raw_data(), it.host.nbytes(), file);
    ckpt_io::fsync_fd(fd, file);
    fd.close_checked(file);
  } catch (...) {
    fd = ckpt_io::Fd();
    std::error_code ec;
    fs::remove(file, ec);  // never leave a half-written file that looks like a checkpoint
    throw;
  }
}

NamedTensors read_safetensors(const fs::path& file) {
  uint64_t size = 0;
  const ckpt_io::Fd fd = ckpt_io::open_read(file, &size);
  const Header h = read_header(file, fd, size);
  NamedTensors out;
  out.reserve(h.entries.size());
  for (const Entry& e : h.entries) {
    Tensor t = Tensor::empty(e.shape, e.dtype, Device::cpu());
    if (t.nbytes() > 0) ckpt_io::read_exact_at(fd, t.raw_data(), t.nbytes(), h.data_start + e.begin, file);
    out.emplace_back(e.name, std::move(t));
  }
  return out;
}

std::map<std::string, std::string> read_safetensors_metadata(const fs::path& file) {
  uint64_t size = 0;
  const ckpt_io::Fd fd = ckpt_io::open_read(file, &size);
  return read_header(file, fd, size).metadata;
}

}  // namespace weft
