#include "reconcilers/render/helm_values.h"

#include <charconv>
#include <cmath>
#include <cstdint>

#include "reconcilers/api/json_tree.h"
#include "template/chart.h"

namespace iop::reconcilers {

using nlohmann::json;

namespace {

// What json.Unmarshal into `any` makes of `v`: every number a float64.
json asGoJson(const json& v) {
  return tmpl::withGoNumbers(v);
}

// fmt.Sprintf("%v", v) for the scalars istioctl formats into `--set`-style paths.
std::string goSprint(const json& v) {
  return tmpl::sprint(v);
}

// istioctl's SetSpecPaths("values.<path>=<value>"): the value re-parsed as a --set value.
void setSpecValue(json& merged, const std::string& valuesPath, const std::string& text) {
  const std::string path = "spec.values." + valuesPath;
  setPath(merged, path, parseSetValue(path, text));
}

}  // namespace

json mergeIstioOperator(const IstioOperator& iop, const json& profile,
                        const std::vector<std::string>& setFlags, FieldErrors& errors) {
  json merged = asGoJson(profile);
  if (!merged.is_object()) merged = json::object();
  json user = {{"apiVersion", kIstioOperatorApiVersion},
               {"kind", kIstioOperatorKind},
               {"metadata", json::object()},
               {"spec", asGoJson(iop.spec)}};
  if (!iop.name.empty()) user["metadata"]["name"] = iop.name;
  if (!iop.namespace_.empty()) user["metadata"]["namespace"] = iop.namespace_;
  // --set values keep the types istioctl's parser gives them (an int stays an int).
  for (const auto& flag : setFlags) {
    auto eq = flag.find('=');
    std::string path = "spec." + flag.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : flag.substr(eq + 1);
    if (auto err = setPath(user, path, parseSetValue(path, value))) errors.push_back({"--set " + flag, *err});
  }
  json userValues = getPath(user, "spec.values").value_or(json());
  deepMerge(merged, user);

  // translateIstioOperatorToHelm
  static const std::pair<const char*, const char*> kTranslations[] = {
      {"spec.hub", "global.hub"},
      {"spec.tag", "global.tag"},
      {"spec.revision", "revision"},
      {"spec.meshConfig", "meshConfig"},
      {"spec.compatibilityVersion", "compatibilityVersion"}};
  for (const auto& [in, out] : kTranslations) {
    auto v = getPath(merged, in);
    if (!v || v->is_null()) continue;
    if (v->is_object()) {
      deepMerge(merged, json{{"spec", {{"values", {{"meshConfig", *v}}}}}});
    } else {
      setSpecValue(merged, out, goSprint(*v));
    }
  }
  setPath(merged, "spec.values.pilot.enabled", getBool(merged, "spec.components.pilot.enabled"));
  setPath(merged, "spec.values.pilot.cni.enabled", getBool(merged, "spec.components.cni.enabled"));
  if (std::string ns = getString(merged, "spec.values.global.istioNamespace"); !ns.empty())
    merged["metadata"]["namespace"] = ns;
  // The user's own values win over the translation (values.pilot.cni.enabled set without the
  // cni component, for instance).
  if (userValues.is_object()) deepMerge(merged, json{{"spec", {{"values", userValues}}}});
  // Applied after validation in istioctl, as here (validation happens before render).
  if (auto unvalidated = getPath(merged, "spec.unvalidatedValues"); unvalidated && unvalidated->is_object())
    deepMerge(merged, json{{"spec", {{"values", *unvalidated}}}});
  return merged;
}

namespace {

// A decimal number as digits and a power of ten: value = digits * 10^exp.
struct Decimal {
  bool negative = false;
  std::string digits;  // no leading zeros; "0" for zero
  int exp = 0;
};

std::optional<Decimal> parseDecimal(std::string_view s) {
  Decimal d;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) d.negative = s[i++] == '-';
  bool any = false, point = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.' && !point) {
      point = true;
    } else if (c >= '0' && c <= '9') {
      any = true;
      d.digits += c;
      if (point) --d.exp;
    } else {
      break;
    }
  }
  if (!any || i != s.size()) return std::nullopt;
  d.digits.erase(0, std::min(d.digits.find_first_not_of('0'), d.digits.size()));
  if (d.digits.empty()) d.digits = "0";
  return d;
}

}  // namespace

std::optional<std::string> canonicalQuantity(const json& q) {
  std::string text;
  if (q.is_string()) {
    text = q.get<std::string>();
  } else if (q.is_number()) {
    text = goSprint(q);
  } else {
    return std::nullopt;
  }
  // Split number and suffix.
  size_t n = 0;
  while (n < text.size() && (std::isdigit(static_cast<unsigned char>(text[n])) || text[n] == '.' ||
                             ((text[n] == '+' || text[n] == '-') && n == 0)))
    ++n;
  std::string suffix = text.substr(n);
  auto d = parseDecimal(std::string_view(text).substr(0, n));
  if (!d) return std::nullopt;
  static const std::pair<const char*, int> kDecimal[] = {{"n", -9}, {"u", -6}, {"m", -3}, {"", 0},
                                                         {"k", 3},  {"M", 6},  {"G", 9},  {"T", 12},
                                                         {"P", 15}, {"E", 18}};
  static const std::pair<const char*, int> kBinary[] = {{"Ki", 10}, {"Mi", 20}, {"Gi", 30},
                                                        {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  enum { kDecimalSI, kBinarySI, kDecimalExponent } format = kDecimalSI;
  int binaryShift = 0;
  bool known = false;
  for (const auto& [s, e] : kDecimal) {
    if (suffix == s) {
      d->exp += e;
      known = true;
    }
  }
  for (const auto& [s, e] : kBinary) {
    if (suffix == s) {
      format = kBinarySI;
      binaryShift = e;
      known = true;
    }
  }
  if (!known && (suffix.starts_with("e") || suffix.starts_with("E")) && suffix.size() > 1) {
    int e = 0;
    auto r = std::from_chars(suffix.data() + 1, suffix.data() + suffix.size(), e);
    if (r.ec != std::errc() || r.ptr != suffix.data() + suffix.size()) return std::nullopt;
    d->exp += e;
    format = kDecimalExponent;
    known = true;
  }
  if (!known) return std::nullopt;
  if (d->digits == "0") return std::string("0");
  const std::string sign = d->negative ? "-" : "";

  if (format == kBinarySI) {
    // Exact only for values that fit: Quantity keeps binary amounts as integers when it can.
    long double value = std::stold(d->digits) * std::pow(10.0L, d->exp) * std::ldexp(1.0L, binaryShift);
    if (value == std::floor(value) && value < 9.2e18L && value >= 1024) {
      auto v = static_cast<std::int64_t>(value);
      int shift = 0;
      while (shift < 60 && v % 1024 == 0) {
        v /= 1024;
        shift += 10;
      }
      for (const auto& [s, e] : kBinary)
        if (e == shift) return sign + std::to_string(v) + s;
      return sign + std::to_string(v);
    }
    // Small or fractional binary amounts print in decimal SI, as Quantity does.
    d = parseDecimal(std::to_string(static_cast<std::int64_t>(std::ceil(value * 1e9L))));
    d->exp = -9;
    format = kDecimalSI;
  }
  // Quantity keeps at most nano precision, rounding up.
  if (d->exp < -9) {
    int drop = -9 - d->exp;
    if (static_cast<int>(d->digits.size()) <= drop) {
      d->digits = "1";
    } else {
      std::string kept = d->digits.substr(0, d->digits.size() - drop);
      bool remainder = d->digits.find_first_not_of('0', d->digits.size() - drop) != std::string::npos;
      d->digits = kept;
      if (remainder) {  // add one to the decimal string
        int i = static_cast<int>(d->digits.size()) - 1;
        while (i >= 0 && d->digits[i] == '9') d->digits[i--] = '0';
        if (i < 0) {
          d->digits.insert(0, "1");
        } else {
          ++d->digits[i];
        }
      }
    }
    d->exp = -9;
  }
  // Lower the exponent to a multiple of three, then raise it while whole thousands allow.
  while (((d->exp % 3) + 3) % 3 != 0) {
    d->digits += '0';
    --d->exp;
  }
  while (d->digits.size() > 3 && d->digits.ends_with("000") && d->exp < 18) {
    d->digits.resize(d->digits.size() - 3);
    d->exp += 3;
  }
  if (format == kDecimalExponent) return sign + d->digits + (d->exp == 0 ? "" : "e" + std::to_string(d->exp));
  for (const auto& [s, e] : kDecimal)
    if (e == d->exp) return sign + d->digits + s;
  return sign + d->digits + "e" + std::to_string(d->exp);
}

json componentValues(const Component& c, const ComponentInstance& instance, const json& mergedIn) {
  const ComponentSpec& spec = instance.spec;
  const std::string root = c.valuesRoot;
  json merged = mergedIn;
  // istioctl copies through JSON before each change below (DeepClone), which turns every number
  // into a float64; an instance the CR listed always takes that path.
  bool cloned = false;
  auto clone = [&] {
    merged = asGoJson(merged);
    cloned = true;
  };
  auto set = [&](const std::string& leaf, json value) {
    setPath(merged, "spec.values." + root + "." + leaf, value);
  };
  const json& k8s = spec.k8s;
  if (c.isGateway()) {
    clone();
    set("name", spec.name);
    json labels = json::object();
    for (const auto& [k, v] : spec.label) labels[k] = v;
    set("labels", labels);
    if (auto ports = getPath(k8s, "service.ports"); ports && ports->is_array() && !ports->empty()) {
      // Through corev1.ServicePort and back: unknown fields go, `port` is always there and
      // `targetPort` too (an IntOrString struct is never "empty" to encoding/json).
      json typed = json::array();
      for (const auto& p : *ports) {
        json out = json::object();
        if (!p.is_object()) continue;
        for (const char* key : {"name", "protocol", "appProtocol"})
          if (auto it = p.find(key); it != p.end() && it->is_string() && !it->get<std::string>().empty())
            out[key] = *it;
        out["port"] = p.contains("port") && p["port"].is_number() ? json(p["port"].get<double>()) : json(0.0);
        json tp = p.value("targetPort", json());
        out["targetPort"] = tp.is_string() ? tp : json(tp.is_number() ? tp.get<double>() : 0.0);
        if (auto it = p.find("nodePort"); it != p.end() && it->is_number() && it->get<double>() != 0)
          out["nodePort"] = it->get<double>();
        typed.push_back(std::move(out));
      }
      set("ports", typed);
    }
  }
  if (std::string_view(c.resourceType) == "Deployment" && !instance.fromDefault) {
    if (!c.isGateway()) clone();
    if (auto min = getPath(k8s, "hpaSpec.minReplicas"); min && min->is_number())
      set("autoscaleMin", json(static_cast<std::int64_t>(min->get<double>())));
    if (auto max = getPath(k8s, "hpaSpec.maxReplicas"); max && max->is_number() && max->get<double>() > 0)
      set("autoscaleMax", json(static_cast<std::int64_t>(max->get<double>())));
    if (auto rc = k8s.find("replicaCount"); rc != k8s.end() && rc->is_number() && rc->get<double>() > 0)
      set("replicaCount", json(static_cast<std::int64_t>(rc->get<double>())));
  }
  if (!instance.fromDefault && k8s.contains("resources") && k8s["resources"].is_object()) {
    clone();
    for (const char* kind : {"limits", "requests"}) {
      auto cpu = getPath(k8s, std::string("resources.") + kind + ".cpu");
      if (!cpu) continue;
      auto text = canonicalQuantity(*cpu);
      if (text && *text != "0") set(std::string("resources.") + kind + ".cpu", *text);
    }
  }
  // istioctl skips the rest only for an instance it made up itself (no labels map, no hub, no
  // tag) of a chart that is not flattened.
  if (!c.flattenValues && spec.hub.empty() && spec.tag.is_null() && instance.fromDefault) {
    return getPath(merged, "spec.values").value_or(json::object());
  }
  clone();
  if (!spec.hub.empty()) setSpecValue(merged, root + ".hub", spec.hub);
  if (!spec.tag.is_null()) setSpecValue(merged, root + ".tag", goSprint(spec.tag));
  json values = getPath(merged, "spec.values").value_or(json::object());
  if (c.flattenValues && values.contains(c.valuesRoot) && values[c.valuesRoot].is_object()) {
    // The chart gets global, every non-map top-level value, then the component's own section.
    json flat = {{"global", values.value("global", json())}};
    for (const auto& [k, v] : values.items())
      if (!v.is_object()) flat[k] = v;
    for (const auto& [k, v] : values[c.valuesRoot].items()) flat[k] = v;
    values = std::move(flat);
  }
  (void)cloned;
  return values;
}

}  // namespace iop::reconcilers
