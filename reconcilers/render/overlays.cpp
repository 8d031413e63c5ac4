// istioctl's `k8s.overlays`: patches addressed by path into a rendered object
// (operator/pkg/tpath semantics): "a.b" walks maps (creating missing keys), "[N]" indexes a
// list (past the end appends), "[key:value]" selects the list element whose key equals value,
// "[value]" selects a scalar list element by regular expression, and a null value deletes.
// Unlike istioctl, a path that can select nothing (no object of that kind/name, no list
// element matching a selector, nothing to delete) is reported instead of silently ignored.
#include <cstdlib>
#include <regex>

#include "reconcilers/api/json_tree.h"
#include "reconcilers/render/post_process.h"

namespace iop::reconcilers {

using nlohmann::json;

namespace {

bool isIndex(const std::string& s, long& idx) {
  static const std::regex kIdx(R"(^\[(-?[0-9]+)\]$)");
  std::smatch m;
  if (!std::regex_match(s, m, kIdx)) return false;
  // strtol saturates where stol would throw: an index too big for a long is simply past the end.
  idx = std::strtol(m[1].str().c_str(), nullptr, 10);
  return true;
}

bool isSelector(const std::string& s) {
  return s.size() >= 2 && s.front() == '[' && s.back() == ']';
}

// Returns an error message, or "" on success.
std::string write(json& node, const std::vector<std::string>& segs, size_t i, const json& value) {
  const std::string& seg = segs[i];
  const bool last = i + 1 == segs.size();
  if (node.is_null()) node = isSelector(seg) ? json::array() : json::object();
  if (node.is_array()) {
    if (!isSelector(seg))
      return "\"" + seg + "\" addresses a field, but the value there is a list (use [N] or [key:value])";
    long idx = 0;
    size_t pos = SIZE_MAX;
    if (isIndex(seg, idx)) {
      if (idx >= 0 && idx < static_cast<long>(node.size())) {
        pos = static_cast<size_t>(idx);
      } else if (value.is_null() && last) {
        return "index " + seg + " is out of range (list has " + std::to_string(node.size()) + " elements)";
      } else {
        node.push_back(last ? value : json::object());
        if (last) return "";
        return write(node.back(), segs, i + 1, value);
      }
    } else {
      std::string inner = seg.substr(1, seg.size() - 2);
      auto colon = inner.find(':');
      for (size_t k = 0; k < node.size() && pos == SIZE_MAX; ++k) {
        const json& e = node[k];
        if (colon != std::string::npos && e.is_object()) {
          auto it = e.find(inner.substr(0, colon));
          if (it != e.end() && scalarText(*it) == inner.substr(colon + 1)) pos = k;
        } else if (colon == std::string::npos && !e.is_object() && !e.is_array()) {
          try {
            if (std::regex_search(scalarText(e), std::regex(inner))) pos = k;
          } catch (const std::regex_error&) {
            return "bad regular expression in " + seg;
          }
        }
      }
      if (pos == SIZE_MAX) return "no list element matches " + seg;
    }
    if (last) {
      if (value.is_null()) {
        node.erase(pos);
      } else {
        node[pos] = value;
      }
      return "";
    }
    return write(node[pos], segs, i + 1, value);
  }
  if (!node.is_object()) return "cannot descend into \"" + seg + "\": the value there is a scalar";
  if (isSelector(seg)) return seg + " selects a list element, but the value there is not a list";
  if (last) {
    if (value.is_null()) {
      if (!node.contains(seg)) return "nothing to delete at \"" + seg + "\"";
      node.erase(seg);
    } else if (node.contains(seg) && node[seg].is_array() && !value.is_array()) {
      node[seg].push_back(value);  // istioctl appends a single element written onto a list
    } else {
      node[seg] = value;
    }
    return "";
  }
  if (!node.contains(seg)) node[seg] = isSelector(segs[i + 1]) ? json::array() : json::object();
  return write(node[seg], segs, i + 1, value);
}

// obj[key] as a string; "" when absent or null (validation lets null through: it means unset).
std::string stringField(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

void applyOverlays(std::vector<json>& objects, const ComponentSpec& spec, FieldErrors& errors) {
  auto overlays = spec.k8s.find("overlays");
  if (overlays == spec.k8s.end() || !overlays->is_array()) return;
  for (size_t o = 0; o < overlays->size(); ++o) {
    const json& overlay = (*overlays)[o];
    if (!overlay.is_object()) continue;  // null: unset, as validation reads it (found by fuzzing)
    const std::string base = spec.specPath + ".k8s.overlays[" + std::to_string(o) + "]";
    const std::string kind = stringField(overlay, "kind");
    const std::string name = stringField(overlay, "name");
    std::vector<json*> targets;
    // apiVersion is ignored, as istioctl does for compatibility.
    for (auto& obj : objects) {
      if (obj.value("kind", "") == kind && getString(obj, "metadata.name") == name) targets.push_back(&obj);
    }
    if (targets.empty()) {
      errors.push_back({base, "no rendered " + (kind.empty() ? std::string("object") : kind) + " named \"" +
                                  name + "\" in this component to overlay"});
      continue;
    }
    const json patches = overlay.value("patches", json::array());
    for (size_t p = 0; p < patches.size(); ++p) {
      if (!patches[p].is_object()) continue;  // null, as above
      const std::string path = stringField(patches[p], "path");
      const json value = patches[p].value("value", json());
      const std::string field = base + ".patches[" + std::to_string(p) + "].path";
      auto segs = splitPath(path);
      if (segs.empty()) {
        errors.push_back({field, "empty path"});
        continue;
      }
      for (json* target : targets) {
        json copy = *target;
        std::string err = write(copy, segs, 0, value);
        if (!err.empty()) {
          errors.push_back({field, "\"" + path + "\" matches nothing in " + kind + " " + name + ": " + err});
          break;
        }
        *target = std::move(copy);
      }
    }
  }
}

}  // namespace iop::reconcilers
