#include "weft/core/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace weft {

namespace {

const char* kind_of(mode_t m) {
  if (S_ISDIR(m)) return "is a folder, not a file";
  if (S_ISFIFO(m)) return "is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(m)) return "is a character device, not a regular file";
  if (S_ISBLK(m)) return "is a block device, not a regular file";
  if (S_ISSOCK(m)) return "is a socket, not a regular file";
  return "is not a regular file";
}

}  // namespace

OpenedFile open_regular_file(const std::filesystem::path& file) {
  OpenedFile out;
  int fd;
  // O_NONBLOCK: open() of a FIFO with no writer would otherwise wait forever.
  do fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    out.problem = std::strerror(errno);
    return out;
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    out.problem = std::string("cannot stat: ") + std::strerror(errno);
    ::close(fd);
    return out;
  }
  if (!S_ISREG(st.st_mode)) {
    out.problem = kind_of(st.st_mode);
    ::close(fd);
    return out;
  }
  // Regular files ignore O_NONBLOCK for reads; clear it anyway for plain semantics.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  out.fd = fd;
  out.size = static_cast<uint64_t>(st.st_size);
  return out;
}

std::string read_regular_file(const std::filesystem::path& file, uint64_t max_bytes, std::string* problem) {
  problem->clear();
  OpenedFile f = open_regular_file(file);
  if (f.fd < 0) {
    *problem = f.problem;
    return {};
  }
  std::string text;
  if (f.size > max_bytes) {
    *problem = "is " + std::to_string(f.size) + " bytes, over the " + std::to_string(max_bytes) + "-byte limit";
  } else {
    // Read until EOF but never past max_bytes + 1, whatever st_size said: a file
    // that grows while being read is caught too.
    const uint64_t cap = max_bytes + 1;
    text.resize(static_cast<size_t>(std::min<uint64_t>(cap, f.size + 1)));
    size_t got = 0;
    while (true) {
      if (got == text.size()) {
        if (text.size() >= cap) break;
        text.resize(static_cast<size_t>(std::min<uint64_t>(cap, 2 * text.size() + 4096)));
      }
      const ssize_t r = ::read(f.fd, text.data() + got, text.size() - got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        *problem = std::string("read error: ") + std::strerror(errno);
        break;
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    text.resize(got);
    if (problem->empty() && got > max_bytes)
      *problem = "is over the " + std::to_string(max_bytes) + "-byte limit (it grew while being read)";
  }
  ::close(f.fd);
  if (!problem->empty()) text.clear();
  return text;
}

}  // namespace weft
