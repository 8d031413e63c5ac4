// A call's cancel token also cuts short the discovery lookup the call needs first, against an
// API server that accepts connections and never answers (stopped or hung): an informer told to
// stop while its first LIST waits on discovery must not wait out the connect deadline and the
// retries.
#include <catch2/catch.hpp>
#include <thread>

#include "kube/client.h"
#include "test/support/silent_server.h"

using namespace iop::kube;
using namespace std::chrono_literals;

TEST_CASE("a LIST cancelled while discovery hangs on a silent server returns Cancelled promptly",
          "[kube][cancel]") {
  iop::test::SilentServer silent;  // the TLS handshake hangs
  Config config;
  config.server = silent.url();
  config.insecureSkipTLSVerify = true;
  config.connectTimeout = 10s;
  auto client = Client::create(config);
  REQUIRE(client.ok());

  CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    cancel.cancel();
  });
  auto began = std::chrono::steady_clock::now();
  auto listed = (*client)->list(GroupVersionKind{"apps", "v1", "Deployment"}, "ns", {.cancel = cancel});
  auto took = std::chrono::steady_clock::now() - began;
  canceller.join();
  REQUIRE_FALSE(listed.ok());
  INFO(listed.error().describe());
  CHECK(isCancelled(listed.error()));
  CHECK(took < 3s);  // the connect deadline alone is 10 s
}
