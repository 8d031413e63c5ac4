#include "template/funcs.h"

#include <cmath>

#include "template/funcs_util.h"
#include "template/go_fmt.h"
#include "template/object.h"
#include "template/strconv.h"

namespace iop::tmpl::detail {

void throwFuncError(std::string message) { throw FuncError{GoError{{std::move(message)}}}; }

void throwFuncErrorWrapping(std::string message, GoError inner) {
  GoError e{{std::move(message)}};
  e.chain.insert(e.chain.end(), inner.chain.begin(), inner.chain.end());
  throw FuncError{std::move(e)};
}

void throwNilPointerPanic() { throwFuncError("runtime error: invalid memory address or nil pointer dereference"); }

std::string paramTypeName(Param p) {
  switch (p) {
    case Param::Any:
      return "interface {}";
    case Param::String:
      return "string";
    case Param::Int:
      return "int";
    case Param::Int64:
      return "int64";
    case Param::Float64:
      return "float64";
    case Param::Bool:
      return "bool";
    case Param::Map:
      return "map[string]interface {}";
    case Param::StringList:
      return "[]string";
    case Param::Reflect:
      return "reflect.Value";
  }
  return "?";
}

void def(FuncTable& t, std::string name, std::vector<Param> params, Ret ret,
         std::function<Val(CallContext&, std::vector<Val>&)> impl, bool variadic) {
  Func f;
  f.name = name;
  f.params = std::move(params);
  f.variadic = variadic;
  f.ret = ret;
  f.impl = std::move(impl);
  t[std::move(name)] = std::move(f);
}

const std::map<std::string, Func, std::less<>>& functions() {
  static const FuncTable table = [] {
    FuncTable t;
    addStringFuncs(t);
    addListFuncs(t);
    addDictFuncs(t);
    addDefaultFuncs(t);
    addNumericFuncs(t);
    addRegexFuncs(t);
    addEncodingFuncs(t);
    addSemverFuncs(t);
    addHelmFuncs(t);
    // text/template's builtins come last: Helm's (sprig's) functions of the same name win, as
    // text/template looks up the template's own functions first.
    FuncTable builtins;
    addBuiltinFuncs(builtins);
    for (auto& [name, f] : builtins) {
      f.builtin = true;
      t.try_emplace(name, std::move(f));
    }
    return t;
  }();
  return table;
}

const Func* findFunction(std::string_view name) {
  const auto& t = functions();
  auto it = t.find(name);
  return it == t.end() ? nullptr : &it->second;
}

// ---- shared helpers ----

std::string strval(const Val& v0) {
  Val v = v0.unboxed();
  switch (v.type()) {
    case Type::String:
    case Type::Bytes:
      return v.s();
    case Type::Object:
      return v.obj()->format();
    default:
      return formatValue(v);
  }
}

bool emptyValue(const Val& v0) {
  Val v = v0.unboxed();
  switch (v.type()) {
    case Type::Invalid:
    case Type::Missing:
    case Type::Nil:
      return true;
    case Type::Bool:
      return !v.b();
    case Type::Int:
    case Type::Int64:
      return v.i() == 0;
    case Type::Uint64:
      return v.u() == 0;
    case Type::Float64:
      return v.f() == 0;
    case Type::Object:
      return v.obj()->kindName() == "struct" ? false : (v.obj()->kindName() == "ptr" ? false : v.obj()->len() == 0);
    default:
      return v.len() == 0;
  }
}

std::int64_t floatToInt64(double f) {
  if (std::isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0) return INT64_MIN;
  return static_cast<std::int64_t>(f);
}

namespace {

// cast's trimZeroDecimal: "12.000" -> "12".
std::string trimZeroDecimal(const std::string& s) {
  bool foundZero = false;
  for (std::size_t i = s.size(); i > 0; --i) {
    switch (s[i - 1]) {
      case '.':
        if (foundZero) return s.substr(0, i - 1);
        break;
      case '0':
        foundZero = true;
        break;
      default:
        return s;
    }
  }
  return s;
}

}  // namespace

std::int64_t castInt64(const Val& v0) {
  Val v = v0.unboxed();
  switch (v.type()) {
    case Type::Int:
    case Type::Int64:
      return v.i();
    case Type::Uint64:
      return static_cast<std::int64_t>(v.u());
    case Type::Float64:
      return floatToInt64(v.f());
    case Type::String: {
      auto r = parseIntGo(trimZeroDecimal(v.s()), 0);
      return r ? *r : 0;
    }
    case Type::Bool:
      return v.b() ? 1 : 0;
    default:
      return 0;
  }
}

double castFloat64(const Val& v0) {
  Val v = v0.unboxed();
  switch (v.type()) {
    case Type::Int:
    case Type::Int64:
      return static_cast<double>(v.i());
    case Type::Uint64:
      return static_cast<double>(v.u());
    case Type::Float64:
      return v.f();
    case Type::String: {
      auto r = parseFloatGo(v.s());
      return r ? *r : 0;
    }
    case Type::Bool:
      return v.b() ? 1 : 0;
    default:
      return 0;
  }
}

std::optional<std::vector<Val>> sliceElements(const Val& v0) {
  Val v = v0.unboxed();
  if (v.isListType()) {
    std::vector<Val> out;
    out.reserve(v.len());
    for (std::size_t i = 0; i < v.len(); ++i) out.push_back(v.index(i).unboxed().valid() ? v.index(i) : Val::nilIface());
    return out;
  }
  if (v.type() == Type::Object) {
    if (auto l = v.obj()->asList()) return sliceElements(*l);
  }
  return std::nullopt;
}

Val makeList(const std::vector<Val>& elems) {
  auto l = std::make_shared<ListObj>();
  l->items.reserve(elems.size());
  for (const auto& e : elems) l->items.push_back(stored(e));
  return Val::fromList(Type::List, std::move(l));
}

Val makeStringList(const std::vector<std::string>& elems) {
  auto l = std::make_shared<ListObj>();
  l->items.reserve(elems.size());
  for (const auto& e : elems) l->items.push_back(Val::string(e));
  return Val::fromList(Type::StringList, std::move(l));
}

std::string kindOf(const Val& v0) {
  Val v = v0.unboxed();
  if (!v.valid()) return "invalid";
  return v.kindName();
}

}  // namespace iop::tmpl::detail
