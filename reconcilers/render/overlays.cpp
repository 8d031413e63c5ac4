// istioctl's `k8s.overlays`: patches addressed by path into a rendered object
// (operator/pkg/tpath semantics): "a.b" walks maps (creating missing keys), "[N]" indexes a
// list (past the end appends), "[key:value]" selects the list element whose key equals value,
// "[value]" selects a scalar list element by regular expression (RE2, the syntax and linear
// time of Go's regexp, which istioctl uses: no input makes it backtrack), and a null value
// deletes.
// Unlike istioctl, a path that can select nothing (no object of that kind/name, no list
// element matching a selector, nothing to delete) is reported instead of silently ignored.
#include <re2/re2.h>

#include <cstdlib>
#include <memory>

#include "reconcilers/api/budgets.h"
#include "reconcilers/api/json_tree.h"
#include "reconcilers/api/labels.h"
#include "reconcilers/render/post_process.h"

namespace iop::reconcilers {

using nlohmann::json;

namespace {

bool isIndex(const std::string& s, long& idx) {
  return parseListIndex(s, idx);
}

// A "[value]" selector's pattern, compiled once per patch rather than once per list element.
// Bounded: RE2 refuses patterns whose program would exceed its memory budget.
std::unique_ptr<RE2> compileSelector(const std::string& pattern, std::string& error) {
  if (pattern.size() > kMaxSelectorPatternBytes) {
    error = "the regular expression is longer than " + std::to_string(kMaxSelectorPatternBytes) + " bytes";
    return nullptr;
  }
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(1 << 20);
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) {
    error = "bad regular expression: " + re->error();
    return nullptr;
  }
  return re;
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
      std::unique_ptr<RE2> re;
      for (size_t k = 0; k < node.size() && pos == SIZE_MAX; ++k) {
        const json& e = node[k];
        if (colon != std::string::npos && e.is_object()) {
          auto it = e.find(inner.substr(0, colon));
          if (it != e.end() && scalarText(*it) == inner.substr(colon + 1)) pos = k;
        } else if (colon == std::string::npos && !e.is_object() && !e.is_array()) {
          if (!re) {
            std::string error;
            re = compileSelector(inner, error);
            if (!re) return error + " in " + (seg.size() > 80 ? seg.substr(0, 80) + "..." : seg);
          }
          if (RE2::PartialMatch(scalarText(e), *re)) pos = k;
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

// Why an overlay may not write at `segs` ("" when it may): what identifies an object and its
// owner is iop's (object_policy.cpp checks the result as well, whatever the path).
std::string protectedPath(const std::vector<std::string>& segs) {
  const std::string& top = segs[0];
  if (top == "apiVersion" || top == "kind") return "would change the object's " + top;
  if (top != "metadata") return "";
  if (segs.size() == 1)
    return "would replace the object's whole metadata (its name, namespace and ownership)";
  const std::string& m = segs[1];
  if (m == "name" || m == "namespace" || m == "generateName") return "would change the object's " + m;
  if (m == "ownerReferences" || m == "finalizers")
    return "would change the object's " + m + " (its deletion is iop's to manage)";
  if (m == "labels") {
    if (segs.size() == 2) return "would replace the object's labels, its ownership labels among them";
    for (const char* key : {kManagedLabel, kOwningResourceLabel, kOwningNamespaceLabel, kComponentLabel,
                            kVersionLabel, kRevisionLabel})
      if (segs[2] == key) return "would change the ownership label " + segs[2];
  }
  return "";
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
  if (overlays->size() > kMaxOverlays) {  // validation says so first; this guards direct callers
    errors.push_back(
        {spec.specPath + ".k8s.overlays", "more than " + std::to_string(kMaxOverlays) + " overlays"});
    return;
  }
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
      if (auto why = protectedPath(segs); !why.empty()) {
        errors.push_back({field, "refused: \"" + path + "\" " + why});
        continue;
      }
      // Written in place: any error fails the whole render, so a half-patched object is never
      // used, and copying the object for each of thousands of patches would be quadratic.
      for (json* target : targets) {
        std::string err = write(*target, segs, 0, value);
        if (!err.empty()) {
          errors.push_back({field, "\"" + path + "\" matches nothing in " + kind + " " + name + ": " + err});
          break;
        }
      }
    }
  }
}

}  // namespace iop::reconcilers
