// What the operator caches of an IstioOperator CR: enough for its event handlers (which CR,
// which revision, is it being deleted), nothing of the spec, status or managedFields.
#include "reconcilers/operator/operator_runtime.h"

#include <catch2/catch.hpp>

using namespace iop::reconcilers;
using json = nlohmann::json;

TEST_CASE("a cached IstioOperator keeps its identity, resourceVersion and revision only",
          "[operator_runtime]") {
  json cr = {
      {"apiVersion", "install.istio.io/v1alpha1"},
      {"kind", "IstioOperator"},
      {"metadata",
       {{"name", "gw"},
        {"namespace", "ns1"},
        {"uid", "u-1"},
        {"resourceVersion", "42"},
        {"generation", 3},
        {"deletionTimestamp", "2026-11-29T00:00:00Z"},
        {"finalizers", {"istio-finalizer.install.istio.io"}},
        {"managedFields", json::array({{{"manager", "kubectl"}}})}}},
      {"spec", {{"revision", "1-8-0"}, {"profile", "empty"}, {"values", {{"global", {{"hub", "x"}}}}}}},
      {"status", {{"status", "HEALTHY"}}}};
  const json before = cr;
  trimIstioOperatorForCache(cr);
  CHECK(cr == json{{"apiVersion", "install.istio.io/v1alpha1"},
                   {"kind", "IstioOperator"},
                   {"metadata",
                    {{"name", "gw"},
                     {"namespace", "ns1"},
                     {"uid", "u-1"},
                     {"resourceVersion", "42"},
                     {"generation", 3},
                     {"deletionTimestamp", "2026-11-29T00:00:00Z"}}},
                   {"spec", {{"revision", "1-8-0"}}}});
  // The handlers' question has the same answer on the trimmed copy.
  for (const std::string rev : {"1-8-0", "default", ""})
    CHECK(revisionMatches(cr, rev) == revisionMatches(before, rev));
}

TEST_CASE("a cached IstioOperator of the default revision has no spec at all", "[operator_runtime]") {
  json cr = {{"metadata", {{"name", "cp"}, {"namespace", "istio-system"}}},
             {"spec", {{"profile", "default"}}}};
  trimIstioOperatorForCache(cr);
  CHECK(cr == json{{"metadata", {{"name", "cp"}, {"namespace", "istio-system"}}}});
  CHECK(revisionMatches(cr, "default"));
  CHECK(revisionMatches(cr, ""));
  CHECK_FALSE(revisionMatches(cr, "1-8-0"));
}
