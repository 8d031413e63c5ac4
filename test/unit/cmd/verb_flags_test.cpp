// Every verb's flags as users type them: --help with an example and the exit codes, the cluster
// flags on every verb, and istioctl's flag names next to their kebab-case aliases. A flag CLI11
// does not know exits 2 before any verb runs, with its own message.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "test/support/process.h"

namespace {

iop::test::ProcessResult iop_(std::vector<std::string> args) {
  args.insert(args.begin(), IOP_BINARY);
  return iop::test::run(args);
}

const std::vector<std::vector<std::string>> kVerbs = {{"version"},
                                                      {"manifest", "generate"},
                                                      {"manifest", "diff"},
                                                      {"operator", "init"},
                                                      {"operator", "remove"},
                                                      {"run"},
                                                      {"install"},
                                                      {"uninstall"}};

std::string gatewayFile() {
  auto dir = std::filesystem::temp_directory_path() / ("iop-flags-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "gw.yaml").string();
  std::ofstream(path) << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: gw}\n"
                         "spec:\n  profile: empty\n  components:\n    ingressGateways:\n"
                         "    - name: igw\n      enabled: true\n";
  return path;
}

}  // namespace

TEST_CASE("every verb's --help shows an example, the exit codes and the cluster flags", "[cli][flags]") {
  for (const auto& verb : kVerbs) {
    auto args = verb;
    args.push_back("--help");
    auto r = iop_(args);
    INFO(verb[0] + (verb.size() > 1 ? " " + verb[1] : ""));
    INFO(r.out);
    CHECK(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("Example"));
    CHECK_THAT(r.out, Catch::Contains("  iop " + verb[0]));
    CHECK_THAT(r.out, Catch::Contains("Exit codes"));
    CHECK_THAT(r.out, Catch::Contains("--kubeconfig"));
    CHECK_THAT(r.out, Catch::Contains("--context"));
    CHECK_THAT(r.out, Catch::Contains("  -n,"));
  }
}

TEST_CASE("an unknown flag is refused before the verb runs", "[cli][flags]") {
  auto r = iop_({"install", "--no-such-flag"});
  CHECK(r.exitCode == 2);
  CHECK_THAT(r.out, Catch::Contains("--no-such-flag"));
}

TEST_CASE("operator init takes istioctl's camelCase flags and their kebab-case aliases alike",
          "[cli][flags]") {
  auto camel = iop_({"operator", "init", "--revision", "r1", "--watchedNamespaces", "a,b",
                     "--operatorNamespace", "opns", "--dry-run"});
  auto kebab = iop_({"operator", "init", "--revision", "r1", "--watched-namespaces", "a,b",
                     "--operator-namespace", "opns", "--dryRun"});
  REQUIRE(camel.exitCode == 0);
  REQUIRE(kebab.exitCode == 0);
  CHECK(camel.out == kebab.out);
  CHECK_THAT(camel.out, Catch::Contains("value: a,b"));
  CHECK_THAT(camel.out, Catch::Contains("namespace: opns"));
}

TEST_CASE(
    "install takes --set, -y or --skip-confirmation, --dry-run and a Go duration for --readiness-timeout",
    "[cli][flags]") {
  auto file = gatewayFile();
  auto longForm = iop_({"install", "-f", file, "--set", "values.global.hub=registry.example/istio",
                        "--skip-confirmation", "--readiness-timeout", "5m", "--dry-run", "-n", "gw-ns"});
  INFO(longForm.out);
  REQUIRE(longForm.exitCode == 0);
  CHECK_THAT(longForm.out, Catch::Contains("registry.example/istio/proxyv2"));
  auto shortForm = iop_({"install", "-f", file, "-s", "values.global.hub=registry.example/istio", "-y",
                         "--readiness-timeout", "300", "--dryRun", "-n", "gw-ns"});
  CHECK(shortForm.exitCode == 0);
  CHECK(shortForm.out == longForm.out);
  CHECK(iop_({"install", "-f", file, "--readiness-timeout", "1m30s", "--dry-run"}).exitCode == 0);

  auto bad = iop_({"install", "-f", file, "--readiness-timeout", "soon", "--dry-run"});
  CHECK(bad.exitCode == 2);
  CHECK_THAT(bad.out, Catch::Contains("--readiness-timeout soon"));
  std::filesystem::remove_all(std::filesystem::path(file).parent_path());
}

TEST_CASE(
    "the verbs that talk to a cluster accept --kubeconfig, --context and -n and say which kubeconfig failed",
    "[cli][flags]") {
  const std::vector<std::string> cluster = {"--kubeconfig", "/nonexistent/kubeconfig", "--context", "c1"};
  const std::vector<std::vector<std::string>> calls = {
      {"uninstall", "--revision", "r1", "--skip-confirmation", "--dry-run", "-n", "x"},
      {"uninstall", "--revision", "r1", "-y", "--dryRun", "-n", "x"},
      {"operator", "remove", "--revision", "r1", "--skip-confirmation", "--operatorNamespace", "x"},
      {"operator", "remove", "--revision", "r1", "-y", "--operator-namespace", "x", "--dry-run"},
      {"operator", "remove", "--revision", "r1", "-y", "-n", "x"},
      {"version", "-n", "x"},
      {"run", "-n", "x", "--leader-elect", "false"},
  };
  for (auto args : calls) {
    args.insert(args.end(), cluster.begin(), cluster.end());
    auto r = iop_(args);
    INFO(args[0] + " " + args[1]);
    INFO(r.out);
    CHECK(r.exitCode == 1);
    CHECK_THAT(r.out, Catch::Contains("/nonexistent/kubeconfig"));
  }
  auto file = gatewayFile();
  auto gen = iop_({"manifest", "generate", "-f", file, "-n", "gw-ns", "--kubeconfig",
                   "/nonexistent/kubeconfig", "--context", "c1"});
  CHECK(gen.exitCode == 0);
  CHECK_THAT(gen.out, Catch::Contains("install.operator.istio.io/owning-resource-namespace: gw-ns"));
  std::filesystem::remove_all(std::filesystem::path(file).parent_path());
}

TEST_CASE(
    "run and operator init take --prune-wait as a Go duration and refuse anything else with exit code 2",
    "[cli][flags]") {
  auto help = iop_({"run", "--help"});
  CHECK_THAT(help.out, Catch::Contains("--prune-wait DURATION=2m"));
  CHECK_THAT(help.out, Catch::Contains("SIGTERM"));
  // Parsed: the run gets as far as reading the kubeconfig.
  for (const std::string good : {"90s", "1m30s", "500ms", "0", "300"}) {
    auto r = iop_({"run", "--prune-wait", good, "--kubeconfig", "/nonexistent/kubeconfig"});
    INFO(good << ": " << r.out);
    CHECK(r.exitCode == 1);
    CHECK_THAT(r.out, Catch::Contains("/nonexistent/kubeconfig"));
  }
  for (const std::string bad : {"soon", "5x", "5 minutes", "1d"}) {
    auto r = iop_({"run", "--prune-wait", bad, "--kubeconfig", "/nonexistent/kubeconfig"});
    INFO(bad << ": " << r.out);
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.out, Catch::Contains("--prune-wait " + bad + ": expected a duration"));
  }

  auto given = iop_({"operator", "init", "--dry-run", "--prune-wait", "1m30s"});
  REQUIRE(given.exitCode == 0);
  CHECK_THAT(given.out, Catch::Contains("- --prune-wait=1m30s"));
  auto left = iop_({"operator", "init", "--dry-run"});
  REQUIRE(left.exitCode == 0);
  CHECK_THAT(left.out, !Catch::Contains("--prune-wait"));
  auto bad = iop_({"operator", "init", "--dry-run", "--prune-wait", "soon"});
  CHECK(bad.exitCode == 2);
  CHECK_THAT(bad.out, Catch::Contains("--prune-wait soon"));
}

TEST_CASE("iop run serves /metrics on loopback unless told otherwise, and takes the policy flags",
          "[cli][hostile]") {
  auto help = iop::test::run({IOP_BINARY, "run", "--help"});
  CHECK_THAT(help.out, Catch::Contains("127.0.0.1:8383"));
  CHECK_THAT(help.out, Catch::Contains("--pod-security"));
  CHECK_THAT(help.out, Catch::Contains("--allowed-namespaces"));
  CHECK_THAT(help.out, Catch::Contains("--allow-rbac-webhook-overlays"));
  auto bad = iop::test::run({IOP_BINARY, "run", "--pod-security", "lax"});
  CHECK(bad.exitCode == 2);
  CHECK_THAT(bad.out, Catch::Contains("expected privileged, baseline or restricted"));
  auto badNs = iop::test::run({IOP_BINARY, "run", "--allowed-namespaces", "a,B_c"});
  CHECK(badNs.exitCode == 2);
  CHECK_THAT(badNs.out, Catch::Contains("\"B_c\" is not a namespace name"));
}

TEST_CASE(
    "operator init passes the policy flags to the operator it installs, checked before anything is written",
    "[cli][hostile]") {
  auto plain = iop::test::run({IOP_BINARY, "operator", "init", "--dry-run", "--revision", "1-8-0"});
  REQUIRE(plain.exitCode == 0);
  CHECK_THAT(plain.out, !Catch::Contains("--pod-security") && !Catch::Contains("--allowed-namespaces"));
  auto set =
      iop::test::run({IOP_BINARY, "operator", "init", "--dry-run", "--revision", "1-8-0",
                      "--allowed-namespaces", "istio-system,kube-system", "--pod-security", "privileged"});
  REQUIRE(set.exitCode == 0);
  CHECK_THAT(set.out, Catch::Contains("--allowed-namespaces=istio-system,kube-system") &&
                          Catch::Contains("--pod-security=privileged"));
  // No cluster is reachable here: a bad value is refused before init even connects.
  auto bad = iop::test::run({IOP_BINARY, "operator", "init", "--revision", "1-8-0", "--kubeconfig",
                             "/nonexistent/kubeconfig", "--allowed-namespaces", "Kube_System"});
  CHECK(bad.exitCode == 2);
  CHECK_THAT(bad.out, Catch::Contains("\"Kube_System\" is not a namespace name"));
}

TEST_CASE("each tag verb's --help shows an example, the exit codes and istioctl's flags",
          "[cli][flags][tag]") {
  for (std::string verb : {"set", "generate", "list", "remove"}) {
    auto r = iop_({"tag", verb, "--help"});
    INFO("tag " + verb + "\n" + r.out);
    CHECK(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("Example"));
    CHECK_THAT(r.out, Catch::Contains("  iop tag " + verb));
    CHECK_THAT(r.out, Catch::Contains("Exit codes"));
    CHECK_THAT(r.out, Catch::Contains("--kubeconfig"));
    CHECK_THAT(r.out, Catch::Contains("-i,--istioNamespace"));
  }
  CHECK_THAT(iop_({"tag", "set", "--help"}).out, Catch::Contains("--overwrite"));
  CHECK_THAT(iop_({"tag", "remove", "--help"}).out, Catch::Contains("-y,--skip-confirmation"));
}

TEST_CASE("tag set without --revision is bad input: exit 2 before any cluster is asked",
          "[cli][flags][tag]") {
  auto r = iop_({"tag", "set", "prod", "--kubeconfig", "/nonexistent"});
  CHECK(r.exitCode == 2);
  CHECK_THAT(r.out, Catch::Contains("--revision"));
}
