// Simulation of the synthetic world, user by user, streaming to disk (see synth_world.h).
#include "gr2/data/synth/synth_world.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/progress.h"
#include "gr2/core/rng.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/events.h"
#include "gr2/data/slates.h"
#include "gr2/data/truth.h"
#include "gr2/data/synth/shop_catalog.h"
#include "gr2/data/synth/synth_user.h"

namespace gr2::synth {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

int64_t poisson(Rng& rng, double mean) {
  if (mean <= 0) return 0;
  if (mean > 30) return std::max<int64_t>(0, std::llround(rng.normal(mean, std::sqrt(mean))));
  const double limit = std::exp(-mean);
  int64_t k = 0;
  double p = rng.uniform();
  while (p > limit) {
    ++k;
    p *= rng.uniform();
  }
  return k;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double round4(double x) { return std::round(x * 1e4) / 1e4; }

std::string padded(const char* prefix, int64_t value, int width) {
  std::string digits = std::to_string(value);
  return prefix + std::string(static_cast<size_t>(std::max(0, width - static_cast<int>(digits.size()))), '0') + digits;
}

// All output writers of one world, open for the whole simulation.
struct WorldWriters {
  explicit WorldWriters(const DataDir& dir)
      : events(dir.events()),
        train_events(dir.train_events()),
        slates{SlateWriter(dir.slates(SplitPart::Train)), SlateWriter(dir.slates(SplitPart::Valid)),
               SlateWriter(dir.slates(SplitPart::Test))},
        truth(dir.truth()) {}
  void commit() {
    events.commit();
    train_events.commit();
    for (auto& s : slates) s.commit();
    truth.commit();
  }
  EventWriter events;
  EventWriter train_events;
  SlateWriter slates[3];
  TruthWriter truth;
};

// Simulates one user from first to last session.
class UserSimulation {
 public:
  UserSimulation(const SynthConfig& config, const ShopCatalog& shop, int64_t user_index, int id_width,
                 WorldWriters& out, SynthSummary& summary)
      : config_(config), shop_(shop), rng_(derive_seed(config.seed, "synth/user/" + std::to_string(user_index))),
        user_(config, shop, rng_), user_id_(padded("U", user_index, id_width)), out_(out), summary_(summary) {}

  void run() {
    const std::vector<int64_t> sessions = session_times();
    // Purchases before the first session, so that first requests already have a history.
    const int64_t initial = poisson(rng_, config_.initial_history);
    for (int64_t j = 0; j < initial; ++j) {
      const int64_t ts = sessions[0] - (initial - j) * 2 * kSecondsPerDay +
                         static_cast<int64_t>(rng_.below(kSecondsPerDay)) - kSecondsPerDay / 2;
      organic_purchase(ts);
    }
    for (size_t s = 0; s < sessions.size(); ++s) {
      if (s > 0) {
        between_sessions(sessions[s - 1], sessions[s]);
        user_.drift(rng_);
      }
      request(static_cast<int>(s), sessions[s]);
    }
  }

 private:
  std::vector<int64_t> session_times() {
    const double spread = 0.6;
    const double draw = config_.sessions_per_user * std::exp(spread * rng_.normal() - 0.5 * spread * spread);
    const int64_t n = std::max<int64_t>(1, std::llround(draw));
    const int64_t span = static_cast<int64_t>(config_.days) * kSecondsPerDay;
    std::vector<int64_t> times(static_cast<size_t>(n));
    for (auto& t : times) t = config_.start_ts + static_cast<int64_t>(rng_.below(static_cast<uint64_t>(span)));
    std::sort(times.begin(), times.end());
    // At least two minutes between sessions, so a session's events precede the next request.
    for (size_t s = 1; s < times.size(); ++s) times[s] = std::max(times[s], times[s - 1] + 120);
    return times;
  }

  void emit(int32_t item, int64_t ts, const char* action) {
    Event e{user_id_, shop_.item_id(item), ts, action};
    out_.events.write(e);
    ++summary_.events;
    if (ts < summary_.split.valid_start) {
      out_.train_events.write(e);
      ++summary_.train_events;
    }
    history_.push_back(item);
    if (history_.size() > static_cast<size_t>(config_.max_history)) history_.pop_front();
  }

  void organic_purchase(int64_t ts) {
    const int32_t item = user_.choose_organic_purchase(ts, rng_);
    emit(item, ts, "purchase");
    user_.record_purchase(item, ts);
    ++summary_.organic_events;
  }

  void between_sessions(int64_t previous, int64_t next) {
    const int64_t count = poisson(rng_, config_.organic_per_session);
    const int64_t lo = previous + 60;  // after the previous session's engagement events
    if (count == 0 || next - 1 <= lo) return;
    std::vector<int64_t> times(static_cast<size_t>(count));
    for (auto& t : times) t = lo + static_cast<int64_t>(rng_.below(static_cast<uint64_t>(next - 1 - lo)));
    std::sort(times.begin(), times.end());
    for (int64_t t : times) organic_purchase(t);
  }

  // Upstream retrieval: a pool of distinct items from the categories of recent history, from the
  // departments the upstream believes the user likes, and from globally popular items.
  std::vector<int32_t> retrieve_pool() {
    const int pool_size = config_.pool_size;
    std::vector<int32_t> pool;
    pool.reserve(static_cast<size_t>(pool_size));
    auto add = [&](int32_t item) {
      if (item >= 0 && std::find(pool.begin(), pool.end(), item) == pool.end()) pool.push_back(item);
    };
    const int n_context = history_.empty() ? 0 : static_cast<int>(std::lround(config_.context_share * pool_size));
    const int n_taste = static_cast<int>(std::lround(config_.taste_share * pool_size));
    const int max_tries = 20 * pool_size;
    for (int tries = 0; static_cast<int>(pool.size()) < n_context && tries < max_tries; ++tries) {
      const size_t back = rng_.below(std::min<size_t>(5, history_.size()));
      const ShopItem& anchor = shop_.item(history_[history_.size() - 1 - back]);
      const int32_t leaf = rng_.bernoulli(0.3) ? anchor.leaf
                                               : shop_.random_leaf_of_category(shop_.leaf(anchor.leaf).category, rng_);
      add(shop_.sample_in_leaf(leaf, rng_));
    }
    const int taste_target = static_cast<int>(pool.size()) + n_taste;
    for (int tries = 0; static_cast<int>(pool.size()) < taste_target && tries < max_tries; ++tries) {
      const int32_t dept = user_.sample_upstream_department(rng_);
      add(shop_.sample_in_leaf(shop_.random_leaf_of_department(dept, rng_), rng_));
    }
    for (int tries = 0; static_cast<int>(pool.size()) < pool_size && tries < max_tries; ++tries) {
      add(shop_.sample_popular(rng_));
    }
    // A tiny or very skewed catalog: fill with consecutive items.
    for (int32_t i = static_cast<int32_t>(rng_.below(static_cast<uint64_t>(shop_.size())));
         static_cast<int>(pool.size()) < pool_size; i = static_cast<int32_t>((i + 1) % shop_.size())) {
      add(i);
    }
    return pool;
  }

  void request(int session, int64_t ts) {
    const int k = config_.slate_size;
    const std::vector<int32_t> pool = retrieve_pool();
    // The upstream ranker: popularity + a noisy, stale, partial view of taste. Keeps the top K.
    std::vector<double> score(pool.size());
    for (size_t i = 0; i < pool.size(); ++i) {
      score[i] = round4(config_.upstream_popularity * shop_.item(pool[i]).popularity_z +
                        config_.upstream_taste * user_.upstream_view(pool[i]) +
                        config_.upstream_noise * rng_.normal());
    }
    std::vector<size_t> order(pool.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });

    Slate slate;
    slate.request_id = user_id_ + "-" + std::to_string(session);
    slate.user_id = user_id_;
    slate.ts = ts;
    slate.history.reserve(history_.size());
    for (int32_t h : history_) slate.history.push_back(shop_.item_id(h));
    std::vector<double> truth(static_cast<size_t>(k));
    std::vector<int32_t> items(static_cast<size_t>(k));
    bool any_positive = false;
    for (int p = 0; p < k; ++p) {
      const size_t i = order[static_cast<size_t>(p)];
      items[static_cast<size_t>(p)] = pool[i];
      slate.candidates.push_back({shop_.item_id(pool[i]), score[i]});
      // Position-biased label: examined with p^-bias, clicked by relevance, bought by relevance.
      const double rel = user_.relevance(pool[i], ts);
      const double p_click = sigmoid(config_.click_sharpness * (rel - config_.click_threshold));
      const double p_buy = sigmoid(config_.purchase_sharpness * (rel - config_.purchase_threshold));
      truth[static_cast<size_t>(p)] = round4(p_click * (1.0 + p_buy));
      const double examine = std::pow(static_cast<double>(p + 1), -config_.position_bias);
      int label = 0;
      if (rng_.bernoulli(examine * p_click)) label = rng_.bernoulli(p_buy) ? 2 : 1;
      slate.labels.push_back(label);
      if (label > 0) {
        any_positive = true;
        ++summary_.clicks;
        ++summary_.clicks_by_position[static_cast<size_t>(p)];
        if (label == 2) ++summary_.purchases;
      }
    }
    const SplitPart part = summary_.split.part_of(ts);
    out_.slates[static_cast<int>(part)].write(slate);
    out_.truth.write(slate.request_id, truth);
    ++summary_.slates[static_cast<int>(part)];
    if (any_positive) ++summary_.slates_with_positive;
    // Engagements become events (one per engaged candidate, in position order) after the request.
    for (int p = 0; p < k; ++p) {
      const int label = slate.labels[static_cast<size_t>(p)];
      if (label == 0) continue;
      const int32_t item = items[static_cast<size_t>(p)];
      emit(item, ts + 1 + p, label == 2 ? "purchase" : "click");
      if (label == 2) user_.record_purchase(item, ts + 1 + p);
    }
  }

  const SynthConfig& config_;
  const ShopCatalog& shop_;
  Rng rng_;
  SynthUser user_;
  std::string user_id_;
  WorldWriters& out_;
  SynthSummary& summary_;
  std::deque<int32_t> history_;  // latest events' items, oldest first (at most max_history)
};

}  // namespace

Json SynthSummary::to_json() const {
  Json by_position = Json::array();
  const int64_t n_slates = total_slates();
  for (int64_t c : clicks_by_position) by_position.push_back(n_slates > 0 ? round4(static_cast<double>(c) / n_slates) : 0.0);
  return Json{{"items", items},
              {"users", users},
              {"events", events},
              {"train_events", train_events},
              {"organic_events", organic_events},
              {"slates", {{"train", slates[0]}, {"valid", slates[1]}, {"test", slates[2]}}},
              {"labels",
               {{"clicks", clicks},
                {"purchases", purchases},
                {"slates_with_positive", slates_with_positive},
                {"share_with_positive", n_slates > 0 ? round4(static_cast<double>(slates_with_positive) / n_slates) : 0.0},
                {"positives_per_slate", n_slates > 0 ? round4(static_cast<double>(clicks) / n_slates) : 0.0},
                {"click_rate_by_position", by_position}}},
              {"split", {{"valid_start", split.valid_start}, {"test_start", split.test_start}}}};
}

SynthSummary generate_world(const SynthConfig& config, const std::string& out_dir) {
  make_directories(out_dir);
  const DataDir dir{out_dir};
  SynthSummary summary;
  const int64_t span = static_cast<int64_t>(config.days) * kSecondsPerDay;
  summary.split.valid_start =
      config.start_ts + static_cast<int64_t>(std::floor((1.0 - config.valid_fraction - config.test_fraction) * span));
  summary.split.test_start = config.start_ts + static_cast<int64_t>(std::floor((1.0 - config.test_fraction) * span));
  summary.clicks_by_position.assign(static_cast<size_t>(config.slate_size), 0);

  const ShopCatalog shop = ShopCatalog::generate(config);
  shop.write(dir.catalog(), dir.corpus());
  summary.items = shop.size();

  WorldWriters out(dir);
  int id_width = 1;
  for (int64_t v = config.num_users - 1; v >= 10; v /= 10) ++id_width;
  id_width = std::max(6, id_width);
  Progress progress("synth", config.num_users, "users");
  for (int64_t u = 0; u < config.num_users; ++u) {
    UserSimulation(config, shop, u, id_width, out, summary).run();
    ++summary.users;
    progress.update(u + 1, {{"events", static_cast<double>(summary.events)}});
  }
  progress.finish({{"events", static_cast<double>(summary.events)}});
  out.commit();

  Json info{{"generator", "gr2 data synth"},
            {"version", "0.1.0"},
            {"seed", config.seed},
            {"config", config.to_json()},
            {"split_fractions", {{"valid", config.valid_fraction}, {"test", config.test_fraction}}},
            {"order", "files are grouped by user; within a user, records are in time order"}};
  info.update(summary.to_json());
  write_file_atomic(dir.info(), info.dump(2) + "\n");
  return summary;
}

}  // namespace gr2::synth
