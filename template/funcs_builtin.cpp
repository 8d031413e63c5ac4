// text/template's builtin functions (funcs.go): and, or, not, len, index, call, print, printf,
// println, html, js, urlquery and the comparisons, with Go's rules and error texts.

#include "template/funcs.h"
#include "template/funcs_util.h"
#include "template/go_fmt.h"
#include "template/object.h"

namespace iop::tmpl::detail {

namespace {

enum class Kind { Invalid, Bool, Int, Float, String, Uint };

Kind basicKind(const Val& v) {
  switch (v.type()) {
    case Type::Bool:
      return Kind::Bool;
    case Type::Int:
    case Type::Int64:
      return Kind::Int;
    case Type::Uint64:
      return Kind::Uint;
    case Type::Float64:
      return Kind::Float;
    case Type::String:
      return Kind::String;
    default:
      return Kind::Invalid;
  }
}

// Go's isNil for the comparison of non-basic values.
bool isNilForCompare(const Val& v) { return !v.valid() || v.isNilRef(); }

// fmt's %v of a reflect.Value argument in error messages.
std::string show(const Val& v) { return formatValue(v); }

bool eq(std::vector<Val>& args) {
  Val a1 = args[0].unboxed();
  if (args.size() < 2) throwFuncError("missing argument for comparison");
  Kind k1 = basicKind(a1);
  for (std::size_t i = 1; i < args.size(); ++i) {
    Val a = args[i].unboxed();
    Kind k2 = basicKind(a);
    bool truth = false;
    if (k1 != k2) {
      if (k1 == Kind::Int && k2 == Kind::Uint) {
        truth = a1.i() >= 0 && static_cast<std::uint64_t>(a1.i()) == a.u();
      } else if (k1 == Kind::Uint && k2 == Kind::Int) {
        truth = a.i() >= 0 && a1.u() == static_cast<std::uint64_t>(a.i());
      } else if (a1.valid() && a.valid()) {
        throwFuncError("incompatible types for comparison: " + a1.typeName() + " and " + a.typeName());
      }
    } else {
      switch (k1) {
        case Kind::Bool:
          truth = a1.b() == a.b();
          break;
        case Kind::Float:
          truth = a1.f() == a.f();
          break;
        case Kind::Int:
          truth = a1.i() == a.i();
          break;
        case Kind::String:
          truth = a1.s() == a.s();
          break;
        case Kind::Uint:
          truth = a1.u() == a.u();
          break;
        case Kind::Invalid: {
          bool sameKind = (!a1.valid() || !a.valid()) || a1.kindName() == a.kindName();
          if (!sameKind) {
            throwFuncError("non-comparable types " + show(a1) + ": " + a1.typeName() + ", " + a.typeName() + ": " + show(a));
          }
          if (isNilForCompare(a1) || isNilForCompare(a)) {
            truth = isNilForCompare(a) == isNilForCompare(a1);
          } else {
            // Maps and slices are not comparable in Go; objects (structs, pointers) compare by identity.
            if (a.isMapType() || a.isListType()) throwFuncError("non-comparable type " + show(a) + ": " + a.typeName());
            truth = a1.obj() == a.obj() || (a1.type() == Type::Object && a1.typeName() == a.typeName() &&
                                             a1.obj()->kindName() == "struct" && a1.obj()->json() == a.obj()->json());
          }
          break;
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

bool lt(const Val& x, const Val& y) {
  Val a1 = x.unboxed(), a2 = y.unboxed();
  Kind k1 = basicKind(a1);
  if (k1 == Kind::Invalid) throwFuncError("invalid type for comparison");
  Kind k2 = basicKind(a2);
  if (k2 == Kind::Invalid) throwFuncError("invalid type for comparison");
  if (k1 != k2) {
    if (k1 == Kind::Int && k2 == Kind::Uint) return a1.i() < 0 || static_cast<std::uint64_t>(a1.i()) < a2.u();
    if (k1 == Kind::Uint && k2 == Kind::Int) return a2.i() >= 0 && a1.u() < static_cast<std::uint64_t>(a2.i());
    throwFuncError("incompatible types for comparison: " + a1.typeName() + " and " + a2.typeName());
  }
  switch (k1) {
    case Kind::Bool:
      throwFuncError("invalid type for comparison");
    case Kind::Float:
      return a1.f() < a2.f();
    case Kind::Int:
      return a1.i() < a2.i();
    case Kind::String:
      return a1.s() < a2.s();
    case Kind::Uint:
      return a1.u() < a2.u();
    default:
      return false;
  }
}

bool le(const Val& a, const Val& b) {
  if (lt(a, b)) return true;
  std::vector<Val> args{a, b};
  return eq(args);
}

// printableValue + fmt.Sprint, as text/template's evalArgs does for html/js/urlquery.
std::string evalArgs(const std::vector<Val>& args) {
  if (args.size() == 1 && args[0].unboxed().type() == Type::String) return args[0].unboxed().s();
  return sprint(args);
}

std::string htmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\0':
        out += "\xEF\xBF\xBD";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string jsEscape(const std::string& s) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool special = c == '\\' || c == '\'' || c == '"' || c == '<' || c == '>' || c == '&' || c == '=' || c < ' ' ||
                   c >= 0x80;
    if (!special) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '\'':
          out += "\\'";
          break;
        case '"':
          out += "\\\"";
          break;
        case '<':
          out += "\\u003C";
          break;
        case '>':
          out += "\\u003E";
          break;
        case '&':
          out += "\\u0026";
          break;
        case '=':
          out += "\\u003D";
          break;
        default:
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xF]);
      }
    } else {
      Rune r = decodeRune(s, i);
      if (isPrintRune(r.r)) {
        out.append(s, i, static_cast<std::size_t>(r.width));
      } else {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(r.r));
        out += buf;
      }
      i += static_cast<std::size_t>(r.width) - 1;
    }
  }
  return out;
}

std::string queryEscape(const std::string& s) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xF]);
    }
  }
  return out;
}

// Index argument of a slice or string (indexArg).
std::int64_t indexArg(const Val& idx0, std::size_t cap) {
  Val idx = idx0.unboxed();
  std::int64_t x;
  switch (idx.type()) {
    case Type::Int:
    case Type::Int64:
      x = idx.i();
      break;
    case Type::Uint64:
      x = static_cast<std::int64_t>(idx.u());
      break;
    case Type::Invalid:
    case Type::Nil:
      throwFuncError("cannot index slice/array with nil");
    default:
      throwFuncError("cannot index slice/array with type " + idx.typeName());
  }
  if (x < 0 || static_cast<std::uint64_t>(x) > cap) throwFuncError("index out of range: " + std::to_string(x));
  return x;
}

Val index(std::vector<Val>& args) {
  Val item = args[0].unboxed();
  if (!item.valid()) throwFuncError("index of untyped nil");
  for (std::size_t i = 1; i < args.size(); ++i) {
    Val idx = args[i].unboxed();
    if (item.iface()) {
      if (item.type() == Type::Nil) throwFuncError("index of nil pointer");
      item = item.unboxed();
    }
    if (item.type() == Type::Object) {
      if (auto l = item.obj()->asList()) {
        item = *l;
      }
    }
    if (item.isListType() || item.type() == Type::String) {
      auto x = static_cast<std::size_t>(indexArg(idx, item.len()));
      if (x >= item.len()) {
        throwFuncError(item.type() == Type::String ? "reflect: string index out of range"
                                                   : "reflect: slice index out of range");
      }
      if (item.type() == Type::String) {
        item = Val::integer(static_cast<unsigned char>(item.s()[x]));  // a byte (uint8)
      } else {
        item = item.index(x);
      }
    } else if (item.isMapType()) {
      if (!idx.valid()) throwFuncError("value is nil; should be of type string");
      if (idx.type() != Type::String) throwFuncError("value has type " + idx.typeName() + "; should be string");
      Val x = item.mapIndex(idx.s());
      if (x.valid()) {
        item = x;
      } else {
        item = item.type() == Type::StringMap ? Val::string("") : Val::nilIface();
      }
    } else if (item.type() == Type::Object && item.obj()->kindName() == "map") {
      if (idx.type() != Type::String) throwFuncError("value has type " + idx.typeName() + "; should be string");
      auto f = item.obj()->field(idx.s());
      item = f ? *f : Val::bytes("");
    } else {
      throwFuncError("can't index item of type " + item.typeName());
    }
  }
  return item;
}

}  // namespace

void addBuiltinFuncs(FuncTable& t) {
  auto reflect = [](CallContext&, std::vector<Val>&) -> Val { return Val(); };
  def(t, "and", {Param::Reflect, Param::Reflect}, Ret::Reflect, reflect, true);
  def(t, "or", {Param::Reflect, Param::Reflect}, Ret::Reflect, reflect, true);
  def(t, "call", {Param::Reflect, Param::Reflect}, Ret::Reflect, reflect, true);
  def(t, "not", {Param::Reflect}, Ret::Concrete, [](CallContext&, std::vector<Val>& a) {
    Val v = a[0].unboxed();
    bool truth = false;
    if (v.valid()) {
      switch (v.type()) {
        case Type::Bool:
          truth = v.b();
          break;
        case Type::Int:
        case Type::Int64:
          truth = v.i() != 0;
          break;
        case Type::Uint64:
          truth = v.u() != 0;
          break;
        case Type::Float64:
          truth = v.f() != 0;
          break;
        case Type::Object:
          truth = v.obj()->truth();
          break;
        default:
          truth = v.len() > 0;
      }
    }
    return Val::boolean(!truth);
  });
  def(t, "len", {Param::Reflect}, Ret::Concrete, [](CallContext&, std::vector<Val>& a) {
    Val v = a[0];
    if (v.iface()) {
      if (v.type() == Type::Nil) throwFuncError("len of nil pointer");
      v = v.unboxed();
    }
    if (!v.valid()) throwFuncError("reflect: call of reflect.Value.Type on zero Value");
    if (v.type() == Type::String || v.isMapType() || v.isListType()) return Val::integer(static_cast<std::int64_t>(v.len()));
    if (v.type() == Type::Object && (v.obj()->kindName() == "map" || v.obj()->kindName() == "slice")) {
      return Val::integer(static_cast<std::int64_t>(v.obj()->len()));
    }
    throwFuncError("len of type " + v.typeName());
  });
  def(t, "index", {Param::Reflect, Param::Reflect}, Ret::Reflect, [](CallContext&, std::vector<Val>& a) { return index(a); },
      true);
  def(t, "slice", {Param::Reflect, Param::Reflect}, Ret::Reflect,
      [](CallContext&, std::vector<Val>&) -> Val { throwFuncError("slice: not supported"); }, true);
  def(t, "print", {Param::Any}, Ret::Concrete,
      [](CallContext&, std::vector<Val>& a) { return Val::string(sprint(a)); }, true);
  def(t, "println", {Param::Any}, Ret::Concrete,
      [](CallContext&, std::vector<Val>& a) { return Val::string(sprintln(a)); }, true);
  def(t, "printf", {Param::String, Param::Any}, Ret::Concrete,
      [](CallContext&, std::vector<Val>& a) {
        std::vector<Val> rest(a.begin() + 1, a.end());
        return Val::string(sprintf(a[0].s(), rest));
      },
      true);
  def(t, "html", {Param::Any}, Ret::Concrete,
      [](CallContext&, std::vector<Val>& a) { return Val::string(htmlEscape(evalArgs(a))); }, true);
  def(t, "js", {Param::Any}, Ret::Concrete,
      [](CallContext&, std::vector<Val>& a) { return Val::string(jsEscape(evalArgs(a))); }, true);
  def(t, "urlquery", {Param::Any}, Ret::Concrete,
      [](CallContext&, std::vector<Val>& a) { return Val::string(queryEscape(evalArgs(a))); }, true);
  def(t, "eq", {Param::Reflect, Param::Reflect}, Ret::Concrete,
      [](CallContext&, std::vector<Val>& a) { return Val::boolean(eq(a)); }, true);
  def(t, "ne", {Param::Reflect, Param::Reflect}, Ret::Concrete, [](CallContext&, std::vector<Val>& a) {
    return Val::boolean(!eq(a));
  });
  def(t, "lt", {Param::Reflect, Param::Reflect}, Ret::Concrete,
      [](CallContext&, std::vector<Val>& a) { return Val::boolean(lt(a[0], a[1])); });
  def(t, "le", {Param::Reflect, Param::Reflect}, Ret::Concrete,
      [](CallContext&, std::vector<Val>& a) { return Val::boolean(le(a[0], a[1])); });
  def(t, "gt", {Param::Reflect, Param::Reflect}, Ret::Concrete,
      [](CallContext&, std::vector<Val>& a) { return Val::boolean(!le(a[0], a[1])); });
  def(t, "ge", {Param::Reflect, Param::Reflect}, Ret::Concrete,
      [](CallContext&, std::vector<Val>& a) { return Val::boolean(!lt(a[0], a[1])); });
}

}  // namespace iop::tmpl::detail
