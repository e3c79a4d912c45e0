// Data-parallel synchronisation of a model replica: rank 0's parameters to every rank at the start,
// and the gradients summed over ranks before each optimizer step, in buckets (one all-reduce per
// ~25 MB of flattened gradients instead of one per tensor, as torch's DistributedDataParallel).
//
// Why a sum and not a mean: gr2's trainers divide each rank's loss by the normaliser of the whole
// global batch (its total target weight, or RL's total choice tokens), so the sum over ranks is
// exactly the gradient one process would get on the whole batch; with equal shards and per-rank
// means it would be the mean (pass scale = 1 / size()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "gr2/dist/world.h"

namespace gr2::dist {

// Sums the .grad() of `params` over ranks, in place, then multiplies by `scale`. Undefined gradients
// count as zeros (they become defined). Every rank must pass the same parameters in the same order.
// No-op when the world is not active. Throws Error as World::all_reduce_sum.
void all_reduce_gradients(World& world, const std::vector<torch::Tensor>& params, double scale = 1.0,
                          int64_t bucket_bytes = int64_t{25} << 20);

// Overwrites `params` (in place, without autograd) with rank 0's values. No-op when not active.
void broadcast_parameters(World& world, const std::vector<torch::Tensor>& params);

// The sum over ranks of each value (float64). Returns `values` unchanged when not active.
std::vector<double> sum_over_ranks(World& world, const std::vector<double>& values, const std::string& what);

}  // namespace gr2::dist
