// `iop manifest diff`'s bad-input exits: 2 and a message naming the file or field, before any
// connection to a cluster (the kubeconfig given here does not exist).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "test/support/process.h"

TEST_CASE("manifest diff exits 2 naming the file it cannot read, the field that is wrong, or the missing -f",
          "[cli][diff]") {
  const std::string noCluster = "--kubeconfig=/nonexistent/kubeconfig";
  auto missing = iop::test::run({IOP_BINARY, "manifest", "diff", "-f", "/nonexistent/gw.yaml", noCluster});
  CHECK(missing.exitCode == 2);
  CHECK_THAT(missing.out, Catch::Contains("/nonexistent/gw.yaml: cannot read the file"));

  auto dir = std::filesystem::temp_directory_path() / ("iop-diff-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto typo = (dir / "typo.yaml").string();
  std::ofstream(typo) << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: gw}\n"
                         "spec:\n  profile: empty\n  components:\n    ingressGateway: []\n";
  auto bad = iop::test::run({IOP_BINARY, "manifest", "diff", "-f", typo, noCluster});
  CHECK(bad.exitCode == 2);
  CHECK_THAT(bad.out, Catch::Contains("spec.components.ingressGateway: unknown field"));

  auto set =
      iop::test::run({IOP_BINARY, "manifest", "diff", "-f", typo, "--set", "revision=1.8.0", noCluster});
  CHECK(set.exitCode == 2);

  auto none = iop::test::run({IOP_BINARY, "manifest", "diff", noCluster});
  CHECK(none.exitCode == 2);
  CHECK_THAT(none.out, Catch::Contains("-f FILE is required"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("manifest diff exits 3 when the cluster cannot be reached, never 0 or 1", "[cli][diff]") {
  auto dir = std::filesystem::temp_directory_path() / ("iop-diff3-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto gw = (dir / "gw.yaml").string();
  std::ofstream(gw) << "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata: {name: gw}\n"
                       "spec:\n  profile: empty\n";
  auto r = iop::test::run({IOP_BINARY, "manifest", "diff", "-f", gw, "--kubeconfig=/nonexistent/kubeconfig"});
  CHECK(r.exitCode == 3);
  CHECK_THAT(r.out, Catch::Contains("/nonexistent/kubeconfig"));
  std::filesystem::remove_all(dir);
}
