// `pointmaze_umaze`, `pointmaze_medium` (+ `_dense`): a 2-D point mass in a
// maze of unit cells, in the spirit of D4RL's maze2d (Fu et al. 2020): the
// U-maze and a larger 8 × 8 maze. State (x, y, vx, vy), x along columns and y
// along rows (cell (r, c) spans [c, c+1) × [r, r+1)); action a ∈ [−1, 1]² is a
// force. Each step (dt = 0.1), semi-implicit Euler with velocity damping:
//   v ← clip(v + dt·(gain·a − damping·v), ±vmax),   p ← p + dt·v,
// moving along x first, then y; a move whose point would enter a wall cell is
// cancelled on that axis and its velocity zeroed. Reward (sparse): 1 on every
// step whose position is within 0.5 of the goal (no termination, as maze2d);
// `_dense`: exp(−‖p − goal‖). Limits: 150 (U-maze) and 300 steps.
// reset(seed): the start cell's centre + U(−0.1, 0.1)² noise, zero velocity.
// The scripted expert is a waypoint controller: BFS over cells to the goal,
// PD control towards the centre of the next cell on the path (the goal itself
// in its own cell).
#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <string>
#include <vector>

#include "weft/core/error.h"
#include "weft/core/rng.h"
#include "weft/rl/environment.h"

namespace weft {
namespace {

struct Layout {
  std::vector<std::string> map;  // '#' wall, 'S' start, 'G' goal
  int64_t limit;
  const char* name;
};

// clang-format off
const Layout kUMaze = {{"#####",
                        "#S..#",
                        "###.#",
                        "#G..#",
                        "#####"}, 150, "pointmaze_umaze"};
const Layout kMedium = {{"########",
                         "#S.#...#",
                         "#..#.#.#",
                         "##...#.#",
                         "#..#...#",
                         "#.##.#.#",
                         "#...#.G#",
                         "########"}, 300, "pointmaze_medium"};
// clang-format on

class PointMaze : public Environment {
 public:
  static constexpr double dt = 0.1, gain = 10.0, damping = 1.0, vmax = 5.0, goal_radius = 0.5;

  PointMaze(const Layout& l, bool dense) : l_(l), dense_(dense) {
    for (int r = 0; r < rows(); ++r)
      for (int c = 0; c < cols(); ++c) {
        if (l_.map[size_t(r)][size_t(c)] == 'S') start_ = {c + 0.5, r + 0.5};
        if (l_.map[size_t(r)][size_t(c)] == 'G') goal_ = {c + 0.5, r + 0.5};
      }
  }

  Space observation_space() const override {
    return {4, false, 0, {0, 0, -vmax, -vmax}, {double(cols()), double(rows()), vmax, vmax}};
  }
  Space action_space() const override { return {2, false, 0, {-1, -1}, {1, 1}}; }
  int64_t max_episode_steps() const override { return l_.limit; }

  std::vector<double> reset(uint64_t seed) override {
    s_ = {start_[0] - 0.1 + 0.2 * philox_uniform({seed, 0x706D7Aull}, 0),
          start_[1] - 0.1 + 0.2 * philox_uniform({seed, 0x706D7Aull}, 1), 0, 0};
    steps_ = 0;
    return observe();
  }

  StepResult step(const std::vector<double>& action) override {
    check_action(action_space(), action, l_.name);
    for (int j = 0; j < 2; ++j) {
      const double a = std::clamp(action[size_t(j)], -1.0, 1.0);
      double& v = s_[size_t(2 + j)];
      v = std::clamp(v + dt * (gain * a - damping * v), -vmax, vmax);
    }
    for (int j = 0; j < 2; ++j) {  // x, then y; a move into a wall is cancelled
      std::array<double, 2> p = {s_[0], s_[1]};
      p[size_t(j)] += dt * s_[size_t(2 + j)];
      if (wall_at(p[0], p[1]))
        s_[size_t(2 + j)] = 0;
      else
        s_[size_t(j)] = p[size_t(j)];
    }
    ++steps_;
    StepResult r;
    r.observation = observe();
    const double dist = std::hypot(s_[0] - goal_[0], s_[1] - goal_[1]);
    r.reward = dense_ ? std::exp(-dist) : (dist <= goal_radius ? 1.0 : 0.0);
    r.truncated = steps_ >= l_.limit;
    return r;
  }

  void set_state(const std::vector<double>& s) override {
    WEFT_CHECK(s.size() == 4 && !wall_at(s[0], s[1]), ValueError, l_.name,
               ": the state is (x, y, vx, vy) with (x, y) outside the walls");
    s_ = s;
  }
  std::vector<double> observe() const override { return s_; }

  // Waypoint controller: PD towards the centre of the next cell on the BFS
  // path to the goal (the goal itself once in the goal's cell).
  std::vector<double> expert_action(const std::vector<double>& o) const override {
    const int r0 = int(std::floor(o[1])), c0 = int(std::floor(o[0]));
    std::vector<int> dist(size_t(rows() * cols()), -1);
    const int gr = int(goal_[1]), gc = int(goal_[0]);
    std::deque<std::pair<int, int>> q{{gr, gc}};
    dist[size_t(gr * cols() + gc)] = 0;
    const int dr[4] = {-1, 0, 1, 0}, dc[4] = {0, 1, 0, -1};
    while (!q.empty()) {
      auto [r, c] = q.front();
      q.pop_front();
      for (int k = 0; k < 4; ++k) {
        const int nr = r + dr[k], nc = c + dc[k];
        if (!wall_cell(nr, nc) && dist[size_t(nr * cols() + nc)] < 0)
          dist[size_t(nr * cols() + nc)] = dist[size_t(r * cols() + c)] + 1, q.push_back({nr, nc});
      }
    }
    double tx = goal_[0], ty = goal_[1];
    const int here = wall_cell(r0, c0) ? -1 : dist[size_t(r0 * cols() + c0)];
    if (here > 0)
      for (int k = 0; k < 4; ++k) {
        const int nr = r0 + dr[k], nc = c0 + dc[k];
        if (!wall_cell(nr, nc) && dist[size_t(nr * cols() + nc)] == here - 1) {
          tx = nc + 0.5, ty = nr + 0.5;
          break;
        }
      }
    const double kp = 1.0, kd = 0.3;
    return {std::clamp(kp * (tx - o[0]) - kd * o[2], -1.0, 1.0), std::clamp(kp * (ty - o[1]) - kd * o[3], -1.0, 1.0)};
  }
  // One random force lasts 0.1 s, so a "medium" policy needs most steps random.
  double medium_noise() const override { return 0.8; }

 private:
  int rows() const { return int(l_.map.size()); }
  int cols() const { return int(l_.map[0].size()); }
  bool wall_cell(int r, int c) const {
    return r < 0 || c < 0 || r >= rows() || c >= cols() || l_.map[size_t(r)][size_t(c)] == '#';
  }
  bool wall_at(double x, double y) const { return wall_cell(int(std::floor(y)), int(std::floor(x))); }

  Layout l_;
  bool dense_;
  std::array<double, 2> start_{}, goal_{};
  std::vector<double> s_ = {0, 0, 0, 0};
  int64_t steps_ = 0;
};

struct UMaze : PointMaze {
  UMaze() : PointMaze(kUMaze, false) {}
};
struct UMazeDense : PointMaze {
  UMazeDense() : PointMaze(kUMaze, true) {}
};
struct MediumMaze : PointMaze {
  MediumMaze() : PointMaze(kMedium, false) {}
};
struct MediumMazeDense : PointMaze {
  MediumMazeDense() : PointMaze(kMedium, true) {}
};

WEFT_REGISTER_ENVIRONMENT("pointmaze_umaze", UMaze,
                          "2-D point mass in a U-maze (maze2d-like): force actions, reward 1 near the goal, 150 steps");
WEFT_REGISTER_ENVIRONMENT("pointmaze_umaze_dense", UMazeDense, "pointmaze_umaze with the dense reward exp(-distance)");
WEFT_REGISTER_ENVIRONMENT("pointmaze_medium", MediumMaze,
                          "2-D point mass in an 8 x 8 maze: force actions, reward 1 near the goal, 300 steps");
WEFT_REGISTER_ENVIRONMENT("pointmaze_medium_dense", MediumMazeDense,
                          "pointmaze_medium with the dense reward exp(-distance)");

}  // namespace
}  // namespace weft
