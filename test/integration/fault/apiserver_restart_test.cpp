// kube-apiserver killed and restarted in the middle of reconciles, then etcd compacted under the
// operator's watches: `iop run` (the same process throughout) retries, relists on 410 Gone, and
// converges. On a cluster of this test's own, since the restart would disturb other tests.
#include "test/integration/fault/fault_test_support.h"
#include "test/support/own_cluster.h"

using namespace iop::fault::testing;

namespace {

void installCRD(const iop::test::OwnCluster& cluster) {
  auto r = iop::test::run({"kubectl", "--kubeconfig", cluster.kubeconfig(), "apply", "--server-side", "-f",
                           std::string(IOP_SOURCE_DIR) + "/crds/istiooperator.yaml"});
  INFO(r.out);
  REQUIRE(r.exitCode == 0);
  auto w =
      iop::test::run({"kubectl", "--kubeconfig", cluster.kubeconfig(), "wait", "--for=condition=Established",
                      "--timeout=30s", "crd/istiooperators.install.istio.io"});
  INFO(w.out);
  REQUIRE(w.exitCode == 0);
}

}  // namespace

TEST_CASE(
    "iop run converges through a kube-apiserver restart and an etcd compaction without restarting itself",
    "[fault][apiserver]") {
  iop::test::OwnCluster cluster;
  installCRD(cluster);
  auto admin = clientFor(adminConfig(cluster.kubeconfig()));
  TestNamespace ns(*admin, "fault-api");
  const std::string rev = "restart";
  iop::test::OperatorProcess op(operatorLaunch(cluster.kubeconfig(), rev, ns.name()),
                                "fault-apiserver-" + ns.name());
  REQUIRE(op.waitReady());
  const pid_t pid = op.pid();
  INFO("operator log: " << op.logPath());

  std::map<std::string, json> crs;
  auto makeCR = [&](const std::string& name) {
    crs[name] = gatewayCR(ns.name(), name, rev, {{"gw-" + name, true}});
    REQUIRE(
        eventually([&] { return admin->apply(crs[name], {.fieldManager = "kubectl", .force = true}).ok(); }));
  };
  auto allHealthy = [&](std::chrono::seconds deadline) {
    std::vector<std::string> names, pending;
    for (const auto& [n, _] : crs) names.push_back(n);
    bool ok = eventually(
        [&] {
          pending = notHealthy(*admin, ns.name(), names);
          return pending.empty();
        },
        deadline);
    UNSCOPED_INFO("not HEALTHY: " << ::Catch::Detail::stringify(pending));
    return ok;
  };

  // Ten CRs, and the apiserver dies while they are being applied.
  for (int i = 0; i < 10; ++i) makeCR("before-" + std::to_string(i));
  std::this_thread::sleep_for(500ms);
  auto restarted = cluster.restartApiserver(2);
  INFO(restarted.out);
  REQUIRE(restarted.exitCode == 0);
  for (int i = 0; i < 3; ++i) makeCR("after-restart-" + std::to_string(i));
  REQUIRE(allHealthy(60s));

  // Compaction: every resourceVersion the operator's watches hold is erased from etcd, and the
  // restarted apiserver's fresh watch cache does not reach back to it, so resuming gets 410
  // Gone and the informers must relist. Changes made meanwhile must not be missed.
  REQUIRE(admin->create(kConfigMap, ns.name(), configMap(ns.name(), "bump", {})).ok());
  iop::test::compactEtcd(cluster.dir());
  restarted = cluster.restartApiserver(0);
  REQUIRE(restarted.exitCode == 0);
  REQUIRE(eventually([&] { return admin->remove(kIstioOperatorGVK, ns.name(), "before-0").ok(); }));
  crs.erase("before-0");
  for (int i = 0; i < 3; ++i) makeCR("after-compaction-" + std::to_string(i));
  // The cluster's own controllers recover too: after two restarts in quick succession the
  // controller-manager's and kwok's watches back off (client-go's reflector: up to 30 s), so the
  // new gateways' pods can take that long to become Ready whatever iop does.
  REQUIRE(allHealthy(120s));
  CHECK(eventually([&] { return op.log().find("is gone; relisting") != std::string::npos; }, 20s));
  CHECK(eventually([&] { return !admin->get(kIstioOperatorGVK, ns.name(), "before-0").ok(); }, 30s));

  std::set<std::string> want, have;
  for (const auto& [name, cr] : crs)
    for (const auto& key : desiredObjects(cr)) want.insert(key);
  CHECK(eventually(
      [&] {
        have.clear();
        for (const auto& [key, o] : ownedObjects(*admin, ns.name())) have.insert(key);
        return have == want;
      },
      30s));
  CHECK(have == want);

  // The same process did all of it.
  CHECK(op.running());
  CHECK(op.pid() == pid);
}
