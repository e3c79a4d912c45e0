// The trace-generation loop: modes, attempts, resume, report (see trace_generation.h).
#include "gr2/train/traces/trace_generation.h"

#include <cmath>
#include <unordered_set>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/progress.h"
#include "gr2/core/timing.h"
#include "gr2/train/traces/trace_file.h"

namespace gr2::train::traces {
namespace {

// Folds one attempt into a request's record; returns true when it is accepted: a valid trace that puts
// a positive first, or (distill mode) any valid trace.
bool fold_attempt(TraceRecord& record, const Slate& slate, const teachers::TeachRequest& request,
                  const teachers::TeacherTrace& trace, bool accept_any_valid) {
  TraceAttempt a;
  a.attempt = request.attempt;
  a.valid = trace.valid && is_permutation_of(trace.order, slate.size());
  if (a.valid) {
    a.top1 = trace.order[0];
    a.top1_label = slate.labels[static_cast<size_t>(a.top1)];
  } else {
    a.failure = trace.failure.empty() ? (trace.valid ? "not_a_permutation" : "unknown") : trace.failure;
    a.message = trace.message.substr(0, 300);
    a.info = trace.info;
  }
  record.attempt_log.push_back(a);
  record.attempts = request.attempt + 1;
  if (!a.valid) return false;
  // Keep the latest valid attempt until one is accepted.
  record.attempt = request.attempt;
  record.seed = trace.seed;
  record.order = trace.order;
  record.ranking.clear();
  for (int i : trace.order) record.ranking.push_back(slate.candidates[static_cast<size_t>(i)].item_id);
  record.reasoning = trace.reasoning;
  record.top1_label = a.top1_label;
  record.info = trace.info;
  record.accepted = accept_any_valid || a.top1_label > 0;
  return record.accepted;
}

}  // namespace

TraceRunResult generate_traces(teachers::Teacher& teacher, const std::vector<Slate>& slates, const std::string& out_path,
                               const TraceRunOptions& options) {
  require(options.attempts >= 1, "traces: attempts must be >= 1");
  require(options.batch >= 1, "traces: batch must be >= 1");
  require(options.limit >= 0, "traces: limit must be >= 0");
  Stopwatch clock;
  TraceRunResult result;
  result.slates = static_cast<int64_t>(slates.size());
  const std::string mode = teachers::teach_mode_name(options.mode);

  // What the file already holds.
  TraceFileContents existing = read_trace_file(out_path);
  result.torn_lines = existing.torn_lines;
  std::unordered_set<std::string> done;
  for (const TraceRecord& r : existing.records) {
    if (r.teacher != teacher.name() || r.mode != mode || std::abs(r.temperature - options.temperature) > 1e-12) {
      throw Error(out_path + ": holds traces of teacher '" + r.teacher + "', mode " + r.mode + ", temperature " +
                  std::to_string(r.temperature) + " (request '" + r.request_id + "'); this run is teacher '" +
                  teacher.name() + "', mode " + mode + ", temperature " + std::to_string(options.temperature) +
                  ". Delete the file or write to another --out");
    }
    done.insert(r.request_id);
  }

  const bool distill = options.mode == teachers::TeachMode::Distill;
  std::vector<const Slate*> todo;
  for (const Slate& s : slates) {
    if (!distill && !s.has_positive()) continue;
    if (options.limit > 0 && result.eligible >= options.limit) break;
    ++result.eligible;
    if (done.count(s.request_id)) {
      ++result.resumed;
    } else {
      todo.push_back(&s);
    }
  }

  std::vector<TraceRecord> all = std::move(existing.records);
  {
    TraceAppender out(out_path);
    Progress progress("traces", static_cast<int64_t>(todo.size()), "slates");
    const bool quiet = !options.show_progress;
    // A deterministic teacher's retry gives the same trace; in distill mode retries only replace
    // invalid or unanswered attempts (any valid trace is kept).
    const int max_attempts = teacher.deterministic() ? 1 : options.attempts;
    int64_t accepted = 0;
    for (size_t begin = 0; begin < todo.size(); begin += static_cast<size_t>(options.batch)) {
      const size_t end = std::min(todo.size(), begin + static_cast<size_t>(options.batch));
      std::vector<RankRequest> requests;
      std::vector<TraceRecord> records;
      for (size_t i = begin; i < end; ++i) {
        const Slate& s = *todo[i];
        requests.push_back(make_request(s));
        TraceRecord r;
        r.request_id = s.request_id;
        r.teacher = teacher.name();
        r.mode = mode;
        r.temperature = options.temperature;
        r.target = options.mode == teachers::TeachMode::Targeted ? teachers::target_candidate(s.labels) : -1;
        records.push_back(std::move(r));
      }
      std::vector<size_t> pending(requests.size());
      for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
      for (int attempt = 0; attempt < max_attempts && !pending.empty(); ++attempt) {
        std::vector<teachers::TeachRequest> asks;
        for (size_t i : pending) asks.push_back(teachers::TeachRequest{&requests[i], records[i].target, attempt});
        const std::vector<teachers::TeacherTrace> traces = teacher.teach_batch(asks);
        check_internal(traces.size() == asks.size(), "teacher returned " + std::to_string(traces.size()) +
                                                         " traces for " + std::to_string(asks.size()) + " requests");
        std::vector<size_t> still;
        for (size_t k = 0; k < pending.size(); ++k) {
          const size_t i = pending[k];
          if (!fold_attempt(records[i], *todo[begin + i], asks[k], traces[k], distill)) still.push_back(i);
        }
        pending.swap(still);
      }
      // A request the teacher never answered (its last attempt failed in transport, and none was
      // valid) is not written: the next run retries it.
      int64_t written = 0;
      for (TraceRecord& r : records) {
        if (!r.accepted && r.attempt < 0 && !r.attempt_log.empty() && r.attempt_log.back().unanswered()) {
          if (result.unanswered++ == 0) result.first_unanswered = r.request_id + ": " + r.attempt_log.back().message;
          continue;
        }
        out.write(r);
        accepted += r.accepted;
        ++written;
        all.push_back(std::move(r));
      }
      out.flush();
      result.made += written;
      if (begin == 0 && written == 0) {
        throw Error("the teacher answered none of the first " + std::to_string(records.size()) +
                    " requests (nothing was written); the first failure: " + result.first_unanswered);
      }
      if (!quiet) {
        progress.update(static_cast<int64_t>(end), {{"accepted", result.made ? static_cast<double>(accepted) / static_cast<double>(result.made) : 0.0}});
      }
    }
    if (!quiet && !todo.empty()) progress.finish({{"accepted", result.made ? static_cast<double>(accepted) / static_cast<double>(result.made) : 0.0}});
  }
  result.seconds = clock.seconds();
  result.report = summarize_traces(all, options.count_tokens);
  result.report_path = out_path + ".report.json";
  Json report = result.report.to_json();
  report["teacher"] = teacher.describe();
  report["mode"] = mode;
  report["max_attempts"] = options.attempts;
  report["temperature"] = options.temperature;
  report["limit"] = options.limit;
  report["traces"] = out_path;
  report["run"] = Json{{"slates", result.slates},   {"eligible", result.eligible}, {"resumed", result.resumed},
                       {"made", result.made},       {"unanswered", result.unanswered},
                       {"torn_lines", result.torn_lines},
                       {"seconds", result.seconds}};
  for (auto it = options.run_info.begin(); it != options.run_info.end(); ++it) report[it.key()] = it.value();
  write_file_atomic(result.report_path, report.dump(2) + "\n");
  return result;
}

}  // namespace gr2::train::traces
