// Every CR of the bad-CR corpus (test/data/bad-crs) goes through the same parse, validate and
// render steps the reconciler runs, without a cluster: each must fail with its expected message.
#include "test/support/bad_crs.h"

#include <catch2/catch.hpp>

#include "reconcilers/api/istio_operator.h"
#include "reconcilers/render/render.h"

using namespace iop::reconcilers;

namespace {

// What the reconciler would report: the validation errors, or else the render errors.
std::string iopErrors(const std::string& text) {
  auto parsed = parseIstioOperator(text, {.profiles = IstioManifests::compiledIn()->profileNames()});
  FieldErrors errors = parsed.errors;
  if (parsed.ok()) errors = render(*parsed.iop, {.iopVersion = "test"}).errors;
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "; ") + e.str();
  return out;
}

}  // namespace

TEST_CASE("every CR of the bad-CR corpus is rejected by iop with its expected message", "[fault][bad-crs]") {
  auto corpus = iop::test::loadBadCRs(std::string(IOP_SOURCE_DIR) + "/test/data/bad-crs");
  REQUIRE(corpus.size() >= 40);
  for (const auto& cr : corpus) {
    std::string errors = iopErrors(iop::test::instantiate(cr.text, "fault", "bad-crs"));
    INFO(cr.file << " reported: " << errors);
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
  CHECK(iopErrors(iop::test::instantiate(good, "fault", "bad-crs")).empty());
}
