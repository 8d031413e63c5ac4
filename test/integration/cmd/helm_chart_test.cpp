// helm/iop and `iop operator init` are two ways to install the same operator: they must
// produce the same objects, and the chart must lint clean.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>

#include "base/yaml_json.h"
#include "test/support/process.h"

using iop::test::run;
using json = nlohmann::json;

namespace {

std::string lastLine(const std::string& s) {
  auto end = s.find_last_not_of('\n');
  auto start = s.rfind('\n', end);
  return s.substr(start == std::string::npos ? 0 : start + 1,
                  end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// Objects keyed "Kind namespace/name"; Namespaces are left out (Helm does not create its release
// namespace, `operator init` does).
std::map<std::string, json> byKey(const std::string& yaml) {
  std::map<std::string, json> out;
  for (auto& o : iop::base::yamlDocumentsToJson(yaml)) {
    if (!o.is_object() || o.value("kind", "") == "Namespace") continue;
    std::string key = o.value("kind", "") + " " + o["metadata"].value("namespace", "") + "/" +
                      o["metadata"].value("name", "");
    out[key] = o;
  }
  return out;
}

}  // namespace

TEST_CASE("helm template of helm/iop and operator init --dry-run produce the same objects", "[helm]") {
  auto helm = lastLine(run({IOP_SOURCE_DIR "/helm/build-helm.sh"}).out);
  // The second pair also sets the operator's prune wait (values pruneWait, init --prune-wait), its
  // object policy (values policy.*, init --pod-security, --allowed-namespaces,
  // --allow-rbac-webhook-overlays) and exposes /metrics (metrics.expose, init --expose-metrics); by
  // default it listens on loopback only and has no Service (it has no authentication).
  for (const auto& [rev, pruneWait] :
       std::vector<std::pair<std::string, std::string>>{{"", ""}, {"1-8-1", "90s"}}) {
    DYNAMIC_SECTION("revision \"" << rev << "\", prune wait \"" << pruneWait << "\"") {
      std::vector<std::string> helmArgs{helm,
                                        "template",
                                        "iop",
                                        IOP_SOURCE_DIR "/helm/iop",
                                        "--namespace",
                                        "ops",
                                        "--include-crds",
                                        "--set",
                                        "revision=" + rev,
                                        "--set",
                                        "watchedNamespaces={istio-system,gw}"};
      std::vector<std::string> initArgs{IOP_BINARY,
                                        "operator",
                                        "init",
                                        "--dry-run",
                                        "--revision",
                                        rev,
                                        "--operatorNamespace",
                                        "ops",
                                        "--watchedNamespaces",
                                        "istio-system,gw"};
      const bool exposed = !pruneWait.empty();
      if (!pruneWait.empty()) {
        helmArgs.insert(helmArgs.end(), {"--set", "pruneWait=" + pruneWait, "--set", "metrics.expose=true",
                                         "--set", "policy.podSecurity=restricted", "--set-string",
                                         "policy.allowedNamespaces=istio-system\\,kube-system", "--set",
                                         "policy.allowRbacWebhookOverlays=true"});
        initArgs.insert(initArgs.end(), {"--prune-wait", pruneWait, "--expose-metrics", "--pod-security",
                                         "restricted", "--allowed-namespaces", "istio-system,kube-system",
                                         "--allow-rbac-webhook-overlays"});
      }
      auto chart = run(helmArgs, "", /*withStderr=*/false);
      INFO(chart.out);
      REQUIRE(chart.exitCode == 0);
      auto init = run(initArgs);
      // The policy flags reach the operator's `iop run` only when given.
      for (const std::string& flag : {"--prune-wait=" + pruneWait, std::string("--pod-security=restricted"),
                                      std::string("--allowed-namespaces=istio-system,kube-system"),
                                      std::string("--allow-rbac-webhook-overlays")})
        CHECK((init.out.find(flag) != std::string::npos) == exposed);
      INFO(init.out);
      REQUIRE(init.exitCode == 0);
      auto fromHelm = byKey(chart.out);
      auto fromInit = byKey(init.out);
      REQUIRE(fromInit.size() == (exposed ? 8u : 7u));
      CHECK(init.out.find(exposed ? "--metrics-bind-address=:8383"
                                  : "--metrics-bind-address=127.0.0.1:8383") != std::string::npos);
      CHECK((init.out.find("http-metrics") != std::string::npos) == exposed);
      for (const auto& [key, o] : fromInit) {
        INFO(key);
        REQUIRE(fromHelm.count(key) == 1);
        CHECK(fromHelm[key] == o);
      }
      CHECK(fromHelm.size() == fromInit.size());
    }
  }
}

TEST_CASE("helm lint passes on the chart, and a dotted revision fails to render", "[helm]") {
  auto helm = lastLine(run({IOP_SOURCE_DIR "/helm/build-helm.sh"}).out);
  auto lint = run({helm, "lint", "--strict", IOP_SOURCE_DIR "/helm/iop"});
  INFO(lint.out);
  CHECK(lint.exitCode == 0);
  auto bad = run({helm, "template", "iop", IOP_SOURCE_DIR "/helm/iop", "--set", "revision=1.8.1"});
  CHECK(bad.exitCode != 0);
  CHECK(bad.out.find("\"1.8.1\" is not a DNS-1123 label") != std::string::npos);
}
