// The SID table: item id -> L codes, plus the export steps applied to it (random last level that
// spreads items sharing a prefix evenly, and the final de-duplication that guarantees every SID is
// unique), the uniqueness statistics, and sids.jsonl reading/writing
// ({"item_id": "...", "sid": [a, b, c, d]}). Plain C++ (no LibTorch).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace gr2::sid {

struct SidTable {
  int64_t levels = 0;               // L
  int64_t codes = 0;                // C (every code is in [0, C))
  std::vector<std::string> ids;     // [N]
  std::vector<int32_t> sids;        // [N * L], row-major: sids[i * L + k] is item i's level-k code

  int64_t size() const { return static_cast<int64_t>(ids.size()); }
  const int32_t* sid(int64_t i) const { return sids.data() + i * levels; }
  int32_t* sid(int64_t i) { return sids.data() + i * levels; }
};

struct UniquenessStats {
  int64_t items = 0;
  int64_t unique_items = 0;        // items whose full SID no other item has
  int64_t collision_groups = 0;    // SIDs shared by >= 2 items
  int64_t items_in_collisions = 0;
  int64_t largest_group = 0;       // 1 when everything is unique
  double uniqueness() const { return items > 0 ? double(unique_items) / double(items) : 1.0; }
};

// Uniqueness of the table's full SIDs.
UniquenessStats uniqueness(const SidTable& table);

// Replaces the last level: the items of each prefix group (same first L-1 codes, in table order)
// get distinct last codes from a seeded random permutation of [0, C), so a group of g <= C items
// never collides; beyond C items per prefix the permutation repeats (collisions left for dedup).
void spread_last_level(SidTable& table, uint64_t seed);

// Moves every item whose SID an earlier item already holds to the nearest free SID: first another
// last-level code (scanning from its own), then other codes at level L-2 with any last code, and so
// on upward. Guarantees 100% uniqueness when N <= C^L (else throws Error). Returns the number of
// items moved.
int64_t deduplicate(SidTable& table);

// A SID as a hashable key (the codes' bytes), for the `used` sets below.
std::string sid_key(const int32_t* sid, int64_t levels);
// Moves `sid` [levels] to the nearest SID not in `used`, in deduplicate's order (itself, then other
// last-level codes, then the levels above), and inserts it into `used`. Returns false, leaving
// `sid` unchanged, when every one of the codes^levels SIDs is used.
bool take_nearest_free_sid(int32_t* sid, int64_t levels, int64_t codes, std::unordered_set<std::string>& used);

// Throws Error "<source>: items 'A' and 'B' share the SID <...>" when two items of the table have
// the same full SID. Every command that shows items to a re-ranker by SID (traces, SFT, RL,
// evaluation of LM policies) calls it when it loads the table, before any work: with a shared SID
// the model cannot tell the two candidates apart, and answers that name it are ambiguous.
void require_unique_sids(const SidTable& table, const std::string& source);

// Writes sids.jsonl atomically, one {"item_id", "sid"} per item in table order.
void write_sids_jsonl(const SidTable& table, const std::string& path);
// Reads sids.jsonl; `codes` > 0 checks every code is in [0, codes). Throws Error "file:line: ..."
// on a wrong SID length, a code out of range or a duplicate item id.
SidTable read_sids_jsonl(const std::string& path, int64_t codes = 0);

// Token spelling of one SID, OneRec-Think style: "<|sid_begin|><s_a_97><s_b_168>...<|sid_end|>".
std::string sid_to_tokens(const int32_t* sid, int64_t levels);

}  // namespace gr2::sid
