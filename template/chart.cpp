// Chart::load: Helm v4's loader.LoadFiles for one chart (Chart.yaml, values.yaml, templates/,
// everything else as .Files), with its metadata validation, and Helm's template parse order.

#include <algorithm>

#include "template/chart.h"
#include "template/go_yaml.h"
#include "template/parsed_chart.h"
#include "template/parser.h"
#include "template/helm_objects.h"
#include "template/go_fmt.h"
#include "template/yaml_resolve.h"

namespace iop::tmpl {

namespace {

using detail::Type;
using detail::Val;

// Metadata.Validate's sanitizeString: whitespace becomes ' ', non-printable runes are dropped.
std::string sanitize(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    auto r = detail::decodeRune(s, i);
    if (detail::isSpaceRune(r.r)) {
      out.push_back(' ');
    } else if (detail::isPrintRune(r.r)) {
      detail::appendRune(out, r.r);
    }
    i += static_cast<std::size_t>(r.width);
  }
  return out;
}

// encoding/json matches struct fields case-insensitively.
const Val* field(const Val& m, std::string_view name) {
  if (!m.m()) return nullptr;
  if (const Val* v = m.m()->find(name)) return v;
  for (const auto& [k, v] : m.m()->items) {
    if (k.size() == name.size() &&
        std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return &v;
    }
  }
  return nullptr;
}

// A Chart.yaml string field: scalars that are not strings become strings as sigs.k8s.io/yaml
// converts them for a string target.
std::optional<std::string> stringField(const Val& m, std::string_view name, std::string& error) {
  const Val* v = field(m, name);
  if (!v || v->type() == Type::Nil) return std::string();
  switch (v->type()) {
    case Type::String:
      return v->s();
    case Type::Bool:
      return std::string(v->b() ? "true" : "false");
    case Type::Float64: {
      double f = v->f();
      if (f == static_cast<double>(static_cast<std::int64_t>(f)) && std::fabs(f) < 1e15) {
        return std::to_string(static_cast<std::int64_t>(f));
      }
      return detail::formatFloat32g(f);
    }
    default:
      error = "cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal " +
              std::string(v->isMapType() ? "object" : "array") + " into Go struct field Metadata." + std::string(name) +
              " of type string";
      return std::nullopt;
  }
}

// A minimal check of Masterminds/semver's NewVersion (loose).
bool validSemver(const std::string& s) {
  std::string_view v = s;
  if (!v.empty() && (v[0] == 'v' || v[0] == 'V')) v.remove_prefix(1);
  auto cut = v.find_first_of("-+");
  std::string_view core = v.substr(0, cut);
  if (core.empty()) return false;
  int parts = 0;
  std::size_t start = 0;
  for (;;) {
    auto dot = core.find('.', start);
    std::string_view p = core.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (p.empty() || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    if (p.size() > 1 && p[0] == '0') return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts > 3) return false;
  if (cut != std::string_view::npos) {
    std::string_view rest = v.substr(cut + 1);
    if (rest.empty()) return false;
    for (char c : rest) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '+')) return false;
    }
  }
  return true;
}

Value stringList(const Val* v) {
  Value a = Value::array();
  if (v && v->l()) {
    for (const auto& e : v->l()->items) a.push_back(e.type() == Type::String ? Value(e.s()) : detail::toJson(e));
  }
  return a;
}

// Helm's sortTemplates: deeper paths first, then reverse lexical order.
bool renderBefore(const std::string& a, const std::string& b) {
  auto ca = std::count(a.begin(), a.end(), '/'), cb = std::count(b.begin(), b.end(), '/');
  if (ca == cb) return b < a;
  return cb < ca;
}

std::string parseErrorText(const std::string& filename, const std::string& goError) {
  // Helm's cleanupParseError.
  std::vector<std::string> tokens;
  std::size_t start = 0;
  for (;;) {
    auto p = goError.find(": ", start);
    tokens.push_back(goError.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 2;
  }
  if (tokens.size() == 1) return "parse error in (" + filename + "): " + goError;
  return "parse error at (" + tokens[1] + "): " + tokens.back();
}

}  // namespace

Result<Chart> Chart::load(std::map<std::string, std::string> files) {
  auto pc = std::make_shared<ParsedChart>();
  auto chartYaml = files.find("Chart.yaml");
  if (chartYaml == files.end()) return Error{"Chart.yaml file is missing", "Chart.yaml"};
  Val meta;
  auto r = detail::parseYamlVal(chartYaml->second, meta);
  if (!r.ok) return Error{"cannot load Chart.yaml: " + r.error, "Chart.yaml"};
  if (meta.type() == Type::Nil) meta = Val::map();
  if (meta.type() != Type::Map) {
    return Error{"cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal into Go value of type v2.Metadata",
                 "Chart.yaml"};
  }
  std::string err;
  Value md = Value::object();
  static const std::vector<std::pair<const char*, const char*>> kStrings = {
      {"Name", "name"},         {"Home", "home"},           {"Version", "version"}, {"Description", "description"},
      {"Icon", "icon"},         {"APIVersion", "apiVersion"}, {"Condition", "condition"}, {"Tags", "tags"},
      {"AppVersion", "appVersion"}, {"KubeVersion", "kubeVersion"}, {"Type", "type"}};
  for (const auto& [goName, key] : kStrings) {
    auto s = stringField(meta, key, err);
    if (!s) return Error{err, "Chart.yaml"};
    std::string v = *s;
    if (std::string_view(key) != "version" && std::string_view(key) != "apiVersion" && std::string_view(key) != "type") {
      v = sanitize(v);
    }
    md[goName] = v;
  }
  if (md["APIVersion"].get<std::string>().empty()) md["APIVersion"] = "v1";
  md["Sources"] = stringList(field(meta, "sources"));
  md["Keywords"] = stringList(field(meta, "keywords"));
  for (auto& s : md["Sources"]) s = sanitize(s.get<std::string>());
  for (auto& s : md["Keywords"]) s = sanitize(s.get<std::string>());
  Value maintainers = Value::array();
  if (const Val* m = field(meta, "maintainers"); m && m->l()) {
    for (const auto& e : m->l()->items) {
      Value mm = Value::object();
      for (const auto& [goName, key] : {std::pair{"Name", "name"}, {"Email", "email"}, {"URL", "url"}}) {
        auto s = stringField(e, key, err);
        mm[goName] = s ? *s : "";
      }
      maintainers.push_back(mm);
    }
  }
  md["Maintainers"] = maintainers;
  const Val* dep = field(meta, "deprecated");
  md["Deprecated"] = dep && dep->type() == Type::Bool && dep->b();
  Value annotations = nullptr;
  if (const Val* a = field(meta, "annotations"); a && a->m()) {
    annotations = Value::object();
    for (const auto& [k, v] : a->m()->items) annotations[k] = v.type() == Type::String ? v.s() : detail::formatValue(v);
  }
  md["Annotations"] = annotations;
  if (const Val* d = field(meta, "dependencies"); d && d->len() > 0) {
    return Error{"chart " + md["Name"].get<std::string>() + " has dependencies, which this engine does not support",
                 "Chart.yaml"};
  }
  md["Dependencies"] = Value::array();
  md["IsRoot"] = true;

  // Metadata.Validate.
  const std::string name = md["Name"];
  if (name.empty()) return Error{"validation: chart.metadata.name is required", "Chart.yaml"};
  if (name == "." || name == "..") return Error{"validation: chart.metadata.name " + detail::quoteGo(name) + " is not allowed", "Chart.yaml"};
  if (name.find('/') != std::string::npos) return Error{"validation: chart.metadata.name " + detail::quoteGo(name) + " is invalid", "Chart.yaml"};
  const std::string version = md["Version"];
  if (version.empty()) return Error{"validation: chart.metadata.version is required", "Chart.yaml"};
  if (!validSemver(version)) return Error{"validation: chart.metadata.version " + detail::quoteGo(version) + " is invalid", "Chart.yaml"};
  const std::string type = md["Type"];
  if (type != "" && type != "application" && type != "library") {
    return Error{"validation: chart.metadata.type must be application or library", "Chart.yaml"};
  }
  pc->name = name;
  pc->version = version;
  pc->appVersion = md["AppVersion"];
  pc->metadata = md;

  // values.yaml: every document, merged (LoadValues).
  Val values = Val::map();
  if (auto v = files.find("values.yaml"); v != files.end()) {
    std::vector<Val> docs;
    auto vr = detail::parseYamlDocuments(v->second, docs);
    if (!vr.ok) return Error{"cannot load values.yaml: cannot unmarshal yaml document: " + vr.error, "values.yaml"};
    for (const auto& d : docs) {
      if (d.type() == Type::Nil) continue;
      if (d.type() != Type::Map) {
        return Error{"cannot load values.yaml: cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: "
                     "json: cannot unmarshal into Go value of type map[string]interface {}",
                     "values.yaml"};
      }
      // MergeMaps: nested maps merge, anything else replaces.
      std::function<void(detail::MapObj&, const detail::MapObj&)> mergeMaps = [&](detail::MapObj& out,
                                                                                    const detail::MapObj& b) {
        for (const auto& [k, bv] : b.items) {
          detail::Val* ov = out.find(k);
          if (bv.type() == Type::Map && ov && ov->type() == Type::Map) {
            auto copy = std::make_shared<detail::MapObj>(*ov->m());
            mergeMaps(*copy, *bv.m());
            *ov = Val::fromMap(Type::Map, std::move(copy));
          } else {
            out.set(k, bv);
          }
        }
      };
      mergeMaps(*values.m(), *d.m());
    }
  }
  pc->values = detail::toJson(values);

  // Templates, files, CRDs.
  auto other = std::make_shared<std::map<std::string, std::string>>();
  std::vector<std::pair<std::string, std::string>> templates;  // key, text
  for (auto& [path, text] : files) {
    if (path == "Chart.yaml" || path == "values.yaml" || path == "values.schema.json" || path == "Chart.lock" ||
        path == "requirements.lock") {
      continue;
    }
    if (path == "requirements.yaml") {
      if (md["APIVersion"] == "v1") other->emplace(path, text);
      continue;
    }
    if (path.starts_with("templates/")) {
      templates.emplace_back(name + "/" + path, std::move(text));
      continue;
    }
    if (path.starts_with("charts/")) {
      return Error{"chart " + name + " has subcharts (" + path + "), which this engine does not support", path};
    }
    if (path.starts_with("crds/") && (path.ends_with(".yaml") || path.ends_with(".yml") || path.ends_with(".json"))) {
      pc->crds.emplace_back(path, text);
    }
    other->emplace(path, std::move(text));
  }
  std::sort(pc->crds.begin(), pc->crds.end());
  pc->files = detail::makeFiles(other);
  bool library = type == "library";
  std::sort(templates.begin(), templates.end(), [](const auto& a, const auto& b) { return renderBefore(a.first, b.first); });
  for (auto& [key, text] : templates) {
    std::string base = key.substr(key.rfind('/') + 1);
    if (library && !base.starts_with("_")) continue;
    auto parsed = detail::parseTemplate(key, std::make_shared<const std::string>(std::move(text)));
    if (auto* e = std::get_if<detail::ParseError>(&parsed)) {
      return Error{parseErrorText(key, e->message), e->name, e->line, 0};
    }
    for (auto& t : std::get<0>(parsed)) {
      pc->templates.add(t.get());
      pc->trees.push_back(std::move(t));
    }
    if (!base.starts_with("_")) pc->renderOrder.push_back(key);
  }
  pc->basePath = name + "/templates";
  Chart c;
  c.parsed_ = std::move(pc);
  return c;
}

const std::string& Chart::name() const { return parsed_->name; }
const std::string& Chart::version() const { return parsed_->version; }
const std::string& Chart::appVersion() const { return parsed_->appVersion; }
const Value& Chart::values() const { return parsed_->values; }
std::vector<std::pair<std::string, std::string>> Chart::crdFiles() const { return parsed_->crds; }

}  // namespace iop::tmpl
