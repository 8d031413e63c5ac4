#include "kube/http_transport.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <mutex>

namespace iop::kube::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

Result<Endpoint> parseServer(const std::string& server, const std::string& tlsServerName) {
  const std::string scheme = "https://";
  if (server.rfind(scheme, 0) != 0)
    return Error::config("server \"" + server +
                         "\" is not an https:// URL (iop only talks TLS to API servers)");
  std::string rest = server.substr(scheme.size());
  Endpoint ep;
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  if (slash != std::string::npos) {
    ep.pathPrefix = rest.substr(slash);
    while (!ep.pathPrefix.empty() && ep.pathPrefix.back() == '/') ep.pathPrefix.pop_back();
  }
  if (!hostport.empty() && hostport.front() == '[') {
    auto close = hostport.find(']');
    if (close == std::string::npos)
      return Error::config("server \"" + server + "\": unterminated IPv6 address");
    ep.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':') ep.port = hostport.substr(close + 2);
  } else {
    auto colon = hostport.rfind(':');
    ep.host = hostport.substr(0, colon);
    if (colon != std::string::npos) ep.port = hostport.substr(colon + 1);
  }
  if (ep.host.empty()) return Error::config("server \"" + server + "\" has no host");
  if (ep.port.empty()) ep.port = "443";
  for (char c : ep.port)
    if (c < '0' || c > '9')
      return Error::config("server \"" + server + "\" has a bad port \"" + ep.port + "\"");
  ep.tlsName = tlsServerName.empty() ? ep.host : tlsServerName;
  ep.display = scheme + hostport;
  return ep;
}

namespace {

bool isIpAddress(const std::string& s) {
  boost::system::error_code ec;
  asio::ip::make_address(s, ec);
  return !ec;
}

std::string sslErrorText(const beast::error_code& ec, SSL* ssl) {
  std::string msg = ec.message();
  if (ssl != nullptr) {
    long v = SSL_get_verify_result(ssl);
    if (v != X509_V_OK) msg += ": " + std::string(X509_verify_cert_error_string(v));
  }
  return msg;
}

// One keep-alive TLS connection with its own io_context, driven synchronously by the thread
// that uses it: every step starts an async operation and runs the io_context until it
// finishes, its deadline timer fires, or a cancel handler posted from another thread aborts it.
// Used by one thread at a time (the pool hands it out exclusively).
class Connection {
 public:
  Connection(asio::ssl::context& ctx, const Endpoint& ep) : ep_(ep), stream_(io_, ctx) {}

  // Posts an abort from any thread: the running (or next) step fails with operation_aborted.
  void abortFromAnyThread() {
    asio::post(io_, [this] {
      aborted_ = true;
      if (abortCurrent_) abortCurrent_();
    });
  }

  Result<void> open(std::chrono::milliseconds timeout) {
    beast::error_code ec;
    tcp::resolver::results_type endpoints;
    if (auto ip = asio::ip::make_address(ep_.host, ec); !ec) {
      // An address needs no lookup, and skipping the resolver matters: asio runs each
      // io_context's lookups on a thread of its own that lives as long as the connection.
      endpoints = tcp::resolver::results_type::create(
          tcp::endpoint(ip, static_cast<unsigned short>(std::stoi(ep_.port))), ep_.host, ep_.port);
    } else {
      tcp::resolver resolver(io_);
      ec = run(
          [&](auto handler) {
            resolver.async_resolve(ep_.host, ep_.port,
                                   [&, handler](beast::error_code e, tcp::resolver::results_type r) {
                                     endpoints = std::move(r);
                                     handler(e);
                                   });
          },
          [&] { resolver.cancel(); }, timeout);
      if (ec) return fail("resolve", ec, false);
    }

    ec = run(
        [&](auto handler) {
          beast::get_lowest_layer(stream_).async_connect(
              endpoints, [handler](beast::error_code e, auto&&) { handler(e); });
        },
        [&] { beast::get_lowest_layer(stream_).cancel(); }, timeout);
    if (ec) return fail("connect", ec, false);
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true));

    SSL* ssl = stream_.native_handle();
    if (!isIpAddress(ep_.tlsName)) {
      // SNI carries DNS names only (RFC 6066).
      SSL_set_tlsext_host_name(ssl, ep_.tlsName.c_str());
      SSL_set1_host(ssl, ep_.tlsName.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ep_.tlsName.c_str());
    }
    ec = run([&](auto handler) { stream_.async_handshake(asio::ssl::stream_base::client, handler); },
             [&] { beast::get_lowest_layer(stream_).cancel(); }, timeout);
    if (ec) {
      if (aborted_ || timedOut_) return fail("handshake", ec, false);
      return Error::transport(
          "handshake", "TLS handshake with " + ep_.display + " failed: " + sslErrorText(ec, ssl), false);
    }
    return {};
  }

  Result<void> write(bhttp::request<bhttp::string_body>& req, std::chrono::milliseconds timeout) {
    auto ec = run(
        [&](auto handler) {
          bhttp::async_write(stream_, req, [handler](beast::error_code e, std::size_t) { handler(e); });
        },
        [&] { beast::get_lowest_layer(stream_).cancel(); }, timeout);
    if (ec) return fail("write", ec, true);
    return {};
  }

  template <class Parser>
  beast::error_code readHeader(Parser& parser, std::chrono::milliseconds timeout) {
    return run(
        [&](auto handler) {
          bhttp::async_read_header(stream_, buffer_, parser,
                                   [handler](beast::error_code e, std::size_t) { handler(e); });
        },
        [&] { beast::get_lowest_layer(stream_).cancel(); }, timeout);
  }

  template <class Parser>
  beast::error_code read(Parser& parser, std::chrono::milliseconds timeout) {
    return run(
        [&](auto handler) {
          bhttp::async_read(stream_, buffer_, parser,
                            [handler](beast::error_code e, std::size_t) { handler(e); });
        },
        [&] { beast::get_lowest_layer(stream_).cancel(); }, timeout);
  }

  template <class Parser>
  beast::error_code readSome(Parser& parser, std::chrono::milliseconds timeout) {
    return run(
        [&](auto handler) {
          bhttp::async_read_some(stream_, buffer_, parser,
                                 [handler](beast::error_code e, std::size_t) { handler(e); });
        },
        [&] { beast::get_lowest_layer(stream_).cancel(); }, timeout);
  }

  // A transport error for a failed step, telling apart timeouts and cancellation.
  Error fail(const std::string& step, const beast::error_code& ec, bool requestSent) {
    if (aborted_) return Error::cancelled(step + " with " + ep_.display + " cancelled");
    if (timedOut_) return Error::transport(step, step + " with " + ep_.display + " timed out", requestSent);
    return Error::transport(step, step + " with " + ep_.display + ": " + ec.message(), requestSent);
  }

  bool aborted() const { return aborted_; }

  // An idle pooled connection the server has closed (or sent something on) is readable; it
  // must not be reused.
  bool looksAlive() {
    if (buffer_.size() != 0) return false;
    auto& sock = beast::get_lowest_layer(stream_).socket();
    if (!sock.is_open()) return false;
    pollfd p{sock.native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  bool reused = false;

 private:
  // Runs one async step to completion with a deadline. `start(handler)` begins the operation
  // and must eventually call handler(error_code); `abort` cancels it.
  template <class Start, class Abort>
  beast::error_code run(Start&& start, Abort&& abort, std::chrono::milliseconds timeout) {
    io_.restart();
    bool done = false;
    beast::error_code result;
    timedOut_ = false;
    if (aborted_) return asio::error::operation_aborted;
    asio::steady_timer timer(io_);
    abortCurrent_ = [&] { abort(); };
    start([&](beast::error_code e) {
      done = true;
      result = e;
      timer.cancel();
    });
    timer.expires_after(timeout);
    timer.async_wait([&](beast::error_code e) {
      if (!e && !done) {
        timedOut_ = true;
        abort();
      }
    });
    io_.run();
    abortCurrent_ = nullptr;
    if (aborted_ && !result) result = asio::error::operation_aborted;
    return result;
  }

  const Endpoint& ep_;
  asio::io_context io_{1};
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  // Touched only on the thread running io_ (the user of the connection).
  bool timedOut_ = false;
  bool aborted_ = false;
  std::function<void()> abortCurrent_;
};

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view v) {
  if (v.empty()) return std::nullopt;
  long n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;  // HTTP-date form: not used by kube-apiserver
    n = n * 10 + (c - '0');
    if (n > 86400) break;
  }
  return std::chrono::seconds(n);
}

}  // namespace

struct Transport::Impl {
  Config config;
  Endpoint ep;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  int maxIdle = 8;
  std::mutex mu;  // guards idle, active and closed
  std::vector<std::unique_ptr<Connection>> idle;
  std::vector<Connection*> active;  // connections in use, so shutdown can abort them
  bool closed = false;
  std::atomic<std::uint64_t> opened{0};

  // A connection for one exchange: an idle one that still looks alive, else a new one.
  Result<std::unique_ptr<Connection>> acquire(bool allowReuse, const CancelToken& cancel) {
    {
      std::lock_guard lock(mu);
      if (closed) return Error::cancelled("client is shut down");
      while (allowReuse && !idle.empty()) {
        auto c = std::move(idle.back());
        idle.pop_back();
        if (c->looksAlive()) {
          c->reused = true;
          active.push_back(c.get());
          return c;
        }
      }
    }
    auto c = std::make_unique<Connection>(ssl, ep);
    ++opened;
    {
      std::lock_guard lock(mu);
      if (closed) return Error::cancelled("client is shut down");
      active.push_back(c.get());
    }
    auto id = cancel.addCallback([conn = c.get()] { conn->abortFromAnyThread(); });
    auto ready = c->open(config.connectTimeout);
    cancel.removeCallback(id);
    if (!ready) {
      release(std::move(c), false);
      return ready.error();
    }
    return c;
  }

  // Returns a connection to the pool when it can carry another request, else closes it.
  void release(std::unique_ptr<Connection> c, bool reusable) {
    std::lock_guard lock(mu);
    std::erase(active, c.get());
    if (reusable && !closed && !c->aborted() && static_cast<int>(idle.size()) < maxIdle)
      idle.push_back(std::move(c));
  }

  bhttp::request<bhttp::string_body> build(const Request& r) {
    bhttp::request<bhttp::string_body> req;
    req.method_string(r.method);
    req.target(ep.pathPrefix + r.target);
    req.version(11);
    req.set(bhttp::field::host, ep.host.find(':') != std::string::npos ? "[" + ep.host + "]:" + ep.port
                                                                       : ep.host + ":" + ep.port);
    req.set(bhttp::field::user_agent, config.userAgent);
    req.set(bhttp::field::accept, r.accept);
    if (!r.authorization.empty()) req.set(bhttp::field::authorization, r.authorization);
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT" || r.method == "PATCH") {
      req.set(bhttp::field::content_type, r.contentType);
      req.body() = r.body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    return req;
  }
};

Result<std::unique_ptr<Transport>> Transport::create(const Config& config, int maxIdleConnections) {
  auto ep = parseServer(config.server, config.tlsServerName);
  if (!ep) return ep.error();
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->ep = *ep;
  impl->maxIdle = std::max(0, maxIdleConnections);
  boost::system::error_code ec;
  // An idle TLS connection (every watch between events, every pooled one) would keep its
  // ~34 KiB of read and write buffers; released, they are allocated again per record.
  SSL_CTX_set_mode(impl->ssl.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  impl->ssl.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
  if (config.insecureSkipTLSVerify) {
    spdlog::warn(
        "INSECURE: TLS certificate verification of {} is off (insecure-skip-tls-verify in {}): "
        "anyone on the network path can impersonate the API server and read the credentials sent to it",
        config.server, config.source);
    impl->ssl.set_verify_mode(asio::ssl::verify_none);
  } else {
    impl->ssl.set_verify_mode(asio::ssl::verify_peer);
    if (!config.caPEM.empty()) {
      impl->ssl.add_certificate_authority(asio::buffer(config.caPEM), ec);
      if (ec) return Error::config(config.source + ": cannot load the CA certificate: " + ec.message());
    } else {
      impl->ssl.set_default_verify_paths(ec);
      if (ec) return Error::config(config.source + ": cannot load the system trust store: " + ec.message());
    }
  }
  if (!config.clientCertPEM.empty()) {
    impl->ssl.use_certificate_chain(asio::buffer(config.clientCertPEM), ec);
    if (ec) return Error::config(config.source + ": cannot load the client certificate: " + ec.message());
    impl->ssl.use_private_key(asio::buffer(config.clientKeyPEM), asio::ssl::context::pem, ec);
    if (ec) return Error::config(config.source + ": cannot load the client key: " + ec.message());
  }
  return std::unique_ptr<Transport>(new Transport(std::move(impl)));
}

Transport::Transport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Transport::~Transport() {
  shutdown();
}

const Endpoint& Transport::endpoint() const {
  return impl_->ep;
}

std::uint64_t Transport::connectionsOpened() const {
  return impl_->opened.load();
}

void Transport::shutdown() {
  std::lock_guard lock(impl_->mu);
  impl_->closed = true;
  impl_->idle.clear();
  for (auto* c : impl_->active) c->abortFromAnyThread();
}

namespace {

// One exchange's hold on a connection: keeps the cancel callback registered and gives the
// connection back (or closes it) when the exchange ends, also when a handler throws.
class Lease {
 public:
  Lease(Transport::Impl& impl, std::unique_ptr<Connection> c, const CancelToken& cancel)
      : impl_(impl), conn_(std::move(c)), cancel_(cancel) {
    id_ = cancel_.addCallback([conn = conn_.get()] { conn->abortFromAnyThread(); });
  }
  ~Lease() {
    cancel_.removeCallback(id_);
    // After a cancel, an abort may still be queued on the connection's io_context.
    if (cancel_.cancelled()) reusable_ = false;
    impl_.release(std::move(conn_), reusable_);
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  Connection& operator*() { return *conn_; }
  Connection* operator->() { return conn_.get(); }
  void reusable(bool r) { reusable_ = r; }

 private:
  Transport::Impl& impl_;
  std::unique_ptr<Connection> conn_;
  CancelToken cancel_;
  std::uint64_t id_ = 0;
  bool reusable_ = false;
};

}  // namespace

Result<Response> Transport::roundTrip(const Request& request, const CancelToken& cancel) {
  if (cancel.cancelled())
    return Error::cancelled("cancelled before " + request.method + " " + request.target);
  auto conn = impl_->acquire(true, cancel);
  if (!conn) return conn.error();
  Lease c(*impl_, std::move(*conn), cancel);
  auto req = impl_->build(request);
  if (auto w = c->write(req, impl_->config.requestTimeout); !w) {
    // A reused connection the server closed while idle fails here before the request could
    // have been processed.
    if (c->reused && w.error().kind == ErrorKind::Transport) w.error().requestSent = false;
    return w.error();
  }
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (auto ec = c->read(parser, impl_->config.requestTimeout)) {
    // Like Go's net/http: EOF before any response byte on a reused connection means the
    // server closed it as idle, so the request was not processed.
    bool notProcessed = c->reused && !parser.got_some() && ec == bhttp::error::end_of_stream;
    return c->fail("read", ec, !notProcessed);
  }
  auto& res = parser.get();
  Response r;
  r.status = res.result_int();
  r.body = std::move(res.body());
  r.contentType = std::string(res[bhttp::field::content_type]);
  r.retryAfter = parseRetryAfter(res[bhttp::field::retry_after]);
  c.reusable(res.keep_alive());
  return r;
}

Result<Response> Transport::stream(const Request& request, const CancelToken& cancel,
                                   std::chrono::milliseconds idleTimeout,
                                   const std::function<void(int status)>& onHeaders,
                                   const DataHandler& onData) {
  if (cancel.cancelled())
    return Error::cancelled("cancelled before " + request.method + " " + request.target);
  auto conn = impl_->acquire(false, cancel);
  if (!conn) return conn.error();
  Lease c(*impl_, std::move(*conn), cancel);
  auto req = impl_->build(request);
  if (auto w = c->write(req, impl_->config.requestTimeout); !w) return w.error();

  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  // kube-apiserver sends a watch's headers together with its first event, so waiting for them
  // is bounded by the idle timeout, not the request timeout.
  if (auto ec = c->readHeader(parser, std::max(idleTimeout, impl_->config.requestTimeout)))
    return c->fail("read", ec, true);
  Response r;
  r.status = parser.get().result_int();
  r.contentType = std::string(parser.get()[bhttp::field::content_type]);
  r.retryAfter = parseRetryAfter(parser.get()[bhttp::field::retry_after]);
  const bool success = r.status >= 200 && r.status < 300;
  if (success && onHeaders) onHeaders(r.status);

  char buf[16 * 1024];
  while (!parser.is_done()) {
    parser.get().body().data = buf;
    parser.get().body().size = sizeof buf;
    auto ec = c->readSome(parser, success ? idleTimeout : impl_->config.requestTimeout);
    if (ec == bhttp::error::need_buffer) ec = {};
    std::size_t n = sizeof buf - parser.get().body().size;
    if (n > 0) {
      if (success) {
        if (!onData(std::string_view(buf, n))) return r;
      } else if (r.body.size() < 64 * 1024) {
        r.body.append(buf, n);
      }
    }
    if (ec) {
      if (ec == bhttp::error::end_of_stream && !success) break;
      return c->fail("read", ec, true);
    }
  }
  return r;
}

}  // namespace iop::kube::http
