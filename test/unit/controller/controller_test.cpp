// The worker loop: one queue operation per reconcile outcome, exceptions contained,
// concurrency bounded and never two reconciles of one key at once.
#include "controller/controller.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "controller/exponential_rate_limiter.h"
#include "controller/logging.h"

using namespace iop::controller;
using namespace std::chrono_literals;

namespace {

// Runs a scripted function per call and counts calls per key.
class ScriptedReconciler : public Reconciler {
 public:
  explicit ScriptedReconciler(std::function<Result(const Request&, int call)> script)
      : script_(std::move(script)) {}
  Result reconcile(const Request& r) override {
    int n;
    {
      std::lock_guard lock(mu_);
      n = ++calls_[r.key()];
    }
    return script_(r, n);
  }
  int calls(const std::string& key) {
    std::lock_guard lock(mu_);
    return calls_[key];
  }

 private:
  std::function<Result(const Request&, int)> script_;
  std::mutex mu_;
  std::map<std::string, int> calls_;
};

// Runs a controller on a thread for the duration of a test.
class Running {
 public:
  explicit Running(Controller& c) : thread_([&c](std::stop_token st) { c.start(st); }) {}

 private:
  std::jthread thread_;
};

// Polls cond (which may advance a fake clock) for up to 10 s of real time.
bool eventually(const std::function<bool()>& cond) {
  auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return cond();
}

double value(prometheus::Counter* c) {
  return c->Value();
}

}  // namespace

TEST_CASE("a successful reconcile is not repeated and is counted as success", "[controller]") {
  Metrics metrics;
  ScriptedReconciler r([](const Request&, int) { return Result::done(); });
  Controller c(ControllerOptions{"ok", 2, &realClock(), nullptr, &metrics}, r);
  c.enqueue({"ns", "a"});
  c.enqueue({"ns", "a"});  // dedup before any worker runs
  Running run(c);
  REQUIRE(eventually([&] { return r.calls("ns/a") == 1; }));
  std::this_thread::sleep_for(30ms);
  CHECK(r.calls("ns/a") == 1);
  auto m = metrics.forController("ok");
  CHECK(value(m.success) == 1);
  CHECK(value(m.errors) == 0);
  CHECK(m.maxConcurrent->Value() == 2);
}

TEST_CASE("a transient error is retried with per-key backoff until it succeeds", "[controller]") {
  FakeClock clock;
  Metrics metrics;
  ScriptedReconciler r(
      [](const Request&, int call) { return call <= 3 ? Result::error("not yet") : Result::done(); });
  Controller c(
      ControllerOptions{"retry", 1, &clock, std::make_unique<ExponentialRateLimiter>(1s, 100s), &metrics}, r);
  c.enqueue({"ns", "a"});
  Running run(c);
  REQUIRE(eventually([&] { return r.calls("ns/a") == 1; }));
  std::this_thread::sleep_for(30ms);
  CHECK(r.calls("ns/a") == 1);  // waits for its 1 s backoff
  // The fake clock may only move once the key is parked in the delaying queue: a key re-added
  // after the advance would wait from the new "now".
  REQUIRE(eventually([&] { return c.queue().waiting() == 1; }));
  clock.advance(1s);
  REQUIRE(eventually([&] { return r.calls("ns/a") == 2; }));
  REQUIRE(eventually([&] { return c.queue().waiting() == 1; }));
  clock.advance(1s);  // the second backoff is 2 s
  std::this_thread::sleep_for(30ms);
  CHECK(r.calls("ns/a") == 2);
  clock.advance(1s);
  REQUIRE(eventually([&] { return r.calls("ns/a") == 3; }));
  REQUIRE(eventually([&] { return c.queue().waiting() == 1; }));
  clock.advance(4s);
  REQUIRE(eventually([&] { return r.calls("ns/a") == 4; }));
  REQUIRE(eventually([&] { return c.queue().numRequeues("ns/a") == 0; }));  // success forgot the backoff

  auto m = metrics.forController("retry");
  CHECK(value(m.error) == 3);
  CHECK(value(m.errors) == 3);
  CHECK(value(m.success) == 1);
  CHECK(metrics.forQueue("retry").retries->Value() == 3);
}

TEST_CASE("an exception thrown by a reconcile is counted as an error and backed off", "[controller]") {
  FakeClock clock;
  Metrics metrics;
  ScriptedReconciler r([](const Request&, int call) -> Result {
    if (call == 1) throw std::runtime_error("boom");
    if (call == 2) throw 42;
    return Result::done();
  });
  Controller c(
      ControllerOptions{"throws", 1, &clock, std::make_unique<ExponentialRateLimiter>(1s, 100s), &metrics},
      r);
  c.enqueue({"", "cluster-scoped"});
  Running run(c);
  REQUIRE(eventually([&] { return r.calls("cluster-scoped") == 1; }));
  REQUIRE(eventually([&] { return c.queue().waiting() == 1; }));
  clock.advance(1s);
  REQUIRE(eventually([&] { return r.calls("cluster-scoped") == 2; }));
  REQUIRE(eventually([&] { return c.queue().waiting() == 1; }));
  clock.advance(2s);
  REQUIRE(eventually([&] { return r.calls("cluster-scoped") == 3; }));
  REQUIRE(eventually([&] { return value(metrics.forController("throws").success) == 1; }));
  CHECK(value(metrics.forController("throws").errors) == 2);
}

TEST_CASE("a terminal error is not retried", "[controller]") {
  FakeClock clock;
  Metrics metrics;
  ScriptedReconciler r([](const Request&, int) { return Result::terminal("spec.x is invalid"); });
  Controller c(ControllerOptions{"terminal", 1, &clock, nullptr, &metrics}, r);
  c.enqueue({"ns", "bad"});
  Running run(c);
  REQUIRE(eventually([&] { return r.calls("ns/bad") == 1; }));
  clock.advance(2000s);
  std::this_thread::sleep_for(30ms);
  CHECK(r.calls("ns/bad") == 1);
  CHECK(c.queue().numRequeues("ns/bad") == 0);
  CHECK(value(metrics.forController("terminal").errors) == 1);
}

TEST_CASE("requeue-after reconciles the key again after the given time", "[controller]") {
  FakeClock clock;
  Metrics metrics;
  ScriptedReconciler r([](const Request&, int) { return Result::requeueAfter(30s); });
  Controller c(ControllerOptions{"periodic", 1, &clock, nullptr, &metrics}, r);
  c.enqueue({"ns", "p"});
  Running run(c);
  REQUIRE(eventually([&] { return r.calls("ns/p") == 1; }));
  REQUIRE(eventually([&] { return c.queue().waiting() == 1; }));
  clock.advance(29s);
  std::this_thread::sleep_for(30ms);
  CHECK(r.calls("ns/p") == 1);
  clock.advance(1s);
  REQUIRE(eventually([&] { return r.calls("ns/p") == 2; }));
  CHECK(value(metrics.forController("periodic").requeueAfter) >= 1);
}

TEST_CASE("workers run up to N reconciles at once and never two for one key", "[controller][property]") {
  std::atomic<int> active{0}, maxActive{0}, sameKeyOverlaps{0};
  std::mutex mu;
  std::set<std::string> inFlight;
  Controller* self = nullptr;
  ScriptedReconciler r([&](const Request& req, int call) {
    {
      std::lock_guard lock(mu);
      if (!inFlight.insert(req.key()).second) ++sameKeyOverlaps;
    }
    int now = ++active;
    int prev = maxActive.load();
    while (now > prev && !maxActive.compare_exchange_weak(prev, now)) {
    }
    if (call == 1) self->enqueue(req);  // re-added while processing: must run again, after
    std::this_thread::sleep_for(5ms);
    --active;
    {
      std::lock_guard lock(mu);
      inFlight.erase(req.key());
    }
    return Result::done();
  });
  Controller c(ControllerOptions{"parallel", 4, &realClock(), nullptr, nullptr}, r);
  self = &c;
  for (int i = 0; i < 40; ++i) c.enqueue({"ns", "k" + std::to_string(i % 10)});
  Running run(c);
  REQUIRE(eventually([&] {
    for (int i = 0; i < 10; ++i)
      if (r.calls("ns/k" + std::to_string(i)) < 2) return false;
    return true;
  }));
  CHECK(maxActive == 4);
  CHECK(sameKeyOverlaps == 0);
}

TEST_CASE("a controller starts once, and stopping waits for the reconcile in flight", "[controller]") {
  std::atomic<bool> inReconcile{false}, finished{false};
  ScriptedReconciler r([&](const Request&, int) {
    inReconcile = true;
    std::this_thread::sleep_for(50ms);
    finished = true;
    return Result::done();
  });
  Controller c(ControllerOptions{"once", 1, &realClock(), nullptr, nullptr}, r);
  c.enqueue({"ns", "slow"});
  std::stop_source stop;
  std::optional<std::string> firstResult = "not returned";
  std::thread t([&] { firstResult = c.start(stop.get_token()); });
  REQUIRE(eventually([&] { return inReconcile.load(); }));
  auto second = c.start(stop.get_token());
  REQUIRE(second.has_value());
  CHECK(second->find("start called twice") != std::string::npos);
  stop.request_stop();
  t.join();
  CHECK(finished);
  CHECK_FALSE(firstResult.has_value());
}

TEST_CASE("every log line of a reconcile carries the controller and the key", "[controller][logging]") {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_formatter(makeLogFormatter(LogFormat::Json));
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("", sink));

  ScriptedReconciler r([](const Request&, int call) {
    spdlog::info("from the reconciler");
    return call == 1 ? Result::error("try again") : Result::done();
  });
  {
    Controller c(ControllerOptions{"logs", 1, &realClock(), std::make_unique<ExponentialRateLimiter>(1ms, 1s),
                                   nullptr},
                 r);
    c.enqueue({"team-a", "web"});
    Running run(c);
    REQUIRE(eventually([&] { return r.calls("team-a/web") == 2; }));
  }
  spdlog::set_default_logger(previous);

  std::istringstream lines(out.str());
  std::string line;
  int reconcileLines = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    if (j.value("msg", "").find("workers") != std::string::npos) continue;  // start/stop lines
    INFO(line);
    CHECK(j.value("controller", "") == "logs");
    CHECK(j.value("key", "") == "team-a/web");
    ++reconcileLines;
  }
  CHECK(reconcileLines >= 3);  // two from the reconciler, one for the error
}
