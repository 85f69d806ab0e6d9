// UTF-8 helpers private to data/: strict decoding (no overlong forms, no
// surrogates, nothing above U+10FFFF), so a chars vocabulary only ever holds
// well-formed code points and its JSON form is valid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace weft::utf8 {

// Decodes the code point starting at s[i] into `cp`; returns its length in bytes
// (1–4), or 0 when the bytes there are not well-formed UTF-8.
inline int decode(std::string_view s, size_t i, uint32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const size_t n = s.size();
  const uint8_t c0 = b(i);
  const auto cont = [&](size_t k) { return k < n && (b(k) & 0xC0) == 0x80; };
  if (c0 < 0x80) {
    cp = c0;
    return 1;
  }
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    if (!cont(i + 1)) return 0;
    cp = (uint32_t(c0 & 0x1F) << 6) | (b(i + 1) & 0x3F);
    return 2;
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    cp = (uint32_t(c0 & 0x0F) << 12) | (uint32_t(b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;  // overlong or surrogate
    return 3;
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    cp = (uint32_t(c0 & 0x07) << 18) | (uint32_t(b(i + 1) & 0x3F) << 12) | (uint32_t(b(i + 2) & 0x3F) << 6) |
         (b(i + 3) & 0x3F);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;  // overlong or out of range
    return 4;
  }
  return 0;
}

// The byte offset of the first malformed sequence, or npos when `s` is valid.
inline size_t first_invalid(std::string_view s) {
  uint32_t cp = 0;
  for (size_t i = 0; i < s.size();) {
    const int len = decode(s, i, cp);
    if (len == 0) return i;
    i += static_cast<size_t>(len);
  }
  return std::string_view::npos;
}

inline std::string encode(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// "U+00E9", for messages.
inline std::string code_name(uint32_t cp) {
  static const char* hex = "0123456789ABCDEF";
  std::string digits;
  for (uint32_t v = cp; v != 0 || digits.size() < 4; v >>= 4) digits.insert(digits.begin(), hex[v & 0xF]);
  return "U+" + digits;
}

}  // namespace weft::utf8
