// Validation before rendering (issue 18, class 2): names, numbers, budgets and Istio's own
// schema of values and meshConfig, every error with its path, all of them at once.
#include <catch2/catch.hpp>
#include <string>

#include "reconcilers/api/budgets.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/api/values_schema.h"

using namespace iop::reconcilers;
using nlohmann::json;

namespace {

json cr(json spec, json metadata = {{"name", "x"}, {"namespace", "istio-system"}}) {
  return {{"apiVersion", "install.istio.io/v1alpha1"},
          {"kind", "IstioOperator"},
          {"metadata", metadata},
          {"spec", spec}};
}

std::string errorsOf(const json& doc) {
  std::string out;
  for (const auto& e : validateIstioOperator(doc)) out += e.str() + "\n";
  return out;
}

json gateway(const std::string& name, json k8s = json::object()) {
  return {{"name", name}, {"enabled", true}, {"k8s", k8s}};
}

}  // namespace

TEST_CASE("names and namespaces must be what the objects they become accept", "[validation][hostile]") {
  CHECK_THAT(errorsOf(cr(json::object(), {{"name", "Upper"}})),
             Catch::Contains("metadata.name: \"Upper\" is not a valid IstioOperator name"));
  CHECK_THAT(errorsOf(cr(json::object(), {{"name", std::string(64, 'a')}})),
             Catch::Contains("metadata.name"));
  CHECK_THAT(errorsOf(cr(json::object(), {{"name", "x"}, {"namespace", "a/b"}})),
             Catch::Contains("metadata.namespace"));
  CHECK_THAT(errorsOf(cr({{"namespace", ".."}})), Catch::Contains("spec.namespace: \"..\" is not a valid"));
  CHECK_THAT(errorsOf(cr({{"components", {{"pilot", {{"namespace", "kube_system"}}}}}})),
             Catch::Contains("spec.components.pilot.namespace"));
  // A gateway names a Service: a DNS-1035 label of at most 63 characters.
  CHECK_THAT(errorsOf(cr({{"components", {{"ingressGateways", {gateway(std::string(64, 'g'))}}}}})),
             Catch::Contains("spec.components.ingressGateways[0].name"));
  CHECK_THAT(errorsOf(cr({{"components", {{"ingressGateways", {gateway("1gw")}}}}})),
             Catch::Contains("not a valid DNS-1035 label"));
  CHECK(errorsOf(cr({{"components", {{"ingressGateways", {gateway(std::string(63, 'g'))}}}}})).empty());
}

TEST_CASE("gateway names are unique across ingress and egress", "[validation][hostile]") {
  auto errors = errorsOf(
      cr({{"components", {{"ingressGateways", {gateway("gw")}}, {"egressGateways", {gateway("gw")}}}}}));
  CHECK_THAT(
      errors,
      Catch::Contains("spec.components.egressGateways[0].name: duplicate gateway name \"gw\" (also used by "
                      "spec.components.ingressGateways[0])"));
  // In different namespaces they are different objects.
  json a = gateway("gw"), b = gateway("gw");
  b["namespace"] = "other";
  CHECK(errorsOf(cr({{"components", {{"ingressGateways", {a}}, {"egressGateways", {b}}}}})).empty());
}

TEST_CASE("numbers must be in range for the fields they fill", "[validation][hostile]") {
  auto errs = [](json k8s) {
    return errorsOf(cr({{"components", {{"ingressGateways", {gateway("gw", k8s)}}}}}));
  };
  CHECK_THAT(errs({{"replicaCount", 2147483648LL}}),
             Catch::Contains("replicaCount: 2147483648 is out of range"));
  CHECK_THAT(errs({{"replicaCount", -1}}), Catch::Contains("replicaCount"));
  CHECK_THAT(errs({{"hpaSpec", {{"maxReplicas", 0}}}}), Catch::Contains("hpaSpec.maxReplicas"));
  CHECK_THAT(errs({{"service", {{"ports", {{{"port", 70000}}}}}}}), Catch::Contains("service.ports[0].port"));
  CHECK(errs({{"replicaCount", 2147483647LL}}).empty());
  CHECK_THAT(errorsOf(cr({{"tag", 1.1}})),
             Catch::Contains("spec.tag: the number 1.1 is not an image tag: quote it"));
}

TEST_CASE("budgets on counts are errors with the field path", "[validation][hostile]") {
  json env = json::array();
  for (std::size_t i = 0; i <= kMaxK8sListItems; ++i)
    env.push_back({{"name", "E" + std::to_string(i)}, {"value", "v"}});
  CHECK_THAT(errorsOf(cr({{"components", {{"pilot", {{"k8s", {{"env", env}}}}}}}})),
             Catch::Contains("spec.components.pilot.k8s.env: 513 entries; at most 512"));
  json overlays = json::array();
  for (std::size_t i = 0; i <= kMaxOverlays; ++i)
    overlays.push_back({{"kind", "Deployment"}, {"name", "istiod"}});
  CHECK_THAT(errorsOf(cr({{"components", {{"pilot", {{"k8s", {{"overlays", overlays}}}}}}}})),
             Catch::Contains("spec.components.pilot.k8s.overlays: 65 overlays; at most 64"));
  json gws = json::array();
  for (std::size_t i = 0; i <= kMaxGateways; ++i) gws.push_back(gateway("gw-" + std::to_string(i)));
  CHECK_THAT(errorsOf(cr({{"components", {{"ingressGateways", gws}}}})),
             Catch::Contains("65 gateways; at most 64"));
  std::string longPath = "spec";
  for (int i = 0; i < 70; ++i) longPath += ".a";
  json patch = {
      {"kind", "Deployment"}, {"name", "istiod"}, {"patches", {{{"path", longPath}, {"value", 1}}}}};
  CHECK_THAT(errorsOf(cr({{"components", {{"pilot", {{"k8s", {{"overlays", {patch}}}}}}}}})),
             Catch::Contains("patches[0].path: a path of 71 segments"));
}

TEST_CASE("depth, size and encodings are checked on the parsed document too", "[validation][hostile]") {
  json deep = 1;
  for (int i = 0; i < 200; ++i) deep = json{{"a", deep}};
  CHECK_THAT(errorsOf(cr({{"values", deep}})), Catch::Contains("nested more than 64 levels deep"));
  CHECK_THAT(errorsOf(cr({{"hub", std::string("a\0b", 3)}})),
             Catch::Contains("spec.hub: a NUL byte is not allowed"));
  CHECK_THAT(errorsOf(cr({{"hub", std::string(kMaxStringBytes + 1, 'a')}})),
             Catch::Contains("spec.hub: a string of"));
}

TEST_CASE("values and meshConfig are checked against Istio's own schema", "[validation][hostile][schema]") {
  CHECK_FALSE(istioSchemaVersion().empty());
  CHECK(errorsOf(cr({{"values",
                      {{"global", {{"hub", "docker.io/istio"}, {"proxy", {{"privileged", true}}}}},
                       {"pilot", {{"autoscaleMin", 2}, {"env", {{"A", "b"}}}}}}},
                     {"meshConfig",
                      {{"accessLogFile", "/dev/stdout"},
                       {"defaultConfig", {{"holdApplicationUntilProxyStarts", true}}}}}}))
            .empty());
  // Proto spellings are accepted as protojson accepts them.
  CHECK(errorsOf(cr({{"meshConfig", {{"access_log_file", "/dev/stdout"}}}})).empty());
  CHECK_THAT(errorsOf(cr({{"values", {{"global", {{"hubb", "x"}}}}}})),
             Catch::Contains("spec.values.global.hubb: unknown field (not in GlobalConfig of Istio's "
                             "schema); did you mean hub?"));
  CHECK_THAT(
      errorsOf(cr({{"values", {{"pilot", {{"autoscaleMin", "two"}}}}}})),
      Catch::Contains("spec.values.pilot.autoscaleMin: expected an unsigned 32-bit integer, got a string"));
  CHECK_THAT(errorsOf(cr({{"meshConfig", {{"accessLogEncoding", "XML"}}}})),
             Catch::Contains("spec.meshConfig.accessLogEncoding: expected one of JSON, TEXT"));
  CHECK_THAT(errorsOf(cr({{"meshConfig", {{"enableTracing", "yes"}}}})),
             Catch::Contains("spec.meshConfig.enableTracing: expected a boolean"));
  CHECK_THAT(errorsOf(cr({{"meshConfig", {{"notAField", 1}}}})),
             Catch::Contains("istioctl ignores unknown meshConfig fields silently"));
  CHECK_THAT(errorsOf(cr({{"values", {{"meshConfig", {{"defaultConfig", {{"proxyMetadata", "x"}}}}}}}})),
             Catch::Contains("spec.values.meshConfig.defaultConfig.proxyMetadata: expected a map"));
  CHECK_THAT(errorsOf(cr({{"meshConfig", {{"connectTimeout", "ten seconds"}}}})),
             Catch::Contains("expected a duration"));
  // unvalidatedValues is what it says.
  CHECK(errorsOf(cr({{"unvalidatedValues", {{"anything", {{"goes", 1}}}}}})).empty());
}

TEST_CASE("every error of a CR is returned at once, each with its path", "[validation][hostile]") {
  auto errors = validateIstioOperator(
      cr({{"namespace", "Bad"},
          {"values", {{"global", {{"nope", 1}}}}},
          {"components", {{"ingressGateways", {gateway("UPPER", {{"replicaCount", -2}})}}}}}));
  std::set<std::string> paths;
  for (const auto& e : errors) paths.insert(e.path);
  CHECK(paths.count("spec.namespace"));
  CHECK(paths.count("spec.values.global.nope"));
  CHECK(paths.count("spec.components.ingressGateways[0].name"));
  CHECK(paths.count("spec.components.ingressGateways[0].k8s.replicaCount"));
}

TEST_CASE("image hubs and tags must be ASCII image-reference syntax", "[validation][hostile]") {
  CHECK(errorsOf(cr({{"hub", "registry.example.com:5000/istio"}, {"tag", "1.31.0-distroless"}})).empty());
  // What kubectl makes of an overlong UTF-8 '/': U+FFFD twice.
  CHECK_THAT(errorsOf(cr({{"hub", "docker.io\xef\xbf\xbd\xef\xbf\xbdistio"}})),
             Catch::Contains("spec.hub: \"docker.io"));
  CHECK_THAT(errorsOf(cr({{"hub", "a b"}})), Catch::Contains("is not an image hub"));
  CHECK_THAT(errorsOf(cr({{"hub", "/x"}})), Catch::Contains("is not an image hub"));
  CHECK_THAT(errorsOf(cr({{"tag", "-x"}})), Catch::Contains("spec.tag: \"-x\" is not an image tag"));
  CHECK_THAT(errorsOf(cr({{"tag", std::string(129, 'a')}})), Catch::Contains("is not an image tag"));
  CHECK_THAT(errorsOf(cr({{"components", {{"ingressGateways", {{{"name", "gw"}, {"hub", "x\ny"}}}}}}})),
             Catch::Contains("spec.components.ingressGateways[0].hub"));
}
