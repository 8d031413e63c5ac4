// Watches against the real kube-apiserver: event order, bookmarks, the Gone signal after etcd
// compaction, and cancellation of a watch blocked in a read.
#include <fstream>
#include <future>
#include <mutex>

#include "test/integration/kube/kube_test_support.h"
#include "test/support/own_cluster.h"

using namespace iop::kube;
using namespace iop::kube::testing;
using nlohmann::json;

namespace {

struct Seen {
  std::string type;
  std::string name;
  std::string resourceVersion;
};

// Collects events on the watching thread; read from the test thread.
struct Recorder {
  std::mutex mu;
  std::vector<Seen> events;
  void add(const WatchEvent& ev) {
    std::lock_guard lock(mu);
    events.push_back({toString(ev.type), ev.object["metadata"].value("name", ""),
                      ev.object["metadata"].value("resourceVersion", "")});
  }
  std::vector<Seen> snapshot() {
    std::lock_guard lock(mu);
    return events;
  }
};

// The version to start watching from, once the controller-manager has added kube-root-ca.crt
// (so that its ADDED event does not land in the middle of a test).
std::string listVersion(Client& client, const std::string& ns) {
  REQUIRE(eventually([&] { return client.get(kConfigMap, ns, "kube-root-ca.crt").ok(); }));
  auto list = client.list(kConfigMap, ns);
  REQUIRE(list.ok());
  return (*list)["metadata"]["resourceVersion"].get<std::string>();
}

}  // namespace

TEST_CASE("a watch delivers added, modified and deleted in order and resumes from its version",
          "[kube][watch]") {
  auto client = adminClient();
  TestNamespace ns(*client, "kube-watch");
  auto start = listVersion(*client, ns.name());

  Recorder rec;
  auto watching = std::async(std::launch::async, [&] {
    return client->watch(
        kConfigMap, ns.name(), {.resourceVersion = start, .timeoutSeconds = 60}, [&](const WatchEvent& ev) {
          if (ev.type == WatchEvent::Type::Bookmark || ev.object["metadata"]["name"] != "cm")
            return WatchControl::Continue;
          rec.add(ev);
          return ev.type == WatchEvent::Type::Deleted ? WatchControl::Stop : WatchControl::Continue;
        });
  });
  REQUIRE(client->create(kConfigMap, ns.name(), configMap(ns.name(), "cm", {{"v", "1"}})).ok());
  REQUIRE(client->mergePatch(kConfigMap, ns.name(), "cm", {{"data", {{"v", "2"}}}}).ok());
  auto deleted = client->remove(kConfigMap, ns.name(), "cm");
  REQUIRE(deleted.ok());

  REQUIRE(watching.wait_for(30s) == std::future_status::ready);
  auto result = watching.get();
  INFO((result.error ? result.error->describe() : ""));
  CHECK(result.end == WatchResult::End::Stopped);
  auto events = rec.snapshot();
  REQUIRE(events.size() == 3);
  CHECK(events[0].type == "ADDED");
  CHECK(events[1].type == "MODIFIED");
  CHECK(events[2].type == "DELETED");
  CHECK(result.resourceVersion == events[2].resourceVersion);

  // Resuming from the returned version replays nothing already seen.
  REQUIRE(client->create(kConfigMap, ns.name(), configMap(ns.name(), "next", {})).ok());
  std::vector<std::string> resumed;
  auto again =
      client->watch(kConfigMap, ns.name(), {.resourceVersion = result.resourceVersion, .timeoutSeconds = 30},
                    [&](const WatchEvent& ev) {
                      if (ev.type == WatchEvent::Type::Bookmark) return WatchControl::Continue;
                      resumed.push_back(std::string(toString(ev.type)) + " " +
                                        ev.object["metadata"]["name"].get<std::string>());
                      return WatchControl::Stop;
                    });
  CHECK(again.end == WatchResult::End::Stopped);
  CHECK(resumed == std::vector<std::string>{"ADDED next"});
}

TEST_CASE("a watch receives bookmarks and ends cleanly at its server timeout", "[kube][watch]") {
  auto client = adminClient();
  TestNamespace ns(*client, "kube-bookmark");
  auto start = listVersion(*client, ns.name());
  int bookmarks = 0;
  std::string bookmarkVersion;
  // The watch cache sends a bookmark about 2s before a watch's deadline, but only once the
  // resource has moved past the watch's starting version: a change the watch filters out
  // provides that without any ADDED event reaching the handler.
  auto other = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(500ms);
    return client->create(kConfigMap, ns.name(), configMap(ns.name(), "unwatched", {}));
  });
  auto result =
      client->watch(kConfigMap, ns.name(),
                    {.resourceVersion = start, .fieldSelector = "metadata.name=watched", .timeoutSeconds = 4},
                    [&](const WatchEvent& ev) {
                      if (ev.type == WatchEvent::Type::Bookmark) {
                        ++bookmarks;
                        bookmarkVersion = ev.object["metadata"]["resourceVersion"].get<std::string>();
                      }
                      return WatchControl::Continue;
                    });
  INFO((result.error ? result.error->describe() : ""));
  REQUIRE(other.get().ok());
  CHECK(result.end == WatchResult::End::Closed);
  CHECK(bookmarks >= 1);
  CHECK_FALSE(bookmarkVersion.empty());
  CHECK(result.resourceVersion == bookmarkVersion);
}

TEST_CASE("a watch from a resourceVersion compacted away in etcd signals Gone, and a relist recovers",
          "[kube][watch][gone]") {
  auto client = adminClient();
  TestNamespace ns(*client, "kube-gone");
  // A version the client saw once (this namespace's list) ...
  const std::string old = listVersion(*client, ns.name());

  // ... is older than everything a type created afterwards has: its watch cache starts at its
  // creation, and etcd, compacted, no longer holds the history either. (A built-in type's watch
  // cache may reach back to the first revisions on a fresh cluster, so it would not reliably
  // refuse an old version.)
  const std::string group = iop::test::uniqueName("g") + ".iop.test";
  TestWidgetCRD crd(*client, group);
  const GroupVersionKind widget{group, "v1", "Widget"};
  json w{{"apiVersion", group + "/v1"},
         {"kind", "Widget"},
         {"metadata", {{"name", "w"}, {"namespace", ns.name()}}}};
  REQUIRE(eventually([&] { return client->apply(w, {.fieldManager = "kube-test"}).ok(); }));
  for (int i = 1; i <= 3; ++i)
    REQUIRE(client->mergePatch(widget, ns.name(), "w", {{"spec", {{"i", i}}}}).ok());
  auto revision = iop::test::compactEtcd(iop::test::clusterDir());
  CHECK(revision > std::stoll(old));

  int delivered = 0;
  auto result = client->watch(widget, ns.name(), {.resourceVersion = old, .timeoutSeconds = 10},
                              [&](const WatchEvent&) {
                                ++delivered;
                                return WatchControl::Continue;
                              });
  INFO((result.error ? result.error->describe() : "no error") << ", " << delivered << " events delivered");
  CHECK(result.end == WatchResult::End::Gone);
  REQUIRE(result.error.has_value());
  CHECK(isGone(*result.error));
  CHECK(result.error->httpStatus == 410);
  CHECK(delivered == 0);
  CHECK(result.resourceVersion == old);

  // What a caller does next: relist and watch from the list's version.
  auto list = client->listAll(widget, ns.name());
  REQUIRE(list.ok());
  CHECK((*list)["items"].size() == 1);
  auto rv = (*list)["metadata"]["resourceVersion"].get<std::string>();
  auto fresh = client->watch(widget, ns.name(), {.resourceVersion = rv, .timeoutSeconds = 2},
                             [](const WatchEvent&) { return WatchControl::Continue; });
  INFO((fresh.error ? fresh.error->describe() : ""));
  CHECK(fresh.end == WatchResult::End::Closed);
}

TEST_CASE("a watch blocked in a read is cancelled promptly from another thread", "[kube][watch][cancel]") {
  auto client = adminClient();
  TestNamespace ns(*client, "kube-cancel");
  auto start = listVersion(*client, ns.name());
  WatchOptions options{.resourceVersion = start, .timeoutSeconds = 120};
  auto cancel = options.cancel;
  auto begin = std::chrono::steady_clock::now();
  auto watching = std::async(std::launch::async, [&] {
    return client->watch(kConfigMap, ns.name(), options,
                         [](const WatchEvent&) { return WatchControl::Continue; });
  });
  std::this_thread::sleep_for(500ms);
  cancel.cancel();
  REQUIRE(watching.wait_for(5s) == std::future_status::ready);
  auto result = watching.get();
  CHECK(result.end == WatchResult::End::Cancelled);
  CHECK(result.resourceVersion == start);
  CHECK(std::chrono::steady_clock::now() - begin < 5s);

  // shutdown() ends a blocked watch the same way, and later calls fail as Cancelled.
  auto second = std::async(std::launch::async, [&] {
    return client->watch(kConfigMap, ns.name(), {.resourceVersion = start, .timeoutSeconds = 120},
                         [](const WatchEvent&) { return WatchControl::Continue; });
  });
  std::this_thread::sleep_for(500ms);
  client->shutdown();
  REQUIRE(second.wait_for(5s) == std::future_status::ready);
  CHECK(second.get().end == WatchResult::End::Cancelled);
  auto after = client->get(kConfigMap, ns.name(), "x");
  REQUIRE_FALSE(after.ok());
  CHECK(isCancelled(after.error()));
}
