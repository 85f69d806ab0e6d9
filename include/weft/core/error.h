// defines: Error and its family (ShapeError, DTypeError, DeviceError, IndexError,
// ConfigError, DataError, CheckpointError), WEFT_CHECK.
//
// Every failure a user can cause is one of these exceptions, with a message that
// names the op / key / file and the offending values. The CLI maps the family to
// an exit code (the README's architecture map: 2 recipe, 3 data, 4 checkpoint, 1 otherwise).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace weft {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
class ShapeError : public Error {
 public:
  using Error::Error;
};
class DTypeError : public Error {
 public:
  using Error::Error;
};
class DeviceError : public Error {
 public:
  using Error::Error;
};
class IndexError : public Error {
 public:
  using Error::Error;
};
class ValueError : public Error {
 public:
  using Error::Error;
};
class AutogradError : public Error {
 public:
  using Error::Error;
};
class ConfigError : public Error {
 public:
  using Error::Error;
};
class DataError : public Error {
 public:
  using Error::Error;
};
class CheckpointError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace weft

// WEFT_CHECK(cond, ErrorType, parts...) throws ErrorType(concat(parts...)) when !cond.
#define WEFT_CHECK(cond, ErrorType, ...)                                                 \
  do {                                                                                   \
    if (!(cond)) throw ErrorType(::weft::detail::concat(__VA_ARGS__));                   \
  } while (0)
