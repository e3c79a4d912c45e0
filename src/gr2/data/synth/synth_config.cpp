// Reading and echoing the [synth] section. One list of knobs (visit_knobs) serves both, so a knob
// cannot be readable but missing from data.json, or the other way round.
#include "gr2/data/synth/synth_config.h"

#include <limits>
#include <string>

#include "gr2/core/error.h"

namespace gr2::synth {
namespace {

constexpr int64_t kMaxCount = int64_t{1} << 40;

// Calls visit(key, field, lo, hi) for every knob, in documentation order.
template <typename Knobs, typename Visit>
void visit_knobs(Knobs& c, Visit&& visit) {
  visit("seed", c.seed, 0.0, 0.0);  // any 64-bit value
  visit("num_items", c.num_items, 10, kMaxCount);
  visit("num_users", c.num_users, 1, kMaxCount);
  visit("num_departments", c.num_departments, 1, 8);
  visit("brands_per_department", c.brands_per_department, 1, 4000);
  visit("brand_zipf", c.brand_zipf, 0.0, 3.0);
  visit("popularity_sigma", c.popularity_sigma, 0.0, 3.0);
  visit("feature_dim", c.feature_dim, 2, 64);
  visit("start_ts", c.start_ts, 0, int64_t{4000000000});
  visit("days", c.days, 1, 36500);
  visit("sessions_per_user", c.sessions_per_user, 1.0, 100000.0);
  visit("initial_history", c.initial_history, 0.0, 10000.0);
  visit("organic_per_session", c.organic_per_session, 0.0, 100.0);
  visit("max_history", c.max_history, 1, 100000);
  visit("valid_fraction", c.valid_fraction, 0.001, 0.9);
  visit("test_fraction", c.test_fraction, 0.001, 0.9);
  visit("slate_size", c.slate_size, 2, 200);
  visit("pool_size", c.pool_size, 2, 2000);
  visit("context_share", c.context_share, 0.0, 1.0);
  visit("taste_share", c.taste_share, 0.0, 1.0);
  visit("upstream_popularity", c.upstream_popularity, 0.0, 10.0);
  visit("upstream_taste", c.upstream_taste, 0.0, 10.0);
  visit("upstream_visible", c.upstream_visible, 0.0, 1.0);
  visit("upstream_noise", c.upstream_noise, 0.0, 10.0);
  visit("weight_department", c.weight_department, 0.0, 10.0);
  visit("weight_focus", c.weight_focus, 0.0, 10.0);
  visit("focus_switch", c.focus_switch, 0.0, 1.0);
  visit("weight_taste", c.weight_taste, 0.0, 10.0);
  visit("taste_drift", c.taste_drift, 0.0, 1.0);
  visit("weight_brand", c.weight_brand, 0.0, 10.0);
  visit("weight_price", c.weight_price, 0.0, 10.0);
  visit("weight_popularity", c.weight_popularity, 0.0, 10.0);
  visit("weight_routine", c.weight_routine, 0.0, 10.0);
  visit("routine_days", c.routine_days, 0.01, 3650.0);
  visit("weight_repeat", c.weight_repeat, 0.0, 10.0);
  visit("repeat_days", c.repeat_days, 0.1, 3650.0);
  visit("owned_penalty", c.owned_penalty, 0.0, 10.0);
  visit("position_bias", c.position_bias, 0.0, 5.0);
  visit("click_threshold", c.click_threshold, -20.0, 20.0);
  visit("click_sharpness", c.click_sharpness, 0.01, 50.0);
  visit("purchase_threshold", c.purchase_threshold, -20.0, 20.0);
  visit("purchase_sharpness", c.purchase_sharpness, 0.01, 50.0);
}

struct Reader {
  ConfigSection& section;
  void operator()(const char* key, uint64_t& field, double, double) {
    int64_t v = section.get_int_in(key, static_cast<int64_t>(field), 0, std::numeric_limits<int64_t>::max());
    field = static_cast<uint64_t>(v);
  }
  template <typename Lo, typename Hi>
  void operator()(const char* key, int64_t& field, Lo lo, Hi hi) {
    field = section.get_int_in(key, field, lo, hi);
  }
  template <typename Lo, typename Hi>
  void operator()(const char* key, int& field, Lo lo, Hi hi) {
    field = static_cast<int>(section.get_int_in(key, field, lo, hi));
  }
  void operator()(const char* key, double& field, double lo, double hi) {
    field = section.get_double_in(key, field, lo, hi);
  }
};

struct Writer {
  Json& out;
  template <typename T, typename Lo, typename Hi>
  void operator()(const char* key, const T& field, Lo, Hi) { out[key] = field; }
};

}  // namespace

SynthConfig SynthConfig::from_config(const Config& config) {
  SynthConfig c;
  ConfigSection section = config.section("synth");
  visit_knobs(c, Reader{section});
  section.finish();
  require(c.pool_size >= c.slate_size,
          "[synth] pool_size (" + std::to_string(c.pool_size) + ") must be at least slate_size (" +
              std::to_string(c.slate_size) + ")");
  require(c.valid_fraction + c.test_fraction < 1.0,
          "[synth] valid_fraction + test_fraction must be below 1 (the rest is the training period)");
  require(c.context_share + c.taste_share <= 1.0,
          "[synth] context_share + taste_share must be at most 1 (the rest of the pool is popular items)");
  require(c.num_items >= int64_t{4} * c.pool_size,
          "[synth] num_items (" + std::to_string(c.num_items) + ") must be at least 4 x pool_size (" +
              std::to_string(c.pool_size) + ") so that a pool of distinct items can be retrieved");
  return c;
}

Json SynthConfig::to_json() const {
  Json out = Json::object();
  visit_knobs(*this, Writer{out});
  return out;
}

}  // namespace gr2::synth
