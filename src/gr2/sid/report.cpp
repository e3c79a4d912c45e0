// Tokenizer quality report.
#include "gr2/sid/report.h"

#include <torch/torch.h>

#include <cmath>
#include <iomanip>
#include <sstream>
#include <unordered_map>

#include "gr2/core/rng.h"

namespace gr2::sid {

std::vector<LevelUsage> level_usage(const SidTable& table) {
  std::vector<LevelUsage> out;
  for (int64_t k = 0; k < table.levels; ++k) {
    std::vector<int64_t> counts(static_cast<size_t>(table.codes), 0);
    for (int64_t i = 0; i < table.size(); ++i) ++counts[static_cast<size_t>(table.sid(i)[k])];
    LevelUsage u;
    double entropy = 0;
    for (int64_t c : counts) {
      if (c == 0) continue;
      ++u.used;
      const double p = double(c) / double(table.size());
      entropy -= p * std::log(p);
    }
    u.utilisation = double(u.used) / double(table.codes);
    u.perplexity = std::exp(entropy);
    out.push_back(u);
  }
  return out;
}

double category_purity(const SidTable& table, const std::vector<std::string>& categories) {
  std::unordered_map<int32_t, std::unordered_map<std::string, int64_t>> by_code;
  int64_t total = 0;
  for (int64_t i = 0; i < table.size() && i < static_cast<int64_t>(categories.size()); ++i) {
    if (categories[static_cast<size_t>(i)].empty()) continue;
    ++by_code[table.sid(i)[0]][categories[static_cast<size_t>(i)]];
    ++total;
  }
  if (total == 0) return -1;
  int64_t majority = 0;
  for (const auto& kv : by_code) {
    int64_t best = 0;
    for (const auto& c : kv.second) best = std::max(best, c.second);
    majority += best;
  }
  return double(majority) / double(total);
}

double neighbour_first_code_agreement(const SidTable& table, const at::Tensor& embeddings, int64_t sample,
                                      uint64_t seed) {
  torch::NoGradGuard no_grad;
  const int64_t n = table.size();
  if (n < 2) return 1.0;
  torch::Tensor e = embeddings / embeddings.norm(2, 1, true).clamp_min(1e-12);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = i;
  Rng rng(seed);
  rng.shuffle(idx);
  idx.resize(static_cast<size_t>(std::min(n, sample)));
  int64_t agree = 0;
  const int64_t chunk = 1024;
  for (size_t begin = 0; begin < idx.size(); begin += chunk) {
    const size_t end = std::min(idx.size(), begin + chunk);
    std::vector<int64_t> rows(idx.begin() + static_cast<long>(begin), idx.begin() + static_cast<long>(end));
    torch::Tensor rows_t = torch::tensor(rows, torch::kLong).to(e.device());
    torch::Tensor sims = torch::mm(e.index_select(0, rows_t), e.t());  // [b, N]
    sims.scatter_(1, rows_t.unsqueeze(1), -1e9);                       // exclude self
    torch::Tensor nn = sims.argmax(1).to(torch::kCPU);
    for (size_t r = 0; r < rows.size(); ++r) {
      agree += table.sid(rows[r])[0] == table.sid(nn[static_cast<int64_t>(r)].item<int64_t>())[0];
    }
  }
  return double(agree) / double(idx.size());
}

namespace {
nlohmann::json uniqueness_json(const SidTable& t) {
  UniquenessStats s = uniqueness(t);
  return {{"uniqueness", s.uniqueness()},
          {"unique_items", s.unique_items},
          {"collision_groups", s.collision_groups},
          {"items_in_collisions", s.items_in_collisions},
          {"largest_group", s.largest_group}};
}
}  // namespace

nlohmann::json build_report(const ReportInputs& in) {
  nlohmann::json r;
  r["method"] = in.method;
  r["config"] = nlohmann::json::parse(in.config_json);
  r["items"] = in.final_table->size();
  r["levels"] = in.final_table->levels;
  r["codes"] = in.final_table->codes;
  r["uniqueness_nearest"] = uniqueness_json(*in.nearest);
  r["uniqueness_before_dedup"] = uniqueness_json(*in.before_dedup);
  r["uniqueness_final"] = uniqueness_json(*in.final_table);
  r["moved_by_dedup"] = in.moved_by_dedup;
  nlohmann::json levels = nlohmann::json::array();
  for (const auto& u : level_usage(*in.before_dedup)) {
    levels.push_back({{"used", u.used}, {"utilisation", u.utilisation}, {"perplexity", u.perplexity}});
  }
  r["levels_usage"] = levels;
  r["reconstruction_mse"] = in.reconstruction_mse;
  r["relative_reconstruction_error"] = in.relative_error;
  const double purity = category_purity(*in.before_dedup, in.categories);
  r["category_purity_first_code"] = purity >= 0 ? nlohmann::json(purity) : nlohmann::json(nullptr);
  r["neighbour_shares_first_code"] =
      in.embeddings.defined() ? neighbour_first_code_agreement(*in.before_dedup, in.embeddings, 2000, 7) : -1.0;
  r["train_seconds"] = in.train_seconds;
  return r;
}

std::string report_markdown(const nlohmann::json& r) {
  std::ostringstream md;
  md << std::fixed;
  auto pct = [](double v) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(2) << 100.0 * v << "%";
    return s.str();
  };
  md << "# Semantic-ID tokenizer report\n\n"
     << "Method: " << r["method"].get<std::string>() << ", " << r["items"].get<int64_t>() << " items, "
     << r["levels"].get<int64_t>() << " levels x " << r["codes"].get<int64_t>() << " codes; trained in "
     << std::setprecision(1) << r["train_seconds"].get<double>() << " s.\n\n"
     << "## Uniqueness\n\n| stage | uniqueness | collision groups | largest group |\n|---|---|---|---|\n";
  for (const char* stage : {"nearest", "before_dedup", "final"}) {
    const auto& u = r[std::string("uniqueness_") + stage];
    md << "| " << stage << " | " << pct(u["uniqueness"].get<double>()) << " | "
       << u["collision_groups"].get<int64_t>() << " | " << u["largest_group"].get<int64_t>() << " |\n";
  }
  md << "\nDe-duplication moved " << r["moved_by_dedup"].get<int64_t>()
     << " items. The number that counts is the uniqueness before de-duplication.\n\n"
     << "## Code usage per level\n\n| level | used codes | utilisation | perplexity |\n|---|---|---|---|\n";
  int level = 0;
  for (const auto& u : r["levels_usage"]) {
    md << "| " << level++ << " | " << u["used"].get<int64_t>() << " | " << pct(u["utilisation"].get<double>())
       << " | " << std::setprecision(1) << u["perplexity"].get<double>() << " |\n";
  }
  md << "\n## Quality\n\n"
     << "- reconstruction MSE per item: " << std::setprecision(4) << r["reconstruction_mse"].get<double>()
     << " (relative " << pct(r["relative_reconstruction_error"].get<double>()) << ")\n";
  if (!r["category_purity_first_code"].is_null()) {
    md << "- category purity of first-level codes: " << pct(r["category_purity_first_code"].get<double>()) << "\n";
  }
  md << "- nearest embedding neighbour shares the first code: " << pct(r["neighbour_shares_first_code"].get<double>())
     << "\n";
  return md.str();
}

}  // namespace gr2::sid
