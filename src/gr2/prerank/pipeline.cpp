// `gr2 prerank train|slates`: loading, training the full and out-of-fold pre-rankers, scoring and
// writing slates, reports.
#include "gr2/prerank/pipeline.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <unordered_set>

#include "gr2/core/device.h"
#include "gr2/core/log.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/metrics_log.h"
#include "gr2/core/progress.h"
#include "gr2/core/rng.h"
#include "gr2/core/timing.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/slates.h"
#include "gr2/prerank/catalog_eval.h"
#include "gr2/prerank/sasrec.h"
#include "gr2/data/sequences.h"
#include "gr2/prerank/slate_builder.h"
#include "gr2/prerank/slate_plan.h"
#include "gr2/prerank/trainer.h"

namespace gr2::prerank {
namespace {

std::vector<UserSequence> load_users(const DataDir& dir, const Catalog& catalog) {
  require(file_exists(dir.sequences()),
          dir.root + ": no sequences.jsonl (the pre-ranker needs an imported data directory: run 'gr2 data import "
                     "amazon|movielens ... --out " + dir.root + "'; the synthetic world has its own upstream ranker)");
  return read_sequences(dir.sequences(), catalog);
}

std::string fold_dir(const std::string& root, int f) { return join_path(root, "fold" + std::to_string(f)); }

std::string fmt(double v, int digits = 4) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

Json run_prerank_train(const PrerankConfig& c, const TrainOptions& o) {
  Stopwatch clock;
  const torch::Device device = resolve_device(o.device);
  const int threads = set_torch_threads(c.threads);
  const DataDir dir{o.data_dir};
  const Catalog catalog = Catalog::read_jsonl(dir.catalog());
  const std::vector<UserSequence> users = load_users(dir, catalog);
  const int64_t n = static_cast<int64_t>(catalog.size());
  make_directories(o.out_dir);
  MetricsLog log(join_path(o.out_dir, "train_log.jsonl"));
  log_info(strprintf("prerank: %zu users, %lld items, device %s", users.size(), static_cast<long long>(n),
               describe_device(device).c_str()));

  Json report{{"data", o.data_dir}, {"config", c.to_json()}, {"device", describe_device(device)}, {"threads", threads},
              {"users", users.size()}, {"items", n}};
  Json extra{{"data", o.data_dir}, {"first_item", catalog.at(0).item_id}, {"last_item", catalog.at(static_cast<int32_t>(n - 1)).item_id}};

  TrainResult full = train_sasrec(users, n, c, device, "full", &log);
  const CatalogMetrics test = evaluate_catalog(full.model, users, Target::Test, device);
  Json full_extra = extra;
  full_extra["role"] = "full";
  save_sasrec(join_path(o.out_dir, "full"), full.model, c, full_extra);
  report["full"] = full.to_json();
  report["test"] = test.to_json();
  report["tiger_sasrec_beauty"] = Json{{"recall@5", TigerSasRecBeauty::recall5}, {"ndcg@5", TigerSasRecBeauty::ndcg5},
                                       {"recall@10", TigerSasRecBeauty::recall10}, {"ndcg@10", TigerSasRecBeauty::ndcg10}};
  report["folds"] = Json::array();
  for (int f = 0; f < static_cast<int>(c.folds); ++f) {
    std::vector<UserSequence> part;
    for (size_t i : fold_training_users(users, f, c.seed, c.folds)) part.push_back(users[i]);
    TrainResult fr = train_sasrec(part, n, c, device, "fold" + std::to_string(f), &log);
    Json fe = extra;
    fe["role"] = "fold";
    fe["fold"] = f;
    fe["training_users"] = part.size();
    save_sasrec(fold_dir(o.out_dir, f), fr.model, c, fe);
    Json fj = fr.to_json();
    fj["fold"] = f;
    fj["training_users"] = part.size();
    report["folds"].push_back(fj);
  }
  report["seconds"] = clock.seconds();
  write_file_atomic(join_path(o.out_dir, "report.json"), report.dump(2) + "\n");
  return report;
}

Json run_prerank_slates(const PrerankConfig& c, const SlatesOptions& o) {
  Stopwatch clock;
  const torch::Device device = resolve_device(o.device);
  set_torch_threads(c.threads);
  const DataDir dir{o.data_dir};
  const Catalog catalog = Catalog::read_jsonl(dir.catalog());
  const std::vector<UserSequence> users = load_users(dir, catalog);
  const int64_t n = static_cast<int64_t>(catalog.size());

  PrerankConfig trained;
  SasRec full = load_sasrec(join_path(o.model_dir, "full"), device, n, &trained);
  // Folds and their seed come from training: the fold assignment must be the one the models saw.
  std::vector<SasRec> fold_models;
  for (int f = 0; f < static_cast<int>(trained.folds); ++f) fold_models.push_back(load_sasrec(fold_dir(o.model_dir, f), device, n));
  std::vector<SlateRequestPlan> plan = plan_slate_requests(users, c.train_positions, trained.seed, trained.folds);

  std::vector<int64_t> counts(static_cast<size_t>(n + 1), 0);
  for (const auto& u : users) {
    for (int64_t item : u.train) ++counts[static_cast<size_t>(item)];
  }
  const PopularitySampler popularity(counts);
  SlateDifficulty difficulty{c.slate_size, c.top_m, c.popular_share};

  const std::string out_root = o.out_dir.empty() ? o.data_dir : o.out_dir;
  make_directories(out_root);
  const DataDir out{out_root};
  std::map<SplitPart, std::unique_ptr<SlateWriter>> writers;
  struct Acc { int64_t slates = 0; double r1 = 0, r3 = 0, r5 = 0, n5 = 0; };
  std::map<SplitPart, Acc> acc;
  for (SplitPart p : {SplitPart::Train, SplitPart::Valid, SplitPart::Test}) writers[p] = std::make_unique<SlateWriter>(out.slates(p));

  // Group the plan by scorer so each batch runs through one model.
  Progress progress("prerank slates", static_cast<int64_t>(plan.size()), "slates");
  int64_t done = 0;
  const size_t batch = 256;
  torch::NoGradGuard no_grad;
  for (int scorer = -1; scorer < static_cast<int>(fold_models.size()); ++scorer) {
    std::vector<const SlateRequestPlan*> mine;
    for (const auto& r : plan) {
      if (r.scorer == scorer) mine.push_back(&r);
    }
    SasRec& model = scorer < 0 ? full : fold_models[static_cast<size_t>(scorer)];
    for (size_t start = 0; start < mine.size(); start += batch) {
      const size_t end = std::min(mine.size(), start + batch);
      std::vector<std::vector<int64_t>> histories;
      for (size_t i = start; i < end; ++i) {
        const auto all = users[mine[i]->user].all_items();
        histories.emplace_back(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(mine[i]->position));
      }
      auto scores = model->score_next(pad_sequences(histories, model->max_len(), device)).to(torch::kCPU).contiguous();
      for (size_t i = start; i < end; ++i) {
        const SlateRequestPlan& r = *mine[i];
        const UserSequence& u = users[r.user];
        const auto all = u.all_items();
        const int64_t positive = all[r.position];
        std::unordered_set<int64_t> exclude(all.begin(), all.end());
        exclude.erase(positive);
        Rng rng(derive_seed(c.seed, "slate:" + u.user_id + ":" + std::to_string(r.position)));
        const float* row = scores[static_cast<int64_t>(i - start)].data_ptr<float>();
        auto cands = build_slate_candidates(row, n, positive, exclude, difficulty, &popularity, rng);
        Slate s;
        s.request_id = u.user_id + ":" + split_part_name(r.part) + ":" + std::to_string(r.position);
        s.user_id = u.user_id;
        s.ts = static_cast<int64_t>(r.position);
        for (size_t h = 0; h < r.position; ++h) s.history.push_back(catalog.at(static_cast<int32_t>(all[h] - 1)).item_id);
        int pos_rank = -1;
        for (size_t k = 0; k < cands.size(); ++k) {
          s.candidates.push_back({catalog.at(static_cast<int32_t>(cands[k].item - 1)).item_id, cands[k].score});
          s.labels.push_back(cands[k].item == positive ? 1 : 0);
          if (cands[k].item == positive) pos_rank = static_cast<int>(k);
        }
        writers[r.part]->write(s);
        Acc& a = acc[r.part];
        ++a.slates;
        a.r1 += pos_rank < 1;
        a.r3 += pos_rank < 3;
        a.r5 += pos_rank < 5;
        a.n5 += pos_rank < 5 ? 1.0 / std::log2(pos_rank + 2.0) : 0.0;
      }
      done += static_cast<int64_t>(end - start);
      progress.update(done);
    }
  }
  progress.finish();
  Json report{{"data", o.data_dir}, {"model", o.model_dir}, {"out", out_root},
              {"slate_size", c.slate_size}, {"top_m", c.top_m}, {"popular_share", c.popular_share},
              {"train_positions", c.train_positions}, {"seed", c.seed}, {"folds", trained.folds},
              {"incoming", Json::object()}};
  for (SplitPart p : {SplitPart::Train, SplitPart::Valid, SplitPart::Test}) {
    writers[p]->commit();
    const Acc& a = acc[p];
    const double d = a.slates > 0 ? static_cast<double>(a.slates) : 1.0;
    report["incoming"][split_part_name(p)] =
        Json{{"slates", a.slates}, {"R@1", a.r1 / d}, {"R@3", a.r3 / d}, {"R@5", a.r5 / d}, {"N@5", a.n5 / d}};
  }
  report["paper_prerank_beauty"] = Json{{"R@1", 0.2892}, {"R@5", 0.7227}, {"N@5", 0.5101}};
  report["seconds"] = clock.seconds();
  write_file_atomic(join_path(out_root, "prerank_slates.json"), report.dump(2) + "\n");
  return report;
}

std::string describe_train_report(const Json& r) {
  std::ostringstream s;
  const Json& t = r.at("test");
  const Json& g = r.at("tiger_sasrec_beauty");
  s << "Pre-ranker (SASRec) full-catalog next-item metrics on " << t.at("users").get<int64_t>() << " test users:\n\n"
    << "| model | R@5 | N@5 | R@10 | N@10 |\n|---|---|---|---|---|\n"
    << "| gr2 prerank (this run) | " << fmt(t.at("recall@5")) << " | " << fmt(t.at("ndcg@5")) << " | "
    << fmt(t.at("recall@10")) << " | " << fmt(t.at("ndcg@10")) << " |\n"
    << "| SASRec, TIGER paper (Beauty) | " << fmt(g.at("recall@5")) << " | " << fmt(g.at("ndcg@5")) << " | "
    << fmt(g.at("recall@10")) << " | " << fmt(g.at("ndcg@10")) << " |\n\n"
    << "full model: best epoch " << r.at("full").at("best_epoch").get<int64_t>() << " of "
    << r.at("full").at("epochs_run").get<int64_t>() << ", " << fmt(r.at("full").at("seconds"), 1) << " s";
  for (const auto& f : r.at("folds")) {
    s << "; fold" << f.at("fold").get<int>() << " (" << f.at("training_users").get<int64_t>() << " users): best epoch "
      << f.at("best_epoch").get<int64_t>() << ", valid N@10 " << fmt(f.at("best_valid").at("ndcg@10")) << ", "
      << fmt(f.at("seconds"), 1) << " s";
  }
  s << "; total " << fmt(r.at("seconds"), 1) << " s (" << r.at("device").get<std::string>() << ")\n";
  return s.str();
}

std::string describe_slates_report(const Json& r) {
  std::ostringstream s;
  s << "Incoming order (pre-ranker score) on the built slates (K = " << r.at("slate_size").get<int64_t>()
    << ", top_m = " << r.at("top_m").get<int64_t>() << ", popular_share = " << fmt(r.at("popular_share"), 2) << "):\n\n"
    << "| split | slates | R@1 | R@3 | R@5 | N@5 |\n|---|---|---|---|---|---|\n";
  for (const char* p : {"train", "valid", "test"}) {
    const Json& x = r.at("incoming").at(p);
    s << "| " << p << " | " << x.at("slates").get<int64_t>() << " | " << fmt(x.at("R@1")) << " | " << fmt(x.at("R@3"))
      << " | " << fmt(x.at("R@5")) << " | " << fmt(x.at("N@5")) << " |\n";
  }
  s << "| paper pre-rank baseline (Beauty test) | – | 0.2892 | – | 0.7227 | 0.5101 |\n\n"
    << "wrote " << r.at("out").get<std::string>() << "/slates_{train,valid,test}.jsonl in " << fmt(r.at("seconds"), 1) << " s\n";
  return s.str();
}

}  // namespace gr2::prerank
