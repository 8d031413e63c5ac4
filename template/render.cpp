// render: Helm's ToRenderValues (values coalesced over the chart's values.yaml, .Release,
// .Capabilities, .Chart) and engine.Render (every template executed in Helm's order with the one
// shared values map, "<no value>" stripped, errors formatted as Helm formats them).

#include "template/exec.h"
#include "template/go_fmt.h"
#include "template/helm_objects.h"
#include "template/parsed_chart.h"

namespace iop::tmpl {

namespace {

using detail::MapObj;
using detail::Type;
using detail::Val;

bool isTable(const Val& v) { return v.type() == Type::Map && v.m(); }

// chartutil's cleanNilValues.
void cleanNil(MapObj& m) {
  for (std::size_t i = 0; i < m.items.size();) {
    Val& v = m.items[i].second;
    if (v.type() == Type::Nil) {
      m.items.erase(m.items.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    if (isTable(v)) cleanNil(*v.m());
    ++i;
  }
}

// coalesceTablesFullKey(dst, src, merge=false).
void coalesceTables(MapObj& dst, MapObj& src) {
  std::vector<std::string> srcNonNil;
  for (const auto& [k, v] : src.items) {
    if (v.type() != Type::Nil) srcNonNil.push_back(k);
  }
  for (const auto& [k, v] : dst.items) {
    if (v.type() == Type::Nil) src.set(k, Val::nilIface());
  }
  auto wasNonNil = [&](const std::string& k) { return std::binary_search(srcNonNil.begin(), srcNonNil.end(), k); };
  for (const auto& [key, val] : src.items) {
    Val* dv = dst.find(key);
    if (dv && dv->type() == Type::Nil && wasNonNil(key)) {
      dst.erase(key);
    } else if (!dv) {
      dst.set(key, val);
    } else if (isTable(val)) {
      if (isTable(*dv)) coalesceTables(*dv->m(), *val.m());
    }
  }
}

// coalesceValues(chart, v, merge=false) for a chart without dependencies.
void coalesceValues(MapObj& v, const Val& chartValues) {
  Val copy = detail::deepCopy(chartValues);
  for (const auto& [key, val] : copy.m()->items) {
    Val* value = v.find(key);
    if (value) {
      if (value->type() == Type::Nil) {
        v.erase(key);
      } else if (isTable(*value)) {
        if (isTable(val)) {
          cleanNil(*val.m());
          coalesceTables(*value->m(), *val.m());
        }
      }
    } else {
      if (val.type() == Type::Nil) continue;
      if (isTable(val)) cleanNil(*val.m());
      v.set(key, val);
    }
  }
}

Val chartMap(const Value& metadata) {
  Val chart = detail::fromJson(metadata);
  // Annotations is a map[string]string (nil when Chart.yaml has none).
  if (Val* a = chart.m()->find("Annotations")) {
    if (a->type() == Type::Map) {
      *a = a->retyped(Type::StringMap);
    } else {
      *a = Val::fromMap(Type::StringMap, nullptr);
    }
  }
  return chart;
}

// ---- Helm's error formatting (reformatExecErrorMsg) ----

struct Traceable {
  std::string location, message, executedFunction;
  bool operator==(const Traceable&) const = default;
  std::string str() const {
    std::string s;
    if (!location.empty()) s += location + "\n  ";
    if (!executedFunction.empty()) s += executedFunction + "\n    ";
    if (!message.empty()) s += message + "\n";
    return s;
  }
};

std::optional<Traceable> parseExecError(const std::string& s) {
  const std::string prefix = "template: ";
  if (!s.starts_with(prefix)) return std::nullopt;
  std::string remainder = s.substr(prefix.size());
  if (remainder.starts_with("no template ")) return Traceable{"", s, ""};
  if (auto cut = remainder.find(": executing "); cut != std::string::npos) {
    std::string templateName = remainder.substr(0, cut);
    std::string after = remainder.substr(cut + 12);
    if (!after.empty() && after[0] == '"') {
      auto endQuote = after.find('"', 1);
      if (endQuote != std::string::npos) {
        std::string functionName = after.substr(1, endQuote - 1);
        std::string afterFunc = after.substr(endQuote + 1);
        if (afterFunc.starts_with(" at <")) {
          std::string afterAt = afterFunc.substr(5);
          auto gt = afterAt.find(">: ");
          if (gt != std::string::npos) {
            std::string locationName = afterAt.substr(0, gt);
            std::string errMsg = afterAt.substr(gt + 3);
            if (auto c = errMsg.find(" template:"); c != std::string::npos) errMsg = errMsg.substr(0, c);
            return Traceable{templateName, errMsg, "executing \"" + functionName + "\" at <" + locationName + ">:"};
          }
        }
      }
    }
    return std::nullopt;
  }
  if (auto sep = remainder.rfind(": "); sep != std::string::npos) {
    std::string errMsg = remainder.substr(sep + 2);
    if (auto c = errMsg.find(" template:"); c != std::string::npos) errMsg = errMsg.substr(0, c);
    return Traceable{remainder.substr(0, sep), errMsg, ""};
  }
  return std::nullopt;
}

std::string trimSpace(const std::string& s) {
  auto b = s.find_first_not_of(" \t\n\r\v\f");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\n\r\v\f");
  return s.substr(b, e - b + 1);
}

Error helmExecError(const std::string& filename, const detail::GoError& err) {
  const std::string& text = err.text();
  Error out;
  out.file = filename;
  // tokens = SplitN(err, ": ", 3)
  auto p1 = text.find(": ");
  auto p2 = p1 == std::string::npos ? std::string::npos : text.find(": ", p1 + 2);
  if (p2 == std::string::npos) {
    out.message = "execution error in (" + filename + "): " + text;
    return out;
  }
  std::string location = text.substr(p1 + 2, p2 - p1 - 2);
  std::string rest = text.substr(p2 + 2);
  // location is "file:line:col"
  {
    auto c2 = location.rfind(':');
    auto c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : location.rfind(':', c2 - 1);
    if (c1 != std::string::npos) {
      out.file = location.substr(0, c1);
      out.line = std::atoi(location.substr(c1 + 1, c2 - c1 - 1).c_str());
      out.column = std::atoi(location.substr(c2 + 1).c_str()) + 1;
    }
  }
  const std::string start = "HELM_ERR_START", end = "HELM_ERR_END";
  auto s = rest.find(start);
  auto e = rest.rfind(end);
  if (s != std::string::npos && e != std::string::npos && e >= s + start.size()) {
    out.message = "execution error at (" + location + "): " + rest.substr(s + start.size(), e - s - start.size());
    return out;
  }
  std::vector<Traceable> locations;
  for (const auto& link : err.chain) {
    auto tr = parseExecError(link);
    if (!tr) {
      out.message = text;
      return out;
    }
    if (locations.empty() || !(locations.back() == *tr)) locations.push_back(*tr);
  }
  std::string joined;
  for (const auto& l : locations) joined += l.str();
  out.message = trimSpace(joined);
  return out;
}

}  // namespace

Result<std::map<std::string, std::string>> render(const Chart& chart, const Value& values,
                                                  const ReleaseOptions& release, const Capabilities& capabilities,
                                                  const Limits& limits) {
  const ParsedChart& pc = *chart.parsed();
  if (!values.is_object() && !values.is_null()) return Error{"values must be a map"};

  // ToRenderValues: the user's values (copied) coalesced over the chart's.
  Val vals = values.is_null() ? Val::map() : detail::fromJson(values);
  coalesceValues(*vals.m(), detail::fromJson(pc.values));
  vals = vals.retyped(Type::Values);

  detail::CapabilitiesData caps = detail::defaultCapabilities();
  if (!capabilities.kubeVersion.empty()) {
    caps.kubeVersion = capabilities.kubeVersion;
    caps.kubeNormalizedVersion = capabilities.kubeVersion;
    caps.kubeMajor = capabilities.kubeMajor;
    caps.kubeMinor = capabilities.kubeMinor;
  }
  if (!capabilities.apiVersions.empty()) caps.apiVersions = capabilities.apiVersions;

  Val rel = Val::map();
  rel.m()->set("Name", Val::string(release.name));
  rel.m()->set("Namespace", Val::string(release.namespace_));
  rel.m()->set("IsUpgrade", Val::boolean(release.isUpgrade));
  rel.m()->set("IsInstall", Val::boolean(release.isInstall));
  rel.m()->set("Revision", Val::integer(release.revision));
  rel.m()->set("Service", Val::string("Helm"));

  // recAllTpls' values of the root chart, shared by every template of the render.
  Val top = Val::map(Type::Values);
  top.m()->set("Chart", chartMap(pc.metadata));
  top.m()->set("Files", Val::object(pc.files));
  top.m()->set("Release", rel);
  top.m()->set("Capabilities", Val::object(detail::makeCapabilities(caps)));
  top.m()->set("Values", vals);
  top.m()->set("Subcharts", Val::map());

  std::map<std::string, std::string> rendered;
  detail::Renderer renderer(limits);
  for (const auto& filename : pc.renderOrder) {
    Val tmplInfo = Val::map(Type::Values);
    tmplInfo.m()->set("Name", Val::string(filename));
    tmplInfo.m()->set("BasePath", Val::string(pc.basePath));
    top.m()->set("Template", tmplInfo);
    const detail::Tree* tree = pc.templates.lookup(filename);
    std::string out;
    try {
      if (!tree) throw detail::ExecFailure{{{"template: no template \"" + filename + "\" associated with template \"gotpl\""}}};
      renderer.execute(pc.templates, *tree, top, out, 0);
    } catch (detail::ExecFailure& f) {
      return helmExecError(filename, f.error);
    } catch (detail::LimitExceeded& l) {
      return Error{filename + ": " + l.message, filename};
    }
    std::string clean;
    clean.reserve(out.size());
    for (std::size_t i = 0; i < out.size();) {
      if (out.compare(i, 10, "<no value>") == 0) {
        i += 10;
      } else {
        clean.push_back(out[i++]);
      }
    }
    rendered.emplace(filename, std::move(clean));
  }
  return rendered;
}

}  // namespace iop::tmpl
