// An error the service answers with an HTTP status and a JSON body instead of a result: a bad
// request (400), a missing or wrong API key (401), an unknown route (404), a full queue (503).
// The service layer throws it; the HTTP layer turns it into a response. It is not a gr2::Error
// because it never ends a process: a server answers it and goes on.
#pragma once

#include <stdexcept>
#include <string>

namespace gr2::serve {

class ApiError : public std::runtime_error {
 public:
  // `status`: the HTTP status (4xx or 5xx); `type`: a short machine-readable kind
  // ("invalid_request", "unauthorized", "not_found", "overloaded"); `message`: what was wrong,
  // naming the field ("candidates[3].item_id: expected a string, got a number").
  ApiError(int status, std::string type, const std::string& message)
      : std::runtime_error(message), status_(status), type_(std::move(type)) {}

  static ApiError bad_request(const std::string& message) { return ApiError(400, "invalid_request", message); }
  static ApiError overloaded(const std::string& message) { return ApiError(503, "overloaded", message); }

  int status() const { return status_; }
  const std::string& type() const { return type_; }

 private:
  int status_;
  std::string type_;
};

}  // namespace gr2::serve
