#pragma once

// Go values that are neither maps, slices nor scalars: the objects Helm puts in the render
// values (.Files, .Capabilities and its parts). text/template reaches their exported fields and
// methods by name; this interface gives the engine the same view.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "template/funcs.h"
#include "template/value.h"

namespace iop::tmpl::detail {

class Object {
 public:
  virtual ~Object() = default;
  // reflect.Type.String() and reflect.Kind of the value as the template holds it.
  virtual std::string typeName() const = 0;
  virtual std::string kindName() const = 0;
  // An exported field by name, or nullopt (the engine then tries methods, then fails as Go).
  virtual std::optional<Val> field(std::string_view name) const = 0;
  // A method by name (bound to this object), or null.
  virtual const Func* method(std::string_view name) const = 0;
  // fmt's %v of the value.
  virtual std::string format() const = 0;
  // encoding/json's view (toJson/toYaml).
  virtual Value json() const = 0;
  // For `if`, `len`, `range`, `empty`: a struct is always true; map/slice-like objects say.
  virtual bool truth() const { return true; }
  virtual std::size_t len() const { return 0; }
  // True when the value is a pointer (its fields are reached through it).
  virtual bool isPointer() const { return false; }
  // The elements, for slice-like objects (range, index).
  virtual std::optional<Val> asList() const { return std::nullopt; }
};

}  // namespace iop::tmpl::detail
