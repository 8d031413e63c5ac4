// A CR may bring its own charts (spec.installPackagePath). When they are broken, that CR goes
// to ERROR with the template's file and line; nothing of it is applied or pruned, and the
// operator goes on serving every other CR.
#include <catch2/catch.hpp>
#include <filesystem>

#include "operator_test_support.h"
#include "test/support/istio_release.h"

using namespace iop::reconcilers;
using namespace iop::reconcilers::testing;
using namespace std::chrono_literals;

namespace {

std::string reconciledMessage(const json& cr) {
  return condition(cr, "Reconciled").value("message", "");
}

}  // namespace

TEST_CASE("a CR whose installPackagePath holds a broken template goes to ERROR naming the file and line, "
          "keeps what it installed, and the operator keeps serving other CRs",
          "[reconciler][charts]") {
  auto admin = adminClient();
  TestNamespace ns(*admin, "iop-pkgpath");
  const std::string rev = iop::test::uniqueName("pp");
  RunningOperator op(rev, ns.name());

  iop::test::ManifestsCopy charts;
  json own = gatewayCR(ns.name(), "own-charts", rev, {{"gw-own", true}});
  own["spec"]["installPackagePath"] = charts.dir();
  applyCR(*admin, own);
  applyCR(*admin, gatewayCR(ns.name(), "bystander", rev, {{"gw-bystander", true}}));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "own-charts") == "HEALTHY"; }, 60s));
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "bystander") == "HEALTHY"; }, 60s));
  std::string rv = getOr(*admin, kDeployment, ns.name(), "gw-own")["metadata"]["resourceVersion"];

  // The charts break, and the CR asks for a second gateway that must not be created.
  charts.write("charts/gateways/istio-ingress/templates/zz-broken.yaml",
               "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n"
               "  a: {{ .Values.global.hub | nosuchfunction }}\n");
  own["spec"]["components"]["ingressGateways"].push_back({{"name", "gw-own-2"}, {"enabled", true}});
  applyCR(*admin, own);
  REQUIRE(eventually([&] { return crStatus(*admin, ns.name(), "own-charts") == "ERROR"; }, 30s));
  std::string message = reconciledMessage(getCR(*admin, ns.name(), "own-charts"));
  INFO(message);
  CHECK(message.find("zz-broken.yaml:6") != std::string::npos);
  CHECK(message.find("nosuchfunction") != std::string::npos);
  CHECK(!exists(*admin, kDeployment, ns.name(), "gw-own-2"));
  json kept = getOr(*admin, kDeployment, ns.name(), "gw-own");
  REQUIRE(kept.is_object());  // not pruned
  CHECK(kept["metadata"]["resourceVersion"] == rv);

  // Another CR of the same operator still converges after the failure.
  applyCR(*admin, gatewayCR(ns.name(), "bystander", rev, {{"gw-bystander", true}, {"gw-bystander-2", true}}));
  CHECK(eventually([&] { return exists(*admin, kDeployment, ns.name(), "gw-bystander-2"); }, 30s));
  CHECK(eventually([&] { return crStatus(*admin, ns.name(), "bystander") == "HEALTHY"; }, 60s));

  // Once the charts are fixed, the CR converges again with everything it asks for.
  std::filesystem::remove(charts.dir() + "/charts/gateways/istio-ingress/templates/zz-broken.yaml");
  own["spec"]["components"]["ingressGateways"].push_back({{"name", "gw-own-3"}, {"enabled", true}});
  applyCR(*admin, own);
  CHECK(eventually([&] { return exists(*admin, kDeployment, ns.name(), "gw-own-3"); }, 60s));
  CHECK(exists(*admin, kDeployment, ns.name(), "gw-own-2"));
}
