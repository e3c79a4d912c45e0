// The [traces] section and the teacher factory (see traces_config.h).
#include "gr2/train/traces/traces_config.h"

#include "gr2/train/traces/teachers/checkpoint_teacher.h"

#include <cmath>
#include <limits>

#include "gr2/core/error.h"
#include "gr2/train/traces/teachers/heuristic_teacher.h"

namespace gr2::train::traces {

TracesConfig TracesConfig::from_config(const Config& config) {
  ConfigSection s = config.section("traces");
  TracesConfig c;
  c.teacher = s.get_string("teacher", c.teacher);
  c.mode = s.get_string("mode", c.mode);
  c.attempts = static_cast<int>(s.get_int_in("attempts", c.attempts, 1, 1000));
  c.temperature = s.get_double_in("temperature", c.temperature, 0.0, 100.0);
  c.limit = s.get_int_in("limit", c.limit, 0, std::numeric_limits<int64_t>::max());
  c.seed = static_cast<uint64_t>(s.get_int_in("seed", 0, 0, std::numeric_limits<int64_t>::max()));
  c.batch = static_cast<int>(s.get_int_in("batch", c.batch, 1, 1 << 20));
  c.max_history = static_cast<int>(s.get_int_in("max_history", c.max_history, 0, 100000));
  teachers::HttpTeacherOptions& h = c.http;
  h.base_url = s.get_string("http_base_url", h.base_url);
  h.model = s.get_string("http_model", h.model);
  h.api_key_env = s.get_string("http_api_key_env", h.api_key_env);
  h.concurrency = static_cast<int>(s.get_int_in("http_concurrency", h.concurrency, 1, 1024));
  h.timeout_s = s.get_double_in("http_timeout_s", h.timeout_s, 1e-3, 86400.0);
  h.retries = static_cast<int>(s.get_int_in("http_retries", h.retries, 0, 100));
  h.backoff_s = s.get_double_in("http_backoff_s", h.backoff_s, 0.0, 3600.0);
  h.backoff_max_s = s.get_double_in("http_backoff_max_s", h.backoff_max_s, 0.0, 86400.0);
  h.max_tokens = static_cast<int>(s.get_int_in("http_max_tokens", h.max_tokens, 1, 1 << 20));
  h.instructions = s.get_string("http_instructions", h.instructions);
  h.check_citations = s.get_bool("http_check_citations", h.check_citations);
  s.finish();
  c.validate();
  return c;
}

void TracesConfig::validate() const {
  teachers::parse_teach_mode(mode);
  require(attempts >= 1, "traces.attempts must be >= 1");
  require(std::isfinite(temperature) && temperature >= 0, "traces.temperature must be >= 0");
  require(batch >= 1, "traces.batch must be >= 1");
  require(limit >= 0, "traces.limit must be >= 0");
  require(max_history >= 0, "traces.max_history must be >= 0");
  require(teacher == "heuristic" || teacher == "http" || teacher.rfind("checkpoint:", 0) == 0,
          "unknown teacher '" + teacher + "' (known: heuristic, http, checkpoint:DIR)");
}

prompt::PromptOptions TracesConfig::prompt_options() const {
  prompt::PromptOptions p;
  p.max_history = max_history;
  p.think = true;
  return p;
}

bool teacher_needs_train_events(const std::string& spec) { return spec == "heuristic"; }

std::unique_ptr<teachers::Teacher> make_teacher(const TracesConfig& config, const TeacherInputs& inputs) {
  config.validate();
  require(inputs.renderer != nullptr && inputs.catalog != nullptr, "traces: the teacher needs the catalog and SIDs");
  if (config.teacher == "heuristic") {
    require(inputs.train_events != nullptr, "the heuristic teacher needs the training events (events_train.jsonl)");
    teachers::HeuristicTeacherOptions o;
    o.temperature = config.temperature;
    o.seed = config.seed;
    o.max_history = config.max_history;
    return std::make_unique<teachers::HeuristicTeacher>(*inputs.catalog, *inputs.train_events, *inputs.renderer, o);
  }
  if (config.teacher == "http") {
    teachers::HttpTeacherOptions o = config.http;
    o.temperature = config.temperature;
    o.seed = config.seed;
    return std::make_unique<teachers::HttpTeacher>(*inputs.renderer, o);
  }
  // checkpoint:DIR
  require(config.mode != "targeted",
          "teacher '" + config.teacher + "': the checkpoint teacher supports --mode rejection or distill only (its prompt "
          "has no place for the label); use the heuristic or http teacher for targeted traces");
  teachers::CheckpointTeacherOptions o;
  o.dir = config.teacher.substr(std::string("checkpoint:").size());
  o.device = inputs.device;
  o.temperature = config.temperature;
  o.seed = config.seed;
  o.batch_size = config.batch;
  return std::make_unique<teachers::CheckpointTeacher>(*inputs.catalog, *inputs.renderer, o);
}

}  // namespace gr2::train::traces
