#include "reconcilers/api/json_tree.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "base/yaml_json.h"

namespace iop::reconcilers {

using nlohmann::json;

void deepMerge(json& base, const json& overlay) {
  if (!base.is_object() || !overlay.is_object()) {
    base = overlay;
    return;
  }
  for (const auto& [k, v] : overlay.items()) {
    auto it = base.find(k);
    if (v.is_object() && it != base.end() && it->is_object()) {
      deepMerge(*it, v);
    } else {
      base[k] = v;
    }
  }
}

std::vector<std::string> splitPath(const std::string& path) {
  std::string p = path;
  while (!p.empty() && p.front() == '.') p.erase(0, 1);
  while (!p.empty() && p.back() == '.') p.pop_back();
  std::vector<std::string> raw;
  std::string cur;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size() && p[i + 1] == '.') {
      cur += '.';
      ++i;
    } else if (p[i] == '.') {
      raw.push_back(cur);
      cur.clear();
    } else {
      cur += p[i];
    }
  }
  raw.push_back(cur);
  std::vector<std::string> out;
  for (const auto& s : raw) {
    if (s.empty()) continue;
    auto b = s.find('[');
    if (b != std::string::npos && b > 0) {
      out.push_back(s.substr(0, b));
      out.push_back(s.substr(b));
    } else {
      out.push_back(s);
    }
  }
  return out;
}

bool parseListIndex(const std::string& seg, long& index) {
  // "[" "-"? digits "]", by hand: a regular expression here recursed once per character.
  if (seg.size() < 3 || seg.front() != '[' || seg.back() != ']') return false;
  std::size_t i = 1;
  const bool negative = seg[i] == '-';
  if (negative) ++i;
  if (i + 1 >= seg.size()) return false;
  long value = 0;
  for (; i + 1 < seg.size(); ++i) {
    const char c = seg[i];
    if (c < '0' || c > '9') return false;
    // Saturates: an index too large for a long is past the end of any list all the same.
    value = value > (kMaxListIndex - (c - '0')) / 10 ? kMaxListIndex : value * 10 + (c - '0');
  }
  index = negative ? -value : value;
  return true;
}

namespace {

std::optional<long> indexOf(const std::string& seg) {
  long index = 0;
  if (!parseListIndex(seg, index)) return std::nullopt;
  return index;
}

std::optional<std::pair<std::string, std::string>> selectorOf(const std::string& seg) {
  if (seg.size() < 2 || seg.front() != '[' || seg.back() != ']') return std::nullopt;
  auto inner = seg.substr(1, seg.size() - 2);
  auto c = inner.find(':');
  if (c == std::string::npos) return std::nullopt;
  return std::make_pair(inner.substr(0, c), inner.substr(c + 1));
}

bool matchesSelector(const json& elem, const std::pair<std::string, std::string>& sel) {
  if (!elem.is_object()) return false;
  auto it = elem.find(sel.first);
  return it != elem.end() && scalarText(*it) == sel.second;
}

std::optional<std::string> setRecurse(json& base, const std::vector<std::string>& segs, size_t i,
                                      json value) {
  const std::string& seg = segs[i];
  if (!base.is_object()) base = json::object();
  bool nextIsList = i + 1 < segs.size() && segs[i + 1].front() == '[';
  if (!nextIsList) {
    if (i + 1 == segs.size()) {
      base[seg] = std::move(value);
      return std::nullopt;
    }
    if (!base.contains(seg) || !base[seg].is_object()) base[seg] = json::object();
    return setRecurse(base[seg], segs, i + 1, std::move(value));
  }
  if (!base.contains(seg) || !base[seg].is_array()) base[seg] = json::array();
  json& list = base[seg];
  bool last = i + 2 == segs.size();
  long index = -1;
  if (auto sel = selectorOf(segs[i + 1]); sel && !indexOf(segs[i + 1])) {
    for (size_t k = 0; k < list.size(); ++k) {
      if (matchesSelector(list[k], *sel)) {
        index = static_cast<long>(k);
        break;
      }
    }
    if (index < 0) return "element " + segs[i + 1] + " not found";
  } else if (auto idx = indexOf(segs[i + 1])) {
    index = *idx;
  } else {
    return "unknown segment " + segs[i + 1];
  }
  if (index < 0 || index >= static_cast<long>(list.size())) {
    if (last) {
      list.push_back(std::move(value));
      return std::nullopt;
    }
    json m = json::object();
    if (auto err = setRecurse(m, segs, i + 2, std::move(value))) return err;
    list.push_back(std::move(m));
    return std::nullopt;
  }
  if (last) {
    list[index] = std::move(value);
    return std::nullopt;
  }
  return setRecurse(list[index], segs, i + 2, std::move(value));
}

}  // namespace

std::optional<json> getPath(const json& root, const std::string& path) {
  const json* cur = &root;
  for (const auto& seg : splitPath(path)) {
    if (auto idx = indexOf(seg)) {
      if (!cur->is_array() || *idx < 0 || *idx >= static_cast<long>(cur->size())) return std::nullopt;
      cur = &(*cur)[*idx];
    } else if (auto sel = selectorOf(seg)) {
      if (!cur->is_array()) return std::nullopt;
      const json* found = nullptr;
      for (const auto& e : *cur) {
        if (matchesSelector(e, *sel)) {
          found = &e;
          break;
        }
      }
      if (!found) return std::nullopt;
      cur = found;
    } else {
      if (!cur->is_object()) return std::nullopt;
      auto it = cur->find(seg);
      if (it == cur->end()) return std::nullopt;
      cur = &*it;
    }
  }
  return *cur;
}

std::optional<std::string> setPath(json& root, const std::string& path, json value) {
  auto segs = splitPath(path);
  if (segs.empty()) return "empty path";
  if (segs.front().front() == '[') return "path must start with a field name";
  return setRecurse(root, segs, 0, std::move(value));
}

json parseSetValue(const std::string& path, const std::string& value) {
  static const char* kAlwaysString[] = {"spec.values.compatibilityVersion",
                                        "spec.tag",
                                        "spec.values.global.tag",
                                        "spec.meshConfig.defaultConfig.proxyMetadata.",
                                        "spec.values.meshConfig.defaultConfig.proxyMetadata.",
                                        "spec.compatibilityVersion"};
  for (const char* prefix : kAlwaysString) {
    if (path.rfind(prefix, 0) == 0) return value;
  }
  // istioctl's --set reads leading zeros as decimal ("010" is 10); a number no int64 holds
  // stays a float when a double holds it, else the text.
  std::size_t digitsAt = !value.empty() && (value[0] == '-' || value[0] == '+') ? 1 : 0;
  if (digitsAt < value.size() && value.find_first_not_of("0123456789", digitsAt) == std::string::npos) {
    errno = 0;
    long long v = std::strtoll(value.c_str(), nullptr, 10);
    if (errno == 0) return v;
  }
  if (iop::base::isYamlFloat(value)) {
    double d = std::strtod(value.c_str(), nullptr);
    if (std::isfinite(d)) return d;
    return value;
  }
  // Go's strconv.ParseBool
  if (value == "1" || value == "t" || value == "T" || value == "TRUE" || value == "true" || value == "True")
    return true;
  if (value == "0" || value == "f" || value == "F" || value == "FALSE" || value == "false" ||
      value == "False")
    return false;
  std::string s;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size() && value[i + 1] == ',')
      continue;  // "\," is an escaped comma
    s.push_back(value[i]);
  }
  return s;
}

std::string getString(const json& root, const std::string& path, const std::string& fallback) {
  auto v = getPath(root, path);
  return v && v->is_string() ? v->get<std::string>() : fallback;
}

bool getBool(const json& root, const std::string& path, bool fallback) {
  auto v = getPath(root, path);
  return v && v->is_boolean() ? v->get<bool>() : fallback;
}

const json& objectAt(const json& j, const std::string& key) {
  static const json empty = json::object();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

bool truthy(const json& v) {
  switch (v.type()) {
    case json::value_t::null:
      return false;
    case json::value_t::boolean:
      return v.get<bool>();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return v.get<long long>() != 0;
    case json::value_t::number_float:
      return v.get<double>() != 0;
    case json::value_t::string:
      return !v.get_ref<const std::string&>().empty();
    default:
      return !v.empty();
  }
}

std::string scalarText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == static_cast<double>(static_cast<long long>(d))) return std::to_string(static_cast<long long>(d));
  }
  return v.dump();
}

std::string jsonTypeName(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "a list";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

}  // namespace iop::reconcilers
