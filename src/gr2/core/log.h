// The library's one log sink. Library code never writes to stderr itself (progress lines aside:
// core/progress.h): it calls log_info / log_warning, and the sink decides where messages go. The
// default sink writes each message to stderr as one line (warnings prefixed "warning: "); the CLI
// installs it explicitly, and an embedding program (a server, a notebook binding) installs its own.
#pragma once

#include <functional>
#include <string>

namespace gr2 {

enum class LogLevel { Info, Warning };

// Receives every message (no trailing newline). Called under a lock: one message at a time.
using LogSink = std::function<void(LogLevel level, const std::string& message)>;

// Replaces the sink; an empty function restores the default (stderr).
void set_log_sink(LogSink sink);
// The default sink: "message\n" (or "warning: message\n") on stderr.
void stderr_log_sink(LogLevel level, const std::string& message);

// Sends `message` (one trailing newline, if any, is dropped) to the sink.
void log_info(const std::string& message);
void log_warning(const std::string& message);

// printf-style formatting into a std::string (for messages with numbers).
std::string strprintf(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace gr2
