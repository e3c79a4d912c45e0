// Reading, resuming and appending traces files (see trace_file.h).
#include "gr2/train/traces/trace_file.h"

#include <filesystem>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"

namespace gr2::train::traces {

bool TraceAttempt::unanswered() const {
  return !valid && (failure == "timeout" || failure == "connection" || failure == "http_status");
}

Json TraceRecord::to_json() const {
  Json log = Json::array();
  for (const TraceAttempt& a : attempt_log) {
    Json j{{"attempt", a.attempt}, {"valid", a.valid}, {"top1", a.top1}, {"top1_label", a.top1_label}};
    if (!a.failure.empty()) j["failure"] = a.failure;
    if (!a.message.empty()) j["message"] = a.message;
    if (!a.info.empty()) j["info"] = a.info;
    log.push_back(j);
  }
  return Json{{"request_id", request_id}, {"teacher", teacher},     {"mode", mode},
              {"accepted", accepted},     {"attempt", attempt},     {"attempts", attempts},
              {"temperature", temperature}, {"seed", seed},         {"target", target},
              {"order", order},           {"ranking", ranking},     {"reasoning", reasoning},
              {"top1_label", top1_label}, {"attempt_log", log},     {"info", info}};
}

TraceRecord TraceRecord::from_json(const Json& j, const std::string& where) {
  JsonFields f(j, where);
  f.allow_only({"request_id", "teacher", "mode", "accepted", "attempt", "attempts", "temperature", "seed",
                "target", "order", "ranking", "reasoning", "top1_label", "attempt_log", "info"});
  TraceRecord r;
  r.request_id = f.string("request_id");
  r.teacher = f.string("teacher");
  r.mode = f.string("mode");
  if (r.mode != "targeted" && r.mode != "rejection" && r.mode != "distill") throw f.error("mode", "expected targeted, rejection or distill");
  if (!j.contains("accepted") || !j["accepted"].is_boolean()) throw f.error("accepted", "expected true or false");
  r.accepted = j["accepted"].get<bool>();
  r.attempt = static_cast<int>(f.int64("attempt"));
  r.attempts = static_cast<int>(f.int64("attempts"));
  r.temperature = f.number("temperature");
  if (!j.contains("seed") || !j["seed"].is_number_unsigned()) throw f.error("seed", "expected an unsigned integer");
  r.seed = j["seed"].get<uint64_t>();
  r.target = static_cast<int>(f.optional_int64("target", -1));
  for (const Json& v : f.array("order")) {
    if (!v.is_number_integer()) throw f.error("order", "expected integers");
    r.order.push_back(v.get<int>());
  }
  r.ranking = f.optional_string_array("ranking");
  if (!j.contains("reasoning") || !j["reasoning"].is_string()) throw f.error("reasoning", "expected a string");
  r.reasoning = j["reasoning"].get<std::string>();
  r.top1_label = static_cast<int>(f.optional_int64("top1_label", 0));
  if (j.contains("attempt_log")) {
    for (const Json& a : f.array("attempt_log")) {
      JsonFields af(a, where + ": attempt_log");
      TraceAttempt t;
      t.attempt = static_cast<int>(af.int64("attempt"));
      t.valid = a.contains("valid") && a["valid"].is_boolean() && a["valid"].get<bool>();
      t.top1 = static_cast<int>(af.optional_int64("top1", -1));
      t.top1_label = static_cast<int>(af.optional_int64("top1_label", 0));
      t.failure = af.optional_string("failure");
      t.message = af.optional_string("message");
      if (a.contains("info")) t.info = a["info"];
      r.attempt_log.push_back(t);
    }
  }
  if (j.contains("info")) r.info = j["info"];
  if (r.attempts < 0 || r.attempt < -1 || r.attempt >= std::max(r.attempts, 1)) {
    throw f.error("attempt", "must be -1 or in [0, attempts)");
  }
  if (r.accepted && r.order.empty()) throw f.error("order", "an accepted trace needs its order");
  return r;
}

TraceFileContents read_trace_file(const std::string& path, bool truncate_torn) {
  TraceFileContents out;
  if (!file_exists(path)) return out;
  const std::string text = read_file(path);
  size_t begin = 0;
  size_t good_end = 0;  // bytes of the file that hold complete records
  int64_t line = 0;
  while (begin < text.size()) {
    const size_t nl = text.find('\n', begin);
    ++line;
    const std::string where = path + ":" + std::to_string(line);
    const bool last = nl == std::string::npos || nl + 1 == text.size();
    const std::string_view body(text.data() + begin, (nl == std::string::npos ? text.size() : nl) - begin);
    if (nl == std::string::npos) {  // not newline-terminated: written partially
      out.torn_lines = 1;
      break;
    }
    if (body.find_first_not_of(" \t\r") == std::string_view::npos) {
      begin = nl + 1;
      good_end = begin;
      continue;
    }
    Json j;
    try {
      j = parse_json_line(body, where);
    } catch (const Error&) {
      if (last) {
        out.torn_lines = 1;
        break;
      }
      throw Error(where + ": damaged trace record (not valid JSON) before the end of the file; delete the "
                          "file or write to another --out");
    }
    out.records.push_back(TraceRecord::from_json(j, where));
    begin = nl + 1;
    good_end = begin;
  }
  if (out.torn_lines > 0 && truncate_torn) {
    std::error_code ec;
    std::filesystem::resize_file(path, good_end, ec);
    if (ec) throw Error("cannot cut the torn last line off " + path + ": " + ec.message());
  }
  return out;
}

TraceAppender::TraceAppender(const std::string& path) : path_(path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  if (!parent.empty()) make_directories(parent);
  out_.open(path, std::ios::binary | std::ios::app);
  require(out_.good(), "cannot open " + path + " for appending");
}

void TraceAppender::write(const TraceRecord& record) {
  out_ << record.to_json().dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
}

void TraceAppender::flush() {
  out_.flush();
  require(out_.good(), "writing " + path_ + " failed (disk full?)");
}

}  // namespace gr2::train::traces
