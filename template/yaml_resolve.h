#pragma once

// go-yaml v2's resolution of plain scalars (resolve.go): which tag a plain scalar gets and its
// value. Used when reading YAML (what a plain `yes`, `0777` or `1e3` is) and when writing it
// (whether a string can stay plain or must be quoted).

#include <cstdint>
#include <string>
#include <string_view>

namespace iop::tmpl::detail {

enum class YamlTag { Null, Bool, Int, Uint, Float, Str, Timestamp, Merge };

struct Resolved {
  YamlTag tag = YamlTag::Str;
  bool b = false;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double f = 0;
};

// resolve("", in): the tag and value of an untagged plain scalar.
Resolved resolvePlain(std::string_view in);

// encode.go's isBase60Float: strings go-yaml v2 quotes for YAML 1.1 readers.
bool isBase60Float(std::string_view s);

// strconv.FormatFloat(f, 'g', -1, 32) (how sigs.k8s.io/yaml turns float keys into strings).
std::string formatFloat32g(double f);

}  // namespace iop::tmpl::detail
