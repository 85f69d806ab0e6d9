// `gridmaze`: a discrete maze built so that stitching matters (the Decision
// Transformer paper's shortest-path probe; Elastic DT, Wu et al. 2023, §5).
// A cross of four corridors of length 4 meeting at the junction W:
//
//   north arm: the start S      west arm: a second start A
//   east arm:  the goal G       south arm: a dead end D
//
// The agent starts at S; actions 0..3 move up, right, down, left (into a wall:
// stay). Entering G gives reward 1 and ends the episode; every other step gives
// 0; the limit is 30 steps. The observation is the one-hot of the agent's cell
// over the 17 free cells (row-major order).
//
// The `stitch` behaviour policy (this environment's own) fills a dataset whose
// trajectories each cover half of the S→G path: even episodes go S→W, then on
// to the dead end D (return 0); odd episodes start at A and go A→W→G
// (return 1). No trajectory from S reaches G, so reaching it from S needs the
// first half of one trajectory joined to the second half of another.
// Both follow the shortest path with a 10% chance of a random action per step.
#include <array>
#include <deque>
#include <string>

#include "weft/core/error.h"
#include "weft/rl/collect.h"
#include "weft/rl/environment.h"

namespace weft {
namespace {

constexpr int kRows = 11, kCols = 11;
// clang-format off
constexpr std::array<const char*, kRows> kMap = {
    "###########",
    "#####S#####",
    "#####.#####",
    "#####.#####",
    "#####.#####",
    "#A...W...G#",
    "#####.#####",
    "#####.#####",
    "#####.#####",
    "#####D#####",
    "###########"};
// clang-format on
constexpr int kDr[4] = {-1, 0, 1, 0}, kDc[4] = {0, 1, 0, -1};

struct Cell {
  int r = 0, c = 0;
  bool operator==(const Cell&) const = default;
};

bool is_free(int r, int c) {
  return r >= 0 && r < kRows && c >= 0 && c < kCols && kMap[size_t(r)][size_t(c)] != '#';
}

Cell find(char ch) {
  for (int r = 0; r < kRows; ++r)
    for (int c = 0; c < kCols; ++c)
      if (kMap[size_t(r)][size_t(c)] == ch) return {r, c};
  throw std::logic_error("gridmaze: no cell marked " + std::string(1, ch));
}

// Index of each free cell in the one-hot observation, −1 for walls.
const std::array<std::array<int, kCols>, kRows>& cell_index() {
  static const auto idx = [] {
    std::array<std::array<int, kCols>, kRows> a{};
    int n = 0;
    for (int r = 0; r < kRows; ++r)
      for (int c = 0; c < kCols; ++c) a[size_t(r)][size_t(c)] = is_free(r, c) ? n++ : -1;
    return a;
  }();
  return idx;
}

int free_cells() {
  int n = 0;
  for (int r = 0; r < kRows; ++r)
    for (int c = 0; c < kCols; ++c) n += is_free(r, c);
  return n;
}

Cell decode(const std::vector<double>& o) {
  for (int r = 0; r < kRows; ++r)
    for (int c = 0; c < kCols; ++c) {
      const int i = cell_index()[size_t(r)][size_t(c)];
      if (i >= 0 && o[size_t(i)] > 0.5) return {r, c};
    }
  throw ValueError("gridmaze: the observation is not the one-hot of a free cell");
}

// The shortest-path action from `from` towards `to` (BFS distances from `to`;
// ties broken in the order up, right, down, left); at `to` itself, a move into
// a wall (stay).
int towards(Cell from, Cell to) {
  int dist[kRows][kCols];
  for (auto& row : dist)
    for (int& d : row) d = -1;
  std::deque<Cell> q{to};
  dist[to.r][to.c] = 0;
  while (!q.empty()) {
    const Cell x = q.front();
    q.pop_front();
    for (int a = 0; a < 4; ++a) {
      const int r = x.r + kDr[a], c = x.c + kDc[a];
      if (is_free(r, c) && dist[r][c] < 0) dist[r][c] = dist[x.r][x.c] + 1, q.push_back({r, c});
    }
  }
  for (int a = 0; a < 4; ++a) {
    const int r = from.r + kDr[a], c = from.c + kDc[a];
    if (from == to ? !is_free(r, c) : is_free(r, c) && dist[r][c] == dist[from.r][from.c] - 1) return a;
  }
  throw std::logic_error("gridmaze: no move towards the target");
}

class GridMaze : public Environment {
 public:
  static constexpr int64_t kLimit = 30;

  Space observation_space() const override {
    const int64_t n = free_cells();
    return {n, false, 0, std::vector<double>(size_t(n), 0.0), std::vector<double>(size_t(n), 1.0)};
  }
  Space action_space() const override { return {1, true, 4, {0}, {3}}; }
  int64_t max_episode_steps() const override { return kLimit; }

  std::vector<double> reset(uint64_t) override {
    at_ = find('S');
    steps_ = 0;
    return observe();
  }

  StepResult step(const std::vector<double>& action) override {
    check_action(action_space(), action, "gridmaze");
    const int a = int(action[0]);
    if (is_free(at_.r + kDr[a], at_.c + kDc[a])) at_ = {at_.r + kDr[a], at_.c + kDc[a]};
    ++steps_;
    StepResult r;
    r.observation = observe();
    r.terminated = at_ == find('G');
    r.reward = r.terminated ? 1.0 : 0.0;
    r.truncated = !r.terminated && steps_ >= kLimit;
    return r;
  }

  // The state is the cell (row, column) of the 11 × 11 map.
  void set_state(const std::vector<double>& s) override {
    WEFT_CHECK(s.size() == 2 && is_free(int(s[0]), int(s[1])), ValueError,
               "gridmaze: the state is (row, column) of a free cell of the 11 x 11 map");
    at_ = {int(s[0]), int(s[1])};
  }
  std::vector<double> observe() const override {
    std::vector<double> o(size_t(free_cells()), 0.0);
    o[size_t(cell_index()[size_t(at_.r)][size_t(at_.c)])] = 1.0;
    return o;
  }

  std::vector<double> expert_action(const std::vector<double>& o) const override {
    return {double(towards(decode(o), find('G')))};
  }
  double medium_noise() const override { return 0.5; }

 private:
  Cell at_ = find('S');
  int64_t steps_ = 0;
};

WEFT_REGISTER_ENVIRONMENT("gridmaze", GridMaze,
                          "cross-shaped grid maze for stitching: start S, goal G, 4 moves, 30 steps, reward 1 at G");

Trajectory stitch_episode(Environment& env, const std::string& name, int64_t i, int64_t, uint64_t reset_seed,
                          uint64_t noise_seed) {
  WEFT_CHECK(dynamic_cast<GridMaze*>(&env) != nullptr, ConfigError, "behaviour policy 'stitch' is gridmaze's, not '",
             name, "''s (use random, medium, expert, medium-replay or medium-expert)");
  const double noise = 0.1;
  if (i % 2 == 1) {  // A → W → G
    const Cell a = find('A');
    return run_episode(env, noise, reset_seed, noise_seed, nullptr, {double(a.r), double(a.c)});
  }
  // S → W, then on to the dead end D: the sub-goal switches once W is reached.
  auto reached = std::make_shared<bool>(false);
  Controller to_dead_end = [reached](const std::vector<double>& o) {
    const Cell x = decode(o);
    if (x == find('W')) *reached = true;
    return std::vector<double>{double(towards(x, *reached ? find('D') : find('W')))};
  };
  return run_episode(env, noise, reset_seed, noise_seed, to_dead_end);
}

WEFT_REGISTER_BEHAVIOUR_POLICY("stitch", gridmaze_stitch, stitch_episode);

}  // namespace
}  // namespace weft
