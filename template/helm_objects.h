#pragma once

// The Go objects Helm puts into a render's values, with the fields and methods templates reach:
// .Files (engine.files), .Capabilities (*common.Capabilities with KubeVersion, APIVersions,
// HelmVersion), and the methods of common.Values (.Values.AsMap, .YAML, .Table, .PathValue).
// All are immutable and may be shared between renders and threads.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "template/chart.h"
#include "template/object.h"

namespace iop::tmpl::detail {

// engine.files: the chart's non-template files by path.
std::shared_ptr<const Object> makeFiles(std::shared_ptr<const std::map<std::string, std::string>> files);

struct CapabilitiesData {
  std::string kubeVersion;            // KubeVersion.Version (GitVersion)
  std::string kubeNormalizedVersion;  // what KubeVersion.String() prints (empty: Version)
  std::string kubeMajor, kubeMinor;
  std::vector<std::string> apiVersions;
  // version.BuildInfo
  std::string helmVersion, helmGitCommit, helmGitTreeState, helmGoVersion, helmKubeClientVersion;
};
std::shared_ptr<const Object> makeCapabilities(CapabilitiesData data);

// Helm's DefaultCapabilities as the reference build of Helm v4.2.0 has them.
CapabilitiesData defaultCapabilities();

// gobwas/glob with '/' as separator (Files.Glob): `*`, `**`, `?`, `[...]`, `{a,b}`.
bool globMatch(std::string_view pattern, std::string_view name);

}  // namespace iop::tmpl::detail
