// Every knob of the synthetic world (`gr2 data synth`), read from the [synth] TOML section.
// Defaults give the demo world: about 5,000 items, 2,000 users and tens of thousands of slates.
// docs/synthetic_world.md explains each knob and the model behind it.
#pragma once

#include <cstdint>

#include "gr2/core/config.h"
#include "gr2/core/jsonl.h"

namespace gr2::synth {

struct SynthConfig {
  // --- size and randomness ---
  uint64_t seed = 42;                // everything is a function of the seed (and the knobs below)
  int64_t num_items = 5000;          // catalog size
  int64_t num_users = 2000;          // simulated users
  int num_departments = 8;           // departments used from the built-in word list (1..8)
  int brands_per_department = 12;    // brands per department
  double brand_zipf = 1.0;           // Zipf exponent of brand popularity within a department
  double popularity_sigma = 1.0;     // log-normal spread of item popularity around its brand's
  int feature_dim = 8;               // length of the hidden item feature / user taste vectors

  // --- time and activity ---
  int64_t start_ts = 1700000000;     // first second of the simulated span (unix time)
  int days = 180;                    // length of the simulated span
  double sessions_per_user = 20;     // mean requests (sessions) per user over the span
  double initial_history = 6;        // mean organic purchases before a user's first session
  double organic_per_session = 0.5;  // mean organic (non-slate) purchases between two sessions
  int max_history = 50;              // a slate's history shows at most this many latest events

  // --- split (cut-offs fixed in advance as fractions of the span) ---
  double valid_fraction = 0.1;       // validation period: [1 - valid - test, 1 - test) of the span
  double test_fraction = 0.2;        // test period: the last test_fraction of the span

  // --- slates and the upstream ranker ---
  int slate_size = 10;               // K candidates per slate
  int pool_size = 24;                // items retrieved per request before the upstream keeps the top K
  double context_share = 0.4;        // share of the pool retrieved from categories of recent history
  double taste_share = 0.35;         // share retrieved from departments the upstream thinks fit
  double upstream_popularity = 0.8;  // weight of item popularity in the upstream score
  double upstream_taste = 0.6;       // weight of the upstream's (noisy, stale, partial) taste view
  double upstream_visible = 0.5;     // share of the taste dimensions the upstream sees
  double upstream_noise = 0.7;       // noise of the upstream's view of the user and of its score

  // --- hidden user tastes and their dynamics ---
  double weight_department = 1.0;    // relevance of the user's long-term department affinity
  double weight_focus = 0.8;         // relevance of the user's current focus department (drifts)
  double focus_switch = 0.15;        // chance per session that the focus moves to another department
  double weight_taste = 0.6;         // relevance of taste . features (hidden vectors)
  double taste_drift = 0.08;         // per-session drift of the taste vector (0 = fixed)
  double weight_brand = 1.0;         // relevance of favourite brands (times the user's loyalty)
  double weight_price = 0.6;         // penalty per price tier away from the user's tier for that
                                     // department (users splurge in their favourite department)
  double weight_popularity = 0.3;    // relevance of item popularity
  double weight_routine = 2.5;       // boost of the next step of a routine after a purchase
  double routine_days = 20;          // decay time of a routine boost
  double weight_repeat = 2.0;        // boost of re-buying a consumable when its cycle is due
  double repeat_days = 30;           // mean repeat cycle of consumables
  double owned_penalty = 1.5;        // relevance lost by a durable item the user already bought

  // --- label model ---
  double position_bias = 0.6;        // examination probability at position p is p^-position_bias
  double click_threshold = 2.5;      // relevance at which an examined item is clicked half the time
  double click_sharpness = 5.0;      // slope of the click sigmoid
  double purchase_threshold = 2.8;   // relevance at which a click becomes a purchase half the time
  double purchase_sharpness = 2.0;   // slope of the purchase sigmoid

  // Reads the [synth] section (every key optional; defaults above) and rejects unknown keys with
  // an Error naming the key and line. Out-of-range values are errors too.
  static SynthConfig from_config(const Config& config);
  // Every knob, for data.json.
  Json to_json() const;
};

}  // namespace gr2::synth
