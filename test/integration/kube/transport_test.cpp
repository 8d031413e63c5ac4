// The HTTPS transport under the client: keep-alive reuse and use from several threads.
#include <thread>

#include "kube/http_transport.h"
#include "test/integration/kube/kube_test_support.h"

using namespace iop::kube;
using namespace iop::kube::testing;

TEST_CASE("sequential requests reuse one keep-alive connection", "[kube][http]") {
  auto transport = http::Transport::create(adminConfig(), 4);
  REQUIRE(transport.ok());
  CancelToken none;
  for (int i = 0; i < 10; ++i) {
    auto r = (*transport)->roundTrip({.method = "GET", .target = "/api/v1/namespaces/default"}, none);
    INFO((r ? "" : r.error().describe()));
    REQUIRE(r.ok());
    CHECK(r->status == 200);
  }
  CHECK((*transport)->connectionsOpened() == 1);
  auto missing = (*transport)->roundTrip({.method = "GET", .target = "/api/v1/namespaces/no-such-ns"}, none);
  REQUIRE(missing.ok());  // the transport reports statuses; the client turns them into errors
  CHECK(missing->status == 404);
  CHECK((*transport)->connectionsOpened() == 1);
}

TEST_CASE("a client is safe to use from several threads at once", "[kube][http]") {
  auto client = adminClient();
  TestNamespace ns(*client, "kube-threads");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto name = "cm-" + std::to_string(t) + "-" + std::to_string(i);
        if (!client->create(kConfigMap, ns.name(), configMap(ns.name(), name, {{"t", std::to_string(t)}})))
          ++failures;
        if (!client->get(kConfigMap, ns.name(), name)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  auto all = client->listAll(kConfigMap, ns.name(), {.labelSelector = "", .limit = 25});
  REQUIRE(all.ok());
  CHECK((*all)["items"].size() >= 60);
  auto counts = client->requestCounts();
  CHECK(counts[{"POST", 201}] == 61);  // the namespace and 60 ConfigMaps
}
