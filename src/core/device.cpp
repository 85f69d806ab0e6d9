#include "weft/core/device.h"

#include "weft/core/error.h"

namespace weft {

Device Device::parse(const std::string& s) {
  if (s == "cpu") return cpu();
  if (s == "cuda") return cuda(0);
  if (s == "emu") return emu();
  if (s.rfind("cuda:", 0) == 0) {
    try {
      size_t pos = 0;
      int i = std::stoi(s.substr(5), &pos);
      if (pos == s.size() - 5 && i >= 0) return cuda(i);
    } catch (const std::exception&) {
    }
  }
  throw ValueError("unknown device '" + s + "' (expected cpu, cuda, cuda:N or emu)");
}

}  // namespace weft
