#pragma once

// A TCP server that listens on a loopback port and never accepts: the kernel completes the
// TCP handshake, then nothing answers, as with a stopped (SIGSTOP) or hung API server. For
// tests of deadlines and cancellation. Closes at scope exit. Not thread-safe.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace iop::test {

class SilentServer {
 public:
  SilentServer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {}
  // "https://127.0.0.1:PORT", for a kube::Config's server.
  std::string url() const { return "https://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace iop::test
