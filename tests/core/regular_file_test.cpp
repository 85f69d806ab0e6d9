// open_regular_file / read_regular_file: regular files only (after links), never
// blocking on a FIFO, never reading past the limit.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "weft/core/regular_file.h"

using namespace weft;
namespace fs = std::filesystem;

TEST_SUITE("core_files") {
  TEST_CASE("read_regular_file refuses FIFOs, devices, folders and oversize files by kind; reads regular ones") {
    ::alarm(60);  // a regression blocks in open(): SIGALRM ends the run instead
    const fs::path dir = fs::temp_directory_path() / ("weft_regular_file_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    {
      std::ofstream(dir / "ok.txt") << "hello";
    }
    std::string problem;
    CHECK(read_regular_file(dir / "ok.txt", 5, &problem) == "hello");
    CHECK(problem.empty());
    CHECK(read_regular_file(dir / "ok.txt", 4, &problem).empty());
    CHECK(problem.find("over the 4-byte limit") != std::string::npos);

    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    CHECK(read_regular_file(dir / "fifo", 100, &problem).empty());
    CHECK(problem.find("FIFO") != std::string::npos);
    // Through a link, too: the target's kind decides.
    fs::create_symlink("/dev/zero", dir / "zero_link.yaml");
    CHECK(read_regular_file(dir / "zero_link.yaml", 100, &problem).empty());
    CHECK(problem.find("character device") != std::string::npos);
    CHECK(read_regular_file("/dev/zero", 100, &problem).empty());
    CHECK(problem.find("character device") != std::string::npos);
    CHECK(read_regular_file(dir, 100, &problem).empty());
    CHECK(problem.find("folder") != std::string::npos);
    CHECK(read_regular_file(dir / "absent", 100, &problem).empty());
    CHECK(problem.find("No such file") != std::string::npos);

    OpenedFile f = open_regular_file(dir / "ok.txt");
    REQUIRE(f.fd >= 0);
    CHECK(f.size == 5);
    ::close(f.fd);
    CHECK(open_regular_file(dir / "fifo").fd == -1);
    ::alarm(0);
    fs::remove_all(dir);
  }
}
