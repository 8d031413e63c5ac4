#pragma once

// The engine's model of a Go value as text/template sees it through reflection (a reflect.Value):
// its dynamic type, whether it sits in an interface{} (Kind Interface: map elements, slice
// elements and functions returning interface{} do, and text/template treats such values
// differently in field access and argument checks), and Go's reference semantics for maps and
// slices (a map is shared: `set` on a map reached through two paths changes both, which Istio's
// zzz_profile.yaml relies on).
//
// Not thread-safe: a Val graph belongs to one render. Chart-level data shared between renders is
// held as nlohmann::json (or immutable Val graphs that are never handed to templates unprotected:
// see ParsedChart).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "template/chart.h"

namespace iop::tmpl::detail {

// The Go types the engine produces. Each has a Go type name (typeName) and a reflect.Kind
// (kindName) as Go prints them.
enum class Type : std::uint8_t {
  Invalid,    // reflect.Value{}: "no value" (a missing key, an unset variable, nil data)
  Missing,    // text/template's missingVal sentinel: "no final pipeline argument"
  Nil,        // the nil inside an interface{} (only with iface = true)
  Bool,       // bool
  Int,        // int
  Int64,      // int64
  Uint64,     // uint64
  Float64,    // float64
  String,     // string
  Map,        // map[string]interface {}
  Values,     // common.Values (Helm's named map[string]interface {}; has methods)
  StringMap,  // map[string]string
  List,       // []interface {}
  StringList, // []string
  IntList,    // []int
  Bytes,      // []uint8
  Object,     // a Helm object with fields and methods (.Files, .Capabilities, ...)
};

class Val;

struct MapObj {
  // Sorted by key (byte order, Go's order for range, fmt and encoding/json).
  std::vector<std::pair<std::string, Val>> items;

  const Val* find(std::string_view key) const;
  Val* find(std::string_view key);
  void set(std::string key, Val v);
  bool erase(std::string_view key);
};

struct ListObj {
  std::vector<Val> items;
};

class Object;  // helm_objects.h

class Val {
 public:
  Val() = default;  // Invalid
  static Val missing();
  static Val nilIface();
  static Val boolean(bool b);
  static Val integer(std::int64_t i);  // Go int
  static Val int64(std::int64_t i);
  static Val uint64(std::uint64_t u);
  static Val float64(double f);
  static Val string(std::string s);
  // A new empty map / list of the given type (Map, Values, StringMap / List, StringList, IntList).
  static Val map(Type t = Type::Map);
  static Val list(Type t = Type::List);
  static Val fromMap(Type t, std::shared_ptr<MapObj> m);    // m may be null: a nil map
  static Val fromList(Type t, std::shared_ptr<ListObj> l);  // l may be null: a nil slice
  static Val bytes(std::string b);
  static Val object(std::shared_ptr<const Object> o);

  Type type() const { return type_; }
  // The value is held by an interface{} (reflect.Kind Interface).
  bool iface() const { return iface_; }
  Val boxed() const;    // the same value inside an interface{}
  // The same storage under another type of the same kind (common.Values as map[string]interface {}).
  Val retyped(Type t) const {
    Val v = *this;
    v.type_ = t;
    v.iface_ = false;
    return v;
  }
  Val unboxed() const;  // indirectInterface: the concrete value; a nil interface -> Invalid

  bool valid() const { return type_ != Type::Invalid; }
  bool isMissing() const { return type_ == Type::Missing; }
  // A nil interface, nil map or nil slice (Go's isNil for those kinds); Invalid is not.
  bool isNilRef() const;

  bool isMapType() const { return type_ == Type::Map || type_ == Type::Values || type_ == Type::StringMap; }
  bool isListType() const {
    return type_ == Type::List || type_ == Type::StringList || type_ == Type::IntList || type_ == Type::Bytes;
  }
  bool isIntKind() const { return type_ == Type::Int || type_ == Type::Int64; }

  bool b() const { return n_.b; }
  std::int64_t i() const { return n_.i; }
  std::uint64_t u() const { return n_.u; }
  double f() const { return n_.f; }
  const std::string& s() const { return s_; }
  // Map/list storage (null for nil maps/slices and other types). Bytes are kept in s(). The
  // storage is shared by every copy of this Val (Go's reference semantics).
  MapObj* m() const { return isMapType() ? static_cast<MapObj*>(p_.get()) : nullptr; }
  ListObj* l() const {
    return type_ == Type::List || type_ == Type::StringList || type_ == Type::IntList ? static_cast<ListObj*>(p_.get())
                                                                                    : nullptr;
  }
  const Object* obj() const { return type_ == Type::Object ? static_cast<const Object*>(p_.get()) : nullptr; }

  // Number of elements (maps, slices, strings, bytes); 0 for others.
  std::size_t len() const;
  // Element i of a slice as Go's reflect.Value.Index gives it ([]interface{} -> boxed).
  Val index(std::size_t i) const;
  // Map lookup as reflect.MapIndex: Invalid when absent; elements of map[string]interface{}
  // come boxed.
  Val mapIndex(std::string_view key) const;
  // The map's sorted keys.
  std::vector<std::string> mapKeys() const;

  // Go's type name (reflect.Type.String()): "int", "map[string]interface {}", "common.Values".
  std::string typeName() const;
  // reflect.Kind's name: "int", "map", "slice", "ptr", "struct", "invalid", "interface".
  std::string kindName() const;

 private:
  Type type_ = Type::Invalid;
  bool iface_ = false;
  union {
    bool b;
    std::int64_t i;
    std::uint64_t u;
    double f;
  } n_{};
  std::string s_;
  std::shared_ptr<void> p_;  // MapObj, ListObj or Object, by type_
};

// The element type of a map/list type as a Val is stored: StringMap and StringList hold String
// values, IntList holds Int, Map/Values/List hold anything.
bool elementsBoxed(Type container);

// What a map[string]interface{} or []interface{} stores for a value assigned to it: a nil (or
// no value) is kept as a nil interface, so that a present-but-nil entry differs from an absent one.
Val stored(const Val& v);

// JSON (the API's values) -> Val: objects become map[string]interface {}, arrays
// []interface {}, number_integer int64, number_unsigned uint64, number_float float64.
Val fromJson(const Value& j);
// Val -> JSON; objects become their field maps, Invalid/nil become null.
Value toJson(const Val& v);

// copystructure.Copy as sprig's deepCopy uses it: maps and slices copied recursively, types kept.
Val deepCopy(const Val& v);

// reflect.DeepEqual.
bool deepEqual(const Val& a, const Val& b);

}  // namespace iop::tmpl::detail
