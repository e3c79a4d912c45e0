// Checks of the source tree itself, so that the architecture in docs/design.md cannot drift:
//  - every `#include "gr2/..."` in src/gr2 follows the table of allowed folder dependencies in
//    docs/design.md (between the "layers begin/end" markers); a folder may only include folders in
//    rows above its own, so the table itself is acyclic, and every folder must have a row;
//  - no file in src/ is longer than 600 lines and no function in src/ longer than 120 lines;
//  - no tracked text refers to documents outside the repository.
// The function-length check is a brace scanner (comments, strings and character literals skipped),
// not a C++ parser: a block opened at namespace or class level whose header has a ')' is a function.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace gr2 {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = kSourceDir;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> source_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".h" || ext == ".cpp")) files.push_back(e.path());
  }
  return files;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  const auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

struct LayerTable {
  std::vector<std::string> order;                      // folders, lowest layer first
  std::map<std::string, std::set<std::string>> allowed;  // folder -> folders it may include
};

// Rows "| folder | dep, dep |" between "<!-- layers begin -->" and "<!-- layers end -->".
LayerTable read_layer_table() {
  std::istringstream in(read_text(kRoot / "docs/design.md"));
  LayerTable table;
  bool inside = false;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("<!-- layers begin -->") != std::string::npos) inside = true;
    else if (line.find("<!-- layers end -->") != std::string::npos) inside = false;
    else if (inside && line.rfind("| `", 0) == 0) {
      std::vector<std::string> cells;
      std::string cell;
      std::istringstream row(line.substr(1));
      while (std::getline(row, cell, '|')) cells.push_back(trim(cell));
      if (cells.size() < 2) continue;
      auto unquote = [](std::string s) {
        s.erase(std::remove(s.begin(), s.end(), '`'), s.end());
        return trim(s);
      };
      const std::string folder = unquote(cells[0]);
      std::set<std::string> deps;
      std::istringstream list(cells[1]);
      std::string dep;
      while (std::getline(list, dep, ',')) {
        dep = unquote(dep);
        if (!dep.empty() && dep != "-") deps.insert(dep);
      }
      table.order.push_back(folder);
      table.allowed[folder] = deps;
    }
  }
  return table;
}

TEST(SourceTree, LayerTableIsAcyclicAndCoversEveryFolder) {
  const LayerTable table = read_layer_table();
  ASSERT_GE(table.order.size(), 10u) << "docs/design.md: no layer table between the markers";
  std::set<std::string> seen;
  for (const auto& folder : table.order) {
    for (const auto& dep : table.allowed.at(folder))
      EXPECT_TRUE(seen.count(dep)) << "docs/design.md: " << folder << " may include " << dep
                                   << ", which is not in a row above it (a cycle or an upward include)";
    seen.insert(folder);
  }
  for (const auto& file : source_files(kRoot / "src/gr2")) {
    const std::string folder = fs::relative(file.parent_path(), kRoot / "src/gr2").generic_string();
    if (folder == ".") continue;  // the precompiled headers
    EXPECT_TRUE(table.allowed.count(folder)) << "src/gr2/" << folder << " has no row in docs/design.md's layer table";
  }
}

TEST(SourceTree, IncludesFollowTheLayerTable) {
  const LayerTable table = read_layer_table();
  const std::regex include(R"re(#include\s+"gr2/([^"]+)")re");
  int checked = 0;
  for (const auto& file : source_files(kRoot / "src/gr2")) {
    const std::string folder = fs::relative(file.parent_path(), kRoot / "src/gr2").generic_string();
    if (folder == "." || !table.allowed.count(folder)) continue;
    const std::string text = read_text(file);
    for (std::sregex_iterator it(text.begin(), text.end(), include), end; it != end; ++it) {
      const std::string target = fs::path((*it)[1].str()).parent_path().generic_string();
      ++checked;
      if (target == folder) continue;
      EXPECT_TRUE(table.allowed.at(folder).count(target))
          << fs::relative(file, kRoot).generic_string() << " includes gr2/" << (*it)[1].str() << ": " << folder
          << " may not depend on " << target << " (docs/design.md, layer table)";
    }
  }
  EXPECT_GT(checked, 100);
}

// Lengths (in lines, header line to closing brace) of the functions defined in `text`.
std::vector<std::pair<std::string, int>> function_lengths(const std::string& text) {
  enum class Kind { Scope, Function, Block };  // namespace/class/extern; a function body; anything else
  std::vector<std::pair<std::string, int>> out;
  std::vector<std::pair<Kind, int>> stack;  // kind, first line
  std::string header;                       // code since the last ';', '{' or '}' at the current level
  int header_line = 1, line = 1;
  size_t i = 0;
  const size_t n = text.size();
  auto in_function = [&] {
    for (const auto& s : stack)
      if (s.first != Kind::Scope) return true;
    return false;
  };
  while (i < n) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (text.compare(i, 2, "//") == 0) {
      while (i < n && text[i] != '\n') ++i;
      continue;
    }
    if (text.compare(i, 2, "/*") == 0) {
      const size_t e = text.find("*/", i + 2);
      for (size_t k = i; k < std::min(n, e); ++k) line += text[k] == '\n';
      i = e == std::string::npos ? n : e + 2;
      continue;
    }
    if (text.compare(i, 2, "R\"") == 0) {  // raw string: R"delim( ... )delim"
      const size_t open = text.find('(', i);
      const std::string close = ")" + text.substr(i + 2, open - i - 2) + "\"";
      const size_t e = text.find(close, open);
      for (size_t k = i; k < std::min(n, e); ++k) line += text[k] == '\n';
      i = e == std::string::npos ? n : e + close.size();
      continue;
    }
    if (c == '"' || (c == '\'' && !(i > 0 && std::isxdigit(static_cast<unsigned char>(text[i - 1]))))) {
      ++i;
      while (i < n && text[i] != c) i += text[i] == '\\' ? 2 : 1;
      ++i;
      continue;
    }
    if (c == '#' && trim(header).empty()) {  // preprocessor line
      while (i < n && text[i] != '\n') i += text[i] == '\\' ? 2 : 1;
      continue;
    }
    if (c == '{') {
      Kind kind = Kind::Block;
      if (!in_function()) {
        const bool scope = std::regex_search(header, std::regex(R"(\b(namespace|class|struct|union|enum)\b|extern\s*$)")) &&
                           header.find('(') == std::string::npos;
        if (scope) kind = Kind::Scope;
        else if (header.find(')') != std::string::npos) kind = Kind::Function;
      }
      stack.emplace_back(kind, header_line);
      if (kind == Kind::Function) out.emplace_back(trim(header).substr(0, 80), header_line);
      header.clear();
    } else if (c == '}') {
      if (!stack.empty()) {
        if (stack.back().first == Kind::Function) {
          for (auto it = out.rbegin(); it != out.rend(); ++it)
            if (it->second == stack.back().second) {
              it->second = line - stack.back().second + 1;
              break;
            }
        }
        stack.pop_back();
      }
      header.clear();
    } else if (c == ';') {
      header.clear();
    } else {
      if (trim(header).empty() && !std::isspace(static_cast<unsigned char>(c))) header_line = line;
      header += c;
    }
    ++i;
  }
  return out;
}

TEST(SourceTree, FunctionLengthScannerSeesFunctionsOnly) {
  const std::string text =
      "namespace a {\nstruct S {\n  int f() const {\n    return 1;\n  }\n};\n"
      "int g(int x)\n{\n  if (x) {\n    x = '{';\n  }\n  const char* s = \"}\";\n  return x;\n}\n"
      "const int table[] = {1, 2, 3};\n}  // namespace a\n";
  const auto lengths = function_lengths(text);
  ASSERT_EQ(lengths.size(), 2u);
  EXPECT_EQ(lengths[0].second, 3);  // f: lines 3-5
  EXPECT_EQ(lengths[1].second, 8);  // g: header on line 7, closing brace on line 14
}

TEST(SourceTree, NoSourceFileOver600LinesNoFunctionOver120) {
  int functions = 0;
  for (const auto& file : source_files(kRoot / "src")) {
    const std::string text = read_text(file);
    const auto lines = std::count(text.begin(), text.end(), '\n');
    const std::string name = fs::relative(file, kRoot).generic_string();
    EXPECT_LE(lines, 600) << name << " has " << lines << " lines (limit 600: split it by concept)";
    for (const auto& [header, length] : function_lengths(text)) {
      ++functions;
      EXPECT_LE(length, 120) << name << ": `" << header << "` is " << length << " lines (limit 120)";
    }
  }
  EXPECT_GT(functions, 500);
}

// The product and its docs stand alone: no reference to the background documents, nor to the
// public-data folder next to the checkout (tests may read datasets from there; docs say $DATA).
TEST(SourceTree, NothingRefersToDocumentsOutsideTheRepository) {
  const std::regex background(R"((PAPER_NOTES|DESIGN(\.md| §)))");
  const std::regex shared_folder(R"(\.\./shared)");
  auto check = [&](const fs::path& path, bool may_read_shared_data) {
    const std::string text = read_text(path);
    if (text.find('\0') != std::string::npos) return;  // binary
    const std::string name = fs::relative(path, kRoot).generic_string();
    std::smatch m;
    EXPECT_FALSE(std::regex_search(text, m, background)) << name << " refers to \"" << m.str() << "\", outside the repository";
    if (!may_read_shared_data) {
      EXPECT_FALSE(std::regex_search(text, m, shared_folder)) << name << " refers to \"" << m.str() << "\", outside the repository";
    }
  };
  for (const char* dir : {"src", "tests", "docs", "configs", "bench", "fuzz", "tools", "scripts", ".ci"}) {
    if (!fs::exists(kRoot / dir)) continue;
    const bool test_code = std::string(dir) == "tests" || std::string(dir) == "bench";
    for (const auto& e : fs::recursive_directory_iterator(kRoot / dir))
      if (e.is_regular_file() && e.path().filename() != "source_tree_test.cpp") check(e.path(), test_code);
  }
  for (const char* file : {"README.md", "Makefile", "CMakeLists.txt"}) check(kRoot / file, false);
}

}  // namespace
}  // namespace gr2
