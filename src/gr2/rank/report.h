// Evaluation reports: Markdown tables (metrics with paired intervals, diagnostics, position
// histogram), a JSON document with every number, and a hand-written SVG bar chart.
#pragma once

#include <string>

#include "gr2/core/jsonl.h"
#include "gr2/rank/evaluation.h"

namespace gr2 {

// "0.312" for the incoming row; "0.312 (+0.041 [+0.030, +0.052])" for the others (mean, then the
// paired difference to incoming and its interval); "n/a" when the metric is defined on no slate.
std::string format_metric_cell(const MetricResult& metric, bool is_reference);

// The metric table: one row per policy, one column per metric.
std::string format_metrics_table(const EvalResult& result);

// The paired comparisons (EvalResult::comparisons) as a Markdown table; "" when there are none.
std::string format_comparisons_table(const EvalResult& result);

// The diagnostics table (invalid rate, identity copies, top-1 kept, order robustness, output
// tokens, latency) and the table of the incoming position of the chosen top-1 (shares in %).
std::string format_diagnostics_table(const EvalResult& result);
std::string format_position_table(const EvalResult& result);

// The whole Markdown report: a header with sample sizes, skipped slates and the bootstrap
// settings, then the three tables.
std::string format_report_markdown(const EvalResult& result);

// Every number of `result` as JSON (documented in docs/evaluation.md). Undefined values are null.
Json report_to_json(const EvalResult& result);

// A grouped bar chart (R@1, R@3, N@3 per policy, or the first three metrics when those are
// absent) with whiskers for each mean's 95% interval; a complete <svg> document.
std::string render_svg_chart(const EvalResult& result);

// Writes report.md, report.json and report.svg into `out_dir` (created if needed), each atomically.
void write_report(const EvalResult& result, const std::string& out_dir);

}  // namespace gr2
