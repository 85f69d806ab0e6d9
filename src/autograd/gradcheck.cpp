#include "weft/autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "weft/autograd/grad_mode.h"

namespace weft {

namespace {
double project(const Tensor& y, const std::vector<double>& r) {
  std::vector<double> v = y.to_vector<double>();
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) s += v[i] * r[i];
  return s;
}
}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, std::vector<Tensor> inputs,
                          const GradcheckOptions& opts, const std::vector<size_t>& no_grad) {
  GradcheckResult res;
  auto differentiable = [&](size_t i) {
    if (!is_floating(inputs[i].dtype())) return false;
    for (size_t k : no_grad)
      if (k == i) return false;
    return true;
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!differentiable(i)) continue;
    WEFT_CHECK(inputs[i].dtype() == DType::f64 && inputs[i].device().is_cpu(), DTypeError,
               "gradcheck: input ", i, " is ", inputs[i].describe(), "; gradcheck needs f64 cpu inputs");
    inputs[i] = inputs[i].clone();  // own, contiguous storage we can perturb
    inputs[i].set_requires_grad(true);
  }
  Tensor y = f(inputs);
  Generator gen(opts.seed);
  Tensor r = Tensor::normal(y.shape(), 0.0, 1.0, DType::f64, &gen, y.device());
  std::vector<double> rv = r.to_vector<double>();
  y.backward(r.to(y.dtype()));

  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!differentiable(i)) continue;
    Tensor g = inputs[i].grad();
    std::vector<double> analytic = g.defined() ? g.to_vector<double>() : std::vector<double>(inputs[i].numel(), 0.0);
    double* x = inputs[i].data<double>();
    for (int64_t k = 0; k < inputs[i].numel(); ++k) {
      const double orig = x[k];
      double fp, fm;
      {
        NoGradGuard ng;
        x[k] = orig + opts.eps;
        fp = project(f(inputs), rv);
        x[k] = orig - opts.eps;
        fm = project(f(inputs), rv);
        x[k] = orig;
      }
      const double numeric = (fp - fm) / (2 * opts.eps);
      const double err = std::abs(numeric - analytic[k]);
      res.max_abs_error = std::max(res.max_abs_error, err);
      if (!(err <= opts.atol + opts.rtol * std::abs(numeric)) && res.ok) {
        res.ok = false;
        std::ostringstream os;
        os.precision(10);
        os << "input " << i << " " << inputs[i].describe() << " element " << k << ": analytic " << analytic[k]
           << " vs numeric " << numeric << " (abs err " << err << ")";
        res.message = os.str();
      }
    }
  }
  return res;
}

}  // namespace weft
