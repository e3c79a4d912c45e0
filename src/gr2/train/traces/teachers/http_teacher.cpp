// The OpenAI-compatible chat-completions teacher (see http_teacher.h). cpp-httplib is used only in
// this file.
#include "gr2/train/traces/teachers/http_teacher.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

#include "gr2/core/error.h"
#include "gr2/core/timing.h"
#include "gr2/prompt/teacher_chat.h"
#include "gr2/train/traces/teachers/chat_reply.h"

namespace gr2::train::traces::teachers {
namespace {

bool retryable_status(int status) { return status == 429 || status >= 500; }

}  // namespace

void HttpTeacherOptions::validate() const {
  require(!model.empty(), "http teacher: the model is not set (traces.http_model)");
  require(concurrency >= 1 && concurrency <= 1024, "http teacher: concurrency must be in [1, 1024]");
  require(std::isfinite(timeout_s) && timeout_s > 0, "http teacher: timeout_s must be > 0");
  require(retries >= 0 && retries <= 100, "http teacher: retries must be in [0, 100]");
  require(std::isfinite(backoff_s) && backoff_s >= 0, "http teacher: backoff_s must be >= 0");
  require(std::isfinite(backoff_max_s) && backoff_max_s >= 0, "http teacher: backoff_max_s must be >= 0");
  require(max_tokens >= 1, "http teacher: max_tokens must be >= 1");
  require(std::isfinite(temperature) && temperature >= 0, "http teacher: temperature must be >= 0");
  parse_base_url(base_url);
}

ParsedUrl parse_base_url(const std::string& base_url) {
  const size_t colon = base_url.find("://");
  require(colon != std::string::npos, "http teacher: base URL '" + base_url + "' has no scheme (expected http://host:port/v1)");
  const std::string scheme = base_url.substr(0, colon);
  require(scheme == "http" || scheme == "https",
          "http teacher: base URL '" + base_url + "': unsupported scheme '" + scheme + "' (expected http or https)");
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  require(scheme == "http", "http teacher: base URL '" + base_url +
                                "': this gr2 was built without OpenSSL, so only http:// URLs work");
#endif
  const size_t host_begin = colon + 3;
  const size_t slash = base_url.find('/', host_begin);
  ParsedUrl url;
  url.scheme_host_port = base_url.substr(0, slash);
  require(url.scheme_host_port.size() > host_begin, "http teacher: base URL '" + base_url + "' has no host");
  if (slash != std::string::npos) url.path_prefix = base_url.substr(slash);
  while (!url.path_prefix.empty() && url.path_prefix.back() == '/') url.path_prefix.pop_back();
  return url;
}

HttpTeacher::HttpTeacher(const prompt::PromptRenderer& renderer, HttpTeacherOptions options)
    : renderer_(&renderer), options_(std::move(options)) {
  options_.validate();
  require(renderer.options().think, "http teacher: the prompt must ask for reasoning (think = true)");
  url_ = parse_base_url(options_.base_url);
  if (!options_.api_key_env.empty()) {
    const char* key = std::getenv(options_.api_key_env.c_str());
    require(key && *key, "http teacher: the environment variable " + options_.api_key_env +
                             " (traces.http_api_key_env) that should hold the API key is not set");
    api_key_ = key;
  }
}

Json HttpTeacher::describe() const {
  return Json{{"teacher", name()},
              {"base_url", options_.base_url},
              {"model", options_.model},
              {"api_key_env", options_.api_key_env},
              {"concurrency", options_.concurrency},
              {"timeout_s", options_.timeout_s},
              {"retries", options_.retries},
              {"backoff_s", options_.backoff_s},
              {"backoff_max_s", options_.backoff_max_s},
              {"max_tokens", options_.max_tokens},
              {"temperature", options_.temperature},
              {"seed", options_.seed},
              {"instructions", options_.instructions},
              {"check_citations", options_.check_citations}};
}

Json HttpTeacher::request_body(const TeachRequest& t) const {
  check_internal(t.request != nullptr, "http teacher: no request");
  Json messages = Json::array();
  for (const prompt::ChatMessage& m : prompt::teacher_messages(*renderer_, *t.request, t.target, options_.instructions)) {
    messages.push_back(Json{{"role", m.role}, {"content", m.content}});
  }
  const uint64_t seed = attempt_seed(options_.seed, t.request->request_id, t.attempt);
  return Json{{"model", options_.model},
              {"messages", messages},
              {"max_tokens", options_.max_tokens},
              {"temperature", options_.temperature},
              {"seed", static_cast<int64_t>(seed & 0x7fffffffu)},
              {"stream", false}};
}

TeacherTrace HttpTeacher::post(const TeachRequest& t, const std::string& body) const {
  TeacherTrace trace;
  trace.seed = attempt_seed(options_.seed, t.request->request_id, t.attempt);
  httplib::Client client(url_.scheme_host_port);
  const auto sec = static_cast<time_t>(options_.timeout_s);
  const auto usec = static_cast<time_t>((options_.timeout_s - static_cast<double>(sec)) * 1e6);
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  client.set_keep_alive(false);
  httplib::Headers headers;
  if (!api_key_.empty()) headers.emplace("Authorization", "Bearer " + api_key_);
  const std::string path = url_.path_prefix + "/chat/completions";

  Stopwatch total;
  int tries = 0;
  int status = 0;
  std::string reply_body;
  for (;;) {
    ++tries;
    Stopwatch one;
    httplib::Result res = client.Post(path, headers, body, "application/json");
    bool retry = false;
    if (!res) {
      const httplib::Error err = res.error();
      const bool timed_out = err == httplib::Error::ConnectionTimeout ||
                             ((err == httplib::Error::Read || err == httplib::Error::Write) &&
                              one.seconds() >= 0.9 * options_.timeout_s);
      trace.failure = timed_out ? "timeout" : "connection";
      trace.message = (timed_out ? "no reply within " + std::to_string(options_.timeout_s) + " s from "
                                 : "cannot reach ") +
                      options_.base_url + " (" + httplib::to_string(err) + ")";
      retry = err != httplib::Error::SSLServerVerification && err != httplib::Error::SSLLoadingCerts;
      status = 0;
    } else {
      status = res->status;
      reply_body = res->body;
      if (status == 200) {
        trace.failure.clear();
        trace.message.clear();
        break;
      }
      trace.failure = "http_status";
      trace.message = "HTTP " + std::to_string(status) + " from " + options_.base_url + path + ": " + reply_snippet(res->body);
      retry = retryable_status(status);
    }
    if (!retry || tries > options_.retries) break;
    double wait = std::min(options_.backoff_max_s, options_.backoff_s * std::pow(2.0, tries - 1));
    if (res && res->has_header("Retry-After")) {
      const std::string after = res->get_header_value("Retry-After");
      char* end = nullptr;
      const double v = std::strtod(after.c_str(), &end);
      if (end != after.c_str() && std::isfinite(v) && v >= 0) wait = std::min(options_.backoff_max_s, std::max(wait, v));
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
  trace.info = Json{{"tries", tries}, {"latency_ms", 1000.0 * total.seconds()}, {"status", status}};
  if (!trace.failure.empty()) return trace;

  read_chat_reply(reply_body, t, *renderer_, ChatReplyOptions{options_.check_citations, options_.max_tokens}, trace);
  return trace;
}

TeacherTrace HttpTeacher::teach(const TeachRequest& t) {
  return post(t, request_body(t).dump());
}

std::vector<TeacherTrace> HttpTeacher::teach_batch(const std::vector<TeachRequest>& requests) {
  // Bodies first, on this thread: a malformed request throws here, before any network traffic.
  std::vector<std::string> bodies;
  bodies.reserve(requests.size());
  for (const TeachRequest& t : requests) bodies.push_back(request_body(t).dump());
  std::vector<TeacherTrace> out(requests.size());
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < requests.size();) {
      try {
        out[i] = post(requests[i], bodies[i]);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  const size_t threads = std::min(requests.size(), static_cast<size_t>(options_.concurrency));
  std::vector<std::thread> pool;
  for (size_t k = 1; k < threads; ++k) pool.emplace_back(work);
  if (threads > 0) work();
  for (auto& th : pool) th.join();
  if (failure) std::rethrow_exception(failure);
  return out;
}

}  // namespace gr2::train::traces::teachers
