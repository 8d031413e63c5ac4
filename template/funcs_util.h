#pragma once

// Helpers the function families share: sprig's strval and emptiness, spf13/cast's conversions,
// and reflection-like access to slices held in interface{} arguments.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "template/funcs.h"
#include "template/value.h"

namespace iop::tmpl::detail {

// sprig's strval: strings as they are, Stringers through String(), anything else as %v.
std::string strval(const Val& v);
// sprig's empty (reflect-based emptiness; nil is empty, structs are not).
bool emptyValue(const Val& v);
// spf13/cast ToInt64 / ToInt / ToFloat64 (errors ignored: 0).
std::int64_t castInt64(const Val& v);
double castFloat64(const Val& v);
// Go's float64 -> int64 conversion as amd64 does it (out of range and NaN give INT64_MIN).
std::int64_t floatToInt64(double f);

// The elements of a slice-kind value (reflect.Value.Index(i).Interface()), or nullopt when the
// value is not a slice (Go's reflect.TypeOf(x).Kind() check). A nil interface panics in Go
// (reflect.TypeOf(nil).Kind()); `nilPanics` reports that case to the caller.
std::optional<std::vector<Val>> sliceElements(const Val& v);
// A []interface{} Val from elements (stored as Go's interface elements).
Val makeList(const std::vector<Val>& elems);
Val makeStringList(const std::vector<std::string>& elems);

// Go's reflect.Kind name of an interface{} argument's dynamic value ("invalid" for nil).
std::string kindOf(const Val& v);

// The runtime panic Go raises for reflect.TypeOf(nil).Kind() in sprig's list functions.
[[noreturn]] void throwNilPointerPanic();

}  // namespace iop::tmpl::detail
