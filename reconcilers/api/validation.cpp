#include <algorithm>
#include <map>
#include <memory>
#include <regex>
#include <set>

#include "reconcilers/api/istio_operator.h"
#include "reconcilers/api/json_tree.h"

namespace iop::reconcilers {
namespace {

using nlohmann::json;

// A tiny schema language for the IstioOperator API: enough to name unknown fields and wrong
// types with their paths. Kubernetes-typed settings (affinity, resources, ...) are checked to
// be objects/lists; their insides are Kubernetes' to validate on apply.
struct Schema {
  enum class Kind { Object, FreeObject, StringMap, String, Bool, Int, Scalar, List, Any };
  Kind kind = Kind::Any;
  std::map<std::string, std::shared_ptr<const Schema>> fields;  // Object
  std::shared_ptr<const Schema> elem;                           // List
};
using SchemaPtr = std::shared_ptr<const Schema>;

SchemaPtr make(Schema::Kind k) {
  auto s = std::make_shared<Schema>();
  s->kind = k;
  return s;
}
SchemaPtr object(std::map<std::string, SchemaPtr> fields) {
  auto s = std::make_shared<Schema>();
  s->kind = Schema::Kind::Object;
  s->fields = std::move(fields);
  return s;
}
SchemaPtr list(SchemaPtr elem) {
  auto s = std::make_shared<Schema>();
  s->kind = Schema::Kind::List;
  s->elem = std::move(elem);
  return s;
}

const SchemaPtr kString = make(Schema::Kind::String);
const SchemaPtr kBool = make(Schema::Kind::Bool);
const SchemaPtr kInt = make(Schema::Kind::Int);
const SchemaPtr kScalar = make(Schema::Kind::Scalar);
const SchemaPtr kFree = make(Schema::Kind::FreeObject);
const SchemaPtr kStringMap = make(Schema::Kind::StringMap);
const SchemaPtr kAny = make(Schema::Kind::Any);

SchemaPtr k8sSchema() {
  auto patch = object({{"path", kString}, {"value", kAny}});
  auto overlay =
      object({{"apiVersion", kString}, {"kind", kString}, {"name", kString}, {"patches", list(patch)}});
  return object({{"affinity", kFree},
                 {"env", list(kFree)},
                 {"hpaSpec", kFree},
                 {"imagePullPolicy", kString},
                 {"nodeSelector", kStringMap},
                 {"podDisruptionBudget", kFree},
                 {"podAnnotations", kStringMap},
                 {"priorityClassName", kString},
                 {"readinessProbe", kFree},
                 {"replicaCount", kInt},
                 {"resources", kFree},
                 {"service", kFree},
                 {"serviceAnnotations", kStringMap},
                 {"securityContext", kFree},
                 {"strategy", kFree},
                 {"tolerations", list(kFree)},
                 {"volumes", list(kFree)},
                 {"volumeMounts", list(kFree)},
                 {"overlays", list(overlay)}});
}

const SchemaPtr& rootSchema() {
  static const SchemaPtr root = [] {
    auto k8s = k8sSchema();
    auto base = object({{"enabled", kBool}, {"k8s", k8s}});
    auto component = object(
        {{"enabled", kBool}, {"namespace", kString}, {"hub", kString}, {"tag", kScalar}, {"k8s", k8s}});
    auto gateway = object({{"enabled", kBool},
                           {"namespace", kString},
                           {"hub", kString},
                           {"tag", kScalar},
                           {"k8s", k8s},
                           {"name", kString},
                           {"label", kStringMap}});
    auto components = object({{"base", base},
                              {"pilot", component},
                              {"cni", component},
                              {"ztunnel", component},
                              {"istiodRemote", component},
                              {"ingressGateways", list(gateway)},
                              {"egressGateways", list(gateway)}});
    auto spec = object({{"profile", kString},
                        {"installPackagePath", kString},
                        {"hub", kString},
                        {"tag", kScalar},
                        {"namespace", kString},
                        {"revision", kString},
                        {"compatibilityVersion", kString},
                        {"meshConfig", kFree},
                        {"components", components},
                        {"values", kFree},
                        {"unvalidatedValues", kFree}});
    return object(
        {{"apiVersion", kString}, {"kind", kString}, {"metadata", kFree}, {"spec", spec}, {"status", kAny}});
  }();
  return root;
}

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string typeName(const json& v) {
  switch (v.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "a list";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

void check(const json& v, const Schema& s, const std::string& path, FieldErrors& errs) {
  auto wrongType = [&](const std::string& expected) {
    errs.push_back({path, "expected " + expected + ", got " + typeName(v)});
  };
  if (v.is_null() && s.kind != Schema::Kind::Any) return;  // null means "unset" in every Go decoder
  switch (s.kind) {
    case Schema::Kind::Any:
      return;
    case Schema::Kind::String:
      if (!v.is_string()) wrongType("a string");
      return;
    case Schema::Kind::Bool:
      if (!v.is_boolean()) wrongType("a boolean (true or false)");
      return;
    case Schema::Kind::Int:
      if (!v.is_number_integer() && !v.is_number_unsigned()) {
        wrongType("an integer");
      } else if (v.get<long long>() < 0) {
        errs.push_back({path, "must not be negative"});
      }
      return;
    case Schema::Kind::Scalar:
      if (!v.is_string() && !v.is_number()) wrongType("a string or a number");
      return;
    case Schema::Kind::FreeObject:
      if (!v.is_object()) wrongType("an object");
      return;
    case Schema::Kind::StringMap:
      if (!v.is_object()) {
        wrongType("a map of strings");
        return;
      }
      for (const auto& [k, item] : v.items()) {
        if (!item.is_string())
          errs.push_back({path + "." + k, "expected a string (quote it), got " + typeName(item)});
      }
      return;
    case Schema::Kind::List:
      if (!v.is_array()) {
        wrongType("a list");
        return;
      }
      for (size_t i = 0; i < v.size(); ++i) check(v[i], *s.elem, path + "[" + std::to_string(i) + "]", errs);
      return;
    case Schema::Kind::Object:
      if (!v.is_object()) {
        wrongType("an object");
        return;
      }
      for (const auto& [k, item] : v.items()) {
        std::string childPath = path.empty() ? k : path + "." + k;
        auto it = s.fields.find(k);
        if (it != s.fields.end()) {
          check(item, *it->second, childPath, errs);
          continue;
        }
        std::string best;
        size_t bestD = SIZE_MAX;
        for (const auto& [name, _] : s.fields) {
          size_t d = editDistance(k, name);
          if (d < bestD) bestD = d, best = name;
        }
        std::string msg = "unknown field";
        if (!best.empty() && bestD <= std::max<size_t>(2, best.size() / 2)) {
          msg += "; did you mean " + best + "?";
        } else {
          msg += "; valid fields are:";
          for (const auto& [name, _] : s.fields) msg += " " + name;
        }
        errs.push_back({childPath, msg});
      }
      return;
  }
}

void checkGateways(const json& spec, const std::string& key, FieldErrors& errs) {
  auto gws = getPath(spec, "components." + key);
  if (!gws || !gws->is_array()) return;
  std::map<std::string, size_t> seen;
  static const std::regex kName(R"(^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$)");
  for (size_t i = 0; i < gws->size(); ++i) {
    const json& gw = (*gws)[i];
    std::string path = "spec.components." + key + "[" + std::to_string(i) + "]";
    if (!gw.is_object()) continue;
    auto name = gw.find("name");
    if (name == gw.end() || !name->is_string() || name->get<std::string>().empty()) {
      errs.push_back(
          {path + ".name", "required: every gateway needs a name (it names its Deployment and Service)"});
      continue;
    }
    std::string n = name->get<std::string>();
    if (n.size() > 253 || !std::regex_match(n, kName)) {
      errs.push_back({path + ".name", "\"" + n + "\" is not a valid Kubernetes object name"});
    }
    auto [it, inserted] = seen.emplace(n, i);
    if (!inserted) {
      errs.push_back({path + ".name", "duplicate gateway name \"" + n + "\" (also used by spec.components." +
                                          key + "[" + std::to_string(it->second) + "])"});
    }
  }
}

}  // namespace

bool isDns1123Label(const std::string& s) {
  static const std::regex kLabel(R"(^[a-z0-9]([-a-z0-9]*[a-z0-9])?$)");
  return !s.empty() && s.size() <= 63 && std::regex_match(s, kLabel);
}

FieldErrors validateIstioOperator(const json& doc, const ValidationOptions& options) {
  FieldErrors errs;
  if (!doc.is_object()) {
    errs.push_back({"", "an IstioOperator must be an object, got " + typeName(doc)});
    return errs;
  }
  auto apiVersion = doc.find("apiVersion");
  if (apiVersion == doc.end() || *apiVersion != kIstioOperatorApiVersion) {
    errs.push_back({"apiVersion", std::string("must be ") + kIstioOperatorApiVersion});
  }
  auto kind = doc.find("kind");
  if (kind == doc.end() || *kind != kIstioOperatorKind) {
    errs.push_back({"kind", std::string("must be ") + kIstioOperatorKind});
  }
  check(doc, *rootSchema(), "", errs);
  for (const char* f : {"name", "namespace"}) {
    auto v = getPath(doc, std::string("metadata.") + f);
    if (v && !v->is_null() && !v->is_string()) {
      errs.push_back({std::string("metadata.") + f, "expected a string, got " + typeName(*v)});
    }
  }
  const json spec = doc.value("spec", json::object());
  if (!spec.is_object()) return errs;

  if (auto rev = spec.find("revision");
      rev != spec.end() && rev->is_string() && !rev->get<std::string>().empty()) {
    const std::string r = rev->get<std::string>();
    if (!isDns1123Label(r)) {
      std::string msg = "\"" + r +
                        "\" is not a valid revision: it must be a DNS-1123 label (lower case letters, digits "
                        "and '-', starting and ending with a letter or digit, at most 63 characters)";
      if (r.find('.') != std::string::npos) {
        msg +=
            "; dots are not allowed because the revision becomes part of Kubernetes object names and "
            "labels (istiod-<revision>, istio.io/rev), where '.' breaks them: write 1-8-0, not 1.8.0";
      }
      errs.push_back({"spec.revision", msg});
    }
  }
  if (auto p = spec.find("profile"); p != spec.end() && p->is_string() && !options.profiles.empty()) {
    const std::string name = p->get<std::string>();
    if (!name.empty() && !options.profiles.count(name)) {
      std::string msg = "unknown profile \"" + name + "\"; known profiles:";
      for (const auto& known : options.profiles) msg += " " + known;
      errs.push_back({"spec.profile", msg});
    }
  }
  checkGateways(spec, "ingressGateways", errs);
  checkGateways(spec, "egressGateways", errs);
  return errs;
}

}  // namespace iop::reconcilers
