// Cancellation tokens are shared by copies and wake sleepers.
#include "kube/cancel.h"

#include <catch2/catch.hpp>
#include <thread>

#include "kube/http_transport.h"
#include "kube/resource.h"

using namespace iop::kube;
using namespace std::chrono_literals;

TEST_CASE("cancel on a copy is seen by all copies and runs callbacks once", "[kube][cancel]") {
  CancelToken a;
  CancelToken b = a;
  int runs = 0;
  auto id = a.addCallback([&] { ++runs; });
  CHECK_FALSE(b.cancelled());
  b.cancel();
  b.cancel();
  CHECK(a.cancelled());
  CHECK(runs == 1);
  a.removeCallback(id);
  // Registering on a cancelled token runs the callback at once.
  a.addCallback([&] { ++runs; });
  CHECK(runs == 2);
}

TEST_CASE("a removed callback does not run", "[kube][cancel]") {
  CancelToken t;
  bool ran = false;
  auto id = t.addCallback([&] { ran = true; });
  t.removeCallback(id);
  t.cancel();
  CHECK_FALSE(ran);
}

TEST_CASE("sleepFor wakes early when cancelled from another thread", "[kube][cancel]") {
  CancelToken t;
  auto start = std::chrono::steady_clock::now();
  std::thread canceller([t] {
    std::this_thread::sleep_for(50ms);
    t.cancel();
  });
  CHECK_FALSE(sleepFor(1h, t));
  canceller.join();
  CHECK(std::chrono::steady_clock::now() - start < 10s);
  CancelToken fresh;
  CHECK(sleepFor(1ms, fresh));
}

TEST_CASE("server URLs are split into host, port, prefix and TLS name", "[kube][http]") {
  auto ep = http::parseServer("https://10.0.0.1:6443/prefix/", "");
  REQUIRE(ep.ok());
  CHECK(ep->host == "10.0.0.1");
  CHECK(ep->port == "6443");
  CHECK(ep->pathPrefix == "/prefix");
  CHECK(ep->tlsName == "10.0.0.1");
  auto v6 = http::parseServer("https://[fd00::1]", "kubernetes.default.svc");
  REQUIRE(v6.ok());
  CHECK(v6->host == "fd00::1");
  CHECK(v6->port == "443");
  CHECK(v6->tlsName == "kubernetes.default.svc");
  CHECK_FALSE(http::parseServer("http://insecure:8080", "").ok());
  CHECK_FALSE(http::parseServer("https://host:12x", "").ok());
}

TEST_CASE("kinds split their apiVersion", "[kube][resource]") {
  auto d = GroupVersionKind::fromApiVersion("apps/v1", "Deployment");
  CHECK(d.group == "apps");
  CHECK(d.version == "v1");
  CHECK(d.apiVersion() == "apps/v1");
  auto p = GroupVersionKind::fromObject({{"apiVersion", "v1"}, {"kind", "Pod"}});
  CHECK(p.group.empty());
  CHECK(p.apiVersion() == "v1");
  CHECK(p.describe() == "v1, Kind=Pod");
}
