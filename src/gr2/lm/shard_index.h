// The index of a sharded Hugging Face checkpoint (model.safetensors.index.json): which safetensors
// files hold the weights. Plain C++ (no LibTorch), so that it can be fuzzed on its own.
#pragma once

#include <string>
#include <vector>

#include "gr2/core/jsonl.h"

namespace gr2::lm {

// The shard files named by `index` ({"metadata": ..., "weight_map": {"tensor name": "file", ...}}),
// sorted and without repeats. Each must be a plain file name of the checkpoint's own directory, as
// transformers writes them: non-empty, no '/' or '\\', not "." or "..", no control characters.
// Throws Error "<where>: ..." naming the key when the index is not an object, has no object
// 'weight_map', the map is empty, or an entry is not such a file name (a null, a number, a path that
// would leave the directory).
std::vector<std::string> shard_files(const Json& index, const std::string& where);

}  // namespace gr2::lm
