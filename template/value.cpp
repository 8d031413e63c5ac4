#include "template/value.h"

#include <algorithm>
#include <cmath>

#include "template/exec.h"
#include "template/go_fmt.h"
#include "template/object.h"

namespace iop::tmpl::detail {

namespace {

auto lowerBound(const std::vector<std::pair<std::string, Val>>& items, std::string_view key) {
  return std::lower_bound(items.begin(), items.end(), key, [](const auto& item, std::string_view k) {
    return std::string_view(item.first) < k;
  });
}

}  // namespace

Val stored(const Val& v) {
  if (!v.valid() || v.type() == Type::Nil || v.type() == Type::Missing) return Val::nilIface();
  return v.unboxed();
}

const Val* MapObj::find(std::string_view key) const {
  auto it = lowerBound(items, key);
  if (it == items.end() || it->first != key) return nullptr;
  return &it->second;
}

Val* MapObj::find(std::string_view key) {
  return const_cast<Val*>(static_cast<const MapObj*>(this)->find(key));
}

void MapObj::set(std::string key, Val v) {
  auto it = std::lower_bound(items.begin(), items.end(), key,
                             [](const auto& item, const std::string& k) { return item.first < k; });
  if (it != items.end() && it->first == key) {
    it->second = std::move(v);
  } else {
    items.emplace(it, std::move(key), std::move(v));
  }
}

bool MapObj::erase(std::string_view key) {
  auto it = lowerBound(items, key);
  if (it == items.end() || it->first != key) return false;
  items.erase(it);
  return true;
}

Val Val::missing() {
  Val v;
  v.type_ = Type::Missing;
  return v;
}

Val Val::nilIface() {
  Val v;
  v.type_ = Type::Nil;
  v.iface_ = true;
  return v;
}

Val Val::boolean(bool b) {
  Val v;
  v.type_ = Type::Bool;
  v.n_.b = b;
  return v;
}

Val Val::integer(std::int64_t i) {
  Val v;
  v.type_ = Type::Int;
  v.n_.i = i;
  return v;
}

Val Val::int64(std::int64_t i) {
  Val v;
  v.type_ = Type::Int64;
  v.n_.i = i;
  return v;
}

Val Val::uint64(std::uint64_t u) {
  Val v;
  v.type_ = Type::Uint64;
  v.n_.u = u;
  return v;
}

Val Val::float64(double f) {
  Val v;
  v.type_ = Type::Float64;
  v.n_.f = f;
  return v;
}

Val Val::string(std::string s) {
  Val v;
  v.type_ = Type::String;
  v.s_ = std::move(s);
  return v;
}

Val Val::map(Type t) {
  return fromMap(t, std::make_shared<MapObj>());
}

Val Val::list(Type t) {
  return fromList(t, std::make_shared<ListObj>());
}

Val Val::fromMap(Type t, std::shared_ptr<MapObj> m) {
  Val v;
  v.type_ = t;
  v.p_ = std::move(m);
  return v;
}

Val Val::fromList(Type t, std::shared_ptr<ListObj> l) {
  Val v;
  v.type_ = t;
  v.p_ = std::move(l);
  return v;
}

Val Val::bytes(std::string b) {
  Val v;
  v.type_ = Type::Bytes;
  v.s_ = std::move(b);
  return v;
}

Val Val::object(std::shared_ptr<const Object> o) {
  Val v;
  v.type_ = Type::Object;
  v.p_ = std::const_pointer_cast<Object>(std::move(o));
  return v;
}

Val Val::boxed() const {
  if (!valid()) return nilIface();
  Val v = *this;
  v.iface_ = true;
  return v;
}

Val Val::unboxed() const {
  if (type_ == Type::Nil) return Val();
  Val v = *this;
  v.iface_ = false;
  return v;
}

bool Val::isNilRef() const {
  switch (type_) {
    case Type::Nil:
      return true;
    case Type::Map:
    case Type::Values:
    case Type::StringMap:
      return !p_;
    case Type::List:
    case Type::StringList:
    case Type::IntList:
      return !p_;
    default:
      return false;
  }
}

std::size_t Val::len() const {
  switch (type_) {
    case Type::String:
    case Type::Bytes:
      return s_.size();
    case Type::Map:
    case Type::Values:
    case Type::StringMap:
      return p_ ? m()->items.size() : 0;
    case Type::List:
    case Type::StringList:
    case Type::IntList:
      return p_ ? l()->items.size() : 0;
    case Type::Object:
      return obj()->len();
    default:
      return 0;
  }
}

bool elementsBoxed(Type container) {
  return container == Type::Map || container == Type::Values || container == Type::List;
}

Val Val::index(std::size_t i) const {
  if (type_ == Type::Bytes) return Val::integer(static_cast<unsigned char>(s_[i]));  // uint8, close enough
  const Val& e = l()->items[i];
  return elementsBoxed(type_) ? e.boxed() : e;
}

Val Val::mapIndex(std::string_view key) const {
  if (!m()) return Val();
  const Val* e = m()->find(key);
  if (!e) return Val();
  return elementsBoxed(type_) ? e->boxed() : *e;
}

std::vector<std::string> Val::mapKeys() const {
  std::vector<std::string> keys;
  if (m()) {
    keys.reserve(m()->items.size());
    for (const auto& [k, v] : m()->items) keys.push_back(k);
  }
  return keys;
}

std::string Val::typeName() const {
  switch (type_) {
    case Type::Invalid:
    case Type::Missing:
    case Type::Nil:
      return "<nil>";
    case Type::Bool:
      return "bool";
    case Type::Int:
      return "int";
    case Type::Int64:
      return "int64";
    case Type::Uint64:
      return "uint64";
    case Type::Float64:
      return "float64";
    case Type::String:
      return "string";
    case Type::Map:
      return "map[string]interface {}";
    case Type::Values:
      return "common.Values";
    case Type::StringMap:
      return "map[string]string";
    case Type::List:
      return "[]interface {}";
    case Type::StringList:
      return "[]string";
    case Type::IntList:
      return "[]int";
    case Type::Bytes:
      return "[]uint8";
    case Type::Object:
      return obj()->typeName();
  }
  return "?";
}

std::string Val::kindName() const {
  if (iface_ && type_ == Type::Nil) return "interface";
  switch (type_) {
    case Type::Invalid:
    case Type::Missing:
    case Type::Nil:
      return "invalid";
    case Type::Bool:
      return "bool";
    case Type::Int:
      return "int";
    case Type::Int64:
      return "int64";
    case Type::Uint64:
      return "uint64";
    case Type::Float64:
      return "float64";
    case Type::String:
      return "string";
    case Type::Map:
    case Type::Values:
    case Type::StringMap:
      return "map";
    case Type::List:
    case Type::StringList:
    case Type::IntList:
    case Type::Bytes:
      return "slice";
    case Type::Object:
      return obj()->kindName();
  }
  return "?";
}

Val fromJson(const Value& j) {
  switch (j.type()) {
    case Value::value_t::null:
    case Value::value_t::discarded:
      return Val::nilIface();
    case Value::value_t::boolean:
      return Val::boolean(j.get<bool>());
    case Value::value_t::number_integer:
      return Val::int64(j.get<std::int64_t>());
    case Value::value_t::number_unsigned:
      return Val::uint64(j.get<std::uint64_t>());
    case Value::value_t::number_float:
      return Val::float64(j.get<double>());
    case Value::value_t::string:
      return Val::string(j.get<std::string>());
    case Value::value_t::binary:
      return Val::bytes(std::string(j.get_binary().begin(), j.get_binary().end()));
    case Value::value_t::array: {
      auto l = std::make_shared<ListObj>();
      l->items.reserve(j.size());
      for (const auto& e : j) l->items.push_back(stored(fromJson(e)));
      return Val::fromList(Type::List, std::move(l));
    }
    case Value::value_t::object: {
      auto m = std::make_shared<MapObj>();
      m->items.reserve(j.size());
      // nlohmann's object is a std::map: already sorted by key.
      for (const auto& [k, e] : j.items()) m->items.emplace_back(k, stored(fromJson(e)));
      return Val::fromMap(Type::Map, std::move(m));
    }
  }
  return Val::nilIface();
}

Value toJson(const Val& v) {
  switch (v.type()) {
    case Type::Invalid:
    case Type::Missing:
    case Type::Nil:
      return nullptr;
    case Type::Bool:
      return v.b();
    case Type::Int:
    case Type::Int64:
      return v.i();
    case Type::Uint64:
      return v.u();
    case Type::Float64:
      return v.f();
    case Type::String:
      return v.s();
    case Type::Bytes:
      return Value::binary(std::vector<std::uint8_t>(v.s().begin(), v.s().end()));
    case Type::Map:
    case Type::Values:
    case Type::StringMap: {
      if (!v.m()) return nullptr;
      Value o = Value::object();
      for (const auto& [k, e] : v.m()->items) o[k] = toJson(e);
      return o;
    }
    case Type::List:
    case Type::StringList:
    case Type::IntList: {
      if (!v.l()) return nullptr;
      Value a = Value::array();
      for (const auto& e : v.l()->items) a.push_back(toJson(e));
      return a;
    }
    case Type::Object:
      return v.obj()->json();
  }
  return nullptr;
}

namespace {
Val deepCopyAt(const Val& v, int depth);
}  // namespace

Val deepCopy(const Val& v) { return deepCopyAt(v, 0); }

namespace {
// Go's copystructure recurses without bound and overflows its stack on a map that holds itself
// (`set $d "a" $d`): end the render instead.
Val deepCopyAt(const Val& v, int depth) {
  if (depth > kMaxValueDepth)
    throw LimitExceeded{"deepCopy: value nested deeper than " + std::to_string(kMaxValueDepth) +
                        " levels (a map or list that contains itself?)"};
  switch (v.type()) {
    case Type::Map:
    case Type::Values:
    case Type::StringMap: {
      if (!v.m()) return v;
      auto m = std::make_shared<MapObj>();
      m->items.reserve(v.m()->items.size());
      for (const auto& [k, e] : v.m()->items) m->items.emplace_back(k, deepCopyAt(e, depth + 1));
      Val out = Val::fromMap(v.type(), std::move(m));
      return v.iface() ? out.boxed() : out;
    }
    case Type::List:
    case Type::StringList:
    case Type::IntList: {
      if (!v.l()) return v;
      auto l = std::make_shared<ListObj>();
      l->items.reserve(v.l()->items.size());
      for (const auto& e : v.l()->items) l->items.push_back(deepCopyAt(e, depth + 1));
      Val out = Val::fromList(v.type(), std::move(l));
      return v.iface() ? out.boxed() : out;
    }
    default:
      return v;
  }
}
}  // namespace

bool deepEqual(const Val& a0, const Val& b0) {
  Val a = a0.unboxed(), b = b0.unboxed();
  if (!a.valid() || !b.valid()) return !a.valid() && !b.valid();
  if (a.type() != b.type()) return false;
  if (a.type() == Type::Object && a.typeName() != b.typeName()) return false;
  switch (a.type()) {
    case Type::Bool:
      return a.b() == b.b();
    case Type::Int:
    case Type::Int64:
      return a.i() == b.i();
    case Type::Uint64:
      return a.u() == b.u();
    case Type::Float64:
      return a.f() == b.f();
    case Type::String:
    case Type::Bytes:
      return a.s() == b.s();
    case Type::Map:
    case Type::Values:
    case Type::StringMap: {
      if (!a.m() || !b.m()) return !a.m() && !b.m();
      if (a.m() == b.m()) return true;
      if (a.m()->items.size() != b.m()->items.size()) return false;
      for (std::size_t i = 0; i < a.m()->items.size(); ++i) {
        if (a.m()->items[i].first != b.m()->items[i].first) return false;
        if (!deepEqual(a.m()->items[i].second, b.m()->items[i].second)) return false;
      }
      return true;
    }
    case Type::List:
    case Type::StringList:
    case Type::IntList: {
      if (!a.l() || !b.l()) return !a.l() && !b.l();
      if (a.l() == b.l()) return true;
      if (a.l()->items.size() != b.l()->items.size()) return false;
      for (std::size_t i = 0; i < a.l()->items.size(); ++i) {
        if (!deepEqual(a.l()->items[i], b.l()->items[i])) return false;
      }
      return true;
    }
    case Type::Object:
      return a.obj() == b.obj() || a.obj()->json() == b.obj()->json();
    default:
      return true;
  }
}

}  // namespace iop::tmpl::detail

namespace iop::tmpl {

std::string sprint(const Value& v) {
  return detail::formatValue(detail::fromJson(v));
}

Value withGoNumbers(const Value& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.get<double>();
  if (v.is_object()) {
    Value o = Value::object();
    for (const auto& [k, e] : v.items()) o[k] = withGoNumbers(e);
    return o;
  }
  if (v.is_array()) {
    Value a = Value::array();
    for (const auto& e : v) a.push_back(withGoNumbers(e));
    return a;
  }
  return v;
}

}  // namespace iop::tmpl
