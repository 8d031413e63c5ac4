// Sprig's defaults.go and reflect.go (default, empty, coalesce, ternary, JSON, type checks), with
// Helm's own JSON functions where Helm replaces sprig's (toJson, mustToJson, fromJson,
// fromJsonArray).

#include "template/funcs.h"
#include "template/funcs_util.h"
#include "template/go_json.h"

namespace iop::tmpl::detail {

namespace {

using Args = std::vector<Val>;

std::string jsonKind(const Val& v) {
  switch (v.type()) {
    case Type::Map:
      return "object";
    case Type::List:
      return "array";
    case Type::String:
      return "string";
    case Type::Float64:
      return "number";
    case Type::Bool:
      return "bool";
    default:
      return "null";
  }
}

}  // namespace

void addDefaultFuncs(FuncTable& t) {
  using P = Param;
  def(
      t, "default", {P::Any, P::Any}, Ret::Any,
      [](CallContext&, Args& a) {
        if (a.size() < 2 || emptyValue(a[1])) return a[0];
        return a[1];
      },
      true);
  def(t, "empty", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) { return Val::boolean(emptyValue(a[0])); });
  def(
      t, "coalesce", {P::Any}, Ret::Any,
      [](CallContext&, Args& a) {
        for (const auto& v : a) {
          if (!emptyValue(v)) return v;
        }
        return Val();
      },
      true);
  def(
      t, "all", {P::Any}, Ret::Concrete,
      [](CallContext&, Args& a) {
        for (const auto& v : a) {
          if (emptyValue(v)) return Val::boolean(false);
        }
        return Val::boolean(true);
      },
      true);
  def(
      t, "any", {P::Any}, Ret::Concrete,
      [](CallContext&, Args& a) {
        for (const auto& v : a) {
          if (!emptyValue(v)) return Val::boolean(true);
        }
        return Val::boolean(false);
      },
      true);
  def(t, "ternary", {P::Any, P::Any, P::Bool}, Ret::Any,
      [](CallContext&, Args& a) { return a[2].b() ? a[0] : a[1]; });

  // JSON: Helm's toJson/mustToJson/fromJson/fromJsonArray, sprig's others.
  def(t, "toJson", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    auto r = marshalJson(a[0]);
    return Val::string(r.ok() ? r.text : "");
  });
  def(t, "mustToJson", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    auto r = marshalJson(a[0]);
    if (!r.ok()) throwFuncError(r.error);
    return Val::string(r.text);
  });
  def(t, "toPrettyJson", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    auto r = marshalJson(a[0], {true, "  "});
    return Val::string(r.ok() ? r.text : "");
  });
  def(t, "mustToPrettyJson", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    auto r = marshalJson(a[0], {true, "  "});
    if (!r.ok()) throwFuncError(r.error);
    return Val::string(r.text);
  });
  auto raw = [](CallContext&, Args& a) {
    auto r = marshalJson(a[0], {false, ""});
    if (!r.ok()) throwFuncError(r.error);
    return Val::string(r.text);
  };
  def(t, "toRawJson", {P::Any}, Ret::Concrete, raw);
  def(t, "mustToRawJson", {P::Any}, Ret::Concrete, raw);
  def(t, "fromJson", {P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto r = unmarshalJson(a[0].s());
    if (!r.error.empty()) {
      Val m = Val::map();
      m.m()->set("Error", Val::string(r.error));
      return m;
    }
    if (r.value.type() == Type::Nil) return Val::fromMap(Type::Map, nullptr);
    if (r.value.type() != Type::Map) {
      Val m = Val::map();
      m.m()->set("Error", Val::string("json: cannot unmarshal " + jsonKind(r.value) +
                                      " into Go value of type map[string]interface {}"));
      return m;
    }
    return r.value;
  });
  def(t, "fromJsonArray", {P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto r = unmarshalJson(a[0].s());
    std::string err = r.error;
    if (err.empty() && r.value.type() == Type::Nil) return Val::fromList(Type::List, nullptr);
    if (err.empty() && r.value.type() != Type::List) {
      err = "json: cannot unmarshal " + jsonKind(r.value) + " into Go value of type []interface {}";
    }
    if (!err.empty()) return makeList({Val::string(err)});
    return r.value;
  });
  def(t, "mustFromJson", {P::String}, Ret::Any, [](CallContext&, Args& a) {
    auto r = unmarshalJson(a[0].s());
    if (!r.error.empty()) throwFuncError(r.error);
    return r.value;
  });

  // Reflection.
  def(t, "typeOf", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) { return Val::string(a[0].unboxed().typeName()); });
  def(t, "typeIs", {P::String, P::Any}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::boolean(a[0].s() == a[1].unboxed().typeName()); });
  def(t, "typeIsLike", {P::String, P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    std::string ty = a[1].unboxed().typeName();
    return Val::boolean(a[0].s() == ty || "*" + a[0].s() == ty);
  });
  def(t, "kindOf", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) { return Val::string(kindOf(a[0])); });
  def(t, "kindIs", {P::String, P::Any}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::boolean(a[0].s() == kindOf(a[1])); });
  def(t, "deepEqual", {P::Any, P::Any}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::boolean(deepEqual(a[0], a[1])); });
}

}  // namespace iop::tmpl::detail
