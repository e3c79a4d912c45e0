// The "http" teacher: any OpenAI-compatible chat-completions server (vLLM, SGLang, llama.cpp's
// server, Ollama, a hosted API) as the teacher of `gr2 traces`. Each attempt POSTs
// {base_url}/chat/completions with the prompt's system and user turns as messages
// (prompt::teacher_messages: the target named in the user turn in targeted mode), reads
// choices[0].message.content (plus reasoning_content when the server returns the reasoning
// separately) and parses it with the strict answer parser (chat_reply.h): an unparseable reply is a failed
// attempt, recorded with its failure and the reply text, never repaired; so is (check_citations) a
// reasoning that cites no candidate by SID or cites a SID that is not an item of the prompt.
//
// Transport: plain http, or https (cpp-httplib built with OpenSSL; server certificates verified).
// The API key is read from the environment variable named by api_key_env (never from a file) and
// sent as "Authorization: Bearer ...". A try that fails with a connection error, a timeout, 429 or
// 5xx is retried up to `retries` times after backoff_s, 2 backoff_s, 4 backoff_s, ... (capped at
// backoff_max_s; a Retry-After header in seconds is honoured up to the cap); other statuses fail the
// attempt at once. teach_batch runs up to `concurrency` attempts at a time, one connection each.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gr2/prompt/prompt_renderer.h"
#include "gr2/train/traces/teachers/teacher.h"

namespace gr2::train::traces::teachers {

struct HttpTeacherOptions {
  std::string base_url = "http://127.0.0.1:8000/v1";  // http:// or https://, with the API's path prefix
  std::string model;              // the "model" field; required
  std::string api_key_env;        // name of the environment variable holding the API key; "" = none
  int concurrency = 4;            // attempts in flight at once (>= 1)
  double timeout_s = 120;         // connect, read and write timeout of one try (> 0)
  int retries = 4;                // extra tries after a retryable failure (>= 0)
  double backoff_s = 1.0;         // wait before the first retry (>= 0); doubles each retry
  double backoff_max_s = 30.0;    // cap of one wait
  int max_tokens = 1024;          // "max_tokens" of the completion (>= 1)
  double temperature = 0.7;       // "temperature" (>= 0)
  uint64_t seed = 0;              // the attempt's seed, attempt_seed(seed, id, attempt), is sent as
                                  // "seed" (31 bits) so servers that honour it are reproducible
  std::string instructions;       // appended to the system message (e.g. domain knowledge); "" = none
  bool check_citations = true;    // a reply whose reasoning cites no candidate by SID fails
                                  // ("no_citation"), one that cites a SID of an item not shown in the
                                  // prompt fails ("bad_citation"): traces must be checkable

  // Throws Error naming the bad option.
  void validate() const;
};

// "http[s]://host[:port]" and the path prefix ("" or "/v1") of a base URL. Throws Error for another
// scheme or a missing host.
struct ParsedUrl {
  std::string scheme_host_port;
  std::string path_prefix;
};
ParsedUrl parse_base_url(const std::string& base_url);

class HttpTeacher : public Teacher {
 public:
  // `renderer` must outlive the teacher and render with think = true. Throws Error on invalid
  // options or when api_key_env names an unset or empty variable.
  HttpTeacher(const prompt::PromptRenderer& renderer, HttpTeacherOptions options);

  std::string name() const override { return "http"; }
  Json describe() const override;  // the options, with the key's variable name but never the key
  // One attempt: tries with retries until a reply or the retries run out. Fills info with "tries",
  // "latency_ms", "status" (last HTTP status, 0 when none), "usage" and "finish_reason" when the
  // server sent them, and "reply" (the content, first 4,000 bytes) when the attempt failed.
  TeacherTrace teach(const TeachRequest& request) override;
  // Up to `concurrency` attempts in parallel; results in request order.
  std::vector<TeacherTrace> teach_batch(const std::vector<TeachRequest>& requests) override;

  // The chat-completions request body of one attempt.
  Json request_body(const TeachRequest& request) const;

 private:
  TeacherTrace post(const TeachRequest& request, const std::string& body) const;

  const prompt::PromptRenderer* renderer_;
  HttpTeacherOptions options_;
  ParsedUrl url_;
  std::string api_key_;
};

}  // namespace gr2::train::traces::teachers
