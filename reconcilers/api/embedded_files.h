#pragma once

#include <map>
#include <string>
#include <string_view>

// Repository files compiled into the binary (the list is in CMakeLists.txt), so the operator
// ships its CRD and profiles without reading the file system.
namespace iop::reconcilers {

// Keyed by the path relative to the repository root, e.g. "crds/istiooperator.yaml".
const std::map<std::string, std::string_view, std::less<>>& embeddedFiles();

// The content of one embedded file. A missing name is a build mistake: it throws
// std::out_of_range naming the path.
std::string_view embeddedFile(std::string_view path);

}  // namespace iop::reconcilers
