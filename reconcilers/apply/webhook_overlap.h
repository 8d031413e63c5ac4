#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

// istioctl's webhook analyzer (pkg/config/analysis/analyzers/webhook), which `istioctl tag set`
// runs before writing a tag: Istio's injector webhooks must not overlap (a pod matched by two
// would be injected twice), and each must call a Service that exists.
namespace iop::reconcilers {

// The analyzer's Error messages about the MutatingWebhookConfiguration `candidate` among the
// `live` ones (a live copy of the candidate's name is replaced by it), given the Services that
// exist as "namespace/name". Pure. Empty when the candidate is fine. Each message as istioctl's:
// "Webhook overlaps with others: [a/b c/d]. This may cause injection to occur twice." or
// "Injector refers to a control plane service that does not exist: ns/name.", sorted.
std::vector<std::string> webhookProblems(const std::vector<nlohmann::json>& live,
                                         const nlohmann::json& candidate,
                                         const std::vector<std::string>& services);

// Whether a Kubernetes LabelSelector (matchLabels and matchExpressions: In, NotIn, Exists,
// DoesNotExist) selects `labels`; a missing selector selects everything. Pure.
bool selectorMatches(const nlohmann::json& selector, const nlohmann::json& labels);

}  // namespace iop::reconcilers
