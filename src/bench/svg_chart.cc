#include "bench/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace vllm::bench {

namespace {

constexpr int kWidth = 760;
constexpr int kChartHeight = 340;
constexpr int kHeaderHeight = 64;
// Plot area inside a chart: left margin holds tick labels and the y label.
constexpr double kLeft = 78, kRight = 170, kTop = 34, kBottom = 52;
// Colour-blind-safe palette (Okabe-Ito), cycled.
const char* const kColors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};

std::string Esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

// Tick label: no trailing zeros, thousands without exponent.
std::string TickLabel(double v) {
  char buf[32];
  if (std::fabs(v) >= 1000 || v == std::floor(v)) std::snprintf(buf, sizeof(buf), "%.0f", v);
  else if (std::fabs(v) >= 10) std::snprintf(buf, sizeof(buf), "%.1f", v);
  else std::snprintf(buf, sizeof(buf), "%.3g", v);
  return buf;
}

struct Range {
  double lo = 0, hi = 1;
};

Range Padded(double lo, double hi, bool from_zero) {
  if (from_zero) lo = std::min(lo, 0.0);
  if (!(hi > lo)) hi = lo + 1;
  const std::vector<double> t = NiceTicks(lo, hi);
  return {std::min(lo, t.front()), std::max(hi, t.back())};
}

class Frame {
 public:
  Frame(std::string* out, double y0) : out_(out), y0_(y0) {}
  double X(double v) const { return kLeft + (kWidth - kLeft - kRight) * (v - x_.lo) / (x_.hi - x_.lo); }
  double Y(double v) const { return y0_ + kTop + (kChartHeight - kTop - kBottom) * (1 - (v - y_.lo) / (y_.hi - y_.lo)); }
  void SetRanges(Range x, Range y) { x_ = x, y_ = y; }

  void Axes(const Chart& c, bool x_ticks) {
    const double bottom = Y(y_.lo), top = Y(y_.hi);
    Append("<text class=\"chart-title\" x=\"" + Num(kLeft) + "\" y=\"" + Num(y0_ + 20) + "\">" + Esc(c.title) + "</text>\n");
    for (double t : NiceTicks(y_.lo, y_.hi)) {
      if (t < y_.lo - 1e-9 || t > y_.hi + 1e-9) continue;
      Append("<line class=\"grid\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" + Num(Y(t)) +
             "\" y2=\"" + Num(Y(t)) + "\"/>\n");
      Append("<text class=\"tick\" text-anchor=\"end\" x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(Y(t) + 4) + "\">" +
             TickLabel(t) + "</text>\n");
    }
    if (x_ticks)
      for (double t : NiceTicks(x_.lo, x_.hi)) {
        if (t < x_.lo - 1e-9 || t > x_.hi + 1e-9) continue;
        Append("<text class=\"tick\" text-anchor=\"middle\" x=\"" + Num(X(t)) + "\" y=\"" + Num(bottom + 16) + "\">" +
               TickLabel(t) + "</text>\n");
        Append("<line class=\"axis\" x1=\"" + Num(X(t)) + "\" x2=\"" + Num(X(t)) + "\" y1=\"" + Num(bottom) +
               "\" y2=\"" + Num(bottom + 4) + "\"/>\n");
      }
    Append("<line class=\"axis\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" + Num(bottom) +
           "\" y2=\"" + Num(bottom) + "\"/>\n");
    Append("<line class=\"axis\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kLeft) + "\" y1=\"" + Num(top) + "\" y2=\"" +
           Num(bottom) + "\"/>\n");
    Append("<text class=\"label\" text-anchor=\"middle\" x=\"" + Num((kLeft + kWidth - kRight) / 2) + "\" y=\"" +
           Num(bottom + 38) + "\">" + Esc(c.x_label) + "</text>\n");
    const double mid = (top + bottom) / 2;
    Append("<text class=\"label\" text-anchor=\"middle\" transform=\"rotate(-90 18 " + Num(mid) + ")\" x=\"18\" y=\"" +
           Num(mid) + "\">" + Esc(c.y_label) + "</text>\n");
  }

  void Legend(const std::vector<ChartSeries>& series) {
    double y = y0_ + kTop + 8;
    for (size_t i = 0; i < series.size(); ++i, y += 20) {
      const char* color = kColors[i % std::size(kColors)];
      const double x = kWidth - kRight + 14;
      Append("<rect x=\"" + Num(x) + "\" y=\"" + Num(y - 9) + "\" width=\"14\" height=\"10\" fill=\"" + color +
             "\"/>\n<text class=\"legend\" x=\"" + Num(x + 20) + "\" y=\"" + Num(y) + "\">" + Esc(series[i].name) +
             "</text>\n");
    }
  }

  void Append(const std::string& s) { out_->append(s); }

 private:
  std::string* out_;
  double y0_;
  Range x_, y_;
};

void SeriesOpen(std::string* out, const ChartSeries& s, size_t i) {
  out->append("<g class=\"series\" data-series=\"" + Esc(s.name) + "\" stroke=\"" + kColors[i % std::size(kColors)] +
              "\" fill=\"" + kColors[i % std::size(kColors)] + "\"><title>" + Esc(s.name) + "</title>\n");
}

void RenderLine(const Chart& c, Frame& f, std::string* out) {
  double xlo = INFINITY, xhi = -INFINITY, yhi = 0;
  for (const auto& s : c.series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      xlo = std::min(xlo, s.x[i]), xhi = std::max(xhi, s.x[i]), yhi = std::max(yhi, s.y[i]);
  if (xlo > xhi) xlo = 0, xhi = 1;
  if (xlo == xhi) xlo -= 1, xhi += 1;
  f.SetRanges(Padded(xlo, xhi, false), Padded(0, yhi, true));
  f.Axes(c, true);
  for (size_t k = 0; k < c.series.size(); ++k) {
    const ChartSeries& s = c.series[k];
    SeriesOpen(out, s, k);
    std::string pts;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) pts += Num(f.X(s.x[i])) + "," + Num(f.Y(s.y[i])) + " ";
    out->append("<polyline fill=\"none\" stroke-width=\"2.5\" points=\"" + pts + "\"/>\n");
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      out->append("<circle r=\"4\" cx=\"" + Num(f.X(s.x[i])) + "\" cy=\"" + Num(f.Y(s.y[i])) + "\"><title>" +
                  Esc(s.name) + ": " + TickLabel(s.x[i]) + " -> " + TickLabel(s.y[i]) + "</title></circle>\n");
    out->append("</g>\n");
  }
  f.Legend(c.series);
}

void RenderCdf(const Chart& c, Frame& f, std::string* out) {
  double xhi = 0;
  for (const auto& s : c.series)
    for (double v : s.y) xhi = std::max(xhi, v);
  f.SetRanges(Padded(0, xhi > 0 ? xhi : 1, true), {0, 100});
  f.Axes(c, true);
  for (size_t k = 0; k < c.series.size(); ++k) {
    std::vector<double> v = c.series[k].y;
    std::sort(v.begin(), v.end());
    SeriesOpen(out, c.series[k], k);
    // Step function: at each sample the fraction <= it jumps by 1/n.
    std::string pts = Num(f.X(0)) + "," + Num(f.Y(0)) + " ";
    for (size_t i = 0; i < v.size(); ++i) {
      const double before = 100.0 * static_cast<double>(i) / static_cast<double>(v.size());
      const double after = 100.0 * static_cast<double>(i + 1) / static_cast<double>(v.size());
      pts += Num(f.X(v[i])) + "," + Num(f.Y(before)) + " " + Num(f.X(v[i])) + "," + Num(f.Y(after)) + " ";
    }
    out->append("<polyline fill=\"none\" stroke-width=\"2.5\" points=\"" + pts + "\"/>\n</g>\n");
  }
  f.Legend(c.series);
}

void RenderBars(const Chart& c, Frame& f, std::string* out) {
  double yhi = 0;
  for (const auto& s : c.series)
    for (double v : s.y) yhi = std::max(yhi, v);
  const size_t num_groups = std::max<size_t>(c.categories.size(), 1);
  f.SetRanges({0, static_cast<double>(num_groups)}, Padded(0, yhi, true));
  f.Axes(c, false);
  const double group_w = f.X(1) - f.X(0);
  const double bar_w = group_w * 0.7 / static_cast<double>(std::max<size_t>(c.series.size(), 1));
  for (size_t g = 0; g < c.categories.size(); ++g)
    out->append("<text class=\"tick\" text-anchor=\"middle\" x=\"" + Num(f.X(g + 0.5)) + "\" y=\"" +
                Num(f.Y(0) + 16) + "\">" + Esc(c.categories[g]) + "</text>\n");
  for (size_t k = 0; k < c.series.size(); ++k) {
    const ChartSeries& s = c.series[k];
    SeriesOpen(out, s, k);
    for (size_t g = 0; g < s.y.size() && g < num_groups; ++g) {
      const double x = f.X(static_cast<double>(g)) + group_w * 0.15 + bar_w * static_cast<double>(k);
      const double top = f.Y(s.y[g]);
      out->append("<rect x=\"" + Num(x) + "\" y=\"" + Num(top) + "\" width=\"" + Num(bar_w * 0.92) + "\" height=\"" +
                  Num(f.Y(0) - top) + "\"><title>" + Esc(s.name) + ": " + TickLabel(s.y[g]) + "</title></rect>\n");
      out->append("<text class=\"value\" stroke=\"none\" text-anchor=\"middle\" x=\"" + Num(x + bar_w * 0.46) +
                  "\" y=\"" + Num(top - 5) + "\">" + TickLabel(s.y[g]) + "</text>\n");
    }
    out->append("</g>\n");
  }
  f.Legend(c.series);
}

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  const double first = std::floor(lo / step) * step;
  for (double t = first; t < hi + step * 0.999; t += step) ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  return ticks;
}

std::string RenderSvgPage(const std::string& title, const std::string& subtitle, const std::vector<Chart>& charts) {
  const int height = kHeaderHeight + kChartHeight * static_cast<int>(charts.size());
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(kWidth) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
                    std::to_string(kWidth) + " " + std::to_string(height) + "\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n";
  out += "<style>.page-title{font-size:18px;font-weight:bold}.subtitle{font-size:12px;fill:#444}"
         ".chart-title{font-size:15px;font-weight:bold}.tick{font-size:11px;fill:#333}.label{font-size:12px;fill:#222}"
         ".legend{font-size:12px;fill:#222}.value{font-size:10px;fill:#222}.grid{stroke:#e2e2e2}.axis{stroke:#444}</style>\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
  out += "<text class=\"page-title\" x=\"16\" y=\"26\">" + Esc(title) + "</text>\n";
  out += "<text class=\"subtitle\" x=\"16\" y=\"46\">" + Esc(subtitle) + "</text>\n";
  for (size_t i = 0; i < charts.size(); ++i) {
    const double y0 = kHeaderHeight + kChartHeight * static_cast<double>(i);
    out += "<g class=\"chart\" data-chart=\"" + Esc(charts[i].title) + "\">\n";
    Frame f(&out, y0);
    switch (charts[i].kind) {
      case ChartKind::kLine: RenderLine(charts[i], f, &out); break;
      case ChartKind::kCdf: RenderCdf(charts[i], f, &out); break;
      case ChartKind::kBars: RenderBars(charts[i], f, &out); break;
    }
    out += "</g>\n";
  }
  out += "</svg>\n";
  return out;
}

Status CheckPlotPath(const std::string& path) {
  if (path.empty()) return Status::Ok();
  const auto dot = path.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot);
  if (ext == ".png")
    return InvalidArgument("--plot writes SVG only (no raster library in the binary): give a .svg path, then e.g. "
                           "'rsvg-convert -o out.png " + path.substr(0, dot) + ".svg' for a PNG");
  if (ext != ".svg") return InvalidArgument("--plot '" + path + "': the file name must end in .svg");
  std::ofstream probe(path, std::ios::app);
  if (!probe) return InvalidArgument("--plot '" + path + "': cannot write this file");
  return Status::Ok();
}

Status WriteSvgPage(const std::string& path, const std::string& title, const std::string& subtitle,
                    const std::vector<Chart>& charts) {
  std::ofstream f(path, std::ios::trunc);
  if (!f) return InvalidArgument("--plot '" + path + "': cannot write this file");
  f << RenderSvgPage(title, subtitle, charts);
  f.close();
  if (!f) return InvalidArgument("--plot '" + path + "': write failed");
  return Status::Ok();
}

}  // namespace vllm::bench
