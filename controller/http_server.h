#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

namespace iop::controller {

struct HttpResponse {
  unsigned status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
};

// Called with the request target's query ("" or e.g. "verbose"), on the server's thread.
using HttpHandler = std::function<HttpResponse(const std::string& query)>;

// A small HTTP/1.1 server (Boost.Beast) for GET endpoints such as /healthz and /metrics.
// Lifecycle: handle() routes, listen() binds, serve() runs until stopped; once each.
// Not thread-safe except as noted; one server is used by one owner thread.
class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes GET path (exact match, without query) to handler. Call before serve().
  void handle(const std::string& path, HttpHandler handler);

  // Binds address: "host:port", or ":port" for every interface; port 0 picks a free one.
  // Returns an error naming the address and the failed step ("parse", "resolve", "bind").
  std::optional<std::string> listen(const std::string& address);

  // The bound port; valid after a successful listen(). Thread-safe.
  unsigned short port() const { return port_; }

  // Serves connections on the calling thread until stop is requested, then closes the
  // listener and every connection and returns. Blocks. Requires a successful listen().
  void serve(std::stop_token stop);

 private:
  class Session;
  void accept();

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::map<std::string, HttpHandler> routes_;  // set before serve(), read-only after
  unsigned short port_ = 0;
};

}  // namespace iop::controller
