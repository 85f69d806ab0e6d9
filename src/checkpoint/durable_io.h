// defines: the POSIX file helpers behind checkpoints (internal to src/checkpoint):
// an owning file descriptor, complete reads/writes, fsync of files and folders,
// and durable whole-file writes.
//
// Checkpoints must survive a crash at any instant, which std::ofstream cannot
// promise: it has no fsync, and neither it nor std::filesystem can fsync a folder
// (needed so a rename or a new file's directory entry is itself on disk). Every
// failure is a CheckpointError naming the path and the system's reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace weft::ckpt_io {

// Owns a file descriptor; closes it (ignoring errors) unless close_checked() ran.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  ~Fd();
  int get() const { return fd_; }
  // close() whose failure (a deferred write error on some filesystems) is reported.
  void close_checked(const std::filesystem::path& file);

 private:
  int fd_ = -1;
};

// Opens for reading; the file must be a regular file. Returns its size in *size.
Fd open_read(const std::filesystem::path& file, uint64_t* size);
// Creates or truncates for writing (mode 0644).
Fd open_write(const std::filesystem::path& file);

void write_all(const Fd& fd, const void* data, size_t n, const std::filesystem::path& file);
// Reads exactly n bytes at `offset`; a short read means the file shrank underneath us.
void read_exact_at(const Fd& fd, void* data, size_t n, uint64_t offset, const std::filesystem::path& file);
void fsync_fd(const Fd& fd, const std::filesystem::path& file);
// fsyncs a folder so that entries created, renamed or removed in it are durable.
void fsync_dir(const std::filesystem::path& dir);

// Writes `contents` to `file` (create/truncate), fsyncs and closes it.
void write_file_durable(const std::filesystem::path& file, std::string_view contents);
// The whole file as a string (state.json, LATEST).
std::string read_text_file(const std::filesystem::path& file);

}  // namespace weft::ckpt_io
