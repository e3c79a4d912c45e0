// DIN/PRM as policies.
#include "gr2/rank/legacy/legacy_policy.h"

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/rank/reference_policies.h"
#include "gr2/rank/legacy/legacy_trainer.h"
#include "gr2/rank/legacy/reranker_net.h"
#include "gr2/rank/legacy/slate_features.h"

namespace gr2::legacy {
namespace {

class LegacyPolicy : public Policy {
 public:
  LegacyPolicy(const std::string& dir, const Catalog& catalog) : vocab_(catalog) {
    net_ = load_legacy(dir, vocab_, torch::kCPU, &config_);
  }
  std::string name() const override { return net_->kind(); }
  PolicyAnswer rank(const RankRequest& request) override { return rank_batch({request}).at(0); }
  std::vector<PolicyAnswer> rank_batch(const std::vector<RankRequest>& requests) override {
    std::vector<EncodedSlate> encoded;
    encoded.reserve(requests.size());
    for (const auto& r : requests) encoded.push_back(encode_request(r, vocab_, config_.max_history));
    std::vector<const EncodedSlate*> ptrs;
    for (const auto& e : encoded) ptrs.push_back(&e);
    torch::NoGradGuard no_grad;
    auto logits = net_->logits(make_batch(ptrs, config_.max_positions, torch::kCPU)).to(torch::kDouble).contiguous();
    std::vector<PolicyAnswer> out(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      const double* row = logits[static_cast<int64_t>(i)].data_ptr<double>();
      out[i].order = order_by_decreasing(std::vector<double>(row, row + requests[i].size()));
    }
    return out;
  }

 private:
  FeatureVocab vocab_;
  LegacyConfig config_;
  std::shared_ptr<RerankerNet> net_;
};

}  // namespace

bool is_legacy_policy_name(const std::string& name) {
  return name.rfind("din:", 0) == 0 || name.rfind("prm:", 0) == 0;
}

std::unique_ptr<Policy> make_legacy_policy(const std::string& name, const Catalog& catalog) {
  require(is_legacy_policy_name(name), "policy '" + name + "': expected din:MODEL_DIR or prm:MODEL_DIR");
  const std::string kind = name.substr(0, 3), dir = name.substr(4);
  require(!dir.empty(), "policy '" + name + "': no model directory after '" + kind + ":' (e.g. " + kind + ":/tmp/" + kind + ")");
  auto policy = std::make_unique<LegacyPolicy>(dir, catalog);
  require(policy->name() == kind, "policy '" + name + "': " + dir + " holds a '" + policy->name() + "' model, not '" + kind + "'");
  return policy;
}

}  // namespace gr2::legacy
