// istioctl's webhook analyzer as `iop tag set` runs it: injectors must not overlap, and each must
// call a Service that exists.
#include "reconcilers/apply/webhook_overlap.h"

#include <catch2/catch.hpp>

using iop::reconcilers::selectorMatches;
using iop::reconcilers::webhookProblems;
using json = nlohmann::json;

namespace {

// An injector configuration of revision `rev` whose one webhook selects namespaces istio.io/rev
// in `values`, calling Service istiod-<rev>.
json injector(const std::string& name, const std::string& rev, const std::vector<std::string>& values) {
  return {
      {"metadata", {{"name", name}, {"labels", {{"istio.io/rev", rev}}}}},
      {"webhooks",
       {{{"name", "rev.namespace.sidecar-injector.istio.io"},
         {"clientConfig", {{"service", {{"name", "istiod-" + rev}, {"namespace", "istio-system"}}}}},
         {"namespaceSelector",
          {{"matchExpressions", {{{"key", "istio.io/rev"}, {"operator", "In"}, {"values", values}}}}}}}}}};
}

}  // namespace

TEST_CASE("label selectors match as Kubernetes matches them", "[tag][webhook]") {
  const json labels = {{"istio.io/rev", "prod"}};
  CHECK(selectorMatches(json(), labels));
  CHECK(selectorMatches({{"matchLabels", {{"istio.io/rev", "prod"}}}}, labels));
  CHECK_FALSE(selectorMatches({{"matchLabels", {{"istio.io/rev", "canary"}}}}, labels));
  CHECK(selectorMatches({{"matchExpressions", {{{"key", "istio-injection"}, {"operator", "DoesNotExist"}}}}},
                        labels));
  CHECK_FALSE(selectorMatches(
      {{"matchExpressions", {{{"key", "istio.io/rev"}, {"operator", "DoesNotExist"}}}}}, labels));
  CHECK(selectorMatches({{"matchExpressions", {{{"key", "istio.io/rev"}, {"operator", "Exists"}}}}}, labels));
  CHECK_FALSE(selectorMatches(
      {{"matchExpressions", {{{"key", "istio.io/rev"}, {"operator", "NotIn"}, {"values", {"prod"}}}}}},
      labels));
}

TEST_CASE("a tag webhook is fine beside its revision's own, and overlaps one that selects the same label",
          "[tag][webhook]") {
  const std::vector<std::string> services = {"istio-system/istiod-1-8-0", "istio-system/istiod-1-8-1"};
  const json own = injector("istio-sidecar-injector-1-8-0", "1-8-0", {"1-8-0"});
  const json tag = injector("istio-revision-tag-prod", "1-8-0", {"prod"});
  CHECK(webhookProblems({own}, tag, services).empty());

  // A revision named like the tag: pods of istio.io/rev=prod namespaces would be injected twice.
  const json clash = injector("istio-sidecar-injector-prod", "prod", {"prod"});
  auto problems = webhookProblems({own, clash}, tag, services);
  REQUIRE(problems.size() == 1);
  CHECK(
      problems[0] ==
      "Webhook overlaps with others: [istio-sidecar-injector-prod/rev.namespace.sidecar-injector.istio.io]. "
      "This may cause injection to occur twice.");

  // The live copy of the tag itself (before a move) is replaced, not counted twice.
  CHECK(webhookProblems({own, tag}, tag, services).empty());
}

TEST_CASE("a tag webhook calling a Service that does not exist is reported", "[tag][webhook]") {
  const json tag = injector("istio-revision-tag-prod", "1-9-0", {"prod"});
  auto problems = webhookProblems({}, tag, {"istio-system/istiod-1-8-0"});
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] ==
        "Injector refers to a control plane service that does not exist: istio-system/istiod-1-9-0.");
}
