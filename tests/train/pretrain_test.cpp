// `gr2 pretrain` end to end: the checkpoint it writes loads with lm::load_model + Vocabulary::load,
// held-out lines never feed training, and a run killed with SIGKILL after its first checkpoint and
// resumed ends with a model.safetensors byte-identical to an uninterrupted run's.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fcntl.h>
#include <thread>

#include <torch/torch.h>

#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/rng.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/train/pretrain/corpus_text.h"
#include "gr2/train/pretrain/pretrain_task.h"
#include "test_util.h"

namespace gr2::train::pretrain {
namespace {

// A product-like corpus: `lines` documents from a few hundred words.
std::string make_corpus(int lines) {
  const std::vector<std::string> brands = {"Quiwood", "Belrily", "Corsamina", "Tavaro", "Nimbel"};
  const std::vector<std::string> things = {"shampoo", "conditioner", "yoga mat", "memory card", "cat litter",
                                           "lipstick", "face cream", "tent", "kettle", "headphones"};
  const std::vector<std::string> adjectives = {"gentle", "modern", "silver", "black", "fresh", "classic", "bold"};
  Rng rng(5);
  std::string out;
  for (int i = 0; i < lines; ++i) {
    const auto& b = brands[rng.below(brands.size())];
    const auto& t = things[rng.below(things.size())];
    const auto& a = adjectives[rng.below(adjectives.size())];
    out += b + " " + a + " " + t + ". A mid-range " + a + " " + t + " by " + b + ", " +
           adjectives[rng.below(adjectives.size())] + " and " + adjectives[rng.below(adjectives.size())] + ".\n";
  }
  return out;
}

const char* kTinyConfig = R"(
[vocab]
vocab_size = 300

[model]
hidden_size = 32
intermediate_size = 64
num_hidden_layers = 2
num_attention_heads = 2
num_key_value_heads = 1
head_dim = 16

[pretrain]
batch_size = 4
seq_len = 32
learning_rate = 0.005
warmup_steps = 10
checkpoint_every = 25
eval_every = 0
valid_fraction = 0.05
valid_windows = 8
threads = 1
)";

struct Fixture {
  TempDir dir;
  std::string data, config;
  Fixture() {
    make_directories(dir.path("data"));
    dir.write("data/corpus.txt", make_corpus(400));
    data = dir.path("data");
    config = dir.write("tiny.toml", kTinyConfig);
  }
  std::string args(const std::string& out, int steps) const {
    return "pretrain --data " + data + " --out " + out + " --config " + config + " --device cpu --steps " +
           std::to_string(steps);
  }
};

TEST(PretrainCli, WritesACheckpointThatLoads) {
  Fixture f;
  const std::string out = f.dir.path("base");
  const CliResult r = run_cli(f.args(out, 60));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("pretrain: 60 steps"), std::string::npos) << r.output;

  const lm::Vocabulary vocab = lm::Vocabulary::load(out);
  lm::Qwen3Lm model = lm::load_model(out, torch::kCPU);
  EXPECT_EQ(model->config().vocab_size, vocab.size());
  EXPECT_EQ(vocab.sid_levels(), 0);
  const Json gr2 = lm::read_gr2_json(out);
  ASSERT_TRUE(gr2.contains("training"));
  const Json& t = gr2["training"];
  EXPECT_EQ(t["stage"], "pretrain");
  EXPECT_EQ(t["summary"]["steps"], 60);
  EXPECT_LT(t["summary"]["last_loss"].get<double>(), t["summary"]["first_loss"].get<double>());
  EXPECT_GT(t["summary"]["final_eval"]["valid_ppl"].get<double>(), 1.0);
  // A forward pass of the loaded model on encoded text.
  const auto ids = vocab.encode("Quiwood gentle shampoo.");
  auto logits = model->forward({torch::tensor(ids, torch::kLong).unsqueeze(0)});
  EXPECT_EQ(logits.size(2), vocab.size());
  // The metrics log has one record per step and the final evaluation.
  const auto records = read_jsonl(join_path(out, "train_log.jsonl"));
  int64_t steps = 0, evals = 0;
  for (const auto& rec : records) {
    if (rec.contains("eval")) ++evals;
    else if (rec.contains("loss")) ++steps;
  }
  EXPECT_EQ(steps, 60);
  EXPECT_EQ(evals, 1);
  // Rerunning without --resume refuses to overwrite the run.
  const CliResult again = run_cli(f.args(out, 60));
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.output.find("--resume"), std::string::npos) << again.output;
}

TEST(PretrainData, HeldOutLinesNeverFeedTraining) {
  Fixture f;
  lm::TextTokenizerOptions o;
  o.vocab_size = 300;
  const lm::Vocabulary vocab = lm::Vocabulary::train_file(join_path(f.data, "corpus.txt"), o);
  const CorpusStreams s = read_corpus_streams(join_path(f.data, "corpus.txt"), vocab, 0.05);
  EXPECT_EQ(s.train_lines + s.valid_lines, 400);
  EXPECT_GT(s.valid_lines, 5);
  EXPECT_LT(s.valid_lines, 40);
  // The held-out lines are a fixed function of the line number.
  int64_t held = 0;
  for (int64_t i = 0; i < 400; ++i) held += is_valid_line(i, 0.05);
  EXPECT_EQ(held, s.valid_lines);
  // Every training window comes from the train stream; batches are a pure function of the step.
  PretrainTask task(s, 4, 32, 1, 8, vocab.pad_id());
  EXPECT_TRUE(torch::equal(task.batch(17).input_ids, task.batch(17).input_ids));
  EXPECT_FALSE(torch::equal(task.batch(17).input_ids, task.batch(18).input_ids));
  const LmBatch b = task.batch(3);
  EXPECT_EQ(b.target_count(), 4 * 32);
  EXPECT_TRUE(torch::equal(b.input_ids.slice(1, 1), b.targets.slice(1, 0, 31)));
  EXPECT_EQ(task.valid_examples().size(), 8u);
}

// Starts `gr2 args...` in the background with output discarded; returns its pid.
pid_t spawn_cli(const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kCliPath));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(kCliPath, argv.data());
    ::_exit(127);
  }
  return pid;
}

TEST(PretrainCli, SigkillThenResumeIsByteIdentical) {
  Fixture f;
  const int steps = 600;
  const std::string full = f.dir.path("full"), split = f.dir.path("split");
  const CliResult r = run_cli(f.args(full, steps));
  ASSERT_EQ(r.status, 0) << r.output;

  const pid_t pid = spawn_cli({"pretrain", "--data", f.data, "--out", split, "--config", f.config, "--device", "cpu",
                               "--steps", std::to_string(steps)});
  ASSERT_GT(pid, 0);
  const std::string latest = join_path(split, "run/checkpoints/latest");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!file_exists(latest) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it could be killed";
  ASSERT_FALSE(file_exists(join_path(split, "model.safetensors"))) << "the run finished before the kill";
  const std::string at = read_file(latest);
  EXPECT_EQ(at.rfind("step-", 0), 0u) << at;

  const CliResult resumed = run_cli(f.args(split, steps) + " --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resumed from step"), std::string::npos) << resumed.output;
  const std::string a = read_file(join_path(full, "model.safetensors"));
  const std::string b = read_file(join_path(split, "model.safetensors"));
  EXPECT_EQ(a.size(), b.size());
  EXPECT_TRUE(a == b) << "model.safetensors differs after kill + resume";
  // The resumed log has each step once.
  int64_t step_records = 0;
  for (const auto& rec : read_jsonl(join_path(split, "train_log.jsonl")))
    if (rec.contains("loss")) ++step_records;
  EXPECT_EQ(step_records, steps);
}

}  // namespace
}  // namespace gr2::train::pretrain
