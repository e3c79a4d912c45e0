// OpenAI-compatible completion bodies (see completion_api.h).
#include "gr2/serve/completion_api.h"

#include <atomic>
#include <cmath>
#include <random>
#include <string_view>

#include "gr2/core/error.h"
#include "gr2/core/rng.h"
#include "gr2/core/log.h"
#include "gr2/core/utf8.h"
#include "gr2/prompt/tokens.h"
#include "gr2/serve/api_error.h"
#include "gr2/serve/request_json.h"

namespace gr2::serve {
namespace {

[[noreturn]] void reject(const std::string& message) { throw ApiError::bad_request(message); }


int64_t integer(const Json& json, const char* key, int64_t fallback, int64_t lo, int64_t hi) {
  const Json* v = optional_field(json, key);
  if (v == nullptr) return fallback;
  if (!v->is_number_integer()) reject(std::string(key) + ": expected an integer, got " + json_type_name(*v));
  const int64_t x = v->get<int64_t>();
  if (x < lo || x > hi)
    reject(std::string(key) + ": " + std::to_string(x) + " is outside [" + std::to_string(lo) + ", " +
           std::to_string(hi) + "]");
  return x;
}

double number(const Json& json, const char* key, double fallback, double lo, double hi) {
  const Json* v = optional_field(json, key);
  if (v == nullptr) return fallback;
  if (!v->is_number()) reject(std::string(key) + ": expected a number, got " + json_type_name(*v));
  const double x = v->get<double>();
  if (!(x >= lo && x <= hi) || (std::string_view(key) == "top_p" && x <= 0.0))
    reject(std::string(key) + (std::string_view(key) == "top_p" ? ": must be in (0, 1]"
                                                                 : ": must be in [" + strprintf("%g", lo) + ", " +
                                                                       strprintf("%g", hi) + "]"));
  return x;
}

bool boolean(const Json& json, const char* key) {
  const Json* v = optional_field(json, key);
  if (v == nullptr) return false;
  if (!v->is_boolean()) reject(std::string(key) + ": expected true or false, got " + json_type_name(*v));
  return v->get<bool>();
}

std::string string_field(const Json& value, const std::string& where, int64_t max_chars) {
  if (!value.is_string()) reject(where + ": expected a string, got " + json_type_name(value));
  const std::string& s = value.get_ref<const std::string&>();
  if (static_cast<int64_t>(s.size()) > max_chars)
    reject(where + ": " + std::to_string(s.size()) + " bytes, more than the limit of " + std::to_string(max_chars));
  return s;
}

// The fields both routes share: model, n, sampling, stream and stop refused.
void parse_common(const Json& json, const CompletionLimits& limits, CompletionCall& call) {
  if (const Json* m = optional_field(json, "model")) call.model = string_field(*m, "model", 256);
  if (boolean(json, "stream")) reject("stream: streaming responses are not supported (send stream: false)");
  if (optional_field(json, "stop") != nullptr)
    reject("stop: stop sequences are not supported (generation stops at the end-of-turn token)");
  CompletionRequest& r = call.request;
  r.n = static_cast<int>(integer(json, "n", 1, 1, limits.max_n));
  r.sampling.temperature = number(json, "temperature", 1.0, 0.0, 100.0);
  r.sampling.top_p = number(json, "top_p", 1.0, 0.0, 1.0);
  if (r.sampling.top_p <= 0.0) reject("top_p: must be in (0, 1]");  // number() said [0, 1]
  r.sampling.top_k = integer(json, "top_k", 0, -1, 1 << 20);
  if (r.sampling.top_k < 0) r.sampling.top_k = 0;  // vLLM's -1 = off
  // Without a seed each call samples afresh (OpenAI's behaviour); with one it is reproducible.
  static std::atomic<uint64_t> unseeded{std::random_device{}()};
  r.sampling.seed = optional_field(json, "seed") != nullptr
                        ? static_cast<uint64_t>(integer(json, "seed", 0, INT64_MIN, INT64_MAX))
                        : splitmix64(unseeded.fetch_add(1));
  // OpenAI fields gr2 does not implement: refused when they would change the answer, so nothing is
  // silently ignored (clients that send the neutral defaults are accepted).
  for (const char* key : {"presence_penalty", "frequency_penalty"}) {
    if (const Json* v = optional_field(json, key); v != nullptr && !(v->is_number() && v->get<double>() == 0.0))
      reject(std::string(key) + ": not supported (only 0)");
  }
  if (const Json* v = optional_field(json, "logit_bias"); v != nullptr && !(v->is_object() && v->empty()))
    reject("logit_bias: not supported (only {})");
  if (const Json* v = optional_field(json, "best_of"); v != nullptr && !(v->is_number_integer() && v->get<int64_t>() == 1))
    reject("best_of: not supported (only 1)");
  if (const Json* v = optional_field(json, "suffix"); v != nullptr && !(v->is_string() && v->get<std::string>().empty()))
    reject("suffix: not supported");
}

std::vector<int64_t> encode(const lm::Vocabulary& vocabulary, const std::string& text, const std::string& where) {
  try {
    return vocabulary.encode(text);
  } catch (const Error& e) {
    reject(where + ": " + e.what());
  }
}

std::string token_text(const lm::Vocabulary& vocabulary, int64_t id) { return vocabulary.decode({id}); }

Json legacy_logprobs(const CompletionChoice& choice, const lm::Vocabulary& vocabulary, int64_t offset) {
  Json tokens = Json::array(), values = Json::array(), tops = Json::array(), offsets = Json::array();
  for (const TokenLogProb& t : choice.log_probs) {
    const std::string text = token_text(vocabulary, t.token);
    tokens.push_back(text);
    values.push_back(t.log_prob ? Json(*t.log_prob) : Json(nullptr));
    if (t.log_prob) {
      Json top = Json::object();
      for (const auto& [id, lp] : t.top) top[token_text(vocabulary, id)] = lp;
      tops.push_back(std::move(top));
    } else {
      tops.push_back(nullptr);
    }
    offsets.push_back(offset);
    offset += static_cast<int64_t>(text.size());
  }
  return {{"tokens", tokens}, {"token_logprobs", values}, {"top_logprobs", tops}, {"text_offset", offsets}};
}

Json chat_logprobs(const CompletionChoice& choice, const lm::Vocabulary& vocabulary) {
  Json content = Json::array();
  for (const TokenLogProb& t : choice.log_probs) {
    Json top = Json::array();
    for (const auto& [id, lp] : t.top) top.push_back({{"token", token_text(vocabulary, id)}, {"logprob", lp}});
    content.push_back({{"token", token_text(vocabulary, t.token)}, {"logprob", t.log_prob.value_or(0.0f)},
                       {"top_logprobs", std::move(top)}});
  }
  return {{"content", std::move(content)}};
}

}  // namespace

CompletionCall parse_completion_request(std::string_view body, const CompletionLimits& limits,
                                        const lm::Vocabulary& vocabulary) {
  const Json json = parse_request_object(body);
  CompletionCall call;
  parse_common(json, limits, call);
  const Json* prompt = optional_field(json, "prompt");
  if (prompt == nullptr) reject("missing field 'prompt' (a string)");
  const std::string text = string_field(*prompt, "prompt", limits.max_prompt_chars);
  call.request.prompt = encode(vocabulary, text, "prompt");
  if (call.request.prompt.empty()) reject("prompt: must not be empty");
  call.request.max_tokens = integer(json, "max_tokens", 16, 0, limits.max_tokens);
  call.request.echo = boolean(json, "echo");
  call.request.logprobs = static_cast<int>(integer(json, "logprobs", -1, 0, limits.max_top_logprobs));
  if (call.request.max_tokens == 0 && !call.request.echo) reject("max_tokens: 0 only with echo: true (scoring the prompt)");
  call.request.stop_tokens = {vocabulary.eos_id()};
  return call;
}

CompletionCall parse_chat_request(std::string_view body, const CompletionLimits& limits,
                                  const lm::Vocabulary& vocabulary) {
  const Json json = parse_request_object(body);
  CompletionCall call;
  call.chat = true;
  parse_common(json, limits, call);
  const Json* messages = optional_field(json, "messages");
  if (messages == nullptr) reject("missing field 'messages' (an array of {role, content})");
  if (!messages->is_array() || messages->empty())
    reject("messages: expected a non-empty array of {role, content}, got " + json_type_name(*messages));
  if (static_cast<int>(messages->size()) > limits.max_messages)
    reject("messages: more than the limit of " + std::to_string(limits.max_messages));
  std::string text;
  for (size_t i = 0; i < messages->size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    const Json& m = (*messages)[i];
    if (!m.is_object()) reject(where + ": expected an object {role, content}, got " + json_type_name(m));
    const Json* role = optional_field(m, "role");
    if (role == nullptr) reject(where + ": missing field 'role'");
    const std::string r = string_field(*role, where + ".role", 32);
    if (r != "system" && r != "user" && r != "assistant")
      reject(where + ".role: '" + r + "' is not one of system, user, assistant");
    const Json* content = optional_field(m, "content");
    if (content == nullptr) reject(where + ": missing field 'content'");
    const std::string c = string_field(*content, where + ".content", limits.max_prompt_chars);
    for (std::string_view forged : {prompt::kImStart, prompt::kImEnd, std::string_view("<|endoftext|>")}) {
      if (c.find(forged) != std::string::npos)
        reject(where + ".content: holds " + std::string(forged) + ", which would forge a turn of the chat template");
    }
    text += std::string(prompt::kImStart) + r + "\n" + c + std::string(prompt::kImEnd) + "\n";
  }
  if (static_cast<int64_t>(text.size()) > limits.max_prompt_chars) reject("messages: longer than the prompt limit");
  text += std::string(prompt::kImStart) + "assistant\n";
  call.request.prompt = encode(vocabulary, text, "messages");
  const int64_t max_tokens = integer(json, "max_tokens", 16, 1, limits.max_tokens);
  call.request.max_tokens = integer(json, "max_completion_tokens", max_tokens, 1, limits.max_tokens);
  if (boolean(json, "logprobs"))
    call.request.logprobs = static_cast<int>(integer(json, "top_logprobs", 0, 0, limits.max_top_logprobs));
  else if (optional_field(json, "top_logprobs") != nullptr)
    reject("top_logprobs: needs logprobs: true");
  call.request.stop_tokens = {vocabulary.im_end_id(), vocabulary.eos_id()};
  return call;
}

Json completion_response(const std::string& id, const std::string& model, int64_t created,
                         const CompletionCall& call, const CompletionResult& result, const lm::Vocabulary& vocabulary) {
  Json choices = Json::array();
  int64_t prompt_chars = 0;
  if (!call.chat && !call.request.echo) prompt_chars = static_cast<int64_t>(vocabulary.decode(call.request.prompt).size());
  for (size_t i = 0; i < result.choices.size(); ++i) {
    const CompletionChoice& c = result.choices[i];
    const std::string text = vocabulary.decode(c.tokens);
    const bool with_logprobs = call.request.logprobs >= 0;
    if (call.chat) {
      choices.push_back({{"index", i},
                         {"message", {{"role", "assistant"}, {"content", text}}},
                         {"finish_reason", c.finish_reason},
                         {"logprobs", with_logprobs ? chat_logprobs(c, vocabulary) : Json(nullptr)}});
    } else {
      const std::string shown = call.request.echo ? vocabulary.decode(call.request.prompt) + text : text;
      choices.push_back({{"index", i},
                         {"text", shown},
                         {"finish_reason", c.finish_reason},
                         {"logprobs", with_logprobs ? legacy_logprobs(c, vocabulary, prompt_chars) : Json(nullptr)}});
    }
  }
  return {{"id", id},
          {"object", call.chat ? "chat.completion" : "text_completion"},
          {"created", created},
          {"model", model},
          {"choices", std::move(choices)},
          {"usage",
           {{"prompt_tokens", result.prompt_tokens},
            {"completion_tokens", result.completion_tokens},
            {"total_tokens", result.prompt_tokens + result.completion_tokens}}}};
}

}  // namespace gr2::serve
