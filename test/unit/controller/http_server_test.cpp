// The health and metrics HTTP endpoints, over a real socket on loopback.
#include "controller/http_server.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "controller/health.h"
#include "controller/metrics.h"
#include "test/support/http_get.h"

using namespace iop::controller;
using iop::test::httpGet;

TEST_CASE("the HTTP server answers its routes, 404 elsewhere, and reports its bound port", "[http]") {
  HttpServer server;
  server.handle("/hello", [](const std::string& query) {
    return HttpResponse{200, "text/plain", "hi " + query};
  });
  server.handle("/fail", [](const std::string&) -> HttpResponse { throw std::runtime_error("broken"); });
  REQUIRE_FALSE(server.listen("127.0.0.1:0").has_value());
  REQUIRE(server.port() != 0);
  std::jthread serving([&](std::stop_token st) { server.serve(st); });

  auto hello = httpGet(server.port(), "/hello?x=1");
  CHECK(hello.status == 200);
  CHECK(hello.body == "hi x=1");
  CHECK(httpGet(server.port(), "/nope").status == 404);
  auto fail = httpGet(server.port(), "/fail");
  CHECK(fail.status == 500);
  CHECK(fail.body.find("broken") != std::string::npos);

  serving.request_stop();
  serving.join();
  CHECK(httpGet(server.port(), "/hello").status == 0);  // no longer listening
}

TEST_CASE("listen reports a bad or busy address as an error naming it", "[http]") {
  HttpServer a;
  auto parse = a.listen("no-port-here");
  REQUIRE(parse.has_value());
  CHECK(parse->find("no-port-here") != std::string::npos);

  HttpServer first, second;
  REQUIRE_FALSE(first.listen("127.0.0.1:0").has_value());
  auto busy = second.listen("127.0.0.1:" + std::to_string(first.port()));
  REQUIRE(busy.has_value());
  CHECK(busy->find("bind") != std::string::npos);
}

TEST_CASE("health checks answer ok only while every named check passes", "[http][health]") {
  HealthChecks checks;
  std::atomic<bool> synced{false};
  checks.add("ping", [] { return std::nullopt; });
  checks.add("informers-synced", [&]() -> std::optional<std::string> {
    if (!synced) return "caches not synced";
    return std::nullopt;
  });
  auto notReady = checks.serve("");
  CHECK(notReady.status == 500);
  CHECK(notReady.body.find("[-]informers-synced failed: caches not synced") != std::string::npos);
  CHECK(notReady.body.find("[+]ping ok") != std::string::npos);
  synced = true;
  auto ready = checks.serve("");
  CHECK(ready.status == 200);
  CHECK(ready.body == "ok");
  CHECK(checks.serve("verbose").body.find("[+]informers-synced ok") != std::string::npos);
}

TEST_CASE("metrics are served in the prometheus text format with the Go operators' names",
          "[http][metrics]") {
  Metrics metrics;
  metrics.forController("demo").success->Increment();
  metrics.forQueue("demo").adds->Increment(3);
  metrics.leaderStatus("demo-lease").Set(1);
  auto text = metrics.serialize();
  CHECK(text.find("controller_runtime_reconcile_total{controller=\"demo\",result=\"success\"} 1") !=
        std::string::npos);
  CHECK(text.find("workqueue_adds_total{name=\"demo\"} 3") != std::string::npos);
  CHECK(text.find("leader_election_master_status{name=\"demo-lease\"} 1") != std::string::npos);
  for (auto name :
       {"controller_runtime_reconcile_errors_total", "controller_runtime_reconcile_time_seconds_bucket",
        "controller_runtime_max_concurrent_reconciles", "controller_runtime_active_workers",
        "workqueue_depth", "workqueue_retries_total", "workqueue_queue_duration_seconds_bucket",
        "workqueue_work_duration_seconds_bucket"}) {
    INFO(name);
    CHECK(text.find(name) != std::string::npos);
  }
}
