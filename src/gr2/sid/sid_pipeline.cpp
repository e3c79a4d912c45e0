// The `gr2 sid` stages: embed, train (+ export + report), assign.
#include "gr2/sid/sid_pipeline.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <filesystem>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <thread>
#include <unordered_set>

#include "gr2/core/cpu_threads.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/metrics_log.h"
#include "gr2/core/progress.h"
#include "gr2/core/rng.h"
#include "gr2/core/timing.h"
#include "gr2/data/catalog.h"
#include "gr2/data/events.h"
#include "gr2/sid/embedder.h"
#include "gr2/sid/embeddings.h"
#include "gr2/sid/report.h"
#include "gr2/sid/rq_kmeans.h"
#include "gr2/sid/rq_vae.h"
#include "gr2/sid/text_embedder.h"
#include "gr2/sid/sid_model.h"

namespace gr2::sid {
namespace {

SidTable make_table(const std::vector<std::string>& ids, const torch::Tensor& codes, int64_t n_codes) {
  SidTable t;
  t.levels = codes.size(1);
  t.codes = n_codes;
  t.ids = ids;
  torch::Tensor c = codes.to(torch::kCPU, torch::kInt).contiguous();
  t.sids.assign(c.data_ptr<int32_t>(), c.data_ptr<int32_t>() + c.numel());
  return t;
}

uint64_t hash_string(const std::string& s) { return splitmix64(fnv1a64(s)); }

std::string sid_key(const int32_t* sid, int64_t levels) {
  return std::string(reinterpret_cast<const char*>(sid), static_cast<size_t>(levels) * sizeof(int32_t));
}

// The set of SIDs given so far by `gr2 sid assign`. When levels * ceil(log2 codes) <= 63 bits
// (4 x 256 = 32) a SID is packed into one uint64 and kept in an open-addressing table (linear
// probing, load between 1/4 and 1/2): 16-32 bytes per SID, 48 for a moment while doubling. Otherwise a hash set of byte strings
// (~80 bytes per SID).
class SidSet {
 public:
  SidSet(int64_t levels, int64_t codes) : levels_(levels) {
    while ((int64_t{1} << bits_) < codes) ++bits_;
    packed_ = levels * bits_ <= 63;
    if (packed_) slots_.assign(1024, 0);
  }
  // Inserts `sid`; false when it was already present.
  bool insert(const int32_t* sid) {
    if (!packed_) return strings_.insert(sid_key(sid, levels_)).second;
    uint64_t key = 0;
    for (int64_t k = 0; k < levels_; ++k) key = (key << bits_) | static_cast<uint64_t>(sid[k]);
    ++key;  // 0 marks an empty slot
    if (2 * (size_ + 1) > slots_.size()) grow();
    if (!place(slots_, key)) return false;
    ++size_;
    return true;
  }

 private:
  static bool place(std::vector<uint64_t>& slots, uint64_t key) {
    const size_t mask = slots.size() - 1;
    for (size_t i = splitmix64(key) & mask;; i = (i + 1) & mask) {
      if (slots[i] == key) return false;
      if (slots[i] == 0) {
        slots[i] = key;
        return true;
      }
    }
  }
  void grow() {
    std::vector<uint64_t> bigger(slots_.size() * 2, 0);
    for (uint64_t key : slots_) {
      if (key != 0) place(bigger, key);
    }
    slots_.swap(bigger);
  }
  int64_t levels_;
  int bits_ = 0;
  bool packed_ = false;
  size_t size_ = 0;
  std::vector<uint64_t> slots_;
  std::unordered_set<std::string> strings_;
};

}  // namespace

int set_threads(int n) {
  if (n == 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (n > 0) set_cpu_threads(n);
  return at::get_num_threads();
}

EmbedSummary run_embed(const SidConfig& config, const EmbedOptions& options) {
  Stopwatch clock;
  const c10::Device device = resolve_device(options.device);
  Catalog catalog = Catalog::read_jsonl(options.catalog);
  std::vector<Event> events;
  if (config.collab_dim > 0 && !options.events.empty()) events = read_events(options.events, &catalog);
  EmbedStats stats;
  TextEmbedder text_model;
  ItemEmbeddings emb = embed_catalog(catalog, events, config, device, &stats, &text_model);
  save_embeddings(emb, options.out);
  EmbedSummary s;
  if (!text_model.empty()) {
    s.text_model = default_text_embedder_path(options.out);
    text_model.save(s.text_model);
  }
  s.items = stats.items;
  s.dim = emb.vectors.size(1);
  s.vocabulary = stats.vocabulary;
  s.items_without_terms = stats.items_without_terms;
  s.items_with_events = stats.items_with_events;
  s.seconds = clock.seconds();
  return s;
}

SidTrainSummary run_train(const SidConfig& config, const TrainOptions& options) {
  config.validate();
  Stopwatch total_clock;
  const c10::Device device = resolve_device(options.device);
  ItemEmbeddings emb = load_embeddings(options.embeddings, options.ids);
  const int64_t n = static_cast<int64_t>(emb.ids.size());
  make_directories(options.out_dir);

  std::vector<std::string> categories;
  std::vector<std::pair<int64_t, int64_t>> pairs;
  if (!options.catalog.empty()) {
    Catalog catalog = Catalog::read_jsonl(options.catalog);
    categories.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      auto idx = catalog.find(emb.ids[static_cast<size_t>(i)]);
      if (idx && !catalog.at(*idx).category.empty()) categories[static_cast<size_t>(i)] = catalog.at(*idx).category.back();
    }
    if (config.contrastive_weight > 0) {
      require(!options.events.empty(), "[sid] contrastive_weight > 0 needs events (--data with events_train.jsonl, or --events)");
      // Pairs over catalog indices, mapped to embedding rows.
      std::vector<Event> events = read_events(options.events, &catalog);
      std::unordered_map<std::string, int64_t> row_of;
      for (int64_t i = 0; i < n; ++i) row_of[emb.ids[static_cast<size_t>(i)]] = i;
      for (const auto& [a, b] : co_engaged_pairs(catalog, events, config.collab_window)) {
        auto ra = row_of.find(catalog.at(static_cast<int32_t>(a)).item_id);
        auto rb = row_of.find(catalog.at(static_cast<int32_t>(b)).item_id);
        if (ra != row_of.end() && rb != row_of.end()) pairs.emplace_back(ra->second, rb->second);
      }
    }
  }

  SidTrainSummary summary;
  SidModel model;
  Stopwatch train_clock;
  std::unique_ptr<RqVaeTrainer> trainer;
  if (config.method == "rq_vae") {
    trainer = std::make_unique<RqVaeTrainer>(config, emb.vectors, device, pairs);
    const std::string ckpt = join_path(options.out_dir, "checkpoint");
    if (!options.fresh && trainer->load_checkpoint(ckpt)) {
      summary.resumed = true;
      summary.resumed_from_step = trainer->step();
    } else {
      if (options.fresh) std::filesystem::remove_all(ckpt);
      trainer->initialize();
    }
    MetricsLog log(join_path(options.out_dir, "train_log.jsonl"));
    Progress progress("sid train", config.steps, "steps");
    const int64_t until = options.stop_after_step >= 0 ? options.stop_after_step : config.steps;
    trainer->train(until, ckpt, [&](const RqVaeStepStats& s) {
      progress.update(s.step, {{"loss", s.loss}, {"recon", s.reconstruction}});
      if (s.step % 50 == 0 || s.step == config.steps) {
        log.log({{"step", s.step}, {"loss", s.loss}, {"reconstruction", s.reconstruction},
                 {"commitment", s.commitment}, {"diversity", s.diversity}, {"contrastive", s.contrastive},
                 {"dead_codes_reset", s.dead_codes_reset}});
      }
    });
    if (trainer->step() < config.steps) {
      summary.stopped = true;
      return summary;
    }
    progress.finish();
    model.method = "rq_vae";
    model.input_dim = emb.vectors.size(1);
    model.levels = config.levels;
    model.codes = config.codes;
    model.random_last_level = config.random_last_level;
    model.seed = config.seed;
    for (const auto& cb : trainer->model()->codebook_list()) model.codebooks.push_back(cb.detach());
    model.network = trainer->model().ptr();
    model.network->eval();
  } else {
    model = fit_rq_kmeans(emb.vectors, config, device);
  }
  summary.train_seconds = train_clock.seconds();

  // --- export ---
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> code_parts;
  double sq_err = 0, sq_norm = 0;
  for (int64_t begin = 0; begin < n; begin += 65536) {
    torch::Tensor x = emb.vectors.slice(0, begin, std::min(n, begin + 65536)).to(device);
    torch::Tensor codes = model.encode(x);
    sq_err += (model.reconstruct(codes) - x).pow(2).sum().item<double>();
    sq_norm += x.pow(2).sum().item<double>();
    code_parts.push_back(codes.to(torch::kCPU));
  }
  SidTable nearest = make_table(emb.ids, torch::cat(code_parts, 0), config.codes);
  SidTable before = nearest;
  if (config.random_last_level) spread_last_level(before, derive_seed(config.seed, "sid/random-last-level"));
  SidTable final_table = before;
  if (config.dedup) summary.moved_by_dedup = deduplicate(final_table);
  summary.nearest = uniqueness(nearest);
  summary.before_dedup = uniqueness(before);
  summary.final_stats = uniqueness(final_table);
  summary.relative_error = sq_norm > 0 ? sq_err / sq_norm : 0;

  model.save(join_path(options.out_dir, "codebooks.safetensors"));
  write_sids_jsonl(final_table, join_path(options.out_dir, "sids.jsonl"));
  ReportInputs in;
  in.method = config.method;
  in.config_json = config.to_json();
  in.nearest = &nearest;
  in.before_dedup = &before;
  in.final_table = &final_table;
  in.moved_by_dedup = summary.moved_by_dedup;
  in.reconstruction_mse = sq_err / double(n);
  in.relative_error = summary.relative_error;
  in.categories = categories;
  in.embeddings = emb.vectors.to(device);
  in.train_seconds = summary.train_seconds;
  nlohmann::json report = build_report(in);
  summary.total_seconds = total_clock.seconds();
  report["total_seconds"] = summary.total_seconds;
  report["device"] = describe_device(device);
  write_file_atomic(join_path(options.out_dir, "report.json"), report.dump(2) + "\n");
  summary.report_markdown = report_markdown(report);
  write_file_atomic(join_path(options.out_dir, "report.md"), summary.report_markdown);
  return summary;
}

AssignSummary run_assign(const AssignOptions& options) {
  require(options.batch > 0, "--batch must be positive");
#if defined(__GLIBC__)
  // Per-batch tensors fall below glibc's adaptive mmap threshold and fragment the heap, so the
  // resident size would grow with the number of batches; a fixed threshold returns them to the OS.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  Stopwatch clock;
  const c10::Device device = resolve_device(options.device);
  SidModel model = SidModel::load(options.model, device);
  EmbeddingStream stream(options.embeddings, options.ids, model.input_dim);
  SidSet used(model.levels, model.codes);
  std::unordered_map<std::string, std::vector<int32_t>> existing;
  if (!options.existing.empty()) {
    SidTable old = read_sids_jsonl(options.existing, model.codes);
    require(old.levels == model.levels, options.existing + ": SIDs have " + std::to_string(old.levels) +
                                            " levels but the tokenizer has " + std::to_string(model.levels));
    for (int64_t i = 0; i < old.size(); ++i) {
      used.insert(old.sid(i));
      existing.emplace(old.ids[static_cast<size_t>(i)], std::vector<int32_t>(old.sid(i), old.sid(i) + old.levels));
    }
  }
  JsonlWriter writer(options.out);
  AssignSummary summary;
  Progress progress("sid assign", stream.rows(), "items");
  std::vector<std::string> ids;
  torch::Tensor batch;
  const int64_t levels = model.levels;
  const int32_t codes = static_cast<int32_t>(model.codes);
  const uint64_t last_seed = derive_seed(model.seed, "sid/assign-last-level");
  std::vector<int32_t> sid(static_cast<size_t>(levels));
  std::string line;
  while (stream.next(options.batch, ids, batch)) {
    torch::Tensor c = model.encode(batch.to(device)).to(torch::kCPU, torch::kInt).contiguous();
    const int32_t* cp = c.data_ptr<int32_t>();
    for (size_t i = 0; i < ids.size(); ++i) {
      auto old = existing.find(ids[i]);
      if (old != existing.end()) {
        sid = old->second;  // already has a SID: keep it
      } else {
        std::copy(cp + i * levels, cp + (i + 1) * levels, sid.begin());
        bool unique = false;
        if (model.random_last_level) {
          // Pseudo-random last code from the item id, then the next free one for this prefix; when
          // all C are taken (more than C items share the nearest prefix), the next level-(L-2) code
          // with any free last code, as the export's de-duplication does.
          const int32_t start = static_cast<int32_t>((hash_string(ids[i]) ^ last_seed) % static_cast<uint64_t>(codes));
          const size_t second_last = static_cast<size_t>(levels - 2);
          const int32_t nearest_second_last = sid[second_last];
          for (int32_t u = 0; u < codes && !unique; ++u) {
            sid[second_last] = (nearest_second_last + u) % codes;
            for (int32_t t = 0; t < codes && !unique; ++t) {
              sid[static_cast<size_t>(levels - 1)] = (start + t) % codes;
              unique = used.insert(sid.data());
            }
          }
          if (!unique) {
            sid[second_last] = nearest_second_last;
            sid[static_cast<size_t>(levels - 1)] = start;
          }
        } else {
          unique = used.insert(sid.data());
        }
        summary.collisions += !unique;
      }
      line = "{\"item_id\":" + Json(ids[i]).dump() + ",\"sid\":[";
      for (int64_t k = 0; k < levels; ++k) {
        if (k) line += ',';
        line += std::to_string(sid[static_cast<size_t>(k)]);
      }
      line += "]}";
      writer.write_raw(line);
    }
    summary.items += static_cast<int64_t>(ids.size());
    progress.update(summary.items);
  }
  writer.commit();
  progress.finish();
  summary.seconds = clock.seconds();
  return summary;
}

}  // namespace gr2::sid
