#include "controller/http_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace iop::controller {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// One connection: read a request, answer it, repeat while the client keeps it alive. The
// in-flight async operation holds the session alive (shared_from_this).
class HttpServer::Session : public std::enable_shared_from_this<HttpServer::Session> {
 public:
  Session(tcp::socket socket, const std::map<std::string, HttpHandler>& routes)
      : stream_(std::move(socket)), routes_(routes) {}

  void read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->respond();
                     });
  }

 private:
  void respond() {
    std::string target(request_.target());
    auto q = target.find('?');
    std::string path = target.substr(0, q);
    std::string query = q == std::string::npos ? "" : target.substr(q + 1);

    HttpResponse out;
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      out = HttpResponse{405, "text/plain; charset=utf-8", "only GET is served\n"};
    } else if (auto it = routes_.find(path); it == routes_.end()) {
      out = HttpResponse{404, "text/plain; charset=utf-8", "404 page not found\n"};
    } else {
      try {
        out = it->second(query);
      } catch (const std::exception& e) {
        out =
            HttpResponse{500, "text/plain; charset=utf-8", std::string("handler failed: ") + e.what() + "\n"};
      }
    }
    response_ = {};
    response_.version(request_.version());
    response_.result(out.status);
    response_.set(http::field::content_type, out.contentType);
    response_.keep_alive(request_.keep_alive());
    if (request_.method() != http::verb::head) response_.body() = std::move(out.body);
    response_.prepare_payload();
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->response_.keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  const std::map<std::string, HttpHandler>& routes_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

HttpServer::HttpServer() : acceptor_(ioc_) {}

HttpServer::~HttpServer() = default;

void HttpServer::handle(const std::string& path, HttpHandler handler) {
  routes_[path] = std::move(handler);
}

std::optional<std::string> HttpServer::listen(const std::string& address) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return "listen on \"" + address + "\": parse: want host:port or :port";
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  beast::error_code ec;
  tcp::resolver resolver(ioc_);
  auto results = resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) return "listen on \"" + address + "\": resolve: " + ec.message();
  tcp::endpoint endpoint = results.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    beast::error_code ignored;
    acceptor_.close(ignored);
    return "listen on \"" + address + "\": bind: " + ec.message();
  }
  port_ = acceptor_.local_endpoint().port();
  return std::nullopt;
}

void HttpServer::accept() {
  acceptor_.async_accept(ioc_, [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted)
        spdlog::warn("http server on port {}: accept: {}", port_, ec.message());
      if (!acceptor_.is_open()) return;
    } else {
      std::make_shared<Session>(std::move(socket), routes_)->read();
    }
    accept();
  });
}

void HttpServer::serve(std::stop_token stop) {
  if (!acceptor_.is_open()) return;
  std::stop_callback onStop(stop, [this] { ioc_.stop(); });
  accept();
  ioc_.run();
  beast::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace iop::controller
