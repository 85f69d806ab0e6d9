// defines: is_grad_enabled, NoGradGuard, EnableGradGuard.
#pragma once

namespace weft {

bool is_grad_enabled();
void set_grad_enabled(bool enabled);

// Scoped: ops inside record no history (eval, optimizer updates). Thread-local.
class NoGradGuard {
 public:
  NoGradGuard() : prev_(is_grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace weft
