#pragma once

#include <map>
#include <string>
#include <string_view>

namespace iop::reconcilers {

// Istio's manifests compiled in at build time (cmake/istio_manifests.cmake), keyed by the path
// relative to `manifests/`: "charts/base/Chart.yaml", "profiles/default.yaml", ...
const std::map<std::string, std::string_view, std::less<>>& compiledInIstioFiles();

}  // namespace iop::reconcilers
