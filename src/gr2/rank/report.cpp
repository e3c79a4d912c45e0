// Evaluation reports: Markdown, JSON and SVG.
#include "gr2/rank/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "gr2/core/file_io.h"

namespace gr2 {
namespace {

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string percent(double share) { return fmt("%.1f%%", 100.0 * share); }

// A metric's value that JSON can hold: null when undefined.
Json number_or_null(bool defined, double value) {
  return defined && std::isfinite(value) ? Json(value) : Json(nullptr);
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
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

// Markdown cells must not contain '|'.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? '/' : c;
  return out;
}

int confidence_percent(const EvalResult& r) {
  return static_cast<int>(std::lround(100.0 * r.bootstrap.confidence));
}

// The header and alignment rows of a table with one column per metric.
std::string metrics_table_header(const std::string& first_column, const EvalResult& result) {
  std::string out = "| " + first_column + " |";
  for (const auto& m : result.metrics) out += " " + m.name + " |";
  out += "\n|---|";
  for (size_t i = 0; i < result.metrics.size(); ++i) out += "---:|";
  return out + "\n";
}

// A difference interval as JSON (nulls when the metric is undefined).
Json diff_json(const MetricResult& m) {
  const bool d = m.defined();
  return {{"estimate", number_or_null(d, m.diff.estimate)},
          {"lo", number_or_null(d, m.diff.lo)},
          {"hi", number_or_null(d, m.diff.hi)}};
}

// The columns of the position histogram: positions 1..kMaxColumns, then one bucket for the rest.
constexpr size_t kMaxColumns = 10;

}  // namespace

std::string format_metric_cell(const MetricResult& metric, bool is_reference) {
  if (!metric.defined()) return "n/a";
  std::string text = fmt("%.3f", metric.mean);
  if (is_reference) return text;
  return text + " (" + fmt("%+.3f", metric.diff.estimate) + " [" + fmt("%+.3f", metric.diff.lo) +
         ", " + fmt("%+.3f", metric.diff.hi) + "])";
}

std::string format_metrics_table(const EvalResult& result) {
  std::ostringstream out;
  out << metrics_table_header("policy", result);
  for (const auto& p : result.policies) {
    out << "| " << cell(p.policy) << " |";
    for (const auto& m : p.metrics) out << " " << format_metric_cell(m, p.policy == "incoming") << " |";
    out << "\n";
  }
  return out.str();
}

std::string format_comparisons_table(const EvalResult& result) {
  if (result.comparisons.empty()) return "";
  std::ostringstream out;
  out << metrics_table_header("policy vs reference", result);
  for (const auto& c : result.comparisons) {
    out << "| " << cell(c.policy) << " vs " << cell(c.reference) << " |";
    for (const auto& m : c.metrics) out << " " << format_metric_cell(m, false) << " |";
    out << "\n";
  }
  return out.str();
}

std::string format_diagnostics_table(const EvalResult& result) {
  std::ostringstream out;
  out << "| policy | invalid | identity copy | top-1 kept | robust top-1 | robust tau | "
         "out tokens | latency ms | time s |\n";
  out << "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& p : result.policies) {
    const PolicyDiagnostics& d = p.diagnostics;
    out << "| " << cell(p.policy) << " | " << (d.can_fail ? percent(d.invalid_rate) : "-") << " | "
        << percent(d.identity_copy_rate) << " | " << percent(d.top1_kept_rate) << " | ";
    if (d.has_robustness && d.robustness.slates > 0) {
      out << percent(d.robustness.top1_agreement) << " | " << fmt("%.3f", d.robustness.mean_kendall_tau);
    } else {
      out << "- | -";
    }
    out << " | " << fmt("%.1f", d.mean_output_tokens) << " | " << fmt("%.3f", d.mean_latency_ms)
        << " | " << fmt("%.2f", p.seconds) << " |\n";
  }
  return out.str();
}

std::string format_position_table(const EvalResult& result) {
  size_t width = 0;
  for (const auto& p : result.policies) width = std::max(width, p.diagnostics.top1_position_histogram.size());
  const size_t columns = std::min(width, kMaxColumns);
  const bool rest = width > kMaxColumns;
  std::ostringstream out;
  out << "| policy |";
  for (size_t c = 0; c < columns; ++c) out << " " << c + 1 << " |";
  if (rest) out << " " << kMaxColumns + 1 << "+ |";
  out << "\n|---|";
  for (size_t c = 0; c < columns + (rest ? 1 : 0); ++c) out << "---:|";
  out << "\n";
  for (const auto& p : result.policies) {
    const auto& h = p.diagnostics.top1_position_histogram;
    const double valid = static_cast<double>(std::max<int64_t>(1, p.diagnostics.valid));
    out << "| " << cell(p.policy) << " |";
    for (size_t c = 0; c < columns; ++c) {
      out << " " << percent(c < h.size() ? static_cast<double>(h[c]) / valid : 0.0) << " |";
    }
    if (rest) {
      int64_t tail = 0;
      for (size_t c = kMaxColumns; c < h.size(); ++c) tail += h[c];
      out << " " << percent(static_cast<double>(tail) / valid) << " |";
    }
    out << "\n";
  }
  return out.str();
}

std::string format_report_markdown(const EvalResult& result) {
  std::ostringstream out;
  out << "# gr2 eval";
  if (!result.split.empty()) out << ": " << result.split << " slates";
  if (!result.data.empty()) out << " of " << result.data;
  out << "\n\n";
  out << "Slates: " << result.slates_evaluated << " evaluated (at least one positive label) of "
      << result.slates_total << "; " << result.skipped_no_positive
      << " skipped without a positive. AUC over " << result.auc_slates
      << " slates that also have a negative. The incoming order is already ideal on "
      << result.incoming_ideal << " evaluated slates (" << percent(result.incoming_ideal_share)
      << ").\n\n";
  out << "Cells: mean over the evaluated slates, then the difference to the incoming order and its "
      << confidence_percent(result) << "% paired bootstrap interval (" << result.bootstrap.resamples
      << " resamples, seed " << result.bootstrap.seed << ").\n\n";
  out << format_metrics_table(result) << "\n";
  if (!result.comparisons.empty()) {
    out << "Paired comparisons: the policy's mean, then its difference to the reference policy on the "
           "same slates and the "
        << confidence_percent(result) << "% paired bootstrap interval.\n\n";
    out << format_comparisons_table(result) << "\n";
  }
  out << "## Diagnostics\n\n";
  out << "Invalid: answers that are not a valid ranking (only for policies that can fail; they "
         "count as the incoming order in the metrics). Identity copy, top-1 kept: shares of valid "
         "answers. Robust top-1 / tau: agreement with itself when the same "
      << result.robustness_slates
      << " slates are presented shuffled (1 = order-independent). Latency: per request, "
         "batch of "
      << result.batch_size << ".\n\n";
  out << format_diagnostics_table(result) << "\n";
  out << "Incoming position of the chosen top-1 (share of valid answers; position 1 = the "
         "upstream ranker's first):\n\n";
  out << format_position_table(result);
  return out.str();
}

Json report_to_json(const EvalResult& result) {
  Json j;
  j["format"] = "gr2-eval-report";
  j["version"] = 1;
  j["data"] = result.data;
  j["split"] = result.split;
  j["slates"] = {{"total", result.slates_total},
                 {"evaluated", result.slates_evaluated},
                 {"skipped_no_positive", result.skipped_no_positive},
                 {"auc_slates", result.auc_slates},
                 {"incoming_ideal", result.incoming_ideal},
                 {"incoming_ideal_share", result.incoming_ideal_share},
                 {"robustness", result.robustness_slates}};
  j["bootstrap"] = {{"method", "percentile; paired for differences to incoming"},
                    {"resamples", result.bootstrap.resamples},
                    {"confidence", result.bootstrap.confidence},
                    {"seed", result.bootstrap.seed}};
  j["batch_size"] = result.batch_size;
  Json metric_names = Json::array();
  for (const auto& m : result.metrics) metric_names.push_back(m.name);
  j["metrics"] = metric_names;
  Json policies = Json::array();
  for (const auto& p : result.policies) {
    Json pj;
    pj["name"] = p.policy;
    pj["seconds"] = p.seconds;
    Json metrics = Json::object();
    for (const auto& m : p.metrics) {
      const bool d = m.defined();
      metrics[m.metric] = {
          {"n", m.n},
          {"mean", number_or_null(d, m.mean)},
          {"ci", {number_or_null(d, m.mean_ci.lo), number_or_null(d, m.mean_ci.hi)}},
          {"diff_vs_incoming", diff_json(m)}};
    }
    pj["metrics"] = metrics;
    const PolicyDiagnostics& d = p.diagnostics;
    Json failures = Json::object();
    for (const auto& [kind, count] : d.failures) failures[kind] = count;
    Json dj = {{"can_fail", d.can_fail},
               {"answers", d.answers},
               {"valid", d.valid},
               {"invalid", d.invalid},
               {"invalid_rate", d.invalid_rate},
               {"failures", failures},
               {"identity_copy_rate", d.identity_copy_rate},
               {"top1_kept_rate", d.top1_kept_rate},
               {"top1_position_histogram", d.top1_position_histogram},
               {"mean_output_tokens", d.mean_output_tokens},
               {"mean_latency_ms", d.mean_latency_ms}};
    if (d.has_robustness) {
      dj["order_robustness"] = {{"slates", d.robustness.slates},
                                {"skipped_invalid", d.robustness.skipped_invalid},
                                {"top1_agreement", number_or_null(d.robustness.slates > 0, d.robustness.top1_agreement)},
                                {"mean_kendall_tau", number_or_null(d.robustness.slates > 0, d.robustness.mean_kendall_tau)}};
    } else {
      dj["order_robustness"] = nullptr;
    }
    pj["diagnostics"] = dj;
    policies.push_back(pj);
  }
  j["policies"] = policies;
  Json comparisons = Json::array();
  for (const auto& c : result.comparisons) {
    Json metrics = Json::object();
    for (const auto& m : c.metrics) {
      const bool d = m.defined();
      metrics[m.metric] = {{"n", m.n}, {"mean", number_or_null(d, m.mean)}, {"diff", diff_json(m)}};
    }
    comparisons.push_back({{"policy", c.policy}, {"reference", c.reference}, {"metrics", metrics}});
  }
  j["comparisons"] = comparisons;
  return j;
}

std::string render_svg_chart(const EvalResult& result) {
  // Which metrics to draw: R@1, R@3, N@3 when present, else the first three.
  std::vector<size_t> shown;
  for (const char* want : {"R@1", "R@3", "N@3"}) {
    for (size_t m = 0; m < result.metrics.size(); ++m) {
      if (result.metrics[m].name == want) shown.push_back(m);
    }
  }
  if (shown.empty()) {
    for (size_t m = 0; m < result.metrics.size() && m < 3; ++m) shown.push_back(m);
  }
  static const char* colors[] = {"#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3"};
  const double bar_w = 22, bar_gap = 4, group_gap = 28;
  const double group_w = static_cast<double>(shown.size()) * (bar_w + bar_gap) - bar_gap;
  const double left = 70, right = 150, top = 50, plot_h = 300, bottom = 70;
  const size_t groups = std::max<size_t>(1, result.policies.size());
  const double plot_w = static_cast<double>(groups) * (group_w + group_gap) + group_gap;
  const double width = left + plot_w + right, height = top + plot_h + bottom;
  const auto y_of = [&](double v) { return top + plot_h * (1.0 - std::clamp(v, 0.0, 1.0)); };

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << width << " " << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height << "\" fill=\"white\"/>\n";
  std::string title = "gr2 eval";
  if (!result.split.empty()) title += ": " + result.split + " slates";
  title += " (n = " + std::to_string(result.slates_evaluated) + ", " +
           std::to_string(result.skipped_no_positive) + " skipped without a positive)";
  s << "<text x=\"" << width / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">"
    << xml_escape(title) << "</text>\n";
  // Y axis with grid lines every 0.2.
  for (int t = 0; t <= 5; ++t) {
    const double v = t * 0.2, y = y_of(v);
    s << "<line x1=\"" << left << "\" y1=\"" << y << "\" x2=\"" << left + plot_w << "\" y2=\"" << y
      << "\" stroke=\"#dddddd\"/>\n";
    s << "<text x=\"" << left - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">" << fmt("%.1f", v)
      << "</text>\n";
  }
  s << "<line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\"" << top + plot_h
    << "\" stroke=\"black\"/>\n";
  s << "<line x1=\"" << left << "\" y1=\"" << top + plot_h << "\" x2=\"" << left + plot_w << "\" y2=\""
    << top + plot_h << "\" stroke=\"black\"/>\n";
  s << "<text x=\"18\" y=\"" << top + plot_h / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 18 "
    << top + plot_h / 2 << ")\">mean over evaluated slates (whiskers: "
    << confidence_percent(result) << "% interval)</text>\n";
  s << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << height - 14
    << "\" text-anchor=\"middle\">policy</text>\n";
  // Bars with whiskers.
  for (size_t g = 0; g < result.policies.size(); ++g) {
    const PolicyResult& p = result.policies[g];
    const double gx = left + group_gap + static_cast<double>(g) * (group_w + group_gap);
    for (size_t b = 0; b < shown.size(); ++b) {
      const MetricResult& m = p.metrics[shown[b]];
      if (!m.defined()) continue;
      const double x = gx + static_cast<double>(b) * (bar_w + bar_gap);
      const double y = y_of(m.mean);
      s << "<rect class=\"bar\" x=\"" << x << "\" y=\"" << y << "\" width=\"" << bar_w << "\" height=\""
        << top + plot_h - y << "\" fill=\"" << colors[b % 5] << "\"><title>" << xml_escape(p.policy)
        << " " << xml_escape(m.metric) << " = " << fmt("%.3f", m.mean) << " [" << fmt("%.3f", m.mean_ci.lo)
        << ", " << fmt("%.3f", m.mean_ci.hi) << "]</title></rect>\n";
      const double cx = x + bar_w / 2, ylo = y_of(m.mean_ci.lo), yhi = y_of(m.mean_ci.hi);
      s << "<path class=\"whisker\" d=\"M" << cx << " " << ylo << " V" << yhi << " M" << cx - 5 << " "
        << ylo << " H" << cx + 5 << " M" << cx - 5 << " " << yhi << " H" << cx + 5
        << "\" stroke=\"black\" fill=\"none\"/>\n";
    }
    s << "<text x=\"" << gx + group_w / 2 << "\" y=\"" << top + plot_h + 18
      << "\" text-anchor=\"middle\">" << xml_escape(p.policy) << "</text>\n";
  }
  // Legend.
  const double lx = left + plot_w + 20;
  for (size_t b = 0; b < shown.size(); ++b) {
    const double ly = top + 10 + static_cast<double>(b) * 22;
    s << "<rect x=\"" << lx << "\" y=\"" << ly << "\" width=\"14\" height=\"14\" fill=\"" << colors[b % 5]
      << "\"/>\n";
    s << "<text x=\"" << lx + 20 << "\" y=\"" << ly + 12 << "\">" << xml_escape(result.metrics[shown[b]].name)
      << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

void write_report(const EvalResult& result, const std::string& out_dir) {
  make_directories(out_dir);
  write_file_atomic(join_path(out_dir, "report.md"), format_report_markdown(result));
  write_file_atomic(join_path(out_dir, "report.json"), report_to_json(result).dump(2) + "\n");
  write_file_atomic(join_path(out_dir, "report.svg"), render_svg_chart(result));
}

}  // namespace gr2
