# Thin wrapper: every target installs missing Debian packages, configures, builds, then does its job.
MAKEFLAGS += --no-print-directory
# Build type and directory can be overridden: make test BUILD_DIR=build-debug BUILD_TYPE=Debug
BUILD_DIR  ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
GR2         = $(BUILD_DIR)/gr2

.PHONY: build demo test bench fuzz cuda-check clean deps

deps:
	@scripts/install_deps.sh build

$(BUILD_DIR)/CMakeCache.txt:
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS) >/dev/null

build: deps $(BUILD_DIR)/CMakeCache.txt
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target gr2_cli

demo: build
	@$(GR2) demo --config configs/demo.toml --work work/demo

test:
	@scripts/install_deps.sh test
	@# The pinned Python environments (downloads, once) are made while the build compiles; the calls
	@# after the build wait for them (a lock). Their log: $(BUILD_DIR)/python-envs.log.
	@mkdir -p $(BUILD_DIR) && { scripts/reference_env.sh && scripts/reference_env.sh api; } >$(BUILD_DIR)/python-envs.log 2>&1 &
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DGR2_BUILD_TESTS=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)
	@# The reference tests (HF tokenizers, transformers) find the pinned PyPI environment through
	@# GR2_REFERENCE_PYTHON; without it (no network on first use) they skip and say so.
	@# The schemathesis test of gr2 serve finds its environment (scripts/reference_env.sh api) through
	@# GR2_API_TEST_PYTHON, likewise.
	@ref=$$(scripts/reference_env.sh) || { echo "gr2: warning: no reference environment: its tests skip" >&2; ref=; }; \
	  api=$$(scripts/reference_env.sh api) || { echo "gr2: warning: no API-test environment: its test skips" >&2; api=; }; \
	  cd $(BUILD_DIR) && GR2_REFERENCE_PYTHON=$${ref:+$$ref/bin/python} GR2_API_TEST_PYTHON=$${api:+$$api/bin/python} \
	  ctest --output-on-failure -j $(JOBS)

bench:
	@scripts/install_deps.sh bench
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DGR2_BUILD_BENCH=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)
	@bench/run_all.sh $(BUILD_DIR)

FUZZ_TARGETS = jsonl safetensors hf_config shard_index recbole amazon chat_reply rerank_request
fuzz:
	@scripts/install_deps.sh fuzz
	@CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGR2_BUILD_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@# Runs each target for FUZZ_RUNS inputs (default 1,000,000; 0 only replays the corpus), starting
	@# from the committed seeds (and the target's dictionary, where it has one); new inputs are kept
	@# in fuzz/corpus_<target> (git-ignored). One target: make fuzz FUZZ_TARGETS=amazon
	@for t in $(FUZZ_TARGETS); do mkdir -p fuzz/corpus_$$t && \
	  dict=; [ -f fuzz/$$t.dict ] && dict=-dict=fuzz/$$t.dict; \
	  build-fuzz/fuzz_$$t -runs=$(or $(FUZZ_RUNS),1000000) -max_len=4096 $$dict \
	    -print_final_stats=1 fuzz/corpus_$$t fuzz/seeds/$$t || exit 1; done

# Builds gr2 and its tests against PyPI's CUDA LibTorch 2.x (warnings as errors) and runs the tests on
# the CPU: needs nvcc, no GPU (scripts/cuda_check.sh; docs/benchmarks.md says what it covers).
cuda-check:
	@scripts/cuda_check.sh build-cuda

clean:
	rm -rf $(BUILD_DIR) build-fuzz build-cuda
