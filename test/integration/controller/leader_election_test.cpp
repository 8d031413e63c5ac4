// Leader election between replicas of one operator, against the real kube-apiserver: in-process
// managers, and forked processes that are killed or terminated.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "controller/manager.h"
#include "test/integration/kube/kube_test_support.h"
#include "test/support/http_get.h"

using namespace iop::controller;
using namespace iop::kube::testing;
using nlohmann::json;

namespace {

const iop::kube::GroupVersionResource kLeases{"coordination.k8s.io", "v1", "leases"};
constexpr auto kLeaseDuration = std::chrono::seconds(4);

// Records which replica ran a worker: applies ConfigMap "ran-<identity>".
class MarkReconciler : public Reconciler {
 public:
  MarkReconciler(iop::kube::Client& client, std::string identity)
      : client_(client), identity_(std::move(identity)) {}
  Result reconcile(const Request& req) override {
    json cm = configMap(req.ns, "ran-" + identity_, {{"by", identity_}});
    auto r = client_.apply(cm, {.fieldManager = identity_, .force = true});
    if (!r) return Result::error(r.error().describe());
    return Result::done();
  }

 private:
  iop::kube::Client& client_;
  std::string identity_;
};

// One replica of a small operator: an informer on ConfigMaps labelled role=trigger feeding a
// controller that marks which replica ran it, behind leader election on `lease`.
struct Replica {
  Replica(const std::string& ns, const std::string& lease, const std::string& identity, bool handleSignals)
      : client(adminClient()), reconciler(*client, identity) {
    ManagerOptions o;
    o.client = client.get();
    o.metricsAddress = "127.0.0.1:0";
    o.healthAddress = "127.0.0.1:0";
    o.handleSignals = handleSignals;
    o.gracePeriod = std::chrono::seconds(10);
    o.leaderElection = LeaderElectionConfig{
        ns, lease, identity, kLeaseDuration, std::chrono::seconds(3), std::chrono::milliseconds(500)};
    manager = std::make_unique<Manager>(std::move(o));
    auto& controller = manager->addController(ControllerOptions{"marker", 2}, reconciler);
    manager->informers()
        .informer(kConfigMap, ns, "role=trigger")
        .addHandlers({[&controller](const json& obj) {
          controller.enqueue({obj["metadata"]["namespace"], obj["metadata"]["name"]});
        }});
  }
  std::unique_ptr<iop::kube::Client> client;
  MarkReconciler reconciler;
  std::unique_ptr<Manager> manager;
};

// Runs a Replica's manager on a thread until destroyed.
struct Running {
  Running(const std::string& ns, const std::string& lease, const std::string& identity)
      : replica(ns, lease, identity, false), thread([this] { result = replica.manager->start(); }) {}
  ~Running() {
    replica.manager->stop();
    if (thread.joinable()) thread.join();
  }
  Replica replica;
  std::optional<std::string> result;
  std::thread thread;
};

// A replica in a child process; the test kills or terminates it. The child never returns into
// the test runner.
pid_t forkReplica(const std::string& ns, const std::string& lease, const std::string& identity) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int code = 0;
  try {
    Replica r(ns, lease, identity, true);
    code = r.manager->start() ? 2 : 0;
  } catch (...) {
    code = 3;
  }
  std::_Exit(code);
}

std::string holder(iop::kube::Client& client, const std::string& ns, const std::string& lease) {
  auto l = client.get(kLeases, ns, lease);
  if (!l) return "<" + l.error().reason + ">";
  return (*l)["spec"].value("holderIdentity", "");
}

bool exists(iop::kube::Client& client, const std::string& ns, const std::string& name) {
  return client.get(kConfigMap, ns, name).ok();
}

void createTrigger(iop::kube::Client& client, const std::string& ns) {
  auto trigger = configMap(ns, "trigger", json::object());
  trigger["metadata"]["labels"] = {{"role", "trigger"}};
  REQUIRE(client.create(kConfigMap, ns, trigger));
}

using Steady = std::chrono::steady_clock;

}  // namespace

TEST_CASE("of two managers with one lease only the leader runs workers, and a clean stop hands over at once",
          "[leader]") {
  auto client = adminClient();
  TestNamespace ns(*client, "le-inproc");
  createTrigger(*client, ns.name());
  auto a = std::make_unique<Running>(ns.name(), "lease", "replica-a");
  auto b = std::make_unique<Running>(ns.name(), "lease", "replica-b");

  REQUIRE(eventually(
      [&] { return a->replica.manager->runningControllers() || b->replica.manager->runningControllers(); }));
  int both = 0, none = 0;
  for (auto end = Steady::now() + std::chrono::seconds(3); Steady::now() < end;) {
    bool ra = a->replica.manager->runningControllers(), rb = b->replica.manager->runningControllers();
    both += ra && rb;
    none += !ra && !rb;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(both == 0);
  CHECK(none == 0);
  bool aLeads = a->replica.manager->runningControllers();
  auto& leader = aLeads ? a : b;
  auto& standby = aLeads ? b : a;
  std::string leaderId = aLeads ? "replica-a" : "replica-b", standbyId = aLeads ? "replica-b" : "replica-a";
  CHECK(holder(*client, ns.name(), "lease") == leaderId);
  REQUIRE(eventually([&] { return exists(*client, ns.name(), "ran-" + leaderId); }));
  CHECK_FALSE(exists(*client, ns.name(), "ran-" + standbyId));

  auto leaderMetrics = iop::test::httpGet(leader->replica.manager->metricsPort(), "/metrics").body;
  CHECK(leaderMetrics.find("leader_election_master_status{name=\"lease\"} 1") != std::string::npos);
  CHECK(leaderMetrics.find("rest_client_requests_total{code=\"200\",method=\"GET\"}") != std::string::npos);
  CHECK(iop::test::httpGet(standby->replica.manager->metricsPort(), "/metrics")
            .body.find("leader_election_master_status{name=\"lease\"} 0") != std::string::npos);

  auto stoppedAt = Steady::now();
  leader.reset();  // stop() and join: workers stop, then the lease is released
  REQUIRE(
      eventually([&] { return standby->replica.manager->runningControllers(); }, std::chrono::seconds(10)));
  CHECK(Steady::now() - stoppedAt < kLeaseDuration);  // released, not expired
  CHECK(holder(*client, ns.name(), "lease") == standbyId);
  CHECK(eventually([&] { return exists(*client, ns.name(), "ran-" + standbyId); }));
}

TEST_CASE("killing the leader with SIGKILL hands over to the standby within the lease duration",
          "[leader][process]") {
  auto client = adminClient();
  TestNamespace ns(*client, "le-kill");
  createTrigger(*client, ns.name());
  pid_t child = forkReplica(ns.name(), "lease", "child");
  REQUIRE(child > 0);
  REQUIRE(eventually([&] { return holder(*client, ns.name(), "lease") == "child"; }));
  Running parent(ns.name(), "lease", "parent");
  REQUIRE(eventually([&] { return exists(*client, ns.name(), "ran-child"); }));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK_FALSE(parent.replica.manager->runningControllers());
  CHECK_FALSE(exists(*client, ns.name(), "ran-parent"));

  auto killedAt = Steady::now();
  REQUIRE(kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(eventually([&] { return parent.replica.manager->runningControllers(); }, std::chrono::seconds(15)));
  auto took = Steady::now() - killedAt;
  CHECK(took <= kLeaseDuration + std::chrono::seconds(2));  // lease duration + a retry period + slack
  CHECK(took >= std::chrono::seconds(2));  // the dead leader's lease was honoured until it expired
  CHECK(holder(*client, ns.name(), "lease") == "parent");
  CHECK(eventually([&] { return exists(*client, ns.name(), "ran-parent"); }));
}

TEST_CASE("SIGTERM stops the leader cleanly and releases the lease so the standby takes over at once",
          "[leader][process]") {
  auto client = adminClient();
  TestNamespace ns(*client, "le-term");
  createTrigger(*client, ns.name());
  pid_t child = forkReplica(ns.name(), "lease", "child");
  REQUIRE(child > 0);
  REQUIRE(eventually([&] { return holder(*client, ns.name(), "lease") == "child"; }));
  Running parent(ns.name(), "lease", "parent");
  REQUIRE(eventually([&] { return exists(*client, ns.name(), "ran-child"); }));
  CHECK_FALSE(parent.replica.manager->runningControllers());

  auto termAt = Steady::now();
  REQUIRE(kill(child, SIGTERM) == 0);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  REQUIRE(eventually([&] { return parent.replica.manager->runningControllers(); }, std::chrono::seconds(15)));
  CHECK(Steady::now() - termAt < kLeaseDuration);  // released, not expired
  CHECK(holder(*client, ns.name(), "lease") == "parent");
}

TEST_CASE("a leader that can no longer renew its lease stops its workers within the renew deadline",
          "[leader]") {
  auto client = adminClient();
  TestNamespace ns(*client, "le-lost");
  createTrigger(*client, ns.name());
  Running a(ns.name(), "lease", "replica-a");
  REQUIRE(eventually([&] { return a.replica.manager->runningControllers(); }));

  // Another party takes the lease over behind the leader's back (as after a network
  // partition): every renewal of the leader now fails.
  auto takenAt = Steady::now();
  REQUIRE(eventually([&] {
    auto lease = client->get(kLeases, ns.name(), "lease");
    if (!lease) return false;
    (*lease)["spec"]["holderIdentity"] = "intruder";
    (*lease)["spec"]["leaseDurationSeconds"] = 60;
    takenAt = Steady::now();
    return client->update(kLeases, ns.name(), "lease", *lease).ok();  // Conflict when a renewed meanwhile
  }));
  REQUIRE(eventually([&] { return !a.replica.manager->runningControllers(); }, std::chrono::seconds(15)));
  CHECK(Steady::now() - takenAt <=
        std::chrono::seconds(3) + std::chrono::milliseconds(500) + std::chrono::seconds(1));
  a.thread.join();
  REQUIRE(a.result.has_value());
  CHECK(a.result->starts_with("manager: leader election lost: held by intruder"));
  CHECK(a.replica.manager->leaseLoss() == LeaseLoss::TakenOver);
  CHECK(holder(*client, ns.name(), "lease") == "intruder");  // a lost lease is not "released"
}

TEST_CASE("a leader whose Lease is deleted stops at its next renewal and says the Lease was deleted",
          "[leader]") {
  auto client = adminClient();
  TestNamespace ns(*client, "le-deleted");
  createTrigger(*client, ns.name());
  Running a(ns.name(), "lease", "replica-a");
  REQUIRE(eventually([&] { return a.replica.manager->runningControllers(); }));

  // What `iop operator remove` does to the operator it removes: its Lease goes. A leader that
  // recreated it would keep running without anyone knowing.
  REQUIRE(client->remove(kLeases, ns.name(), "lease").ok());
  REQUIRE(eventually([&] { return !a.replica.manager->runningControllers(); }, std::chrono::seconds(5)));
  a.thread.join();
  REQUIRE(a.result.has_value());
  CHECK(*a.result == "manager: leader election lost: Lease " + ns.name() + "/lease was deleted");
  CHECK(a.replica.manager->leaseLoss() == LeaseLoss::Deleted);
  CHECK_FALSE(client->get(kLeases, ns.name(), "lease").ok());  // not recreated
}
