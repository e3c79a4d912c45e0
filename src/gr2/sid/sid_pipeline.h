// The `gr2 sid` stages end to end, behind a LibTorch-free interface for the CLI:
// embed (catalog -> embeddings), train (embeddings -> tokenizer + sids.jsonl + report, with
// checkpoint/resume) and assign (tokenizer + embeddings -> sids.jsonl, streamed in batches).
#pragma once

#include <cstdint>
#include <string>

#include "gr2/sid/sid_config.h"
#include "gr2/sid/sid_table.h"

namespace gr2::sid {

// Sets LibTorch's intra-op threads: n > 0 exactly n, n == 0 every hardware thread, n < 0 leaves
// LibTorch's default. Returns the number in effect.
int set_threads(int n);

struct EmbedOptions {
  std::string catalog;     // catalog.jsonl
  std::string events;      // events for the collaborative part (may be empty)
  std::string out;         // embeddings .safetensors (ids next to it, see default_ids_path)
  std::string device = "auto";
};
struct EmbedSummary {
  int64_t items = 0, dim = 0, vocabulary = 0, items_without_terms = 0, items_with_events = 0;
  std::string text_model;  // the new-item text model written beside `out` ("" when no term was kept)
  double seconds = 0;
};
EmbedSummary run_embed(const SidConfig& config, const EmbedOptions& options);

struct TrainOptions {
  std::string embeddings;   // .safetensors or .npy
  std::string ids;          // ids file ("" = default next to the embeddings)
  std::string catalog;      // optional: leaf categories for the coherence report
  std::string events;       // optional: co-engaged pairs for the contrastive loss
  std::string out_dir;      // codebooks.safetensors, sids.jsonl, report.{md,json}, checkpoint/
  std::string device = "auto";
  bool fresh = false;       // ignore an existing checkpoint
  int64_t stop_after_step = -1;  // >= 0: stop (as if killed) after this step, leaving a checkpoint
};
struct SidTrainSummary {
  bool stopped = false;     // stop_after_step reached; nothing exported
  bool resumed = false;     // continued from a checkpoint
  int64_t resumed_from_step = 0;
  UniquenessStats nearest, before_dedup, final_stats;
  int64_t moved_by_dedup = 0;
  double train_seconds = 0, total_seconds = 0;
  double relative_error = 0;
  std::string report_markdown;
};
SidTrainSummary run_train(const SidConfig& config, const TrainOptions& options);

struct AssignOptions {
  std::string model;        // codebooks.safetensors
  std::string embeddings;
  std::string ids;
  std::string out;          // sids.jsonl
  std::string existing;     // optional sids.jsonl whose SIDs are taken (new items avoid them)
  int64_t batch = 65536;
  std::string device = "auto";
};
struct AssignSummary {
  int64_t items = 0;
  int64_t collisions = 0;   // items whose SID another item already had (not resolvable)
  double seconds = 0;
};
AssignSummary run_assign(const AssignOptions& options);

}  // namespace gr2::sid
