// Routes of gr2 serve over cpp-httplib (see http_server.h).
#include "gr2/serve/http/http_server.h"

#include <httplib.h>

#include <atomic>
#include <strings.h>
#include <sys/socket.h>

#include <chrono>
#include <ctime>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "gr2/core/error.h"
#include "gr2/core/log.h"
#include "gr2/core/utf8.h"
#include "gr2/serve/api_error.h"
#include "gr2/serve/openapi.h"

namespace gr2::serve {
namespace {

using Clock = std::chrono::steady_clock;

// httplib runs the pre-routing handler, the route and the logger of one request on one thread.
// A request that fails HTTP parsing never reaches the pre-routing handler: the logger then finds
// the sentinel (time_point{}) and records 0 s instead of a stale start.
thread_local Clock::time_point request_start{};
std::atomic<uint64_t> next_response_id{1};

std::string dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

void write_error(httplib::Response& res, int status, const std::string& type, const std::string& message) {
  res.status = status;
  if (status == 503) res.set_header("Retry-After", "1");
  res.set_content(dump({{"error", {{"message", message}, {"type", type}, {"code", status}}}}), "application/json");
}

// The routes and the one method each answers (GET routes answer HEAD too).
const std::vector<std::pair<std::string, std::string>> kRoutes = {
    {"/v1/rerank", "POST"}, {"/v1/completions", "POST"}, {"/v1/chat/completions", "POST"}, {"/v1/models", "GET"},
    {"/healthz", "GET"},    {"/metrics", "GET"},         {"/openapi.json", "GET"}};

// The method `path` answers, or "" for a path that is not a route.
std::string route_method(const std::string& path) {
  for (const auto& [route, method] : kRoutes)
    if (path == route) return method;
  return "";
}

// The metrics label of a path: a route, or "other" (keeps label cardinality bounded).
std::string endpoint_of(const std::string& path) { return route_method(path).empty() ? "other" : path; }

// Compares without an early exit, so that response time does not reveal a matching prefix (the
// length may show; the key is not empty).
bool same_secret(const std::string& given, const std::string& key) {
  if (given.size() != key.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < key.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ key[i]);
  return diff == 0;
}

}  // namespace

HttpServer::HttpServer(RerankService* service, ServiceMetrics* metrics, HttpServerOptions options)
    : service_(service), metrics_(metrics), options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  check_internal(service_ != nullptr && metrics_ != nullptr, "HttpServer: null service or metrics");
  require(options_.threads >= 1, "serve: --http-threads must be >= 1");
  openapi_ = dump(openapi_document(options_.limits, options_.completion_limits, options_.model_name));
  started_ = static_cast<int64_t>(std::time(nullptr));
  install_routes();
}

HttpServer::~HttpServer() = default;

int HttpServer::bind() {
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else if (server_->bind_to_port(options_.host, options_.port)) {
    port_ = options_.port;
  }
  require(port_ > 0, "serve: cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                         " (address in use, or not an address of this machine)");
  return port_;
}

void HttpServer::serve() {
  check_internal(port_ > 0, "HttpServer::serve before bind");
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (stop_requested_) return;
    serving_ = true;
  }
  server_->listen_after_bind();
  served_ = true;
}

void HttpServer::stop() {
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    stop_requested_ = true;
    if (!serving_) return;  // serve() has not begun: it will return at once
  }
  // httplib's stop() only stops a server whose accept loop runs: wait for it to start (a stop right
  // after serve() began would otherwise be lost and serve() would never return).
  while (!server_->is_running() && !served_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  server_->stop();
}

void HttpServer::complete(const std::string& body, bool chat, std::string& response) const {
  const lm::Vocabulary& vocabulary = service_->reranker().vocabulary();
  const CompletionCall call = chat ? parse_chat_request(body, options_.completion_limits, vocabulary)
                                   : parse_completion_request(body, options_.completion_limits, vocabulary);
  if (!call.model.empty() && call.model != options_.model_name)
    throw ApiError(404, "model_not_found", "model '" + utf8_excerpt(call.model, 64) +
                                               "' is not served here (this server serves '" + options_.model_name + "')");
  const CompletionResult result = service_->complete(call.request);
  const std::string id = std::string(chat ? "chatcmpl-" : "cmpl-") + std::to_string(next_response_id++);
  response = dump(completion_response(id, options_.model_name, static_cast<int64_t>(std::time(nullptr)), call, result,
                                      vocabulary));
}

void HttpServer::install_routes() {
  httplib::Server& s = *server_;
  const int threads = options_.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_payload_max_length(static_cast<size_t>(options_.limits.max_body_bytes));
  s.set_tcp_nodelay(true);
  s.set_keep_alive_max_count(1000);  // httplib's default closes a connection after 5 requests
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, with which a second server binds
  // the same port and the kernel splits requests between the two (found by a test as a new user).
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&yes), sizeof(yes));
  });

  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    request_start = Clock::now();
    if (options_.api_key.empty() || req.path == "/healthz") return httplib::Server::HandlerResponse::Unhandled;
    const std::string header = req.get_header_value("Authorization");
    // The scheme is case-insensitive (RFC 7235): "Bearer", "bearer", ...
    const bool bearer = header.size() > 7 && strncasecmp(header.c_str(), "bearer ", 7) == 0;
    if (bearer && same_secret(header.substr(7), options_.api_key))
      return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("WWW-Authenticate", "Bearer");
    write_error(res, 401, "unauthorized", "missing or wrong bearer token (Authorization: Bearer <key>)");
    return httplib::Server::HandlerResponse::Handled;
  });

  s.Post("/v1/rerank", [this](const httplib::Request& req, httplib::Response& res) {
    try {
      const RerankCall call = parse_rerank_request(
          req.body, options_.limits, [this](const std::string& id) { return service_->knows_item(id); },
          service_->accepts_new_items());
      if (!call.model.empty() && call.model != options_.model_name)
        throw ApiError(404, "model_not_found", "model '" + utf8_excerpt(call.model, 64) +
                                                   "' is not served here (this server serves '" +
                                                   options_.model_name + "')");
      const RerankOutcome outcome = service_->rerank(call.request, call.timeout_ms, call.new_items);
      const std::string id = "rerank-" + std::to_string(next_response_id++);
      res.set_content(dump(rerank_response(id, options_.model_name, call, outcome)), "application/json");
    } catch (const ApiError& e) {
      write_error(res, e.status(), e.type(), e.what());
    }
  });
  for (const bool chat : {false, true}) {
    s.Post(chat ? "/v1/chat/completions" : "/v1/completions",
           [this, chat](const httplib::Request& req, httplib::Response& res) {
             try {
               std::string body;
               complete(req.body, chat, body);
               res.set_content(body, "application/json");
             } catch (const ApiError& e) {
               write_error(res, e.status(), e.type(), e.what());
             }
           });
  }
  s.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    const Json model = {{"id", options_.model_name}, {"object", "model"}, {"created", started_}, {"owned_by", "gr2"}};
    res.set_content(dump({{"object", "list"}, {"data", Json::array({model})}}), "application/json");
  });
  s.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(dump({{"status", "ok"}, {"model", options_.model_name}}), "application/json");
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    metrics_->set_queue_depth(service_->queue_depth());
    res.set_content(metrics_->prometheus_text(), "text/plain; version=0.0.4");
  });
  s.Get("/openapi.json", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(openapi_, "application/json");
  });

  // Statuses httplib sets itself (404 no route, 413 body too large, 400 malformed HTTP) get a JSON body.
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string method = route_method(req.path);
    if ((res.status == 404 || res.status == 400) && !method.empty() && req.method != method) {
      // A route asked with another method (httplib says 404, or 400 for a method it does not parse).
      res.set_header("Allow", method == "GET" ? "GET, HEAD" : method);
      write_error(res, 405, "method_not_allowed", req.path + " answers " + method + " only");
    } else if (res.status == 404) {
      write_error(res, 404, "not_found", "no route " + req.method + " " + utf8_excerpt(req.path, 128) +
                                             " (routes: POST /v1/rerank, /v1/completions, /v1/chat/completions; GET /v1/models, /healthz, /metrics, /openapi.json)");
    } else if (res.status == 413) {
      const bool form = req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0;
      const std::string limit = std::to_string(options_.limits.max_body_bytes);
      write_error(res, 413, "body_too_large",
                  form ? "the body is over the limit for application/x-www-form-urlencoded bodies (curl -d's "
                         "default content type; the HTTP library caps them at 8192 bytes): send it with "
                         "Content-Type: application/json (limit " + limit + " bytes)"
                       : "the body is over " + limit + " bytes");
    } else {
      write_error(res, res.status, "http_error", "the request could not be read as HTTP");
    }
  });
  s.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log_warning("serve: internal error on " + req.method + " " + utf8_excerpt(req.path, 128) + ": " + what);
    write_error(res, 500, "internal_error", "internal error (logged by the server)");
  });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    const double seconds = request_start == Clock::time_point{}
                               ? 0.0
                               : std::chrono::duration<double>(Clock::now() - request_start).count();
    request_start = Clock::time_point{};
    metrics_->observe_request(endpoint_of(req.path), res.status, seconds);
    if (options_.access_log) {
      log_info(strprintf("%s %s %s %d %zu %.2fms", req.remote_addr.c_str(), req.method.c_str(),
                         utf8_excerpt(req.path, 128).c_str(), res.status, res.body.size(), seconds * 1000.0));
    }
  });
}

}  // namespace gr2::serve
