// Every CR of the bad-CR corpus (test/data/bad-crs) goes through the same parse, validate and
// render steps the reconciler runs, without a cluster: each must fail with its expected message.
#include "test/support/bad_crs.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "reconcilers/api/istio_operator.h"
#include "reconcilers/render/render.h"
#include "test/support/process.h"

using namespace iop::reconcilers;

namespace {

// What the reconciler would report: the validation errors, or else the render errors, with the
// operator's default policy (ObjectPolicy{}) for a CR applied into namespace `ns`, as the fault
// test does (kubectl apply -n: the API server sets metadata.namespace).
std::string iopErrors(const std::string& text, const std::string& ns) {
  auto parsed = parseIstioOperator(text, {.profiles = IstioManifests::compiledIn()->profileNames()});
  FieldErrors errors = parsed.errors;
  if (parsed.ok()) {
    IstioOperator iop = *parsed.iop;
    if (iop.namespace_.empty()) iop.namespace_ = ns;
    errors = render(iop, {.iopVersion = "test", .policy = ObjectPolicy{}}).errors;
  }
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "; ") + e.str();
  return out;
}

}  // namespace

TEST_CASE("every CR of the bad-CR corpus is rejected by iop with its expected message", "[fault][bad-crs]") {
  auto corpus = iop::test::loadBadCRs(std::string(IOP_SOURCE_DIR) + "/test/data/bad-crs");
  REQUIRE(corpus.size() >= 40);
  for (const auto& cr : corpus) {
    std::string errors = iopErrors(iop::test::instantiate(cr.text, "fault", "bad-crs"), "bad-crs");
    INFO(cr.file << " reported: " << errors.substr(0, 2000));
    if (cr.renders()) {
      CHECK(errors.empty());
      continue;
    }
    CHECK_FALSE(errors.empty());
    for (const auto& expected : cr.iopMessages) CHECK(errors.find(expected) != std::string::npos);
  }
}

TEST_CASE("the bad-CR corpus template without a mistake renders without errors", "[fault][bad-crs]") {
  // A control: the same header and placeholders with an empty spec body render without errors,
  // so a failure in the corpus test comes from the mistake, not from the template.
  std::string good =
      "apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  name: good\nspec:\n"
      "  profile: empty\n  revision: ${REVISION}\n  namespace: ${NAMESPACE}\n  components:\n"
      "    ingressGateways:\n    - name: gw-good\n      enabled: true\n";
  CHECK(iopErrors(iop::test::instantiate(good, "fault", "bad-crs"), "bad-crs").empty());
}

TEST_CASE("the corpus has at least 60 hostile inputs of issue 18, in every class", "[fault][bad-crs]") {
  std::map<std::string, int> byClass;
  for (const auto& cr : iop::test::loadBadCRs(std::string(IOP_SOURCE_DIR) + "/test/data/bad-crs"))
    if (!cr.cls.empty()) ++byClass[cr.cls];
  int total = 0;
  for (const auto& [cls, count] : byClass) total += count;
  CHECK(total >= 60);
  for (const char* cls :
       {"size", "depth", "aliases", "encodings", "numbers", "names", "overlays", "regex", "tenancy"}) {
    INFO(cls);
    CHECK(byClass[cls] >= 3);
  }
}

TEST_CASE("manifest generate on any corpus file ends within 2 s and 256 MiB with exit 0 or 2, never a signal",
          "[fault][bad-crs][limits]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("iop-bad-crs-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  double slowest = 0;
  long largest = 0;
  std::string slowestFile, largestFile;
  for (const auto& cr : iop::test::loadBadCRs(std::string(IOP_SOURCE_DIR) + "/test/data/bad-crs")) {
    const fs::path file = dir / cr.file;
    std::ofstream(file, std::ios::binary) << iop::test::instantiate(cr.text, "fault", "bad-crs");
    auto r =
        iop::test::runLimited({IOP_BINARY, "manifest", "generate", "-f", file.string()}, 2.0, 256L << 20);
    INFO(cr.file << ": exit " << r.exitCode << ", signal " << r.signal << (r.timedOut ? ", timed out" : "")
                 << ", " << r.seconds << " s, " << r.maxRssKiB << " KiB: " << r.out.substr(0, 600));
    CHECK_FALSE(r.timedOut);
    CHECK(r.signal == 0);
    CHECK((r.exitCode == 0 || r.exitCode == 2));
    if (r.seconds > slowest) slowest = r.seconds, slowestFile = cr.file;
    if (r.maxRssKiB > largest) largest = r.maxRssKiB, largestFile = cr.file;
  }
  fs::remove_all(dir);
  // The figures the issue asks for, in the test's output.
  WARN("slowest: " << slowestFile << " " << slowest << " s; largest: " << largestFile << " " << largest / 1024
                   << " MiB");
}
