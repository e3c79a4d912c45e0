// Precompiled header for files that use LibTorch.
#pragma once
#include "gr2/pch_light.h"
#include <torch/torch.h>
