// What every request parser of gr2 serve does first: the body as a JSON object, and optional fields
// (absent and null alike). Failures are ApiError 400s whose message is valid UTF-8.
#pragma once

#include <string>
#include <string_view>

#include "gr2/core/jsonl.h"
#include "gr2/core/log.h"
#include "gr2/core/utf8.h"
#include "gr2/serve/api_error.h"

namespace gr2::serve {

// The body parsed as a JSON object. Throws ApiError 400 for invalid JSON or another JSON type.
inline Json parse_request_object(std::string_view body) {
  Json json;
  try {
    json = Json::parse(body);
  } catch (const Json::exception& e) {
    // nlohmann quotes the bytes it stopped at, which may be invalid UTF-8 (found by fuzz_rerank_request).
    throw ApiError::bad_request("the body is not valid JSON: " + utf8_excerpt(e.what(), 512));
  }
  if (!json.is_object()) throw ApiError::bad_request("the body must be a JSON object, got " + json_type_name(json));
  return json;
}

// The value of `key` in `object`, or nullptr when it is absent or null (callers read null as absent).
inline const Json* optional_field(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// An id quoted for a message: 'id', at most 64 bytes, valid UTF-8, control characters as \uXXXX
// (a NUL would otherwise end the message where it is read as a C string).
inline std::string quoted_id(const std::string& id) {
  std::string out = "'";
  for (char ch : utf8_excerpt(id, 64)) {
    if (static_cast<unsigned char>(ch) < 0x20) {
      out += strprintf("\\u%04x", static_cast<unsigned>(ch));
    } else {
      out += ch;
    }
  }
  return out + "'";
}

}  // namespace gr2::serve
