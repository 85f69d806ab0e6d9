#include "weft/dist/communicator.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace weft {

namespace {

std::unique_ptr<Communicator>& world_slot() {
  static std::unique_ptr<Communicator> w = make_single_communicator();
  return w;
}

// What each rank contributes to an agreement: its status and its token.
struct AgreeRecord {
  int32_t code;
  char token[60];
  uint64_t command;
};

uint64_t& command_token() {
  static uint64_t t = 0;
  return t;
}

}  // namespace

Communicator& world() { return *world_slot(); }
void set_command_token(uint64_t token) { command_token() = token; }
void set_world(std::unique_ptr<Communicator> c) { world_slot() = std::move(c); }

std::vector<std::string> Communicator::all_gather(const std::string& mine) {
  const int n = size();
  uint64_t len = mine.size();
  std::vector<uint64_t> lens(static_cast<size_t>(n));
  std::vector<size_t> eight(static_cast<size_t>(n), sizeof(uint64_t)), off8(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) off8[size_t(i)] = size_t(i) * sizeof(uint64_t);
  all_gather_v(&len, sizeof len, lens.data(), eight, off8)->wait();
  std::vector<size_t> bytes(static_cast<size_t>(n)), off(static_cast<size_t>(n));
  size_t total = 0;
  for (int i = 0; i < n; ++i) {
    bytes[size_t(i)] = lens[size_t(i)];
    off[size_t(i)] = total;
    total += lens[size_t(i)];
  }
  std::string all(total, '\0');
  all_gather_v(mine.data(), mine.size(), all.data(), bytes, off)->wait();
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(all.substr(off[size_t(i)], bytes[size_t(i)]));
  return out;
}

void Communicator::agree(int code, const std::string& message, const std::string& token) {
  ++agreements_;
  const int n = size();
  AgreeRecord mine{};
  mine.code = code;
  std::strncpy(mine.token, token.c_str(), sizeof mine.token - 1);
  mine.command = command_token();
  std::vector<AgreeRecord> all(static_cast<size_t>(n));
  std::vector<size_t> bytes(static_cast<size_t>(n), sizeof(AgreeRecord)), off(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) off[size_t(i)] = size_t(i) * sizeof(AgreeRecord);
  all_gather_v(&mine, sizeof mine, all.data(), bytes, off)->wait();
  int failed = -1;
  for (int i = 0; i < n && failed < 0; ++i)
    if (all[size_t(i)].code != 0) failed = i;
  if (failed >= 0) {
    // The failing rank's message travels to everyone (rank 0 prints it).
    uint64_t len = failed == rank() ? message.size() : 0;
    broadcast(&len, sizeof len, failed);
    std::string text = failed == rank() ? message : std::string(len, '\0');
    if (len > 0) broadcast(text.data(), len, failed);
    const std::string where = n > 1 && failed != 0 ? "rank " + std::to_string(failed) + " of " + std::to_string(n) + ": " : "";
    throw CollectiveFailure(where + text, all[size_t(failed)].code, failed);
  }
  for (int i = 1; i < n; ++i)
    if (std::strncmp(all[size_t(i)].token, all[0].token, sizeof mine.token) != 0)
      throw CollectiveFailure("rank " + std::to_string(i) + " of " + std::to_string(n) + " was started with another recipe or --set values than rank 0 (recipe hash " +
                                  std::string(all[size_t(i)].token) + " vs " + std::string(all[0].token) +
                                  "): every rank must run the same command",
                              2, i);
  for (int i = 1; i < n; ++i)
    if (all[size_t(i)].command != all[0].command)
      throw CollectiveFailure("rank " + std::to_string(i) + " of " + std::to_string(n) +
                                  " was started with another command line than rank 0: every rank must run the "
                                  "same command",
                              2, i);
}

void agreed(Communicator& c, const std::function<void()>& setup,
            const std::function<int(const std::exception&)>& exit_code_for, const std::string& token) {
  const int before = c.agreements();
  try {
    setup();
  } catch (const CollectiveFailure&) {
    throw;
  } catch (const std::exception& e) {
    if (c.agreements() != before) throw;  // past the agreement point: a local failure
    c.agree(exit_code_for(e), e.what(), "");
  }
  if (c.agreements() == before) c.agree(0, "", token);
}

}  // namespace weft
