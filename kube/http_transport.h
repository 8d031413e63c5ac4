#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kube/cancel.h"
#include "kube/config.h"
#include "kube/result.h"

// HTTPS exchanges with one API server over Boost.Beast (internal to kube/; the Client is the
// public face). Every network step ("resolve", "connect", "handshake", "write", "read") has its
// own deadline and can be cancelled from another thread.
namespace iop::kube::http {

// The parts of Config::server the transport needs.
struct Endpoint {
  std::string host;        // without brackets for IPv6
  std::string port;        // "443" when the URL has none
  std::string pathPrefix;  // "" or "/prefix" (no trailing slash)
  std::string tlsName;     // name for SNI and certificate verification
  std::string display;     // "https://host:port" for messages
};
Result<Endpoint> parseServer(const std::string& server, const std::string& tlsServerName);

struct Request {
  std::string method;
  std::string target;  // path (without the endpoint's prefix) + optional "?query"
  std::string body;
  std::string contentType;
  std::string accept = "application/json";
  std::string authorization;  // full header value, "" for none
};

struct Response {
  int status = 0;
  std::string body;
  std::string contentType;
  std::optional<std::chrono::seconds> retryAfter;
};

// For stream(): called once with the status and headers of a 2xx response before any data.
using DataHandler = std::function<bool(std::string_view chunk)>;  // false stops the stream

class Transport {
 public:
  // Builds the TLS context from the config's PEM material; no network. Config errors name
  // what could not be loaded.
  static Result<std::unique_ptr<Transport>> create(const Config& config, int maxIdleConnections);
  ~Transport();

  // One request/response on a pooled keep-alive connection (or a new one). Transport errors
  // carry the step and whether the request may have reached the server. Thread-safe.
  Result<Response> roundTrip(const Request& request, const CancelToken& cancel);

  // A streaming request (watch) on a dedicated connection: for a 2xx response, onData gets the
  // decoded body bytes as they arrive until the server ends the body (returns the status),
  // onData returns false, or an error/cancel. A non-2xx response is returned whole (status and
  // body) without calling onData. `onHeaders` runs once the response headers arrived.
  // idleTimeout bounds each wait for bytes. Thread-safe.
  Result<Response> stream(const Request& request, const CancelToken& cancel,
                          std::chrono::milliseconds idleTimeout,
                          const std::function<void(int status)>& onHeaders, const DataHandler& onData);

  // Cancels every exchange in flight and refuses new ones (Cancelled). Idempotent.
  void shutdown();

  const Endpoint& endpoint() const;

  // How many connections were opened (attempted) so far; for tests of connection reuse.
  std::uint64_t connectionsOpened() const;

  struct Impl;  // public only so the exchange helpers in the .cpp can name it

 private:
  explicit Transport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace iop::kube::http
