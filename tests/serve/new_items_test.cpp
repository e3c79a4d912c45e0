// Items the served catalog does not know, sent with their text: the service gives them unique SIDs
// on the model thread and ranks them (a valid permutation), later requests may name them by id
// alone, text without a known word is a 400, the new-item limit is a 503, a service without the
// SID tokenizer refuses them; and `gr2 serve --sid DIR` does it over HTTP, refusing a tokenizer
// that is not the checkpoint's.
#include <gtest/gtest.h>

#include <httplib.h>

#include <set>

#include <torch/torch.h>

#include "gr2/serve/api_error.h"
#include "gr2/serve/rerank_service.h"
#include "serve/serve_fixture.h"
#include "serve/serve_process.h"
#include "test_util.h"

namespace gr2::serve {
namespace {

class NewItemsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world_ = new test::ServedWorld();
    sid_dir_ = new TempDir();
    test::write_sid_tokenizer_dir(*world_, sid_dir_->path("sid"));
  }
  static void TearDownTestSuite() {
    delete world_;
    delete sid_dir_;
  }
  // A service over its own copy of the catalog, accepting new items.
  std::unique_ptr<RerankService> service(ServiceMetrics* metrics, RerankServiceOptions o = {}) {
    catalog_ = world_->world().catalog;
    auto reranker = LmReranker::load(world_->checkpoint("direct"), catalog_, torch::kCPU);
    NewItemSupport support;
    support.catalog = &catalog_;
    support.assigner = sid::SidAssigner::load(sid_dir_->path("sid"), "", reranker->sids(), 16);
    return std::make_unique<RerankService>(std::move(reranker), o, metrics, std::move(support));
  }
  // A new item with the text of catalog item `i` under another id.
  static NewItem relisted(int32_t i, const std::string& id, const std::string& where) {
    Item item = world_->world().catalog.at(i);
    item.item_id = id;
    return NewItem{item, where};
  }

  static test::ServedWorld* world_;
  static TempDir* sid_dir_;
  Catalog catalog_;
};
test::ServedWorld* NewItemsTest::world_ = nullptr;
TempDir* NewItemsTest::sid_dir_ = nullptr;

TEST_F(NewItemsTest, NewItemsGetUniqueSidsAndAreRanked) {
  ServiceMetrics metrics;
  auto s = service(&metrics);
  const size_t served = s->served_items();
  RankRequest r = world_->requests(1)[0];
  r.candidates[2].item_id = "new-1";
  r.candidates[5].item_id = "new-2";
  const RerankOutcome o = s->rerank(r, 60000, {relisted(3, "new-1", "candidates[2]"), relisted(4, "new-2", "candidates[5]")});
  EXPECT_EQ(o.fallback, "");
  EXPECT_TRUE(is_permutation_of(o.order, r.size()));
  EXPECT_TRUE(s->knows_item("new-1"));
  EXPECT_TRUE(s->knows_item("new-2"));
  EXPECT_EQ(s->served_items(), served + 2);
  EXPECT_EQ(metrics.new_items(), 2u);
  EXPECT_NE(metrics.prometheus_text().find("gr2_new_items_total 2"), std::string::npos);
  // Every SID of the table, old and new, is still unique.
  const sid::SidTable& table = s->reranker().sids();
  std::set<std::vector<int32_t>> sids;
  for (int64_t i = 0; i < table.size(); ++i) sids.insert(std::vector<int32_t>(table.sid(i), table.sid(i) + 4));
  EXPECT_EQ(static_cast<int64_t>(sids.size()), table.size());
  EXPECT_EQ(table.ids.back(), "new-2");
  EXPECT_TRUE(catalog_.find("new-1").has_value());

  // Later requests name them by id alone (history and candidates).
  RankRequest later = world_->requests(2)[1];
  later.history.push_back("new-1");
  later.candidates[0].item_id = "new-2";
  const RerankOutcome o2 = s->rerank(later, 60000);
  EXPECT_EQ(o2.fallback, "");
  EXPECT_EQ(metrics.new_items(), 2u);
}

TEST_F(NewItemsTest, TextWithoutAKnownWordIsA400AndTheLimitA503) {
  ServiceMetrics metrics;
  RerankServiceOptions o;
  o.max_new_items = 1;
  auto s = service(&metrics, o);
  RankRequest r = world_->requests(1)[0];
  r.candidates[0].item_id = "mystery";
  Item mystery;
  mystery.item_id = "mystery";
  mystery.title = "zzqx vvkw";
  try {
    s->rerank(r, 60000, {NewItem{mystery, "candidates[0]"}});
    FAIL() << "expected 400";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(std::string(e.what()).find("candidates[0]: new item 'mystery': none of the words"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(s->knows_item("mystery"));
  r.candidates[0].item_id = "new-a";
  EXPECT_EQ(s->rerank(r, 60000, {relisted(7, "new-a", "candidates[0]")}).fallback, "");
  r.candidates[0].item_id = "new-b";
  try {
    s->rerank(r, 60000, {relisted(8, "new-b", "candidates[0]")});
    FAIL() << "expected 503";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 503);
    EXPECT_EQ(e.type(), "new_items_full");
  }
  EXPECT_EQ(s->rerank(world_->requests(1)[0], 60000).fallback, "");  // known items still served
}

TEST_F(NewItemsTest, AServiceWithoutTheTokenizerRefusesNewItems) {
  ServiceMetrics metrics;
  RerankService s(world_->reranker(), {}, &metrics);
  EXPECT_FALSE(s.accepts_new_items());
  RankRequest r = world_->requests(1)[0];
  r.candidates[0].item_id = "new-x";
  try {
    s.rerank(r, 60000, {relisted(1, "new-x", "candidates[0]")});
    FAIL() << "expected 400";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
  }
}

TEST_F(NewItemsTest, GrServeWithSidRanksNewItemsOverHttp) {
  test::ServeProcess server({"--model", world_->checkpoint("direct"), "--data", world_->world().root, "--sid",
                             sid_dir_->path("sid"), "--port", "0", "--device", "cpu", "--no-access-log"});
  const int port = test::announced_port(server.first_line());
  ASSERT_GT(port, 0);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(60, 0);
  const RankRequest r = world_->requests(1)[0];
  Json body = test::ServedWorld::body(r);
  const Item& twin = world_->world().catalog.at(11);
  body["candidates"][1] = {{"item_id", "fresh"}, {"title", twin.title}, {"category", twin.category}, {"brand", twin.brand}};
  auto res = client.Post("/v1/rerank", body.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(Json::parse(res->body)["results"].size(), static_cast<size_t>(r.size()));
  body["history"].push_back("fresh");  // known now, by id alone
  body["candidates"][1] = "fresh";
  res = client.Post("/v1/rerank", body.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  body["candidates"][1] = "never-seen";
  res = client.Post("/v1/rerank", body.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("send its text"), std::string::npos) << res->body;
  res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("gr2_new_items_total 1"), std::string::npos);
  EXPECT_EQ(server.terminate(), 0);
}

TEST_F(NewItemsTest, GrServeRefusesATokenizerThatIsNotTheCheckpoints) {
  TempDir dir;
  const std::string other = dir.path("sid");
  test::write_sid_tokenizer_dir(*world_, other);
  sid::SidTable shifted = world_->world().sids;
  for (auto& code : shifted.sids) code = (code + 1) % 16;
  sid::write_sids_jsonl(shifted, join_path(other, "sids.jsonl"));
  const CliResult r = run_cli("serve --model " + world_->checkpoint("direct") + " --data " + world_->world().root +
                              " --sid " + other + " --port 0 --device cpu");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("is not the SID tokenizer of"), std::string::npos) << r.output;
  const CliResult text_alone = run_cli("serve --model " + world_->checkpoint("direct") + " --data " +
                                       world_->world().root + " --text-model " + other + "/embeddings.safetensors");
  EXPECT_EQ(text_alone.status, 2) << text_alone.output;
}

}  // namespace
}  // namespace gr2::serve
