// The [traces] config section of `gr2 traces` and the teacher it names (docs/traces.md):
//
//   [traces]
//   teacher = "heuristic"     # heuristic | http | checkpoint:DIR
//   mode = "rejection"        # targeted | rejection
//   attempts = 4              # max attempts per request
//   temperature = 0.5         # the teacher's sampling temperature (heuristic: Plackett-Luce over
//                             # score / T; http: the API's temperature); 0 = deterministic heuristic
//   limit = 0                 # only the first N training slates with a positive (0 = all)
//   seed = 0
//   batch = 64                # slates per teacher batch
//   max_history = 20          # history items in the prompt (and the heuristic teacher's window)
//   http_base_url = "http://127.0.0.1:8000/v1"
//   http_model = ""           # required for teacher = "http"
//   http_api_key_env = ""     # name of the environment variable holding the API key
//   http_concurrency = 4
//   http_timeout_s = 120.0
//   http_retries = 4
//   http_backoff_s = 1.0
//   http_backoff_max_s = 30.0
//   http_max_tokens = 1024
//   http_instructions = ""    # appended to the system message
//   http_check_citations = true  # reasoning must cite a candidate by SID and only items of the prompt
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gr2/core/config.h"
#include "gr2/data/catalog.h"
#include "gr2/data/events.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/train/traces/teachers/http_teacher.h"
#include "gr2/train/traces/teachers/teacher.h"

namespace gr2::train::traces {

struct TracesConfig {
  std::string teacher = "heuristic";
  std::string mode = "rejection";
  int attempts = 4;
  double temperature = 0.5;
  int64_t limit = 0;
  uint64_t seed = 0;
  int batch = 64;
  int max_history = 20;
  teachers::HttpTeacherOptions http;  // model, seed and temperature are filled from the keys above

  // Reads the [traces] section (strict keys; the section may be absent). Throws Error naming the key.
  static TracesConfig from_config(const Config& config);
  // Checks values that do not depend on the data. Throws Error.
  void validate() const;
  // The prompt the teachers see (think = true).
  prompt::PromptOptions prompt_options() const;
};

// What a teacher may be built from; must outlive it.
struct TeacherInputs {
  const Catalog* catalog = nullptr;
  const std::vector<Event>* train_events = nullptr;  // heuristic
  const prompt::PromptRenderer* renderer = nullptr;
  std::string device = "cpu";  // checkpoint teacher: auto, cpu, cuda, cuda:N
};

// True when the teacher `spec` ("heuristic", "http", "checkpoint:DIR") needs the training events.
bool teacher_needs_train_events(const std::string& spec);

// Builds the teacher config.teacher names. Throws Error for an unknown name (listing the known
// ones), and for "checkpoint:DIR" in targeted mode or with an unusable checkpoint.
std::unique_ptr<teachers::Teacher> make_teacher(const TracesConfig& config, const TeacherInputs& inputs);

}  // namespace gr2::train::traces
