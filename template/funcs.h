#pragma once

// Template functions as text/template calls them: each has a Go signature (the parameter types
// decide how arguments are checked and converted, exactly as reflect does for the Go function),
// and an implementation that either returns a value or throws FuncError (Go's non-nil error
// result, or a panic that text/template's safeCall turns into one).

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "template/value.h"

namespace iop::tmpl::detail {

// Go parameter types that the functions use.
enum class Param : std::uint8_t {
  Any,         // interface{}
  String,      // string
  Int,         // int
  Int64,       // int64
  Float64,     // float64
  Bool,        // bool
  Map,         // map[string]interface {}
  StringList,  // []string
  Reflect,     // reflect.Value (text/template's own builtins: the argument unconverted)
};

// What the Go function's (first) result type is, which decides whether the value the engine
// sees is boxed in an interface (reflect.Kind Interface) or concrete.
enum class Ret : std::uint8_t {
  Concrete,  // a concrete Go type (the Val the implementation returns, unboxed)
  Any,       // interface{} (the Val boxed)
  Reflect,   // reflect.Value (unwrapped: the Val as it is)
};

// A Go error value as text/template sees it: its Error() text and those of the errors it wraps,
// outermost first (errors.Unwrap's chain). Helm formats render errors from this chain.
struct GoError {
  std::vector<std::string> chain;
  const std::string& text() const { return chain.front(); }
};

// Thrown by a function implementation: the Go function returned this error (or panicked).
struct FuncError {
  GoError error;
};
[[noreturn]] void throwFuncError(std::string message);
// An error that wraps another (fmt.Errorf("...%w", err)).
[[noreturn]] void throwFuncErrorWrapping(std::string message, GoError inner);

class CallContext;  // exec.h: the executing state, for include/tpl

struct Func {
  std::string name;
  std::vector<Param> params;  // variadic: the last one is the element type of the ... parameter
  bool variadic = false;
  Ret ret = Ret::Concrete;
  bool builtin = false;  // a text/template builtin (and/or/call are special cases there)
  std::function<Val(CallContext&, std::vector<Val>&)> impl;
};

// Go's name of a parameter type ("string", "map[string]interface {}"), for error messages.
std::string paramTypeName(Param p);

// The function map Helm's engine installs (sprig's TxtFuncMap minus env/expandenv, Helm's own
// functions, text/template's builtins), as far as this engine implements it. Built once;
// immutable afterwards, so safe to share between threads.
const std::map<std::string, Func, std::less<>>& functions();
const Func* findFunction(std::string_view name);

// Registration, one per family (funcs_*.cpp).
using FuncTable = std::map<std::string, Func, std::less<>>;
void addBuiltinFuncs(FuncTable& t);
void addStringFuncs(FuncTable& t);
void addListFuncs(FuncTable& t);
void addDictFuncs(FuncTable& t);
void addDefaultFuncs(FuncTable& t);
void addNumericFuncs(FuncTable& t);
void addRegexFuncs(FuncTable& t);
void addEncodingFuncs(FuncTable& t);
void addSemverFuncs(FuncTable& t);
void addHelmFuncs(FuncTable& t);

// Helpers shared by the families.
void def(FuncTable& t, std::string name, std::vector<Param> params, Ret ret,
         std::function<Val(CallContext&, std::vector<Val>&)> impl, bool variadic = false);

}  // namespace iop::tmpl::detail
