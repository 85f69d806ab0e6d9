// POSIX implementation of durable_io.h. EINTR is retried; partial reads and
// writes are continued; everything else becomes a CheckpointError.
#include "durable_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "weft/core/error.h"
#include "weft/core/regular_file.h"

namespace weft::ckpt_io {
namespace fs = std::filesystem;

namespace {
[[noreturn]] void sys_fail(const char* action, const fs::path& p) {
  const int e = errno;
  throw CheckpointError(detail::concat("cannot ", action, " '", p.string(), "': ", std::strerror(e)));
}
}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

void Fd::close_checked(const fs::path& file) {
  const int fd = fd_;
  fd_ = -1;
  // On Linux the descriptor is released even when close() fails, so no retry.
  if (fd >= 0 && ::close(fd) != 0 && errno != EINTR) sys_fail("close", file);
}

Fd open_read(const fs::path& file, uint64_t* size) {
  OpenedFile f = open_regular_file(file);  // never blocks on a FIFO; refuses non-files
  if (f.fd < 0) throw CheckpointError(detail::concat("cannot open '", file.string(), "': ", f.problem));
  if (size) *size = f.size;
  return Fd(f.fd);
}

Fd open_write(const fs::path& file) {
  int fd;
  do fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) sys_fail("create", file);
  return Fd(fd);
}

void write_all(const Fd& fd, const void* data, size_t n, const fs::path& file) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    // Linux caps a single write at about 2 GiB; larger tensors take several calls.
    const ssize_t w = ::write(fd.get(), p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      sys_fail("write", file);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void read_exact_at(const Fd& fd, void* data, size_t n, uint64_t offset, const fs::path& file) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::pread(fd.get(), p, n, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      sys_fail("read", file);
    }
    WEFT_CHECK(r > 0, CheckpointError, "'", file.string(), "': unexpected end of file at byte ", offset,
               " (the file shrank while being read)");
    p += r;
    n -= static_cast<size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
}

void fsync_fd(const Fd& fd, const fs::path& file) {
  int rc;
  do rc = ::fsync(fd.get());
  while (rc != 0 && errno == EINTR);
  if (rc != 0) sys_fail("fsync", file);
}

void fsync_dir(const fs::path& dir) {
  int fd;
  do fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) sys_fail("open folder", dir);
  Fd owned(fd);
  fsync_fd(owned, dir);
  owned.close_checked(dir);
}

void write_file_durable(const fs::path& file, std::string_view contents) {
  Fd fd = open_write(file);
  write_all(fd, contents.data(), contents.size(), file);
  fsync_fd(fd, file);
  fd.close_checked(file);
}

std::string read_text_file(const fs::path& file) {
  uint64_t size = 0;
  Fd fd = open_read(file, &size);
  std::string s(static_cast<size_t>(size), '\0');
  read_exact_at(fd, s.data(), s.size(), 0, file);
  return s;
}

}  // namespace weft::ckpt_io
