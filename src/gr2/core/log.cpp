// The log sink: a process-wide function behind a mutex.
#include "gr2/core/log.h"

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <vector>

namespace gr2 {
namespace {

std::mutex& sink_mutex() {
  static std::mutex m;
  return m;
}

LogSink& current_sink() {
  static LogSink sink;
  return sink;
}

void emit(LogLevel level, std::string message) {
  if (!message.empty() && message.back() == '\n') message.pop_back();
  std::lock_guard<std::mutex> lock(sink_mutex());
  if (current_sink()) current_sink()(level, message);
  else stderr_log_sink(level, message);
}

}  // namespace

void set_log_sink(LogSink sink) {
  std::lock_guard<std::mutex> lock(sink_mutex());
  current_sink() = std::move(sink);
}

void stderr_log_sink(LogLevel level, const std::string& message) {
  std::fprintf(stderr, "%s%s\n", level == LogLevel::Warning ? "warning: " : "", message.c_str());
  std::fflush(stderr);
}

void log_info(const std::string& message) { emit(LogLevel::Info, message); }
void log_warning(const std::string& message) { emit(LogLevel::Warning, message); }

std::string strprintf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::vector<char> buf(static_cast<size_t>(n > 0 ? n : 0) + 1);
  std::vsnprintf(buf.data(), buf.size(), format, args);
  va_end(args);
  return std::string(buf.data(), static_cast<size_t>(n > 0 ? n : 0));
}

}  // namespace gr2
