// Informers against the real kube-apiserver: the store follows the cluster through bursts of
// changes, a forced Gone, and a restart of the API server.
#include "controller/informer.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "controller/informer_factory.h"
#include "test/integration/kube/kube_test_support.h"
#include "test/support/cluster.h"

using namespace iop::controller;
using namespace iop::kube::testing;
using iop::kube::Client;
using nlohmann::json;

namespace {

// "name=resourceVersion" lines, sorted, of what kubectl sees (selector applied).
std::set<std::string> kubectlView(const std::vector<std::string>& kubectlPrefix, const std::string& ns,
                                  const std::string& selector, const std::string& resource = "configmaps") {
  auto argv = kubectlPrefix;
  for (std::string a : std::vector<std::string>{
           "-n", ns, "get", resource, "-l", selector, "-o",
           "jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion}{\"\\n\"}{end}"})
    argv.push_back(a);
  auto r = iop::test::run(argv);
  INFO(r.out);
  REQUIRE(r.exitCode == 0);
  std::set<std::string> out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) out.insert(line);
  return out;
}

std::set<std::string> storeView(const Informer& inf) {
  std::set<std::string> out;
  for (const auto& o : inf.list())
    out.insert(o["metadata"]["name"].get<std::string>() + "=" +
               o["metadata"]["resourceVersion"].get<std::string>());
  return out;
}

// What the handlers were told, replayed into a map: must equal the store.
class Mirror {
 public:
  InformerHandlers handlers() {
    return {[this](const json& o) { set(o, "add"); },
            [this](const json&, const json& o) { set(o, "update"); },
            [this](const json& o) {
              std::lock_guard lock(mu_);
              ++counts_["delete"];
              objects_.erase(o["metadata"]["name"].get<std::string>());
            }};
  }
  std::set<std::string> view() {
    std::lock_guard lock(mu_);
    std::set<std::string> out;
    for (const auto& [name, rv] : objects_) out.insert(name + "=" + rv);
    return out;
  }
  int count(const std::string& what) {
    std::lock_guard lock(mu_);
    return counts_[what];
  }
  bool has(const std::string& name) {
    std::lock_guard lock(mu_);
    return objects_.contains(name);
  }

 private:
  void set(const json& o, const char* what) {
    std::lock_guard lock(mu_);
    ++counts_[what];
    objects_[o["metadata"]["name"].get<std::string>()] = o["metadata"]["resourceVersion"].get<std::string>();
  }
  std::mutex mu_;
  std::map<std::string, std::string> objects_;
  std::map<std::string, int> counts_;
};

json labelled(const std::string& ns, const std::string& name, const std::string& app,
              const std::string& value) {
  auto cm = configMap(ns, name, {{"v", value}});
  cm["metadata"]["labels"] = {{"app", app}};
  return cm;
}

// Compacts the shared cluster's etcd at its current revision (through etcd's HTTP gateway), so
// that a watch from an older resourceVersion is answered with Gone however young the cluster.
void compactEtcd() {
  std::ifstream in(iop::test::clusterDir() + "/etcd-endpoint");
  std::string endpoint;
  in >> endpoint;
  REQUIRE_FALSE(endpoint.empty());
  auto range =
      iop::test::run({"curl", "-fsS", "-X", "POST", endpoint + "/v3/kv/range", "-d", R"({"key":"Lw=="})"});
  INFO(range.out);
  REQUIRE(range.exitCode == 0);
  auto revision = json::parse(range.out)["header"]["revision"].get<std::string>();
  auto compact = iop::test::run({"curl", "-fsS", "-X", "POST", endpoint + "/v3/kv/compaction", "-d",
                                 json{{"revision", revision}, {"physical", true}}.dump()});
  INFO(compact.out);
  REQUIRE(compact.exitCode == 0);
}

std::vector<std::string> sharedKubectl() {
  return {"kubectl", "--kubeconfig", iop::test::kubeconfigPath()};
}

}  // namespace

TEST_CASE("an informer's store matches kubectl get after a burst of creates, updates and deletes",
          "[informer]") {
  auto client = adminClient();
  TestNamespace ns(*client, "inf-burst");
  for (int i = 0; i < 5; ++i)
    REQUIRE(
        client->create(kConfigMap, ns.name(), labelled(ns.name(), "pre-" + std::to_string(i), "burst", "0")));

  InformerOptions o{kConfigMap};
  o.ns = ns.name();
  o.labelSelector = "app=burst";
  Informer inf(*client, o);
  Mirror mirror;
  inf.addHandlers(mirror.handlers());
  std::jthread running([&](std::stop_token st) { (void)inf.run(st); });
  REQUIRE(inf.waitForSync({}, std::chrono::seconds(20)));
  CHECK(inf.size() == 5);
  CHECK(mirror.count("add") == 5);

  // The burst: four writers at once, plus objects outside the selector that must not show up.
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < 10; ++i) {
        auto name = "w" + std::to_string(w) + "-" + std::to_string(i);
        (void)client->create(kConfigMap, ns.name(), labelled(ns.name(), name, "burst", "0"));
        (void)client->create(kConfigMap, ns.name(), labelled(ns.name(), "other-" + name, "other", "0"));
        if (i % 2 == 0) (void)client->mergePatch(kConfigMap, ns.name(), name, {{"data", {{"v", "1"}}}});
        if (i % 3 == 0) (void)client->remove(kConfigMap, ns.name(), name);
      }
    });
  for (auto& t : writers) t.join();
  REQUIRE(client->remove(kConfigMap, ns.name(), "pre-0"));
  // Moving an object out of the selector is a delete for this informer.
  REQUIRE(
      client->mergePatch(kConfigMap, ns.name(), "pre-1", {{"metadata", {{"labels", {{"app", "other"}}}}}}));

  auto want = [&] { return kubectlView(sharedKubectl(), ns.name(), "app=burst"); };
  REQUIRE(eventually([&] { return storeView(inf) == want(); }));
  CHECK(want().size() == 5 - 2 + 4 * (10 - 4));
  CHECK(mirror.view() == storeView(inf));
  CHECK_FALSE(inf.get(ns.name(), "other-w0-1").has_value());
  auto one = inf.get(ns.name(), "w0-2");
  REQUIRE(one.has_value());
  CHECK((*one)["data"]["v"] == "1");
  CHECK(mirror.count("update") >= 4 * 5);
  CHECK(mirror.count("delete") == 4 * 4 + 2);
  CHECK(inf.listCount() == 1);  // no relist was needed
}

TEST_CASE("two users of one kind and selector share one informer and one watch", "[informer]") {
  auto client = adminClient();
  TestNamespace ns(*client, "inf-shared");
  InformerFactory factory(*client);
  auto& a = factory.informer(kConfigMap, ns.name(), "app=x");
  auto& b = factory.informer(kConfigMap, ns.name(), "app=x");
  auto& c = factory.informer(kConfigMap, ns.name(), "app=y");
  CHECK(&a == &b);
  CHECK(&a != &c);
  CHECK(factory.size() == 2);
  Mirror ma, mb;
  a.addHandlers(ma.handlers());
  b.addHandlers(mb.handlers());
  auto watchesBefore = client->requestCounts()[{"WATCH", 200}];
  factory.start();
  REQUIRE(factory.waitForSync({}, std::chrono::seconds(20)));
  REQUIRE(client->create(kConfigMap, ns.name(), labelled(ns.name(), "one", "x", "0")));
  REQUIRE(eventually([&] { return ma.has("one") && mb.has("one"); }));
  // app=y's watch may still be connecting once app=x delivered: wait for both, then none more.
  auto watches = [&] { return client->requestCounts()[{"WATCH", 200}] - watchesBefore; };
  CHECK(eventually([&] { return watches() >= 2; }));
  CHECK(watches() == 2);  // app=x and app=y: one each
  factory.stop();
}

TEST_CASE("a watch that the server ends is resumed from the last resourceVersion without a relist",
          "[informer]") {
  auto client = adminClient();
  TestNamespace ns(*client, "inf-resume");
  REQUIRE(client->create(kConfigMap, ns.name(), labelled(ns.name(), "cm", "resume", "0")));
  InformerOptions o{kConfigMap};
  o.ns = ns.name();
  o.labelSelector = "app=resume";
  o.watchTimeoutSeconds = 1;  // the server ends every watch after a second
  Informer inf(*client, o);
  std::jthread running([&](std::stop_token st) { (void)inf.run(st); });
  REQUIRE(inf.waitForSync({}, std::chrono::seconds(20)));
  auto watchesBefore = client->requestCounts()[{"WATCH", 200}];
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(client->mergePatch(kConfigMap, ns.name(), "cm", {{"data", {{"v", std::to_string(i)}}}}));
    REQUIRE(eventually([&] { return (*inf.get(ns.name(), "cm"))["data"]["v"] == std::to_string(i); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // let the current watch end
  }
  CHECK(client->requestCounts()[{"WATCH", 200}] - watchesBefore >= 3);
  CHECK(inf.listCount() == 1);
  CHECK(storeView(inf) == kubectlView(sharedKubectl(), ns.name(), "app=resume"));
}

TEST_CASE("after a forced Gone an informer relists and delivers the deletes and updates it missed",
          "[informer]") {
  // Events, because kube-apiserver serves their watches from etcd (no watch cache): once etcd
  // is compacted past the informer's last resourceVersion, its next watch gets 410 Gone.
  const iop::kube::GroupVersionKind kEvent{"", "v1", "Event"};
  auto client = adminClient();
  TestNamespace ns(*client, "inf-gone");
  auto event = [&](const std::string& name) {
    return json{{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", name}, {"namespace", ns.name()}, {"labels", {{"app", "gone"}}}}},
                {"involvedObject", {{"kind", "ConfigMap"}, {"name", "x"}, {"namespace", ns.name()}}},
                {"reason", "Test"},
                {"message", "v0"},
                {"type", "Normal"}};
  };
  for (auto name : {"keep", "change", "remove"}) {
    auto created = client->create(kEvent, ns.name(), event(name));
    INFO((created ? "" : created.error().describe()));
    REQUIRE(created);
  }

  // The seam: while `hold` is set, the informer waits before its next watch, so it misses
  // everything done meanwhile (as during a long network partition).
  std::mutex m;
  std::condition_variable cv;
  bool hold = false, holding = false;
  InformerOptions o{kEvent};
  o.ns = ns.name();
  o.labelSelector = "app=gone";
  o.watchTimeoutSeconds = 1;
  o.beforeWatch = [&](const std::string& rv) -> std::string {
    std::unique_lock lock(m);
    if (hold) {
      holding = true;
      cv.notify_all();
      cv.wait(lock, [&] { return !hold; });
    }
    return rv;
  };
  Informer inf(*client, o);
  Mirror mirror;
  inf.addHandlers(mirror.handlers());
  std::jthread running([&](std::stop_token st) { (void)inf.run(st); });
  REQUIRE(inf.waitForSync({}, std::chrono::seconds(20)));
  REQUIRE(inf.size() == 3);

  {
    std::unique_lock lock(m);
    hold = true;
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return holding; }));
  }
  REQUIRE(client->remove(kEvent, ns.name(), "remove"));
  REQUIRE(client->mergePatch(kEvent, ns.name(), "change", {{"message", "changed"}}));
  REQUIRE(client->create(kEvent, ns.name(), event("new")));
  compactEtcd();
  int deletesBefore = mirror.count("delete"), updatesBefore = mirror.count("update");
  {
    std::lock_guard lock(m);
    hold = false;
  }
  cv.notify_all();

  REQUIRE(eventually([&] { return inf.listCount() >= 2; }));
  REQUIRE(eventually(
      [&] { return storeView(inf) == kubectlView(sharedKubectl(), ns.name(), "app=gone", "events"); }));
  CHECK(mirror.count("delete") == deletesBefore + 1);
  CHECK(mirror.count("update") == updatesBefore + 1);  // "keep" did not change: no update for it
  CHECK(mirror.has("new"));
  CHECK_FALSE(mirror.has("remove"));
  CHECK((*inf.get(ns.name(), "change"))["message"] == "changed");
}

TEST_CASE("an informer recovers after kube-apiserver is restarted", "[informer][restart]") {
  // A cluster of its own: restarting the shared one would disturb the other tests.
  auto dir = std::filesystem::temp_directory_path() / iop::test::uniqueName("iop-ctl-restart");
  auto up = iop::test::run({IOP_SOURCE_DIR "/test/cluster/up.sh", dir.string()});
  INFO(up.out);
  REQUIRE(up.exitCode == 0);
  struct Down {
    std::filesystem::path dir;
    ~Down() {
      iop::test::run({IOP_SOURCE_DIR "/test/cluster/down.sh", dir.string()});
      std::filesystem::remove_all(dir);
    }
  } down{dir};
  std::vector<std::string> kc{"kubectl", "--kubeconfig", (dir / "kubeconfig").string()};

  auto config = iop::kube::loadKubeconfig({.path = (dir / "kubeconfig").string()});
  REQUIRE(config.ok());
  auto client = clientFor(*config);
  TestNamespace ns(*client, "inf-restart");
  REQUIRE(client->create(kConfigMap, ns.name(), labelled(ns.name(), "before", "r", "0")));

  InformerOptions o{kConfigMap};
  o.ns = ns.name();
  o.labelSelector = "app=r";
  o.maxBackoff = std::chrono::seconds(1);
  Informer inf(*client, o);
  std::jthread running([&](std::stop_token st) { (void)inf.run(st); });
  REQUIRE(inf.waitForSync({}, std::chrono::seconds(20)));

  auto restart = iop::test::run({IOP_SOURCE_DIR "/test/cluster/restart-apiserver.sh", dir.string(), "2"});
  INFO(restart.out);
  REQUIRE(restart.exitCode == 0);

  REQUIRE(client->create(kConfigMap, ns.name(), labelled(ns.name(), "after", "r", "0")));
  REQUIRE(client->remove(kConfigMap, ns.name(), "before"));
  REQUIRE(eventually([&] { return storeView(inf) == kubectlView(kc, ns.name(), "app=r"); },
                     std::chrono::seconds(40)));
  CHECK(inf.get(ns.name(), "after").has_value());
  CHECK_FALSE(inf.get(ns.name(), "before").has_value());
}
