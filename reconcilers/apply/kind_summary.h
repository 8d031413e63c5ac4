#pragma once

#include <string>
#include <vector>

// Log lines and Events say how much of what happened, not which object: "applied 33: 15 CRDs,
// 12 RBAC, 2 webhooks, 1 Deployment, ..." stays one short line whatever the chart renders.
// Objects are named only where something went wrong (a conflict, a failure), by the callers.
namespace iop::reconcilers {

// Counts of `objects` (describeObject() strings, "Kind ns/name", possibly followed by more text)
// by kind, kinds that belong together folded (RBAC: ServiceAccounts, Roles, bindings; webhooks:
// webhook configurations and admission policies), largest first then by name, singular for one:
// "15 CRDs, 12 RBAC, 2 webhooks, 1 Deployment". "" for none. Pure.
std::string countByKind(const std::vector<std::string>& objects);

// "33: 15 CRDs, 12 RBAC, ..." (the total, then countByKind()); "0" for none.
std::string totalByKind(const std::vector<std::string>& objects);

}  // namespace iop::reconcilers
