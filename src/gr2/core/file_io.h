// Whole-file reading and crash-safe writing: outputs go to a temporary name and are renamed into
// place on commit, so a killed run never leaves a half-written file that looks complete.
#pragma once

#include <fstream>
#include <string>
#include <string_view>

namespace gr2 {

// Reads a whole file. Throws Error naming the path when it cannot be opened.
std::string read_file(const std::string& path);

// True when `path` names an existing regular file.
bool file_exists(const std::string& path);

// Creates a directory and its parents; throws Error if that fails.
void make_directories(const std::string& path);

// Joins two path pieces with one '/'.
std::string join_path(const std::string& dir, const std::string& name);

// A file written under a temporary name (`path.tmp-<pid>`) in the same directory and atomically
// renamed to `path` by commit(). Destroying it uncommitted removes the temporary file.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // The stream to write to (binary mode, large buffer).
  std::ostream& stream() { return out_; }
  // Flushes, fsyncs and renames into place. Throws Error if any write failed.
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temp_path_;
  std::ofstream out_;
  bool committed_ = false;
};

// Writes `content` to `path` atomically.
void write_file_atomic(const std::string& path, std::string_view content);

}  // namespace gr2
