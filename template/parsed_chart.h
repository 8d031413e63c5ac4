#pragma once

// What Chart::load keeps: the chart's metadata and values as Helm reads them, its files, and
// every template parsed once into one immutable TemplateSet (in Helm's parse order, so that a
// {{define}} parsed later replaces an earlier one exactly as in Helm). Shared by all copies of
// the Chart and by concurrent renders; nothing in it changes after load.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "template/ast.h"
#include "template/chart.h"
#include "template/exec.h"
#include "template/object.h"

namespace iop::tmpl {

class ParsedChart {
 public:
  std::string name, version, appVersion;
  // .Chart as Helm's MetadataAsMap gives it (plus IsRoot), as JSON-like data; converted per render.
  Value metadata;
  // Values of values.yaml (numbers are float64: number_float).
  Value values;
  std::shared_ptr<const detail::Object> files;
  std::vector<std::pair<std::string, std::string>> crds;

  // Template names ("<chart>/templates/x.yaml") in Helm's render order (sortTemplates), without
  // partials (files whose base name starts with '_').
  std::vector<std::string> renderOrder;
  std::string basePath;  // "<chart>/templates"
  std::vector<std::unique_ptr<detail::Tree>> trees;
  detail::TemplateSet templates;
};

}  // namespace iop::tmpl
