// gr2::Error: the one exception type of gr2. Its message is meant for the user and says what to fix.
#pragma once

#include <stdexcept>
#include <string>

namespace gr2 {

// Why an operation failed. The CLI maps BadInput to exit status 2 and Internal to 1.
enum class ErrorKind { BadInput, Internal };

// An error a user can act on. Messages name the file, line and field where there is one
// ("slates.jsonl:12: field 'ts': expected an integer, got a string").
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::BadInput)
      : std::runtime_error(message), kind_(kind) {}

  // An error in gr2 itself (a broken invariant), not in what the user gave.
  static Error internal(const std::string& message) { return Error(message, ErrorKind::Internal); }

  ErrorKind kind() const { return kind_; }
  // Process exit status the CLI uses for this error: 2 for bad input, 1 for internal failures.
  int exit_code() const { return kind_ == ErrorKind::BadInput ? 2 : 1; }

 private:
  ErrorKind kind_;
};

// Throws Error(message) when `condition` is false. For validating user input.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw Error(message);
}

// Throws Error::internal(message) when `condition` is false. For gr2's own invariants.
inline void check_internal(bool condition, const std::string& message) {
  if (!condition) throw Error::internal(message);
}

}  // namespace gr2
