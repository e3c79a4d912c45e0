// AdamW construction and state access (one code path for LibTorch 1.13 and 2.x: the state map's key
// type differs, a string in 1.13 and the TensorImpl pointer in 2.x).
#include "gr2/train/adamw.h"

#include <sstream>
#include <type_traits>

#include <torch/torch.h>

#include "gr2/core/error.h"

namespace gr2::train {
namespace {

// The key of `p` in optimizer.state(): LibTorch 1.13 uses c10::guts::to_string(TensorImpl*) (the
// pointer printed by an ostream), 2.x the pointer itself.
template <typename Map>
typename Map::key_type state_key(const Map&, const torch::Tensor& p) {
  if constexpr (std::is_same_v<typename Map::key_type, std::string>) {
    std::ostringstream s;
    s << p.unsafeGetTensorImpl();
    return s.str();
  } else {
    return static_cast<typename Map::key_type>(p.unsafeGetTensorImpl());
  }
}

}  // namespace

bool decays(const std::string& name) {
  const std::string suffix = "_proj.weight";
  return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::unique_ptr<torch::optim::AdamW> make_adamw(lm::Qwen3Lm& model, const TrainConfig& c) {
  std::vector<torch::Tensor> decayed, plain;
  for (const auto& p : model->named_parameters()) (decays(p.key()) ? decayed : plain).push_back(p.value());
  auto options = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(c.learning_rate)
                                                            .betas({c.beta1, c.beta2})
                                                            .eps(c.adam_eps)
                                                            .weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decayed, options(c.weight_decay));
  groups.emplace_back(plain, options(0.0));
  return std::make_unique<torch::optim::AdamW>(groups, *options(c.weight_decay));
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

AdamWState get_adamw_state(torch::optim::AdamW& optimizer, lm::Qwen3Lm& model) {
  AdamWState s;
  auto& map = optimizer.state();
  for (const auto& p : model->named_parameters()) {
    auto it = map.find(state_key(map, p.value()));
    if (it == map.end()) continue;
    const auto& st = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    s.exp_avg[p.key()] = st.exp_avg().detach().to(torch::kCPU).clone();
    s.exp_avg_sq[p.key()] = st.exp_avg_sq().detach().to(torch::kCPU).clone();
    s.step[p.key()] = st.step();
  }
  return s;
}

void set_adamw_state(torch::optim::AdamW& optimizer, lm::Qwen3Lm& model, const AdamWState& s) {
  auto& map = optimizer.state();
  map.clear();
  auto params = model->named_parameters();
  for (const auto& [name, step] : s.step) {
    const auto* p = params.find(name);
    require(p != nullptr, "optimizer state names parameter '" + name + "', which the model does not have");
    require(s.exp_avg.count(name) && s.exp_avg_sq.count(name),
            "optimizer state of parameter '" + name + "' lacks exp_avg or exp_avg_sq");
    const auto& m = s.exp_avg.at(name);
    const auto& v = s.exp_avg_sq.at(name);
    require(m.sizes() == p->sizes() && v.sizes() == p->sizes(),
            "optimizer state of parameter '" + name + "' has the wrong shape");
    auto st = std::make_unique<torch::optim::AdamWParamState>();
    st->step(step);
    st->exp_avg(m.to(p->device(), p->scalar_type()).clone());
    st->exp_avg_sq(v.to(p->device(), p->scalar_type()).clone());
    map[state_key(map, *p)] = std::move(st);
  }
}

}  // namespace gr2::train
