// defines: DeviceType, Device.
//
// cpu and cuda are the real devices. emu is a test device: host memory behind a
// device boundary (backend/emu.h), so code that must work on a GPU — no host
// pointers into device tensors, every tensor on the model's device, transfers only
// where intended — can be run and checked on a machine without one.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace weft {

enum class DeviceType : uint8_t { cpu, cuda, emu };

struct Device {
  DeviceType type = DeviceType::cpu;
  int index = 0;

  static Device cpu() { return {DeviceType::cpu, 0}; }
  static Device cuda(int i = 0) { return {DeviceType::cuda, i}; }
  static Device emu() { return {DeviceType::emu, 0}; }
  bool is_cpu() const { return type == DeviceType::cpu; }
  bool is_cuda() const { return type == DeviceType::cuda; }
  bool is_emu() const { return type == DeviceType::emu; }
  bool operator==(const Device&) const = default;
  std::string str() const { return is_cpu() ? "cpu" : is_emu() ? "emu" : "cuda:" + std::to_string(index); }
  // Parses "cpu", "cuda", "cuda:N", "emu"; throws ValueError otherwise.
  static Device parse(const std::string& s);
};

inline std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

}  // namespace weft
