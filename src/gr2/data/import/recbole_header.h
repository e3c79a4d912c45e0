// The typed header line of RecBole's atomic files (.inter, .item, .user): tab-separated
// `name:type` columns (token, token_seq, float, float_seq). Lets loaders find columns by name.
#pragma once

#include <string>
#include <vector>

#include "gr2/data/import/text_lines.h"

namespace gr2::importer {

class RecBoleHeader {
 public:
  // Reads and parses the first line of `reader`. Throws Error "file:1: ..." when the file is empty,
  // a column is not `name:type` with a known type, or a name repeats.
  static RecBoleHeader read(LineReader& reader);

  size_t size() const { return names_.size(); }
  // Index of the column called `name`, or -1.
  int find(const std::string& name) const;
  // Index of the column called `name`; throws Error naming the file and the columns it has.
  int require(const std::string& name) const;

 private:
  std::string path_;
  std::vector<std::string> names_;
  std::vector<std::string> types_;
};

}  // namespace gr2::importer
