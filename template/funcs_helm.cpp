// Helm's own template functions (pkg/engine/funcs.go and engine.go): include, tpl, required,
// fail, lookup and the YAML functions, with Helm's error wrapping (HELM_ERR_START...END), which
// the render error formatting then unwraps as Helm does.

#include "template/exec.h"
#include "template/funcs.h"
#include "template/funcs_util.h"
#include "template/go_yaml.h"

namespace iop::tmpl::detail {

namespace {

using Args = std::vector<Val>;

std::string warnWrap(const std::string& s) {
  return "HELM_ERR_START" + s + "HELM_ERR_END";
}

std::string trimNewline(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace

void addHelmFuncs(FuncTable& t) {
  using P = Param;
  def(t, "include", {P::String, P::Any}, Ret::Concrete,
      [](CallContext& ctx, Args& a) { return Val::string(ctx.include(a[0].s(), a[1])); });
  def(t, "tpl", {P::String, P::Any}, Ret::Any,
      [](CallContext& ctx, Args& a) { return Val::string(ctx.tpl(a[0].s(), a[1])); });
  def(t, "required", {P::String, P::Any}, Ret::Any, [](CallContext&, Args& a) {
    Val v = a[1].unboxed();
    if (!v.valid() || (v.type() == Type::String && v.s().empty())) throwFuncError(warnWrap(a[0].s()));
    return a[1];
  });
  def(t, "fail", {P::String}, Ret::Concrete,
      [](CallContext&, Args& a) -> Val { throwFuncError(warnWrap(a[0].s())); });
  def(t, "lookup", {P::String, P::String, P::String, P::String}, Ret::Concrete,
      [](CallContext&, Args&) { return Val::map(); });
  def(t, "getHostByName", {P::String}, Ret::Concrete, [](CallContext&, Args&) { return Val::string(""); });
  def(t, "toYaml", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    std::string out;
    auto r = marshalYaml(a[0], out);
    return Val::string(r.ok ? trimNewline(out) : "");
  });
  def(t, "mustToYaml", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    std::string out;
    auto r = marshalYaml(a[0], out);
    if (!r.ok) throwFuncError(r.error);
    return Val::string(trimNewline(out));
  });
  def(t, "fromYaml", {P::String}, Ret::Concrete, [](CallContext& c, Args& a) {
    Val v;
    auto r = parseYamlVal(a[0].s(), v, c.renderer().yamlMemo);
    if (!r.ok) {
      Val m = Val::map();
      m.m()->set("Error", Val::string(r.error));
      return m;
    }
    if (v.type() == Type::Nil) return Val::fromMap(Type::Map, nullptr);
    if (v.type() != Type::Map) {
      std::string kind = v.type() == Type::List     ? "array"
                         : v.type() == Type::String ? "string"
                         : v.type() == Type::Bool   ? "bool"
                                                    : "number";
      Val m = Val::map();
      m.m()->set("Error",
                 Val::string("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal " + kind +
                             " into Go value of type map[string]interface {}"));
      return m;
    }
    return v;
  });
  def(t, "fromYamlArray", {P::String}, Ret::Concrete, [](CallContext& c, Args& a) {
    Val v;
    auto r = parseYamlVal(a[0].s(), v, c.renderer().yamlMemo);
    std::string err = r.error;
    if (r.ok && v.type() == Type::Nil) return Val::fromList(Type::List, nullptr);
    if (r.ok && v.type() != Type::List) {
      std::string kind = v.type() == Type::Map      ? "object"
                         : v.type() == Type::String ? "string"
                         : v.type() == Type::Bool   ? "bool"
                                                    : "number";
      err = "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal " + kind +
            " into Go value of type []interface {}";
    }
    if (!err.empty()) return makeList({Val::string(err)});
    return v;
  });
  auto noToml = [](CallContext&, Args&) -> Val {
    throwFuncError("TOML is not supported by this template engine");
  };
  def(t, "toToml", {P::Any}, Ret::Concrete, noToml);
  def(t, "mustToToml", {P::Any}, Ret::Concrete, noToml);
  def(t, "fromToml", {P::String}, Ret::Concrete, noToml);
}

}  // namespace iop::tmpl::detail
