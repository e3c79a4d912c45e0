// Tests of the teachers: the heuristic teacher's rationale (cites only request items by valid SIDs,
// parses back to its order), targeted mode, seeded sampling, Plackett-Luce; the HTTP teacher against
// a chat-completions server on loopback (success, retry after 500, garbage, timeout, statuses).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cctype>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "gr2/prompt/answer_parser.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/prompt/teacher_chat.h"
#include "gr2/train/traces/teachers/heuristic_teacher.h"
#include "gr2/train/traces/teachers/http_teacher.h"
#include "gr2/train/traces/teachers/plackett_luce.h"
#include "gr2/train/traces/teachers/teacher.h"
#include "test_util.h"
#include "train/trace_fixtures.h"

namespace gr2::train::traces::teachers {
namespace {

Catalog tiny_catalog() {
  Catalog c;
  auto add = [&](const char* id, std::vector<std::string> path, const char* brand) {
    c.add(Item{id, std::string(brand) + " " + path.back(), path, brand, ""});
  };
  add("S1", {"Beauty", "Hair Care", "Shampoo"}, "Alma");
  add("S2", {"Beauty", "Hair Care", "Shampoo"}, "Alma");
  add("C1", {"Beauty", "Hair Care", "Conditioner"}, "Bora");
  add("R1", {"Personal Care", "Shaving", "Razor"}, "Rex");
  add("B1", {"Personal Care", "Shaving", "Razor Blades"}, "Rex");
  add("K1", {"Kitchen", "Coffee", "Coffee Maker"}, "Kafa");
  add("K2", {"Kitchen", "Coffee", "Coffee Beans"}, "Kafa");
  return c;
}

std::vector<Event> tiny_events() {
  std::vector<Event> events;
  for (int u = 0; u < 20; ++u) {
    const std::string user = "u" + std::to_string(u);
    int64_t t = 100;
    for (const char* item : {"S1", "C1", "R1", "B1", "K1", "K2"}) events.push_back({user, item, t++, "purchase"});
  }
  return events;
}

RankRequest request(const std::string& id, std::vector<std::string> history, std::vector<std::string> candidates) {
  RankRequest r;
  r.request_id = id;
  r.history = std::move(history);
  for (auto& c : candidates) r.candidates.push_back({c, 0.0});
  return r;
}

// The SIDs a prompt for `r` shows (history cut to max_history, and the candidates).
std::set<std::string> prompt_sids(const prompt::PromptRenderer& renderer, const RankRequest& r) {
  std::set<std::string> out;
  const size_t n = std::min(r.history.size(), static_cast<size_t>(renderer.options().max_history));
  for (size_t i = r.history.size() - n; i < r.history.size(); ++i) out.insert(renderer.item_sid(r.history[i]));
  for (const auto& c : r.candidates) out.insert(renderer.item_sid(c.item_id));
  return out;
}

// Checks the invariants every heuristic trace must satisfy.
void expect_good_trace(const prompt::PromptRenderer& renderer, const RankRequest& r, const TeacherTrace& t) {
  ASSERT_TRUE(t.valid) << t.failure << " " << t.message;
  ASSERT_TRUE(is_permutation_of(t.order, r.size()));
  const std::set<std::string> allowed = prompt_sids(renderer, r);
  const std::vector<std::string> cited = prompt::cited_sids(t.reasoning);
  EXPECT_GE(cited.size(), 1u);
  for (const std::string& s : cited) {
    EXPECT_TRUE(prompt::is_sid_spelling(s));
    EXPECT_TRUE(allowed.count(s)) << s << " is not an item of request " << r.request_id << ":\n" << t.reasoning;
  }
  // Steps in order, the choice names the top item.
  const size_t s1 = t.reasoning.find("1. History:");
  const size_t s2 = t.reasoning.find("\n2. ");
  const size_t s3 = t.reasoning.find("\n3. Choice: ");
  ASSERT_NE(s1, std::string::npos) << t.reasoning;
  ASSERT_NE(s2, std::string::npos) << t.reasoning;
  ASSERT_NE(s3, std::string::npos) << t.reasoning;
  EXPECT_LT(s1, s2);
  EXPECT_LT(s2, s3);
  EXPECT_EQ(t.reasoning.substr(s3 + 12), renderer.item_sid(r.candidates[size_t(t.order[0])].item_id) + ".");
  // Step 2 cites the first candidates of the ranking, in order.
  const std::vector<int> step2 = prompt::cited_candidates(t.reasoning.substr(s2, s3 - s2), renderer.candidate_sids(r));
  ASSERT_EQ(step2.size(), std::min<size_t>(3, t.order.size()));
  for (size_t i = 0; i < step2.size(); ++i) EXPECT_EQ(step2[i], t.order[i]);
  // The rendered answer parses back to the same order and reasoning.
  const std::string answer = renderer.render_answer(r, t.order, t.reasoning);
  const prompt::ParsedAnswer parsed = renderer.parse(answer, r);
  ASSERT_TRUE(parsed.valid()) << parsed.message << "\n" << answer;
  EXPECT_EQ(parsed.order, t.order);
  EXPECT_EQ(parsed.reasoning, t.reasoning);
}

TEST(TeacherHelpers, TargetCandidateModesAndSeeds) {
  EXPECT_EQ(target_candidate({0, 2, 1, 2}), 1);
  EXPECT_EQ(target_candidate({0, 0, 1}), 2);
  EXPECT_EQ(target_candidate({0, 0}), -1);
  EXPECT_EQ(target_candidate({}), -1);
  EXPECT_EQ(parse_teach_mode("targeted"), TeachMode::Targeted);
  EXPECT_EQ(teach_mode_name(parse_teach_mode("rejection")), "rejection");
  expect_error([] { parse_teach_mode("both"); }, "unknown trace mode 'both'");
  EXPECT_EQ(attempt_seed(1, "q", 0), attempt_seed(1, "q", 0));
  EXPECT_NE(attempt_seed(1, "q", 0), attempt_seed(1, "q", 1));
  EXPECT_NE(attempt_seed(1, "q", 0), attempt_seed(2, "q", 0));
  EXPECT_NE(attempt_seed(1, "q", 0), attempt_seed(1, "r", 0));
}

TEST(TeacherPlackettLuce, DeterministicAtZeroAndMatchesTheModel) {
  Rng rng(1);
  EXPECT_EQ(sample_plackett_luce({0.5, 2.0, 2.0, -1.0}, 0.0, rng), (std::vector<int>{1, 2, 0, 3}));
  // P(first = i) = w_i / sum w with w = exp(s / T): scores log 1, log 2, log 4 at T = 1 -> 1/7, 2/7, 4/7;
  // P(second = 0 | first = 2) = 1/3.
  const std::vector<double> scores{0.0, std::log(2.0), std::log(4.0)};
  std::vector<int> first(3, 0);
  int first2 = 0, second0 = 0;
  const int n = 40000;
  for (int k = 0; k < n; ++k) {
    const std::vector<int> o = sample_plackett_luce(scores, 1.0, rng);
    ASSERT_TRUE(is_permutation_of(o, 3));
    ++first[size_t(o[0])];
    if (o[0] == 2) {
      ++first2;
      second0 += o[1] == 0;
    }
  }
  EXPECT_NEAR(first[0] / double(n), 1.0 / 7, 0.01);
  EXPECT_NEAR(first[1] / double(n), 2.0 / 7, 0.01);
  EXPECT_NEAR(first[2] / double(n), 4.0 / 7, 0.01);
  EXPECT_NEAR(second0 / double(first2), 1.0 / 3, 0.015);
  // Doubling the temperature flattens: P(first = 2) = 2 / (1 + 1.414 + 2).
  int top = 0;
  for (int k = 0; k < n; ++k) top += sample_plackett_luce(scores, 2.0, rng)[0] == 2;
  EXPECT_NEAR(top / double(n), 2.0 / (1.0 + std::sqrt(2.0) + 2.0), 0.01);
  expect_error([&] { sample_plackett_luce(scores, -1.0, rng); }, "temperature");
}

TEST(TeacherHeuristic, RationaleOnTinyCatalog) {
  const Catalog catalog = tiny_catalog();
  const sid::SidTable sids = test::hand_sids(catalog);
  const prompt::PromptRenderer renderer(catalog, sids);
  HeuristicTeacher teacher(catalog, tiny_events(), renderer);
  EXPECT_EQ(teacher.name(), "heuristic");
  EXPECT_TRUE(teacher.deterministic());
  const RankRequest r = request("q1", {"K2", "S2"}, {"B1", "R1", "C1"});
  const TeacherTrace t = teacher.teach({&r, -1, 0});
  expect_good_trace(renderer, r, t);
  EXPECT_EQ(t.order[0], 2) << "the conditioner follows the shampoo";
  const std::string c1 = renderer.item_sid("C1");
  const std::string s2 = renderer.item_sid("S2");
  // Step 1 names the newest item and what follows its category; step 2 explains the conditioner.
  EXPECT_NE(t.reasoning.find("Last " + s2 + ", then often Conditioner."), std::string::npos) << t.reasoning;
  EXPECT_NE(t.reasoning.find("2. " + c1 + " follows Shampoo"), std::string::npos) << t.reasoning;
  EXPECT_EQ(t.reasoning.find("I00"), std::string::npos) << "items are cited by SID, not by id";
  // Short: a fixed template, three steps.
  EXPECT_LT(std::count(t.reasoning.begin(), t.reasoning.end(), ' '), 40) << t.reasoning;

  // Empty history: said so, and the ranking stays the incoming order.
  const RankRequest e = request("q2", {}, {"K1", "R1", "C1"});
  const TeacherTrace te = teacher.teach({&e, -1, 0});
  expect_good_trace(renderer, e, te);
  EXPECT_EQ(te.order, (std::vector<int>{0, 1, 2}));
  EXPECT_NE(te.reasoning.find("1. History: none."), std::string::npos);
  EXPECT_NE(te.reasoning.find("upstream #1"), std::string::npos) << te.reasoning;

  expect_error([&] { teacher.teach({&r, 3, 0}); }, "target 3 is not a candidate");
}

TEST(TeacherHeuristic, SyntheticWorldTracesAreValidTargetedFirstAndSeeded) {
  TempDir tmp;
  const test::SmallWorld world(tmp.path());
  const prompt::PromptRenderer renderer(world.catalog, world.sids);
  const std::vector<Slate> slates = world.with_positive(60);
  ASSERT_GE(slates.size(), 30u);

  HeuristicTeacherOptions cold;
  HeuristicTeacher t0(world.catalog, world.train_events, renderer, cold);
  HeuristicTeacherOptions warm;
  warm.temperature = 1.0;
  warm.seed = 7;
  HeuristicTeacher t1(world.catalog, world.train_events, renderer, warm);
  warm.seed = 8;
  HeuristicTeacher t1b(world.catalog, world.train_events, renderer, warm);
  EXPECT_FALSE(t1.deterministic());

  // Words a rationale may use: the template's and catalog names (categories, brands).
  auto words_of = [](const std::string& text, std::set<std::string>& out) {
    std::string w;
    for (char c : text + " ") {
      if (std::isalpha(static_cast<unsigned char>(c))) {
        w += c;
      } else if (!w.empty()) {
        out.insert(w);
        w.clear();
      }
    }
  };
  std::set<std::string> allowed_words;
  words_of(HeuristicTeacher::template_text(), allowed_words);
  for (const Item& item : world.catalog.items()) {
    for (const auto& c : item.category) words_of(c, allowed_words);
    words_of(item.brand, allowed_words);
  }
  int varied_attempts = 0, varied_seeds = 0, tokens = 0;
  std::vector<RankRequest> requests;
  for (const Slate& s : slates) requests.push_back(make_request(s));
  for (size_t i = 0; i < slates.size(); ++i) {
    const Slate& s = slates[i];
    const RankRequest& r = requests[i];
    // Temperature 0: deterministic, whatever the attempt, and equal to the heuristic's ranking.
    const TeacherTrace a = t0.teach({&r, -1, 0});
    const TeacherTrace b = t0.teach({&r, -1, 3});
    expect_good_trace(renderer, r, a);
    EXPECT_EQ(a.order, b.order);
    EXPECT_EQ(a.reasoning, b.reasoning);
    RankRequest cut = r;
    if (cut.history.size() > 20) cut.history.erase(cut.history.begin(), cut.history.end() - 20);
    EXPECT_EQ(a.order, t0.heuristic().explain(cut).choice.order);
    // info.scores: the score of each candidate (slate order), which the deterministic order sorts.
    ASSERT_TRUE(a.info.contains("scores"));
    const std::vector<double> scores = a.info.at("scores").get<std::vector<double>>();
    ASSERT_EQ(scores.size(), r.candidates.size());
    for (size_t k = 0; k + 1 < a.order.size(); ++k)
      EXPECT_GE(scores[static_cast<size_t>(a.order[k])], scores[static_cast<size_t>(a.order[k + 1])]);
    tokens += static_cast<int>(std::count(a.reasoning.begin(), a.reasoning.end(), ' '));
    std::string text = a.reasoning;
    for (const std::string& sid : prompt::cited_sids(text)) {
      for (size_t at; (at = text.find(sid)) != std::string::npos;) text.erase(at, sid.size());
    }
    std::set<std::string> used;
    words_of(text, used);
    for (const std::string& w : used) EXPECT_TRUE(allowed_words.count(w)) << "'" << w << "' in " << a.reasoning;

    // Temperature > 0: reproducible per (seed, request, attempt); varies with the attempt and seed.
    const TeacherTrace w0 = t1.teach({&r, -1, 0});
    const TeacherTrace w0again = t1.teach({&r, -1, 0});
    const TeacherTrace w1 = t1.teach({&r, -1, 1});
    const TeacherTrace other = t1b.teach({&r, -1, 0});
    expect_good_trace(renderer, r, w0);
    expect_good_trace(renderer, r, w1);
    EXPECT_EQ(w0.order, w0again.order);
    EXPECT_EQ(w0.reasoning, w0again.reasoning);
    EXPECT_EQ(w0.seed, attempt_seed(7, r.request_id, 0));
    varied_attempts += w0.order != w1.order;
    varied_seeds += w0.order != other.order;

    // Targeted: the best positive first, at any temperature.
    const int target = target_candidate(s.labels);
    ASSERT_GE(target, 0);
    for (HeuristicTeacher* t : {&t0, &t1}) {
      const TeacherTrace g = t->teach({&r, target, 0});
      expect_good_trace(renderer, r, g);
      EXPECT_EQ(g.order[0], target);
      EXPECT_GT(s.labels[size_t(g.order[0])], 0);
    }
  }
  EXPECT_GT(varied_attempts, static_cast<int>(slates.size()) / 2);
  EXPECT_GT(varied_seeds, static_cast<int>(slates.size()) / 2);
  // The rationale is short (about 20-30 words besides its SIDs).
  EXPECT_LT(tokens / static_cast<double>(slates.size()), 35.0);

  // teach_batch: the same traces whatever the batch order.
  std::vector<TeachRequest> asks, reversed;
  for (const RankRequest& r : requests) asks.push_back({&r, -1, 2});
  reversed.assign(asks.rbegin(), asks.rend());
  const std::vector<TeacherTrace> fw = t1.teach_batch(asks);
  const std::vector<TeacherTrace> bw = t1.teach_batch(reversed);
  ASSERT_EQ(fw.size(), asks.size());
  for (size_t i = 0; i < asks.size(); ++i) {
    EXPECT_EQ(fw[i].order, bw[asks.size() - 1 - i].order);
    EXPECT_EQ(fw[i].order, t1.teach(asks[i]).order);
  }
}

// ---------------------------------------------------------------------------------------------
// The HTTP teacher against a chat-completions server on 127.0.0.1.

TEST(TeacherChat, MessagesMatchThePromptAndRepliesBecomeAssistantText) {
  const Catalog catalog = tiny_catalog();
  const sid::SidTable sids = test::hand_sids(catalog);
  const prompt::PromptRenderer renderer(catalog, sids);
  const RankRequest r = request("q1", {"K2", "S2"}, {"B1", "R1", "C1"});
  const auto plain = prompt::teacher_messages(renderer, r);
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_EQ(plain[0].role, "system");
  EXPECT_EQ(plain[1].role, "user");
  EXPECT_EQ("<|im_start|>system\n" + plain[0].content + "<|im_end|>\n<|im_start|>user\n" + plain[1].content +
                "<|im_end|>\n<|im_start|>assistant\n<think>\n",
            renderer.render_prompt(r));
  const auto targeted = prompt::teacher_messages(renderer, r, 2, "Know that conditioner follows shampoo.");
  EXPECT_EQ(targeted[0].content, plain[0].content + "\nKnow that conditioner follows shampoo.");
  EXPECT_EQ(targeted[1].content.rfind(plain[1].content + "\nTarget: " + renderer.item_sid("C1"), 0), 0u);
  expect_error([&] { prompt::teacher_messages(renderer, r, 5); }, "target 5");

  EXPECT_EQ(prompt::assistant_text_from_reply("  <think>\nwhy\n</think>\nX", "", true), "\nwhy\n</think>\nX");
  EXPECT_EQ(prompt::assistant_text_from_reply("why\n</think>\nX", "ignored", true), "why\n</think>\nX");
  EXPECT_EQ(prompt::assistant_text_from_reply("\nX", " why ", true), "why\n</think>\nX");
  EXPECT_EQ(prompt::assistant_text_from_reply("X", "", true), "X");
  EXPECT_EQ(prompt::assistant_text_from_reply("<think>X", "", false), "<think>X");
}

TEST(TeacherHttp, ParsesBaseUrlsAndValidatesOptions) {
  EXPECT_EQ(parse_base_url("http://127.0.0.1:8000/v1").scheme_host_port, "http://127.0.0.1:8000");
  EXPECT_EQ(parse_base_url("http://127.0.0.1:8000/v1/").path_prefix, "/v1");
  EXPECT_EQ(parse_base_url("https://api.example.com").path_prefix, "");
  expect_error([] { parse_base_url("ftp://x/v1"); }, "unsupported scheme 'ftp'");
  expect_error([] { parse_base_url("localhost:8000"); }, "has no scheme");
  expect_error([] { parse_base_url("http:///v1"); }, "has no host");
  const Catalog catalog = tiny_catalog();
  const sid::SidTable sids = test::hand_sids(catalog);
  const prompt::PromptRenderer renderer(catalog, sids);
  HttpTeacherOptions o;
  expect_error([&] { HttpTeacher(renderer, o); }, "model is not set");
  o.model = "m";
  o.api_key_env = "GR2_TEST_SURELY_UNSET_KEY";
  ::unsetenv("GR2_TEST_SURELY_UNSET_KEY");
  expect_error([&] { HttpTeacher(renderer, o); }, "GR2_TEST_SURELY_UNSET_KEY");
  prompt::PromptOptions direct;
  direct.think = false;
  const prompt::PromptRenderer direct_renderer(catalog, sids, direct);
  o.api_key_env.clear();
  expect_error([&] { HttpTeacher(direct_renderer, o); }, "think = true");
}

// A fake OpenAI-compatible server. `reply(body, call)` returns (status, response body) for the
// call-th request (0-based, counted per user message).
class FakeChatServer {
 public:
  using Handler = std::function<std::pair<int, std::string>(const Json& body, int call)>;
  explicit FakeChatServer(Handler handler) : handler_(std::move(handler)) {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      const Json body = Json::parse(req.body);
      int call;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        call = calls_[body["messages"][1]["content"].get<std::string>()]++;
        bodies_.push_back(body);
        auth_ = req.get_header_value("Authorization");
        ++total_;
      }
      const int now = ++in_flight_;
      int seen = max_in_flight_.load();
      while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {}
      auto [status, text] = handler_(body, call);
      --in_flight_;
      res.status = status;
      res.set_content(text, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~FakeChatServer() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int total() const { return total_; }
  int max_in_flight() const { return max_in_flight_; }
  std::string last_auth() {
    std::lock_guard<std::mutex> lock(mutex_);
    return auth_;
  }
  Json first_body() {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_.front();
  }

 private:
  Handler handler_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::map<std::string, int> calls_;
  std::vector<Json> bodies_;
  std::string auth_;
  std::atomic<int> total_{0}, in_flight_{0}, max_in_flight_{0};
};

std::string chat_reply(const std::string& content, const std::string& reasoning_content = "") {
  Json message{{"role", "assistant"}, {"content", content}};
  if (!reasoning_content.empty()) message["reasoning_content"] = reasoning_content;
  return Json{{"id", "x"},
              {"object", "chat.completion"},
              {"choices", Json::array({Json{{"index", 0}, {"message", message}, {"finish_reason", "stop"}}})},
              {"usage", {{"prompt_tokens", 10}, {"completion_tokens", 5}}}}
      .dump();
}

struct HttpFixture {
  Catalog catalog = tiny_catalog();
  sid::SidTable sids = test::hand_sids(catalog);
  prompt::PromptRenderer renderer{catalog, sids};
  HeuristicTeacher heuristic{catalog, tiny_events(), renderer};
  std::vector<RankRequest> requests;
  std::map<std::string, RankRequest> by_user;  // user message -> request

  HttpFixture() {
    const std::vector<std::vector<std::string>> histories = {{"K2", "S2"}, {"S1"}, {"R1"}, {"K1"}, {}, {"S1", "R1"}, {"K1", "B1"}};
    for (size_t i = 0; i < histories.size(); ++i) {
      requests.push_back(request("h" + std::to_string(i), histories[i], {"B1", "R1", "C1", "K2"}));
    }
    for (const RankRequest& r : requests) by_user[renderer.user_content(r)] = r;
  }
  // The heuristic teacher's answer, as a chat model would write it.
  std::string heuristic_content(const Json& body) {
    const std::string user = body["messages"][1]["content"];
    const auto it = by_user.find(user);
    if (it == by_user.end()) return "?";
    const TeacherTrace t = heuristic.teach({&it->second, -1, 0});
    return "<think>\n" + renderer.render_answer(it->second, t.order, t.reasoning);
  }
  HttpTeacherOptions options(const std::string& url) {
    HttpTeacherOptions o;
    o.base_url = url;
    o.model = "teacher-model";
    o.backoff_s = 0.01;
    o.backoff_max_s = 0.05;
    o.timeout_s = 5;
    o.retries = 2;
    return o;
  }
};

TEST(TeacherHttp, AnswersLikeTheHeuristicWithConcurrencyAndApiKey) {
  HttpFixture fx;
  FakeChatServer server([&](const Json& body, int) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    return std::make_pair(200, chat_reply(fx.heuristic_content(body)));
  });
  ::setenv("GR2_TEST_TEACHER_KEY", "sk-test-123", 1);
  HttpTeacherOptions o = fx.options(server.base_url());
  o.api_key_env = "GR2_TEST_TEACHER_KEY";
  o.concurrency = 3;
  o.temperature = 0.3;
  o.seed = 5;
  HttpTeacher teacher(fx.renderer, o);
  EXPECT_EQ(teacher.describe().dump().find("sk-test"), std::string::npos) << "the key never leaves memory";
  std::vector<TeachRequest> asks;
  for (const RankRequest& r : fx.requests) asks.push_back({&r, -1, 1});
  const std::vector<TeacherTrace> traces = teacher.teach_batch(asks);
  ASSERT_EQ(traces.size(), asks.size());
  for (size_t i = 0; i < asks.size(); ++i) {
    const TeacherTrace expected = fx.heuristic.teach({&fx.requests[i], -1, 0});
    ASSERT_TRUE(traces[i].valid) << traces[i].failure << ": " << traces[i].message;
    EXPECT_EQ(traces[i].order, expected.order);
    EXPECT_EQ(traces[i].reasoning, expected.reasoning);
    EXPECT_EQ(traces[i].seed, attempt_seed(5, fx.requests[i].request_id, 1));
    EXPECT_EQ(traces[i].info["tries"], 1);
    EXPECT_EQ(traces[i].info["status"], 200);
    EXPECT_EQ(traces[i].info["usage"]["completion_tokens"], 5);
  }
  EXPECT_EQ(server.total(), static_cast<int>(asks.size()));
  EXPECT_GE(server.max_in_flight(), 2) << "concurrency 3 should overlap requests";
  EXPECT_LE(server.max_in_flight(), 3);
  EXPECT_EQ(server.last_auth(), "Bearer sk-test-123");
  const Json body = server.first_body();
  EXPECT_EQ(body["model"], "teacher-model");
  EXPECT_EQ(body["messages"].size(), 2u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.3);
  EXPECT_EQ(body["max_tokens"], 1024);
  EXPECT_TRUE(body["seed"].is_number_integer());

  // Targeted: the target is named in the user message.
  EXPECT_NE(teacher.request_body({&fx.requests[0], 3, 0})["messages"][1]["content"].get<std::string>().find(
                "Target: " + fx.renderer.item_sid("K2")),
            std::string::npos);
}

TEST(TeacherHttp, RetriesAfter500And429ThenSucceeds) {
  HttpFixture fx;
  FakeChatServer server([&](const Json& body, int call) {
    if (call == 0) return std::make_pair(500, std::string("{\"error\":\"overloaded\"}"));
    if (call == 1) return std::make_pair(429, std::string("{\"error\":\"slow down\"}"));
    return std::make_pair(200, chat_reply(fx.heuristic_content(body)));
  });
  HttpTeacher teacher(fx.renderer, fx.options(server.base_url()));
  const TeacherTrace t = teacher.teach({&fx.requests[0], -1, 0});
  ASSERT_TRUE(t.valid) << t.failure << ": " << t.message;
  EXPECT_EQ(t.info["tries"], 3);
  EXPECT_EQ(t.order, fx.heuristic.teach({&fx.requests[0], -1, 0}).order);

  // Out of retries: the attempt fails with the last status.
  HttpTeacherOptions o = fx.options(server.base_url());
  o.retries = 0;
  HttpTeacher impatient(fx.renderer, o);
  const TeacherTrace f = impatient.teach({&fx.requests[1], -1, 0});
  EXPECT_FALSE(f.valid);
  EXPECT_EQ(f.failure, "http_status");
  EXPECT_NE(f.message.find("HTTP 500"), std::string::npos) << f.message;
  EXPECT_EQ(f.info["tries"], 1);
}

TEST(TeacherHttp, BadRepliesAreRecordedFailedAttempts) {
  HttpFixture fx;
  FakeChatServer server([&](const Json& body, int) {
    const std::string user = body["messages"][1]["content"];
    const std::string id = fx.by_user.at(user).request_id;
    if (id == "h0") return std::make_pair(200, chat_reply("I would pick the razor blades first."));
    if (id == "h1") return std::make_pair(200, std::string("<html>not json</html>"));
    if (id == "h2") return std::make_pair(200, std::string("{\"choices\": []}"));
    if (id == "h3") return std::make_pair(400, std::string("{\"error\":\"bad model\"}"));
    const std::string ranking = "</think>\n" + fx.renderer.item_sid("K2") + fx.renderer.item_sid("C1") +
                                fx.renderer.item_sid("R1") + fx.renderer.item_sid("B1");
    if (id == "h5") return std::make_pair(200, chat_reply("<think>\nThe coffee beans.\n" + ranking));
    if (id == "h6") return std::make_pair(200, chat_reply("<think>\nLike " + fx.renderer.item_sid("S2") + ", " + fx.renderer.item_sid("K2") + ".\n" + ranking));
    // h4: reasoning returned separately (vLLM reasoning parser style), content = the ranking.
    const std::string full = fx.heuristic_content(body);
    const size_t end = full.find("</think>");
    return std::make_pair(200, chat_reply(full.substr(end + 8), full.substr(8, end - 8)));
  });
  HttpTeacher teacher(fx.renderer, fx.options(server.base_url()));
  std::vector<TeachRequest> asks;
  for (size_t i = 0; i < 7; ++i) asks.push_back({&fx.requests[i], -1, 0});
  const std::vector<TeacherTrace> t = teacher.teach_batch(asks);
  EXPECT_FALSE(t[0].valid);
  EXPECT_EQ(t[0].failure, "unparseable");
  EXPECT_EQ(t[0].info["reply"], "I would pick the razor blades first.");
  EXPECT_EQ(t[1].failure, "bad_reply");
  EXPECT_EQ(t[2].failure, "bad_reply");
  EXPECT_EQ(t[3].failure, "http_status");
  EXPECT_EQ(t[3].info["tries"], 1) << "a 400 is not retried";
  ASSERT_TRUE(t[4].valid) << t[4].failure << ": " << t[4].message;
  EXPECT_EQ(t[4].order, fx.heuristic.teach({&fx.requests[4], -1, 0}).order);
  // A valid ranking whose reasoning cites no candidate, or an item the prompt does not show.
  EXPECT_EQ(t[5].failure, "no_citation") << t[5].message;
  EXPECT_EQ(t[6].failure, "bad_citation") << t[6].message;
  EXPECT_NE(t[6].message.find(fx.renderer.item_sid("S2")), std::string::npos);
  HttpTeacherOptions lax = fx.options(server.base_url());
  lax.check_citations = false;
  HttpTeacher lax_teacher(fx.renderer, lax);
  EXPECT_TRUE(lax_teacher.teach(asks[5]).valid);
  EXPECT_TRUE(lax_teacher.teach(asks[6]).valid);
}

TEST(TeacherHttp, TruncatedAndReasoningOnlyRepliesSayWhy) {
  HttpFixture fx;
  FakeChatServer server([&](const Json& body, int) {
    const std::string user = body["messages"][1]["content"];
    const std::string id = fx.by_user.at(user).request_id;
    Json message{{"role", "assistant"}, {"content", nullptr}, {"reasoning_content", "The user likes coffee, so"}};
    std::string finish = "length";  // h0: reasoning cut off at max_tokens, no content at all
    if (id == "h1") {               // h1: the whole answer in the reasoning field, content empty
      message["content"] = "";
      message["reasoning_content"] = fx.heuristic_content(body);
      finish = "stop";
    }
    return std::make_pair(200, Json{{"choices", Json::array({Json{{"index", 0}, {"message", message},
                                                                  {"finish_reason", finish}}})}}
                                   .dump());
  });
  HttpTeacher teacher(fx.renderer, fx.options(server.base_url()));
  const std::vector<TeacherTrace> t = teacher.teach_batch({{&fx.requests[0], -1, 0}, {&fx.requests[1], -1, 0}});
  EXPECT_EQ(t[0].failure, "truncated");
  EXPECT_NE(t[0].message.find("cut off at http_max_tokens"), std::string::npos) << t[0].message;
  EXPECT_EQ(t[0].info["finish_reason"], "length");
  EXPECT_NE(t[0].info["reply"].get<std::string>().find("The user likes coffee"), std::string::npos);
  EXPECT_FALSE(t[1].valid);
  EXPECT_NE(t[1].message.find("content is empty and all of it is in the reasoning field"), std::string::npos)
      << t[1].message;
}

TEST(TeacherHttp, TimeoutsAndUnreachableServersFailTheAttempt) {
  HttpFixture fx;
  FakeChatServer server([&](const Json& body, int) {
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    return std::make_pair(200, chat_reply(fx.heuristic_content(body)));
  });
  HttpTeacherOptions o = fx.options(server.base_url());
  o.timeout_s = 0.2;
  o.retries = 1;
  HttpTeacher teacher(fx.renderer, o);
  const TeacherTrace t = teacher.teach({&fx.requests[0], -1, 0});
  EXPECT_FALSE(t.valid);
  EXPECT_EQ(t.failure, "timeout") << t.message;
  EXPECT_EQ(t.info["tries"], 2);

  // Nothing listens on this port once the server is gone.
  int port = 0;
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port = ntohs(addr.sin_port);
    ::close(fd);  // bound, never listened, closed: connections are refused
  }
  HttpTeacherOptions gone = fx.options("http://127.0.0.1:" + std::to_string(port) + "/v1");
  gone.retries = 1;
  HttpTeacher unreachable(fx.renderer, gone);
  const TeacherTrace u = unreachable.teach({&fx.requests[0], -1, 0});
  EXPECT_FALSE(u.valid);
  EXPECT_EQ(u.failure, "connection") << u.message;
  EXPECT_EQ(u.info["tries"], 2);
}

}  // namespace
}  // namespace gr2::train::traces::teachers
