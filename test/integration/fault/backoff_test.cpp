// Backoff that holds (issue 18, class 5): a CR the API server refuses, or one that collides with
// an object no IstioOperator installed, is retried with exponential backoff and logged once, not
// in a hot loop; a leader-election namespace that does not exist is said once, with the fix, and
// in /readyz; SIGTERM still stops the operator within its grace.
#include <csignal>

#include "test/integration/fault/fault_test_support.h"

using namespace iop::fault::testing;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size())) ++n;
  return n;
}

// The operator's reconciles so far (controller_runtime_reconcile_total, every result), -1 when
// /metrics does not answer.
long long reconciles(unsigned short metricsPort) {
  auto got = iop::test::httpGet(metricsPort, "/metrics");
  if (got.status != 200) return -1;
  long long n = 0;
  std::istringstream lines(got.body);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("controller_runtime_reconcile_total{", 0) == 0)
      n += std::stoll(line.substr(line.rfind(' ') + 1));
  return n;
}

}  // namespace

TEST_CASE("a CR the API server refuses, or that collides with a foreign object, backs off and is logged once",
          "[fault][backoff]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "fault-backoff");
  const std::string rev = iop::test::uniqueName("bo");
  ensureCRD();
  // A Service no IstioOperator installed, where the second CR's gateway would go.
  REQUIRE(admin
              ->create(kService, ns.name(),
                       {{"apiVersion", "v1"},
                        {"kind", "Service"},
                        {"metadata", {{"name", "taken"}, {"namespace", ns.name()}}},
                        {"spec",
                         {{"selector", {{"app", "mine"}}}, {"ports", {{{"name", "http"}, {"port", 80}}}}}}})
              .ok());
  iop::test::OperatorProcess op(operatorLaunch(iop::test::kubeconfigPath(), rev, ns.name()),
                                "fault-backoff-" + rev);
  REQUIRE(op.waitReady());

  // Valid for iop, invalid for the API server: a CPU limit that is no quantity (422 Invalid).
  json refused = gatewayCR(ns.name(), "refused", rev, {{"gw-refused", true}});
  refused["spec"]["components"]["ingressGateways"][0]["k8s"] = {
      {"resources", {{"limits", {{"cpu", "lots"}}}}}};
  applyCR(*admin, refused);
  applyCR(*admin, gatewayCR(ns.name(), "collides", rev, {{"taken", true}}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "refused") == "ERROR"; }, 30s));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "collides") == "ERROR"; }, 30s));

  // Past the first seconds of backoff, 20 s bring a handful of retries, not hundreds.
  std::this_thread::sleep_for(10s);
  const long long writesBefore = metricWrites(op.metricsPort());
  const long long reconcilesBefore = reconciles(op.metricsPort());
  std::this_thread::sleep_for(20s);
  const long long writes = metricWrites(op.metricsPort()) - writesBefore;
  const long long retries = reconciles(op.metricsPort()) - reconcilesBefore;
  const std::string log = op.log();
  INFO("writes " << writes << ", reconciles " << retries << "; log: " << op.logPath());
  CHECK(writes >= 0);
  CHECK(writes <= 12);
  CHECK(retries <= 8);
  // Each problem is said once, though it was retried all along.
  CHECK(count(log, "apply failed: Deployment " + ns.name() + "/gw-refused") == 1);
  CHECK(count(log, "ownership conflict: Service " + ns.name() + "/taken") == 1);
  CHECK(count(log, "reconcile failed (retrying with backoff") == 2);
  // The foreign Service was not touched.
  CHECK(getOr(*admin, kService, ns.name(), "taken")["spec"]["selector"] == json{{"app", "mine"}});

  // SIGTERM while reconciles keep failing: the operator stops within its grace, cleanly.
  op.signal(SIGTERM);
  CHECK(op.wait(15s) == 0);
}

TEST_CASE("a missing leader-election namespace is said once with the fix, and /readyz says it",
          "[fault][backoff]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "fault-lease");
  const std::string rev = iop::test::uniqueName("ls");
  const std::string missing = iop::test::uniqueName("no-such-ns");
  ensureCRD();
  iop::test::OperatorProcess op(
      operatorLaunch(iop::test::kubeconfigPath(), rev, ns.name(), missing, "lease-test"),
      "fault-lease-" + rev);
  iop::test::HttpResult readyz;
  REQUIRE(eventually(
      [&] {
        readyz = iop::test::httpGet(op.healthPort(), "/readyz?verbose");
        return readyz.body.find("does not exist") != std::string::npos;
      },
      20s));
  CHECK(readyz.status != 200);
  CHECK_THAT(readyz.body, Catch::Contains("leader-election"));
  // Several retries later (every 2 s), it was said once, with every way out.
  std::this_thread::sleep_for(7s);
  const std::string log = op.log();
  INFO(op.logPath());
  CHECK(count(log, "does not exist, so no replica can take the lease") == 1);
  CHECK(count(log, "NotFound") == 0);
  for (const char* fix : {"kubectl create namespace ", "iop operator init", "--leader-election-namespace",
                          "--leader-elect=false"})
    CHECK_THAT(log, Catch::Contains(fix));
  // Creating it is enough: the operator takes the lease and becomes ready.
  kubectlOk({"create", "namespace", missing});
  CHECK(op.waitReady(30s));
  kubectlOk({"delete", "namespace", missing, "--wait=false"});
}
