// The manager's endpoints with real informers: /readyz follows cache sync, /healthz and
// /metrics answer as specified.
#include "controller/manager.h"

#include <catch2/catch.hpp>
#include <thread>

#include "test/integration/kube/kube_test_support.h"
#include "test/support/http_get.h"

using namespace iop::controller;
using namespace iop::kube::testing;
using iop::test::httpGet;

namespace {
ManagerOptions optionsFor(iop::kube::Client& client) {
  ManagerOptions o;
  o.client = &client;
  o.metricsAddress = "127.0.0.1:0";
  o.healthAddress = "127.0.0.1:0";
  o.handleSignals = false;
  return o;
}
}  // namespace

TEST_CASE("a manager is ready once its informers synced and its metrics include the API requests",
          "[manager]") {
  auto client = adminClient();
  TestNamespace ns(*client, "mgr-ready");
  auto cm = configMap(ns.name(), "a", {{"k", "v"}});
  cm["metadata"]["labels"] = {{"app", "mgr"}};
  REQUIRE(client->create(kConfigMap, ns.name(), cm));
  Manager m(optionsFor(*client));
  auto& inf = m.informers().informer(kConfigMap, ns.name(), "app=mgr");
  std::optional<std::string> result = "not returned";
  std::thread runner([&] { result = m.start(); });
  REQUIRE(m.waitUntilServing(std::chrono::seconds(10)));

  REQUIRE(eventually([&] { return httpGet(m.healthPort(), "/readyz").status == 200; }));
  CHECK(inf.hasSynced());
  CHECK(inf.size() == 1);
  CHECK(httpGet(m.healthPort(), "/healthz").body == "ok");
  auto verbose = httpGet(m.healthPort(), "/readyz?verbose");
  CHECK(verbose.body.find("[+]informers-synced ok") != std::string::npos);
  auto metrics = httpGet(m.metricsPort(), "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("rest_client_requests_total{code=\"200\",method=\"GET\"}") != std::string::npos);
  // The informer is synced once its LIST answered; its WATCH is opened right after, so it is
  // counted a moment later.
  CHECK(eventually([&] {
    return httpGet(m.metricsPort(), "/metrics")
               .body.find("rest_client_requests_total{code=\"200\",method=\"WATCH\"}") != std::string::npos;
  }));

  m.stop();
  runner.join();
  CHECK_FALSE(result.has_value());
}

TEST_CASE("a manager whose informers cannot sync is not ready, stays healthy, and gives up after the timeout",
          "[manager]") {
  auto client = adminClient();
  auto o = optionsFor(*client);
  o.cacheSyncTimeout = std::chrono::seconds(3);
  Manager m(std::move(o));
  // A kind the server does not serve: the list fails with NoKindMatch every time.
  m.informers().informer(iop::kube::GroupVersionKind{"example.invalid", "v1", "Missing"});
  std::optional<std::string> result;
  std::thread runner([&] { result = m.start(); });
  REQUIRE(m.waitUntilServing(std::chrono::seconds(10)));
  auto readyz = httpGet(m.healthPort(), "/readyz");
  CHECK(readyz.status == 500);
  CHECK(readyz.body.find("[-]informers-synced failed: not synced yet: example.invalid/v1, Kind=Missing") !=
        std::string::npos);
  CHECK(httpGet(m.healthPort(), "/healthz").status == 200);
  runner.join();
  REQUIRE(result.has_value());
  CHECK(result->find("caches did not sync within 3 s") != std::string::npos);
}
