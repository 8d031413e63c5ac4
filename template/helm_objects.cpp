#include "template/helm_objects.h"

#include "template/funcs_util.h"
#include "template/go_fmt.h"
#include "template/go_yaml.h"

namespace iop::tmpl::detail {

namespace {

using Args = std::vector<Val>;

Func makeMethod(std::string name, std::vector<Param> params, Ret ret, std::function<Val(CallContext&, Args&)> impl) {
  Func f;
  f.name = std::move(name);
  f.params = std::move(params);
  f.ret = ret;
  f.impl = std::move(impl);
  return f;
}

std::string base64(std::string_view in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(tbl[(v >> s) & 63]);
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(tbl[(v >> 18) & 63]);
    out.push_back(tbl[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? tbl[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string toYamlTrimmed(const Val& v) {
  std::string out;
  if (!marshalYaml(v, out).ok) return "";
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Files final : public Object, public std::enable_shared_from_this<Files> {
 public:
  explicit Files(std::shared_ptr<const std::map<std::string, std::string>> files) : files_(std::move(files)) {
    methods_.emplace("Get", makeMethod("Get", {Param::String}, Ret::Concrete, [this](CallContext&, Args& a) {
                       auto it = files_->find(a[0].s());
                       return Val::string(it == files_->end() ? "" : it->second);
                     }));
    methods_.emplace("GetBytes", makeMethod("GetBytes", {Param::String}, Ret::Concrete, [this](CallContext&, Args& a) {
                       auto it = files_->find(a[0].s());
                       return Val::bytes(it == files_->end() ? "" : it->second);
                     }));
    methods_.emplace("Glob", makeMethod("Glob", {Param::String}, Ret::Concrete, [this](CallContext&, Args& a) {
                       auto out = std::make_shared<std::map<std::string, std::string>>();
                       for (const auto& [name, data] : *files_) {
                         if (globMatch(a[0].s(), name)) out->emplace(name, data);
                       }
                       return Val::object(std::make_shared<Files>(std::move(out)));
                     }));
    methods_.emplace("AsConfig", makeMethod("AsConfig", {}, Ret::Concrete, [this](CallContext&, Args&) {
                       Val m = Val::map(Type::StringMap);
                       for (const auto& [k, v] : *files_) m.m()->set(baseName(k), Val::string(v));
                       return Val::string(toYamlTrimmed(m));
                     }));
    methods_.emplace("AsSecrets", makeMethod("AsSecrets", {}, Ret::Concrete, [this](CallContext&, Args&) {
                       Val m = Val::map(Type::StringMap);
                       for (const auto& [k, v] : *files_) m.m()->set(baseName(k), Val::string(base64(v)));
                       return Val::string(toYamlTrimmed(m));
                     }));
    methods_.emplace("Lines", makeMethod("Lines", {Param::String}, Ret::Concrete, [this](CallContext&, Args& a) {
                       auto it = files_->find(a[0].s());
                       if (it == files_->end()) return makeStringList({});
                       std::string s = it->second;
                       if (s.empty()) throwFuncError("runtime error: index out of range [-1]");
                       if (s.back() == '\n') s.pop_back();
                       std::vector<std::string> lines;
                       std::size_t start = 0;
                       for (;;) {
                         auto nl = s.find('\n', start);
                         lines.push_back(s.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
                         if (nl == std::string::npos) break;
                         start = nl + 1;
                       }
                       return makeStringList(lines);
                     }));
  }

  std::string typeName() const override { return "engine.files"; }
  std::string kindName() const override { return "map"; }
  std::optional<Val> field(std::string_view name) const override {
    auto it = files_->find(std::string(name));
    // A missing key gives the zero []byte (missingkey=zero).
    return Val::bytes(it == files_->end() ? "" : it->second);
  }
  const Func* method(std::string_view name) const override {
    auto it = methods_.find(std::string(name));
    return it == methods_.end() ? nullptr : &it->second;
  }
  std::string format() const override {
    std::string out = "map[";
    bool first = true;
    for (const auto& [k, v] : *files_) {
      if (!first) out += ' ';
      first = false;
      out += k + ":" + formatValue(Val::bytes(v)).substr(0);
    }
    return out + "]";
  }
  Value json() const override {
    Value o = Value::object();
    for (const auto& [k, v] : *files_) o[k] = base64(v);
    return o;
  }
  bool truth() const override { return !files_->empty(); }
  std::size_t len() const override { return files_->size(); }

 private:
  static std::string baseName(const std::string& p) {
    auto s = p;
    while (!s.empty() && s.back() == '/') s.pop_back();
    auto i = s.rfind('/');
    return i == std::string::npos ? s : s.substr(i + 1);
  }
  std::shared_ptr<const std::map<std::string, std::string>> files_;
  std::map<std::string, Func> methods_;
};

// A struct with string fields, in declaration order (common.KubeVersion, version.BuildInfo).
class StringStruct : public Object {
 public:
  StringStruct(std::string type, std::vector<std::pair<std::string, std::string>> fields,
               std::vector<std::string> jsonNames)
      : type_(std::move(type)), fields_(std::move(fields)), jsonNames_(std::move(jsonNames)) {}
  std::string typeName() const override { return type_; }
  std::string kindName() const override { return "struct"; }
  std::optional<Val> field(std::string_view name) const override {
    for (const auto& [k, v] : fields_) {
      if (k == name) return Val::string(v);
    }
    return std::nullopt;
  }
  const Func* method(std::string_view name) const override {
    auto it = methods_.find(std::string(name));
    return it == methods_.end() ? nullptr : &it->second;
  }
  std::string format() const override {
    std::string out = "{";
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      if (i > 0) out += ' ';
      out += fields_[i].second;
    }
    return out + "}";
  }
  Value json() const override {
    Value o = Value::object();
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      if (jsonNames_[i].empty()) continue;
      o[jsonNames_[i]] = fields_[i].second;
    }
    return o;
  }

 protected:
  std::string type_;
  std::vector<std::pair<std::string, std::string>> fields_;
  std::vector<std::string> jsonNames_;
  std::map<std::string, Func> methods_;
};

class KubeVersion final : public StringStruct {
 public:
  KubeVersion(std::string version, std::string normalized, std::string major, std::string minor)
      : StringStruct("common.KubeVersion", {{"Version", version}, {"Major", major}, {"Minor", minor}},
                     {"Version", "Major", "Minor"}),
        string_(normalized.empty() ? version : normalized) {
    methods_.emplace("String", makeMethod("String", {}, Ret::Concrete,
                                      [this](CallContext&, Args&) { return Val::string(string_); }));
    std::string v = version;
    methods_.emplace("GitVersion", makeMethod("GitVersion", {}, Ret::Concrete,
                                          [v](CallContext&, Args&) { return Val::string(v); }));
  }
  // A Stringer (through its pointer): %v prints String().
  std::string format() const override { return string_; }

 private:
  std::string string_;
};

class VersionSet final : public Object {
 public:
  explicit VersionSet(std::vector<std::string> versions) : versions_(std::move(versions)) {
    list_ = makeStringList(versions_);
    has_ = makeMethod("Has", {Param::String}, Ret::Concrete, [this](CallContext&, Args& a) {
      return Val::boolean(std::find(versions_.begin(), versions_.end(), a[0].s()) != versions_.end());
    });
  }
  std::string typeName() const override { return "common.VersionSet"; }
  std::string kindName() const override { return "slice"; }
  std::optional<Val> field(std::string_view) const override { return std::nullopt; }
  const Func* method(std::string_view name) const override { return name == "Has" ? &has_ : nullptr; }
  std::string format() const override { return formatValue(list_); }
  Value json() const override { return Value(versions_); }
  bool truth() const override { return !versions_.empty(); }
  std::size_t len() const override { return versions_.size(); }
  std::optional<Val> asList() const override { return list_; }

 private:
  std::vector<std::string> versions_;
  Val list_;
  Func has_;
};

class Capabilities final : public Object {
 public:
  explicit Capabilities(const CapabilitiesData& d)
      : kube_(Val::object(std::make_shared<KubeVersion>(d.kubeVersion, d.kubeNormalizedVersion, d.kubeMajor, d.kubeMinor))),
        apis_(Val::object(std::make_shared<VersionSet>(d.apiVersions))),
        helm_(Val::object(std::make_shared<StringStruct>(
            "version.BuildInfo",
            std::vector<std::pair<std::string, std::string>>{{"Version", d.helmVersion},
                                                             {"GitCommit", d.helmGitCommit},
                                                             {"GitTreeState", d.helmGitTreeState},
                                                             {"GoVersion", d.helmGoVersion},
                                                             {"KubeClientVersion", d.helmKubeClientVersion}},
            std::vector<std::string>{"version", "git_commit", "git_tree_state", "go_version", "kube_client_version"}))) {}
  std::string typeName() const override { return "*common.Capabilities"; }
  std::string kindName() const override { return "ptr"; }
  bool isPointer() const override { return true; }
  std::optional<Val> field(std::string_view name) const override {
    if (name == "KubeVersion") return kube_;
    if (name == "APIVersions") return apis_;
    if (name == "HelmVersion") return helm_;
    return std::nullopt;
  }
  const Func* method(std::string_view) const override { return nullptr; }
  std::string format() const override {
    return "&{" + kube_.obj()->format() + " " + apis_.obj()->format() + " " + helm_.obj()->format() + "}";
  }
  Value json() const override {
    Value o = Value::object();
    o["KubeVersion"] = kube_.obj()->json();
    o["APIVersions"] = apis_.obj()->json();
    o["HelmVersion"] = helm_.obj()->json();
    return o;
  }

 private:
  Val kube_, apis_, helm_;
};

// gobwas/glob: a small recursive matcher ('*' stops at '/', '**' does not).
bool globAt(std::string_view p, std::string_view s, int depth) {
  if (depth > 64) return false;
  while (!p.empty()) {
    char c = p[0];
    if (c == '*') {
      bool super = p.size() > 1 && p[1] == '*';
      std::string_view rest = p.substr(super ? 2 : 1);
      for (std::size_t i = 0; i <= s.size(); ++i) {
        if (globAt(rest, s.substr(i), depth + 1)) return true;
        if (i < s.size() && !super && s[i] == '/') return false;
      }
      return false;
    }
    if (s.empty()) return false;
    if (c == '?') {
      if (s[0] == '/') return false;
      p.remove_prefix(1);
      s.remove_prefix(1);
      continue;
    }
    if (c == '[') {
      auto end = p.find(']', 1);
      if (end == std::string_view::npos) return false;
      std::string_view set = p.substr(1, end - 1);
      bool neg = !set.empty() && set[0] == '!';
      if (neg) set.remove_prefix(1);
      bool in = false;
      for (std::size_t i = 0; i < set.size(); ++i) {
        if (i + 2 < set.size() && set[i + 1] == '-') {
          in = in || (s[0] >= set[i] && s[0] <= set[i + 2]);
          i += 2;
        } else {
          in = in || s[0] == set[i];
        }
      }
      if (in == neg) return false;
      p.remove_prefix(end + 1);
      s.remove_prefix(1);
      continue;
    }
    if (c == '{') {
      auto end = p.find('}');
      if (end == std::string_view::npos) return false;
      std::string_view alts = p.substr(1, end - 1);
      std::string_view rest = p.substr(end + 1);
      std::size_t start = 0;
      for (;;) {
        auto comma = alts.find(',', start);
        std::string alt(alts.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (globAt(alt + std::string(rest), s, depth + 1)) return true;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      return false;
    }
    if (c == '\\' && p.size() > 1) {
      p.remove_prefix(1);
      c = p[0];
    }
    if (s[0] != c) return false;
    p.remove_prefix(1);
    s.remove_prefix(1);
  }
  return s.empty();
}

}  // namespace

bool globMatch(std::string_view pattern, std::string_view name) { return globAt(pattern, name, 0); }

std::shared_ptr<const Object> makeFiles(std::shared_ptr<const std::map<std::string, std::string>> files) {
  return std::make_shared<Files>(std::move(files));
}

std::shared_ptr<const Object> makeCapabilities(CapabilitiesData data) { return std::make_shared<Capabilities>(data); }

CapabilitiesData defaultCapabilities() {
  CapabilitiesData d;
  d.kubeVersion = "v1.36.0";
  d.kubeNormalizedVersion = "v1.36.0";
  d.kubeMajor = "1";
  d.kubeMinor = "36";
  d.apiVersions = {"v1",
                   "admissionregistration.k8s.io/v1",
                   "admissionregistration.k8s.io/v1alpha1",
                   "admissionregistration.k8s.io/v1beta1",
                   "internal.apiserver.k8s.io/v1alpha1",
                   "apps/v1",
                   "apps/v1beta1",
                   "apps/v1beta2",
                   "authentication.k8s.io/v1",
                   "authentication.k8s.io/v1alpha1",
                   "authentication.k8s.io/v1beta1",
                   "authorization.k8s.io/v1",
                   "authorization.k8s.io/v1beta1",
                   "autoscaling/v1",
                   "autoscaling/v2",
                   "batch/v1",
                   "batch/v1beta1",
                   "certificates.k8s.io/v1",
                   "certificates.k8s.io/v1beta1",
                   "certificates.k8s.io/v1alpha1",
                   "coordination.k8s.io/v1alpha2",
                   "coordination.k8s.io/v1beta1",
                   "coordination.k8s.io/v1",
                   "discovery.k8s.io/v1",
                   "discovery.k8s.io/v1beta1",
                   "events.k8s.io/v1",
                   "events.k8s.io/v1beta1",
                   "extensions/v1beta1",
                   "flowcontrol.apiserver.k8s.io/v1",
                   "flowcontrol.apiserver.k8s.io/v1beta1",
                   "flowcontrol.apiserver.k8s.io/v1beta2",
                   "flowcontrol.apiserver.k8s.io/v1beta3",
                   "networking.k8s.io/v1",
                   "networking.k8s.io/v1beta1",
                   "node.k8s.io/v1",
                   "node.k8s.io/v1alpha1",
                   "node.k8s.io/v1beta1",
                   "policy/v1",
                   "policy/v1beta1",
                   "rbac.authorization.k8s.io/v1",
                   "rbac.authorization.k8s.io/v1beta1",
                   "rbac.authorization.k8s.io/v1alpha1",
                   "resource.k8s.io/v1",
                   "resource.k8s.io/v1beta2",
                   "resource.k8s.io/v1beta1",
                   "resource.k8s.io/v1alpha3",
                   "scheduling.k8s.io/v1alpha2",
                   "scheduling.k8s.io/v1beta1",
                   "scheduling.k8s.io/v1",
                   "storage.k8s.io/v1beta1",
                   "storage.k8s.io/v1",
                   "storage.k8s.io/v1alpha1",
                   "storagemigration.k8s.io/v1beta1",
                   "apiextensions.k8s.io/v1beta1",
                   "apiextensions.k8s.io/v1"};
  d.helmVersion = "v4.2";
  d.helmGoVersion = "go1.26.8";
  d.helmKubeClientVersion = "v1.36";
  return d;
}

// common.Values' methods.
std::optional<Func> valuesMethod(const Val& receiver, const std::string& name) {
  if (name == "AsMap") {
    return makeMethod("AsMap", {}, Ret::Concrete, [receiver](CallContext&, Args&) {
      if (receiver.len() == 0) return Val::map();
      return receiver.retyped(Type::Map);
    });
  }
  if (name == "YAML") {
    return makeMethod("YAML", {}, Ret::Concrete, [receiver](CallContext&, Args&) {
      std::string out;
      auto r = marshalYaml(receiver, out);
      if (!r.ok) throwFuncError(r.error);
      return Val::string(out);
    });
  }
  auto lookupTable = [](Val table, const std::string& path, std::string& missing) -> std::optional<Val> {
    std::size_t start = 0;
    for (;;) {
      auto dot = path.find('.', start);
      std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      Val next = table.m() ? (table.m()->find(part) ? *table.m()->find(part) : Val()) : Val();
      if (!next.valid() || !(next.type() == Type::Map || next.type() == Type::Values)) {
        missing = part;
        return std::nullopt;
      }
      table = next.retyped(Type::Values);
      if (dot == std::string::npos) return table;
      start = dot + 1;
    }
  };
  if (name == "Table") {
    return makeMethod("Table", {Param::String}, Ret::Concrete, [receiver, lookupTable](CallContext&, Args& a) {
      std::string missing;
      auto t = lookupTable(receiver, a[0].s(), missing);
      if (!t) throwFuncError(quoteGo(missing) + " is not a table");
      return *t;
    });
  }
  if (name == "PathValue") {
    return makeMethod("PathValue", {Param::String}, Ret::Any, [receiver, lookupTable](CallContext&, Args& a) {
      const std::string& path = a[0].s();
      if (path.empty()) throwFuncError("YAML path cannot be empty");
      auto dot = path.rfind('.');
      std::string key = dot == std::string::npos ? path : path.substr(dot + 1);
      Val table = receiver;
      if (dot != std::string::npos) {
        std::string missing;
        auto t = lookupTable(receiver, path.substr(0, dot), missing);
        if (!t) throwFuncError(quoteGo(key) + " is not a value");
        table = *t;
      }
      const Val* v = table.m() ? table.m()->find(key) : nullptr;
      if (!v || v->type() == Type::Map) throwFuncError(quoteGo(key) + " is not a value");
      return *v;
    });
  }
  return std::nullopt;
}

}  // namespace iop::tmpl::detail
