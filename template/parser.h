#pragma once

// Go's text/template parser (parse/parse.go), ported for the same trees and the same errors.
// Functions are checked at parse time against the engine's function map, as Go does: an unknown
// function is `template: NAME:LINE: function "x" not defined`.

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "template/ast.h"

namespace iop::tmpl::detail {

struct ParseError {
  std::string message;  // Go's text: "template: NAME:LINE: ..."
  std::string name;
  int line = 0;
};

// Nesting of parentheses and control structures beyond which parsing fails ("max expression
// depth exceeded"). Go allows 10000 parentheses; the C++ recursion of this port is bounded lower
// so that any thread's stack suffices.
inline constexpr int kMaxParseDepth = 1000;

// Parses `text` as the template `name` (errors name `name` as the file). The first tree is the
// top level (named `name`), followed by the {{define}}/{{block}} trees in source order.
std::variant<std::vector<std::unique_ptr<Tree>>, ParseError> parseTemplate(
    const std::string& name, std::shared_ptr<const std::string> text);

}  // namespace iop::tmpl::detail
