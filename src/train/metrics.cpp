#include "weft/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "weft/core/error.h"

namespace weft {

MetricsLog::MetricsLog(std::filesystem::path file) : file_(std::move(file)) {}

std::vector<nlohmann::json> MetricsLog::read_all() const {
  std::vector<nlohmann::json> out;
  std::ifstream in(file_);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

void MetricsLog::truncate_after(int64_t step) {
  if (!std::filesystem::exists(file_)) return;
  std::vector<nlohmann::json> keep;
  for (auto& j : read_all())
    if (j.value("step", int64_t{0}) <= step) keep.push_back(j);
  const auto tmp = file_.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (auto& j : keep) out << j.dump() << "\n";
    WEFT_CHECK(out.good(), Error, "cannot write ", tmp);
  }
  std::filesystem::rename(tmp, file_);
}

void MetricsLog::append(const nlohmann::json& record) {
  std::FILE* f = std::fopen(file_.c_str(), "a");
  WEFT_CHECK(f != nullptr, Error, "cannot open ", file_.string(), " for appending");
  std::string line = record.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), f);
  std::fclose(f);
}

double round_trip(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return std::strtod(buf, nullptr);
}

void write_loss_svg(const std::vector<nlohmann::json>& records, const std::filesystem::path& file,
                    const std::string& title) {
  std::vector<std::pair<double, double>> train, val;
  for (auto& r : records) {
    if (!r.contains("loss") || !r["loss"].is_number()) continue;
    double s = r.value("step", 0.0), l = r["loss"].get<double>();
    if (!std::isfinite(l)) continue;
    (r.value("kind", "") == "eval" ? val : train).emplace_back(s, l);
  }
  const double W = 720, H = 420, L = 60, R = 20, T = 40, B = 50;
  double xmax = 1, ymin = 1e300, ymax = -1e300;
  for (auto* v : {&train, &val})
    for (auto& [s, l] : *v) {
      xmax = std::max(xmax, s);
      ymin = std::min(ymin, l);
      ymax = std::max(ymax, l);
    }
  if (ymin > ymax) ymin = 0, ymax = 1;
  if (ymax - ymin < 1e-9) ymax = ymin + 1;
  auto X = [&](double s) { return L + (W - L - R) * s / xmax; };
  auto Y = [&](double l) { return H - B - (H - T - B) * (l - ymin) / (ymax - ymin); };
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H
    << "' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n";
  o << "<text x='" << W / 2 << "' y='22' text-anchor='middle' font-size='14'>" << title << "</text>\n";
  o << "<line x1='" << L << "' y1='" << H - B << "' x2='" << W - R << "' y2='" << H - B << "' stroke='black'/>\n";
  o << "<line x1='" << L << "' y1='" << T << "' x2='" << L << "' y2='" << H - B << "' stroke='black'/>\n";
  for (int i = 0; i <= 4; ++i) {
    double l = ymin + (ymax - ymin) * i / 4, s = xmax * i / 4;
    o << "<text x='" << L - 6 << "' y='" << Y(l) + 4 << "' text-anchor='end'>" << std::setprecision(3) << l
      << "</text>\n";
    o << "<text x='" << X(s) << "' y='" << H - B + 18 << "' text-anchor='middle'>" << static_cast<int64_t>(s)
      << "</text>\n";
  }
  o << "<text x='" << (W + L) / 2 << "' y='" << H - 12 << "' text-anchor='middle'>step</text>\n";
  o << "<text x='16' y='" << (H - B + T) / 2 << "' transform='rotate(-90 16 " << (H - B + T) / 2
    << ")' text-anchor='middle'>loss (nats/token)</text>\n";
  auto poly = [&](const std::vector<std::pair<double, double>>& v, const char* color, double width) {
    if (v.empty()) return;
    o << "<polyline fill='none' stroke='" << color << "' stroke-width='" << width << "' points='";
    for (auto& [s, l] : v) o << X(s) << "," << Y(l) << " ";
    o << "'/>\n";
    if (v.size() == 1) o << "<circle cx='" << X(v[0].first) << "' cy='" << Y(v[0].second) << "' r='3' fill='" << color << "'/>\n";
  };
  poly(train, "#1f77b4", 1.2);
  poly(val, "#d62728", 2.0);
  o << "<text x='" << W - R - 110 << "' y='" << T + 10 << "' fill='#1f77b4'>train</text>\n";
  o << "<text x='" << W - R - 60 << "' y='" << T + 10 << "' fill='#d62728'>val</text>\n</svg>\n";
  const auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << o.str();
  }
  std::filesystem::rename(tmp, file);
}

}  // namespace weft
