#include "reconcilers/render/chart_objects.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "template/go_yaml.h"

namespace iop::reconcilers {

using nlohmann::json;

namespace {

std::string trimSpace(const std::string& s) {
  const char* ws = " \t\n\r\v\f";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// istioctl decodes each rendered document into an unstructured.Unstructured: through JSON, where
// Go writes an integral float64 without a fraction, so it comes back an int64. Whole numbers of
// the rendered objects are integers here too, which is also what the API server requires of
// integer fields.
void integralNumbers(json& v) {
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) v = static_cast<std::int64_t>(d);
  } else if (v.is_structured()) {
    for (auto& e : v) integralNumbers(e);
  }
}

// Parses each document into an object; one that does not parse is an error, one without a
// kind (an empty template, comments only) is skipped, as istioctl's manifest.Parse does.
bool parseDocuments(const std::string& file, const std::string& text, const std::string& path,
                    std::vector<json>& out, FieldErrors& errors) {
  for (const auto& doc : splitYamlDocuments(text)) {
    auto parsed = tmpl::parseYaml(doc);
    if (!parsed) {
      errors.push_back({path, file + ": rendered output is not YAML: " + parsed.error().message});
      return false;
    }
    if (parsed->is_null()) continue;
    if (!parsed->is_object()) {
      errors.push_back({path, file + ": rendered a document that is not an object"});
      return false;
    }
    auto kind = parsed->find("kind");
    if (kind == parsed->end() || !kind->is_string() || kind->get<std::string>().empty()) continue;
    integralNumbers(*parsed);
    out.push_back(std::move(*parsed));
  }
  return true;
}

}  // namespace

std::vector<std::string> splitYamlDocuments(const std::string& text) {
  std::vector<std::string> parts;
  std::string active;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    std::string_view line(text.data() + pos, end - pos);
    if (line.starts_with("---")) {
      parts.push_back(std::move(active));
      active.clear();
    } else {
      active.append(line);
    }
    pos = end;
  }
  if (!active.empty()) parts.push_back(std::move(active));
  std::vector<std::string> out;
  for (auto& p : parts) {
    std::string t = trimSpace(p);
    if (!t.empty()) out.push_back(std::move(t));
  }
  return out;
}

ChartObjects renderChartObjects(const IstioManifests& manifests, const std::string& chart,
                                const std::string& ns, const json& values, const std::string& path,
                                FieldErrors& errors, std::stop_token stop) {
  ChartObjects result;
  auto loaded = manifests.chart(chart);
  if (!loaded) {
    errors.push_back({path, loaded.error().message});
    return result;
  }
  tmpl::ReleaseOptions release;
  release.name = "istio";
  release.namespace_ = ns;
  // istioctl renders with Helm's default capabilities and the oldest Kubernetes version Istio
  // supports (istioctl/pkg/install/k8sversion.MinK8SVersion of the pinned release); no chart of
  // Istio's branches on them except a GKE check in istio-cni.
  tmpl::Capabilities caps;
  caps.kubeVersion = "v1.32.0";
  caps.kubeMajor = "1";
  caps.kubeMinor = "32";
  tmpl::Limits limits;
  limits.stop = std::move(stop);
  auto rendered = tmpl::render(**loaded, values, release, caps, limits);
  if (!rendered) {
    errors.push_back({path, rendered.error().message});
    return result;
  }
  // std::map iterates in file-name order, which is the order istioctl emits them in.
  for (const auto& [file, text] : *rendered) {
    if (file.ends_with(".txt")) {
      size_t pos = 0;
      while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        if (line.starts_with("WARNING: ")) result.warnings.push_back(line.substr(9));
        if (nl == std::string::npos) break;
        pos = nl + 1;
      }
      continue;
    }
    if (!parseDocuments(file, text, path, result.objects, errors)) return {};
  }
  // Charts' crds/ folders (Istio's base chart renders its CRDs from templates today, but an
  // older or custom chart may keep them there), skipped when base.enableIstioConfigCRDs is false.
  static const json::json_pointer kCrdToggle("/base/enableIstioConfigCRDs");
  const bool crdsOff =
      (*loaded)->name() == "base" && values.contains(kCrdToggle) && values.at(kCrdToggle) == json(false);
  if (!crdsOff) {
    for (const auto& [file, text] : (*loaded)->crdFiles()) {
      if (!parseDocuments(file, text, path, result.objects, errors)) return {};
    }
  }
  return result;
}

}  // namespace iop::reconcilers
