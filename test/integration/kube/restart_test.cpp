// A watch survives kube-apiserver being killed and restarted, by resuming (or relisting on
// Gone). This test starts a cluster of its own so that the restart disturbs no other test.
#include <future>
#include <set>

#include "test/integration/kube/kube_test_support.h"
#include "test/support/own_cluster.h"

using namespace iop::kube;
using namespace iop::kube::testing;
using nlohmann::json;

TEST_CASE("a watch loop survives kube-apiserver being killed and restarted", "[kube][watch][restart]") {
  iop::test::OwnCluster cluster;
  ClientOptions options;
  options.retryInitialBackoff = 50ms;
  options.retryMaxBackoff = 500ms;
  auto client = clientFor(adminConfig(cluster.kubeconfig()), options);
  TestNamespace ns(*client, "kube-restart");

  std::mutex mu;  // guards seen and ends
  std::set<std::string> seen;
  std::vector<WatchResult::End> ends;
  std::vector<std::string> errors;
  CancelToken stop;

  // What an informer does: watch, resume from the last version, relist on Gone.
  auto loop = std::async(std::launch::async, [&] {
    std::string rv;
    if (auto list = client->listAll(kConfigMap, ns.name())) {
      std::lock_guard lock(mu);
      for (const auto& item : (*list)["items"]) seen.insert(item["metadata"]["name"].get<std::string>());
      rv = (*list)["metadata"]["resourceVersion"];
    } else {
      std::lock_guard lock(mu);
      errors.push_back(list.error().describe());
    }
    while (!stop.cancelled()) {
      auto r =
          client->watch(kConfigMap, ns.name(), {.resourceVersion = rv, .timeoutSeconds = 60, .cancel = stop},
                        [&](const WatchEvent& ev) {
                          if (ev.type == WatchEvent::Type::Added) {
                            std::lock_guard lock(mu);
                            seen.insert(ev.object["metadata"]["name"].get<std::string>());
                          }
                          return WatchControl::Continue;
                        });
      {
        std::lock_guard lock(mu);
        ends.push_back(r.end);
        if (r.error) errors.push_back(r.error->describe());
      }
      switch (r.end) {
        case WatchResult::End::Gone: {
          auto relist = client->listAll(kConfigMap, ns.name());
          if (!relist) break;
          std::lock_guard lock(mu);
          for (const auto& item : (*relist)["items"])
            seen.insert(item["metadata"]["name"].get<std::string>());
          rv = (*relist)["metadata"]["resourceVersion"];
          break;
        }
        case WatchResult::End::Failed:
          rv = r.resourceVersion;
          sleepFor(200ms, stop);
          break;
        default:
          rv = r.resourceVersion;
      }
    }
  });
  // Stops the loop however the test ends (the future's destructor waits for it).
  struct StopAtExit {
    CancelToken t;
    ~StopAtExit() { t.cancel(); }
  } stopAtExit{stop};
  auto sawName = [&](const std::string& name) {
    bool ok = eventually(
        [&] {
          std::lock_guard lock(mu);
          return seen.count(name) > 0;
        },
        30s);
    std::lock_guard lock(mu);
    for (const auto& e : errors) UNSCOPED_INFO("watch error: " << e);
    UNSCOPED_INFO("watches ended: " << ends.size());
    return ok;
  };

  REQUIRE(client->create(kConfigMap, ns.name(), configMap(ns.name(), "before", {})).ok());
  REQUIRE(sawName("before"));

  auto restarted = cluster.restartApiserver(1);
  INFO(restarted.out);
  REQUIRE(restarted.exitCode == 0);

  Result<json> created = Error::invalid("not tried");
  REQUIRE(eventually([&] {
    created = client->create(kConfigMap, ns.name(), configMap(ns.name(), "after", {}));
    return created.ok() || isAlreadyExists(created.error());
  }));
  CHECK(sawName("after"));

  stop.cancel();
  REQUIRE(loop.wait_for(10s) == std::future_status::ready);
  loop.get();
  std::lock_guard lock(mu);
  // The first watch was broken by the kill; later ones resumed.
  REQUIRE(ends.size() >= 2);
  CHECK(ends.front() != WatchResult::End::Cancelled);
  CHECK(ends.back() == WatchResult::End::Cancelled);
}
