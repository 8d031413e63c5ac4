#include "reconcilers/api/values_schema.h"

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <vector>

#include "reconcilers/api/json_tree.h"

namespace iop::reconcilers {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxSchemaErrors = 50;

struct Field {
  std::string proto, jsonName, type, mapKey;
  bool repeated = false;
};

struct Message {
  std::vector<Field> fields;
  std::map<std::string, std::size_t> byName;  // proto and JSON spellings -> fields index
};

struct Schema {
  std::string istio;
  std::string valuesRoot, meshRoot;
  std::map<std::string, Message> messages;
  std::map<std::string, std::set<std::string>> enums;
};

const Schema& schema() {
  static const Schema s = [] {
    Schema out;
    const json doc = json::parse(istioSchemaJson());
    out.istio = doc.at("istio").get<std::string>();
    out.valuesRoot = doc.at("roots").at("values").get<std::string>();
    out.meshRoot = doc.at("roots").at("meshConfig").get<std::string>();
    for (const auto& [name, fields] : doc.at("messages").items()) {
      Message m;
      for (const auto& f : fields) {
        Field field{f.at("p").get<std::string>(), f.at("j").get<std::string>(), f.at("t").get<std::string>(),
                    f.value("m", ""), f.value("l", false)};
        m.byName[field.proto] = m.fields.size();
        m.byName[field.jsonName] = m.fields.size();
        m.fields.push_back(std::move(field));
      }
      out.messages.emplace(name, std::move(m));
    }
    for (const auto& [name, values] : doc.at("enums").items())
      out.enums.emplace(name, values.get<std::set<std::string>>());
    return out;
  }();
  return s;
}

// Numbers are named with their value: the schema's ranges and enums are about values.
std::string typeName(const json& v) {
  return v.is_number() ? "the number " + v.dump() : jsonTypeName(v);
}

std::string shortName(const std::string& full) {
  auto dot = full.rfind('.');
  return dot == std::string::npos ? full : full.substr(dot + 1);
}

std::size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// An integer given as a JSON number or as a decimal string (protojson accepts both), within
// [min, max]. Hand-written: no regular expressions on input.
bool integerIn(const json& v, long double min, long double max) {
  long double x = 0;
  if (v.is_number_integer()) {
    x = static_cast<long double>(v.get<long long>());
  } else if (v.is_number_unsigned()) {
    x = static_cast<long double>(v.get<unsigned long long>());
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d)) return false;
    x = d;
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    std::size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
    if (i >= s.size() || s.size() > 21) return false;
    for (std::size_t k = i; k < s.size(); ++k)
      if (s[k] < '0' || s[k] > '9') return false;
    x = std::stold(s);
  } else {
    return false;
  }
  return x >= min && x <= max;
}

bool number(const json& v) {
  if (v.is_number()) return true;
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s == "NaN" || s == "Infinity" || s == "-Infinity") return true;
  if (s.empty() || s.size() > 64) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// protojson's Duration: "-?digits(.digits{1,9})?s".
bool duration(const json& v) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  std::size_t i = !s.empty() && s[0] == '-' ? 1 : 0, start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == start) return false;
  if (i < s.size() && s[i] == '.') {
    std::size_t frac = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == frac || i - frac > 9) return false;
  }
  return i + 1 == s.size() && s[i] == 's';
}

class Checker {
 public:
  Checker(const Schema& s, FieldErrors& errs, std::string note)
      : s_(s), errs_(errs), note_(std::move(note)) {}

  void value(const json& v, const std::string& type, const std::string& path) {
    if (v.is_null() || full()) return;  // null: unset, in every protobuf JSON decoder
    if (type == "value") return;
    if (type == "struct" || type == "empty") return expect(v.is_object(), v, "an object", path);
    if (type == "listvalue") return expect(v.is_array(), v, "a list", path);
    if (type == "any")
      return expect(v.is_object() && v.contains("@type"), v, "an object with an @type", path);
    if (type == "duration") return expect(duration(v), v, "a duration such as \"10s\" or \"0.5s\"", path);
    if (type == "timestamp" || type == "fieldmask" || type == "string" || type == "bytes")
      return expect(v.is_string(), v, "a string", path);
    if (type == "intorstring")
      return expect(v.is_string() || integerIn(v, -2147483648.0L, 2147483647.0L), v, "an integer or a string",
                    path);
    if (type.rfind("wrap:", 0) == 0) return value(v, type.substr(5), path);
    if (type == "bool") return expect(v.is_boolean(), v, "a boolean (true or false)", path);
    if (type == "int32")
      return expect(integerIn(v, -2147483648.0L, 2147483647.0L), v, "a 32-bit integer", path);
    if (type == "uint32")
      return expect(integerIn(v, 0, 4294967295.0L), v, "an unsigned 32-bit integer", path);
    if (type == "int64")
      return expect(integerIn(v, -9223372036854775808.0L, 9223372036854775807.0L), v, "an integer", path);
    if (type == "uint64")
      return expect(integerIn(v, 0, 18446744073709551615.0L), v, "an unsigned integer", path);
    if (type == "float" || type == "double") return expect(number(v), v, "a number", path);
    if (type.rfind("enum:", 0) == 0) {
      const auto& values = s_.enums.at(type.substr(5));
      if (v.is_string() && values.count(v.get<std::string>())) return;
      if (integerIn(v, -2147483648.0L, 2147483647.0L)) return;
      std::string list;
      for (const auto& e : values) list += (list.empty() ? "" : ", ") + e;
      return fail(path, "expected one of " + list + ", got " + typeName(v));
    }
    if (type.rfind("msg:", 0) == 0) return message(v, type.substr(4), path);
    fail(path, "unknown schema type " + type);
  }

  void message(const json& v, const std::string& name, const std::string& path) {
    if (!v.is_object()) return fail(path, "expected an object (" + shortName(name) + "), got " + typeName(v));
    const Message& m = s_.messages.at(name);
    std::map<std::size_t, std::string> seen;  // field index -> the spelling used
    for (const auto& [k, item] : v.items()) {
      if (full()) return;
      const std::string p = path.empty() ? k : path + "." + k;
      auto it = m.byName.find(k);
      if (it == m.byName.end()) {
        unknown(m, name, k, p);
        continue;
      }
      if (auto [prev, fresh] = seen.emplace(it->second, k); !fresh) {
        fail(p, "the same field as " + prev->second + ", given twice");
        continue;
      }
      const Field& f = m.fields[it->second];
      if (item.is_null()) continue;
      if (!f.mapKey.empty()) {
        if (!item.is_object()) {
          fail(p, "expected a map (an object), got " + typeName(item));
          continue;
        }
        for (const auto& [key, entry] : item.items()) {
          if (f.mapKey != "string" &&
              !integerIn(json(key), -9223372036854775808.0L, 18446744073709551615.0L) && f.mapKey != "bool")
            fail(p + "." + key, "a map key of this field must be a number");
          value(entry, f.type, p + "." + key);
        }
      } else if (f.repeated) {
        if (!item.is_array()) {
          fail(p, "expected a list, got " + typeName(item));
          continue;
        }
        for (std::size_t i = 0; i < item.size(); ++i) {
          const std::string ip = p + "[" + std::to_string(i) + "]";
          if (item[i].is_null())
            fail(ip, "null is not allowed in a list");
          else
            value(item[i], f.type, ip);
        }
      } else {
        value(item, f.type, p);
      }
    }
  }

 private:
  bool full() const { return count_ >= kMaxSchemaErrors; }

  void fail(const std::string& path, const std::string& message) {
    if (count_++ < kMaxSchemaErrors) errs_.push_back({path, message});
    if (count_ == kMaxSchemaErrors) errs_.push_back({path, "more errors of this kind not listed"});
  }

  void expect(bool ok, const json& v, const std::string& what, const std::string& path) {
    if (!ok) fail(path, "expected " + what + ", got " + typeName(v));
  }

  void unknown(const Message& m, const std::string& name, const std::string& key, const std::string& path) {
    std::string best;
    std::size_t bestD = SIZE_MAX;
    for (const auto& f : m.fields) {
      std::size_t d = editDistance(key, f.jsonName);
      if (d < bestD) bestD = d, best = f.jsonName;
    }
    std::string msg = "unknown field (not in " + shortName(name) + " of Istio's schema";
    msg += ")";
    if (!best.empty() && bestD <= std::max<std::size_t>(2, best.size() / 3))
      msg += "; did you mean " + best + "?";
    fail(path, msg + note_);
  }

  const Schema& s_;
  FieldErrors& errs_;
  std::string note_;
  std::size_t count_ = 0;
};

}  // namespace

std::string_view istioSchemaVersion() {
  return schema().istio;
}

void checkIstioValues(const json& spec, FieldErrors& errs) {
  if (!spec.is_object()) return;
  const Schema& s = schema();
  if (auto values = spec.find("values"); values != spec.end() && values->is_object()) {
    Checker(s, errs, "").message(*values, s.valuesRoot, "spec.values");
    if (auto mesh = values->find("meshConfig"); mesh != values->end() && !mesh->is_null())
      if (mesh->is_object())
        Checker(s, errs, "; istioctl ignores unknown meshConfig fields silently, iop refuses them")
            .message(*mesh, s.meshRoot, "spec.values.meshConfig");
  }
  if (auto mesh = spec.find("meshConfig"); mesh != spec.end() && mesh->is_object())
    Checker(s, errs, "; istioctl ignores unknown meshConfig fields silently, iop refuses them")
        .message(*mesh, s.meshRoot, "spec.meshConfig");
}

}  // namespace iop::reconcilers
