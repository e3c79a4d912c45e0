// Item embeddings built from the catalog (`gr2 sid embed`): TF-IDF over title, category-path and
// brand words (unigrams and bigrams within each field), reduced with a randomized truncated SVD to
// `embed_dim` dimensions and L2-normalised; optionally concatenated with a collaborative part
// (truncated SVD of the positive-PMI matrix of items co-occurring within a window of users'
// event sequences), so that items bought together get nearby vectors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "gr2/sid/embeddings.h"

namespace gr2 {
class Catalog;
struct Event;
}  // namespace gr2

namespace gr2::sid {

struct SidConfig;
class TextEmbedder;

// The terms of one item: lower-cased alphanumeric words of each field plus bigrams of adjacent
// words in the same field, prefixed by field ("t:", "c:", "b:") so that "brand: rose" and a title
// word "rose" stay distinct. Exposed for tests.
std::vector<std::string> item_terms(const std::string& title, const std::vector<std::string>& category,
                                    const std::string& brand);

struct EmbedStats {
  int64_t items = 0;
  int64_t vocabulary = 0;          // terms kept (df >= min_df, capped at max_terms)
  int64_t nonzeros = 0;            // entries of the TF-IDF matrix
  int64_t items_without_terms = 0; // zero text vector (no kept term)
  int64_t items_with_events = 0;   // non-zero collaborative vector
  int64_t text_dim = 0, collab_dim = 0;
};

// Builds embeddings for every catalog item (rows in catalog order). `events` may be empty (then
// the collaborative part is skipped even if config.collab_dim > 0). `text_model` (optional)
// receives the model that embeds a new item's text into the same space (text_embedder.h); it is
// left empty when no term was kept. Throws Error on an empty catalog.
ItemEmbeddings embed_catalog(const Catalog& catalog, const std::vector<Event>& events, const SidConfig& config,
                             const c10::Device& device, EmbedStats* stats = nullptr,
                             TextEmbedder* text_model = nullptr);

// Co-engaged item pairs (a, b), a != b, dense catalog indices: consecutive-within-window items of
// each user's time-ordered sequence, each unordered pair once. For the contrastive loss.
std::vector<std::pair<int64_t, int64_t>> co_engaged_pairs(const Catalog& catalog, const std::vector<Event>& events,
                                                          int64_t window);

}  // namespace gr2::sid
