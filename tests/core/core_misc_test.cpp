// Tests for small core pieces: atomic files, RNG determinism and distributions, splits, device,
// UTF-8 excerpts.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>

#include <ATen/Parallel.h>

#include "gr2/core/cpu_threads.h"
#include "gr2/core/device.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/metrics_log.h"
#include "gr2/core/progress.h"
#include "gr2/core/rng.h"
#include "gr2/core/utf8.h"
#include "gr2/data/split.h"
#include "test_util.h"

namespace gr2 {
namespace {

TEST(Utf8Excerpt, CutsOnASequenceBoundaryAndReplacesInvalidBytes) {
  const std::string e_acute = "\xC3\xA9";  // U+00E9, two bytes
  EXPECT_EQ(utf8_excerpt("abc", 10), "abc");
  EXPECT_EQ(utf8_excerpt("ab" + e_acute, 3), "ab");  // never half a sequence
  EXPECT_EQ(utf8_excerpt("ab" + e_acute, 4), "ab" + e_acute);
  EXPECT_EQ(utf8_excerpt("Mis\xE9rables", 100), "Mis\xEF\xBF\xBDrables");  // latin-1: U+FFFD
  EXPECT_EQ(utf8_excerpt("\xFF\xFF", 1), "\xEF\xBF\xBD");
  EXPECT_FALSE(first_invalid_utf8(utf8_excerpt("x\xF0\x9F\x98", 100)).has_value());  // a cut-off emoji
  EXPECT_EQ(utf8_excerpt("abc", 0), "");
}

TEST(AtomicFile, UncommittedWriteLeavesOldContent) {
  TempDir dir;
  std::string path = dir.write("f.txt", "old");
  {
    AtomicFile f(path);
    f.stream() << "new content";
  }
  EXPECT_EQ(read_file(path), "old");
  write_file_atomic(path, "new");
  EXPECT_EQ(read_file(path), "new");
  // No temporary files are left behind.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) { (void)e; ++files; }
  EXPECT_EQ(files, 1);
}

TEST(AtomicFile, UnwritableDirectoryIsAClearError) {
  expect_error([] { AtomicFile f("/nonexistent-dir/x.txt"); }, "cannot open for writing");
}

TEST(Rng, DeterministicAndSeedSensitive) {
  Rng a(7), b(7), c(8);
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    (void)c;
  }
  Rng d(7), e(8);
  EXPECT_NE(d.next_u64(), e.next_u64());
  EXPECT_NE(derive_seed(1, "users"), derive_seed(1, "items"));
  EXPECT_EQ(derive_seed(1, "users"), derive_seed(1, "users"));
}

TEST(Rng, DistributionsHaveTheRightMoments) {
  Rng r(123);
  const int n = 200000;
  double sum = 0, sum2 = 0, usum = 0;
  std::vector<int> below(5, 0);
  for (int i = 0; i < n; ++i) {
    double z = r.normal();
    sum += z;
    sum2 += z * z;
    double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    usum += u;
    below[r.below(5)]++;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sum2 / n, 1.0, 0.02);
  EXPECT_NEAR(usum / n, 0.5, 0.005);
  for (int count : below) EXPECT_NEAR(count / double(n), 0.2, 0.01);
  std::vector<double> w = {1, 0, 3};
  std::vector<int> picks(3, 0);
  for (int i = 0; i < 40000; ++i) picks[r.categorical(w)]++;
  EXPECT_EQ(picks[1], 0);
  EXPECT_NEAR(picks[2] / 40000.0, 0.75, 0.01);
}

TEST(Rng, ShuffleIsAPermutation) {
  Rng r(5);
  std::vector<int> v(50);
  for (int i = 0; i < 50; ++i) v[i] = i;
  r.shuffle(v);
  std::set<int> s(v.begin(), v.end());
  EXPECT_EQ(s.size(), 50u);
  bool moved = false;
  for (int i = 0; i < 50; ++i) moved = moved || v[i] != i;
  EXPECT_TRUE(moved);
}

TEST(TimeSplit, QuantileCutoffs) {
  std::vector<int64_t> ts;
  for (int i = 0; i < 100; ++i) ts.push_back(i);
  TimeSplit s = TimeSplit::from_quantiles(ts, 0.1, 0.2);
  EXPECT_EQ(s.valid_start, 70);
  EXPECT_EQ(s.test_start, 80);
  EXPECT_EQ(s.part_of(69), SplitPart::Train);
  EXPECT_EQ(s.part_of(70), SplitPart::Valid);
  EXPECT_EQ(s.part_of(80), SplitPart::Test);
  expect_error([&] { TimeSplit::from_quantiles(ts, 0.5, 0.6); }, "must be positive and sum to less than 1");
  expect_error([&] { TimeSplit::from_quantiles({}, 0.1, 0.1); }, "no timestamps");
}

TEST(LeaveOneOut, LastIsTestSecondLastIsValid) {
  LeaveOneOut s = LeaveOneOut::of({5, 6, 7, 8});
  EXPECT_EQ(s.train, (std::vector<int32_t>{5, 6}));
  EXPECT_EQ(s.valid_target, 7);
  EXPECT_EQ(s.test_target, 8);
  EXPECT_TRUE(s.has_targets());
  LeaveOneOut short_seq = LeaveOneOut::of({1, 2});
  EXPECT_FALSE(short_seq.has_targets());
  EXPECT_EQ(short_seq.train.size(), 2u);
}

TEST(Device, ResolvesCpuAndRejectsNonsense) {
  EXPECT_TRUE(resolve_device("cpu").is_cpu());
  c10::Device a = resolve_device("auto");
  EXPECT_TRUE(a.is_cpu() || a.is_cuda());
  expect_error([] { resolve_device("gpu"); }, "expected auto, cpu, cuda or cuda:N");
  expect_error([] { resolve_device("cuda:x"); }, "expected cuda or cuda:N");
  if (!resolve_device("auto").is_cuda()) {
    expect_error([] { resolve_device("cuda"); }, "CUDA is not available");
  }
  EXPECT_NE(describe_device(resolve_device("cpu")).find("LibTorch"), std::string::npos);
}

TEST(CpuThreads, SetsLibTorchAndBlasTogether) {
  const int before = at::get_num_threads();
  set_cpu_threads(1);
  EXPECT_EQ(at::get_num_threads(), 1);
  // Debian's LibTorch runs on OpenBLAS (scripts/install_deps.sh): its pool follows LibTorch's.
  if (blas_threads() != -1) {
    EXPECT_EQ(blas_threads(), 1);
  }
  set_cpu_threads(0);  // only caps BLAS at LibTorch's count
  EXPECT_EQ(at::get_num_threads(), 1);
  set_cpu_threads(before);
  EXPECT_EQ(at::get_num_threads(), before);
  if (blas_threads() != -1) {
    EXPECT_EQ(blas_threads(), before);
  }
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(Progress::format_duration(4.24), "4.2s");
  EXPECT_EQ(Progress::format_duration(185), "3m05s");
  EXPECT_EQ(Progress::format_duration(3720), "1h02m");
}

}  // namespace
}  // namespace gr2

namespace gr2 {
namespace {

TEST(MetricsLog, AppendsOneFlushedRecordPerCall) {
  TempDir dir;
  std::string path = dir.path("log.jsonl");
  {
    MetricsLog log(path);
    log.log({{"step", 1}, {"loss", 0.5}});
    // Flushed per record: readable before the log is closed.
    auto records = read_jsonl(path);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0]["step"], 1);
    EXPECT_TRUE(records[0].contains("time_s"));
  }
  MetricsLog again(path);  // appends, never truncates
  again.log({{"step", 2}});
  EXPECT_EQ(read_jsonl(path).size(), 2u);
  MetricsLog disabled("");
  EXPECT_FALSE(disabled.enabled());
  disabled.log({{"x", 1}});  // a no-op
}

}  // namespace
}  // namespace gr2
