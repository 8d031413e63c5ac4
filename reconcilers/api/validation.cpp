#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "reconcilers/api/budgets.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/api/json_tree.h"
#include "reconcilers/api/names.h"
#include "reconcilers/api/values_schema.h"

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

void check(const json& v, const Schema& s, const std::string& path, FieldErrors& errs) {
  auto wrongType = [&](const std::string& expected) {
    errs.push_back({path, "expected " + expected + ", got " + jsonTypeName(v)});
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
          errs.push_back({path + "." + k, "expected a string (quote it), got " + jsonTypeName(item)});
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

std::string idx(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Budgets and encodings, over the whole document in one walk: nesting depth, number of values,
// string sizes and control characters, numbers JSON cannot carry faithfully. Stops descending
// at the depth limit, so a document of any depth costs one pass over its first levels.
struct Walk {
  FieldErrors& errs;
  std::size_t values = 0;
  bool tooMany = false;

  void operator()(const json& v, const std::string& path, std::size_t depth) {
    if (++values > kMaxCRValues) {
      if (!tooMany)
        errs.push_back({path, "the IstioOperator has more than " + std::to_string(kMaxCRValues) + " values"});
      tooMany = true;
      return;
    }
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (s.size() > kMaxStringBytes)
        errs.push_back({path, "a string of " + std::to_string(s.size()) + " bytes; at most " +
                                  std::to_string(kMaxStringBytes) + " are allowed"});
      for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F) {
          errs.push_back({path, u == 0 ? "a NUL byte is not allowed in a value"
                                       : "control characters (other than tab and newline) are not allowed"});
          break;
        }
      }
      return;
    }
    if (v.is_number_float() && !std::isfinite(v.get<double>())) {
      errs.push_back({path, "the number is not finite"});
      return;
    }
    if (!v.is_structured()) return;
    if (depth + 1 > kMaxCRDepth) {
      errs.push_back(
          {path, "maps and lists nested more than " + std::to_string(kMaxCRDepth) + " levels deep"});
      return;
    }
    if (v.is_array()) {
      for (std::size_t i = 0; i < v.size() && !tooMany; ++i) (*this)(v[i], idx(path, i), depth + 1);
    } else {
      for (const auto& [k, item] : v.items()) {
        if (tooMany) break;
        (*this)(item, path.empty() ? k : path + "." + k, depth + 1);
      }
    }
  }
};

void checkName(const json& v, const std::string& path, NameSyntax syntax, const std::string& what,
               FieldErrors& errs) {
  if (!v.is_string()) return;
  if (auto problem = nameProblem(v.get<std::string>(), syntax))
    errs.push_back({path, *problem + " (" + what + ")"});
}

// An int32 field of a Kubernetes object, within [min, 2^31-1].
// An image hub (registry host and repository path, as the charts prefix image names with it)
// and an image tag, by the syntax of container image references: ASCII only, so nothing a
// terminal or a log viewer could render as something else reaches a Deployment.
void checkImagePart(const json& v, const std::string& path, bool hub, FieldErrors& errs) {
  if (!v.is_string()) return;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.empty()) return;
  const std::size_t max = hub ? 255 : 128;
  bool ok = s.size() <= max;
  for (std::size_t i = 0; ok && i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    ok = hub ? (word || c == '.' || c == '-' || c == ':' || c == '/')
             : (word || (i > 0 && (c == '.' || c == '-')));
  }
  if (hub && ok) ok = s.front() != '/' && s.back() != '/' && s.find("//") == std::string::npos;
  if (ok) return;
  const std::string shown = s.size() > 70 ? s.substr(0, 70) + "..." : s;
  errs.push_back(
      {path, hub ? "\"" + shown +
                       "\" is not an image hub: a registry host and repository path of at most 255 ASCII "
                       "letters, digits and . _ - : /"
                 : "\"" + shown +
                       "\" is not an image tag: at most 128 ASCII letters, digits and _ . -, not "
                       "starting with . or -"});
}

void checkInt32(const json& obj, const char* key, const std::string& path, long long min, FieldErrors& errs) {
  if (!obj.is_object()) return;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number()) return;
  const std::string p = path + "." + key;
  if (it->is_number_float()) {
    errs.push_back({p, "expected an integer, got " + it->dump()});
    return;
  }
  const bool tooBig = it->is_number_unsigned() ? it->get<unsigned long long>() > 2147483647ULL
                                               : it->get<long long>() > 2147483647LL;
  if (tooBig || (!it->is_number_unsigned() && it->get<long long>() < min))
    errs.push_back({p, it->dump() + " is out of range: it must be between " + std::to_string(min) +
                           " and 2147483647 (a Kubernetes int32)"});
}

void checkCount(const json& list, const std::string& path, std::size_t max, const std::string& what,
                FieldErrors& errs) {
  if (list.is_array() && list.size() > max)
    errs.push_back({path, std::to_string(list.size()) + " " + what + "; at most " + std::to_string(max) +
                              " are allowed"});
}

// The `k8s` settings of one component: budgets, names, numbers, overlay paths.
void checkK8s(const json& k8s, const std::string& path, std::size_t& patchesInCR, FieldErrors& errs) {
  if (!k8s.is_object()) return;
  for (const char* list : {"env", "volumes", "volumeMounts", "tolerations"})
    if (k8s.contains(list)) checkCount(k8s[list], path + "." + list, kMaxK8sListItems, "entries", errs);
  checkInt32(k8s, "replicaCount", path, 0, errs);
  if (auto hpa = k8s.find("hpaSpec"); hpa != k8s.end()) {
    checkInt32(*hpa, "minReplicas", path + ".hpaSpec", 1, errs);
    checkInt32(*hpa, "maxReplicas", path + ".hpaSpec", 1, errs);
  }
  for (const char* map : {"nodeSelector", "podAnnotations", "serviceAnnotations"}) {
    auto m = k8s.find(map);
    if (m == k8s.end() || !m->is_object()) continue;
    for (const auto& [key, _] : m->items())
      if (auto problem = nameProblem(key, NameSyntax::QualifiedName))
        errs.push_back({path + "." + map + "." + key, *problem});
  }
  if (auto ports = getPath(k8s, "service.ports"); ports && ports->is_array()) {
    checkCount(*ports, path + ".service.ports", kMaxK8sListItems, "ports", errs);
    for (std::size_t i = 0; i < ports->size() && i < kMaxK8sListItems; ++i) {
      checkInt32((*ports)[i], "port", idx(path + ".service.ports", i), 1, errs);
      for (const char* k : {"port", "targetPort", "nodePort"}) {
        const json p = (*ports)[i].is_object() ? (*ports)[i].value(k, json()) : json();
        if (p.is_number() && (p.is_number_float() || p.get<double>() < (std::string(k) == "port" ? 1 : 0) ||
                              p.get<double>() > 65535))
          errs.push_back(
              {idx(path + ".service.ports", i) + "." + k, p.dump() + " is not a port number (1-65535)"});
      }
    }
  }
  auto overlays = k8s.find("overlays");
  if (overlays == k8s.end() || !overlays->is_array()) return;
  checkCount(*overlays, path + ".overlays", kMaxOverlays, "overlays", errs);
  for (std::size_t o = 0; o < overlays->size() && o < kMaxOverlays; ++o) {
    const json& overlay = (*overlays)[o];
    const std::string op = idx(path + ".overlays", o);
    if (!overlay.is_object()) continue;
    auto patches = overlay.find("patches");
    if (patches == overlay.end() || !patches->is_array()) continue;
    checkCount(*patches, op + ".patches", kMaxPatchesPerOverlay, "patches", errs);
    if (patchesInCR <= kMaxPatches && patchesInCR + patches->size() > kMaxPatches)
      errs.push_back({op + ".patches", "the overlays of this IstioOperator have more than " +
                                           std::to_string(kMaxPatches) + " patches in all"});
    patchesInCR += patches->size();
    for (std::size_t p = 0; p < patches->size() && p < kMaxPatchesPerOverlay; ++p) {
      const json& patch = (*patches)[p];
      if (!patch.is_object() || !patch.contains("path") || !patch["path"].is_string()) continue;
      const std::string& text = patch["path"].get_ref<const std::string&>();
      const std::string pp = idx(op + ".patches", p) + ".path";
      auto segs = splitPath(text);
      if (segs.size() > kMaxOverlayPathSegments) {
        errs.push_back({pp, "a path of " + std::to_string(segs.size()) + " segments; at most " +
                                std::to_string(kMaxOverlayPathSegments) + " are allowed"});
        continue;
      }
      for (const auto& seg : segs) {
        if (seg.size() > kMaxSelectorPatternBytes + 2)
          errs.push_back({pp, "a path segment of " + std::to_string(seg.size()) + " bytes; at most " +
                                  std::to_string(kMaxSelectorPatternBytes) + " are allowed"});
      }
    }
  }
}

void checkGateways(const json& spec, FieldErrors& errs) {
  // Two gateways render the same Deployment, Service, ServiceAccount, ... when their names and
  // namespaces meet, whether ingress or egress: each would overwrite the other's objects on
  // every reconcile.
  std::map<std::pair<std::string, std::string>, std::string> seen;  // (namespace, name) -> path
  std::size_t total = 0;
  for (const char* key : {"ingressGateways", "egressGateways"}) {
    auto gws = getPath(spec, std::string("components.") + key);
    if (!gws || !gws->is_array()) continue;
    total += gws->size();
    for (size_t i = 0; i < gws->size() && i < kMaxGateways; ++i) {
      const json& gw = (*gws)[i];
      std::string path = idx(std::string("spec.components.") + key, i);
      if (!gw.is_object()) continue;
      auto name = gw.find("name");
      if (name == gw.end() || !name->is_string() || name->get<std::string>().empty()) {
        errs.push_back(
            {path + ".name", "required: every gateway needs a name (it names its Deployment and Service)"});
        continue;
      }
      std::string n = name->get<std::string>();
      if (auto problem = nameProblem(n, NameSyntax::Dns1035Label)) {
        errs.push_back({path + ".name", *problem});
        continue;
      }
      std::string ns =
          gw.contains("namespace") && gw["namespace"].is_string() ? gw["namespace"].get<std::string>() : "";
      auto [it, inserted] = seen.emplace(std::make_pair(ns, n), path);
      if (!inserted) {
        errs.push_back({path + ".name", "duplicate gateway name \"" + n + "\" (also used by " + it->second +
                                            "): both would render the same Deployment and Service"});
      }
      if (auto label = gw.find("label"); label != gw.end() && label->is_object()) {
        for (const auto& [k, v] : label->items()) {
          if (auto problem = nameProblem(k, NameSyntax::QualifiedName))
            errs.push_back({path + ".label." + k, *problem});
          if (v.is_string())
            if (auto problem = nameProblem(v.get<std::string>(), NameSyntax::LabelValue))
              errs.push_back({path + ".label." + k, *problem});
        }
      }
    }
  }
  if (total > kMaxGateways)
    errs.push_back({"spec.components", std::to_string(total) + " gateways; at most " +
                                           std::to_string(kMaxGateways) + " are allowed"});
}

}  // namespace

FieldErrors validateIstioOperator(const json& doc, const ValidationOptions& options) {
  FieldErrors errs;
  if (!doc.is_object()) {
    errs.push_back({"", "an IstioOperator must be an object, got " + jsonTypeName(doc)});
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
  Walk walk{errs};
  walk(doc, "", 0);
  // Past a budget, the rest of the checks would only repeat the problem at every level.
  if (!errs.empty()) return errs;
  check(doc, *rootSchema(), "", errs);
  for (const char* f : {"name", "namespace"}) {
    auto v = getPath(doc, std::string("metadata.") + f);
    if (v && !v->is_null() && !v->is_string()) {
      errs.push_back({std::string("metadata.") + f, "expected a string, got " + jsonTypeName(*v)});
    }
  }
  // The CR's name and namespace become the values of the ownership labels on every object.
  if (auto v = getPath(doc, "metadata.name"); v && v->is_string() && !v->get<std::string>().empty()) {
    const std::string& n = v->get_ref<const std::string&>();
    if (!isDns1123Subdomain(n) || n.size() > 63)
      errs.push_back(
          {"metadata.name", "\"" + (n.size() > 70 ? n.substr(0, 70) + "..." : n) +
                                "\" is not a valid IstioOperator name: a DNS-1123 subdomain of at most "
                                "63 characters (it becomes the value of an ownership label)"});
  }
  if (auto v = getPath(doc, "metadata.namespace"); v && v->is_string() && !v->get<std::string>().empty())
    checkName(*v, "metadata.namespace", NameSyntax::Dns1123Label, "a namespace", errs);
  const json spec = doc.value("spec", json::object());
  if (!spec.is_object()) return errs;
  if (auto ns = spec.find("namespace");
      ns != spec.end() && ns->is_string() && !ns->get<std::string>().empty())
    checkName(*ns, "spec.namespace", NameSyntax::Dns1123Label, "a namespace", errs);
  if (auto ns = getPath(spec, "values.global.istioNamespace"); ns && ns->is_string())
    checkName(*ns, "spec.values.global.istioNamespace", NameSyntax::Dns1123Label, "a namespace", errs);
  if (auto hub = spec.find("hub"); hub != spec.end()) checkImagePart(*hub, "spec.hub", true, errs);
  if (auto tag = spec.find("tag"); tag != spec.end()) checkImagePart(*tag, "spec.tag", false, errs);
  if (auto tag = spec.find("tag"); tag != spec.end() && tag->is_number_float())
    errs.push_back(
        {"spec.tag",
         "the number " + tag->dump() +
             " is not an image tag: quote it (tag: \"1.10\"), since as a number 1.10 reads as 1.1"});
  std::size_t patchesInCR = 0;
  if (auto components = spec.find("components"); components != spec.end() && components->is_object()) {
    for (const auto& [name, c] : components->items()) {
      const std::string base = "spec.components." + name;
      auto each = [&](const json& comp, const std::string& path) {
        if (!comp.is_object()) return;
        if (auto ns = comp.find("namespace");
            ns != comp.end() && ns->is_string() && !ns->get<std::string>().empty())
          checkName(*ns, path + ".namespace", NameSyntax::Dns1123Label, "a namespace", errs);
        if (auto hub = comp.find("hub"); hub != comp.end()) checkImagePart(*hub, path + ".hub", true, errs);
        if (auto tag = comp.find("tag"); tag != comp.end()) checkImagePart(*tag, path + ".tag", false, errs);
        if (auto tag = comp.find("tag"); tag != comp.end() && tag->is_number_float())
          errs.push_back({path + ".tag", "the number " + tag->dump() + " is not an image tag: quote it"});
        if (auto k8s = comp.find("k8s"); k8s != comp.end()) checkK8s(*k8s, path + ".k8s", patchesInCR, errs);
      };
      if (c.is_array()) {
        for (std::size_t i = 0; i < c.size() && i < kMaxGateways; ++i) each(c[i], idx(base, i));
      } else {
        each(c, base);
      }
    }
  }
  checkIstioValues(spec, errs);
  // A host name or an address: bounded before any renderer parses it.
  if (auto remote = getPath(spec, "values.global.remotePilotAddress");
      remote && remote->is_string() && remote->get_ref<const std::string&>().size() > 253)
    errs.push_back({"spec.values.global.remotePilotAddress",
                    "at most 253 characters (a host name or an IP address), got " +
                        std::to_string(remote->get_ref<const std::string&>().size())});

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
  checkGateways(spec, errs);
  return errs;
}

}  // namespace iop::reconcilers
