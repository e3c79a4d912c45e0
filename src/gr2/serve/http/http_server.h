// The HTTP layer of gr2 serve, thin over the service: routes (/v1/rerank, the OpenAI-compatible
// /v1/completions, /v1/chat/completions and /v1/models, /healthz, /metrics, /openapi.json), bearer-token check, body-size limit,
// JSON error bodies, Retry-After on 503, one access-log line and one metrics observation per
// request. cpp-httplib (Debian libcpp-httplib-dev) does the HTTP; this file only maps requests to
// RerankService calls and ApiErrors to responses.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <memory>
#include <string>

#include "gr2/serve/completion_api.h"
#include "gr2/serve/rerank_api.h"
#include "gr2/serve/rerank_service.h"
#include "gr2/serve/service_metrics.h"

namespace httplib {
class Server;
}

namespace gr2::serve {

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // loopback unless the operator opens it
  int port = 8000;                 // 0 = any free port (bound_port() tells which)
  std::string api_key;             // "" = no authentication; else "Authorization: Bearer <key>"
                                   // is required on every route but /healthz
  int threads = 64;                // HTTP worker threads (concurrent connections served)
  std::string model_name = "gr2";  // the "model" of responses; a request naming another is a 404
  RerankLimits limits;
  CompletionLimits completion_limits;
  bool access_log = true;          // one line per request to the log (stderr)
};

class HttpServer {
 public:
  // `service` and `metrics` (not owned) must outlive the server.
  HttpServer(RerankService* service, ServiceMetrics* metrics, HttpServerOptions options);
  ~HttpServer();

  // Binds host:port. Returns the bound port. Throws Error (bad input) when the address cannot be bound.
  int bind();
  // Serves until stop(); returns once the requests in progress are answered. Requires bind().
  void serve();
  // Stops accepting connections; serve() returns after the requests in progress (or at once when it
  // has not begun). Any thread, async-signal-unsafe (call it from a watcher thread, not a signal
  // handler).
  void stop();
  int bound_port() const { return port_; }

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

 private:
  RerankService* service_;
  ServiceMetrics* metrics_;
  HttpServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = -1;
  std::string openapi_;  // the document, serialised once
  int64_t started_ = 0;  // Unix time the server was made (the "created" of /v1/models)
  std::mutex state_mutex_;  // guards stop_requested_ and serving_ (stop() may come before serve())
  bool stop_requested_ = false, serving_ = false;
  std::atomic<bool> served_{false};  // serve()'s accept loop has returned

  void install_routes();
  // POST /v1/completions (chat = false) or /v1/chat/completions (chat = true).
  void complete(const std::string& body, bool chat, std::string& response) const;
};

}  // namespace gr2::serve
