#pragma once

// Go's fmt and strconv, as far as templates reach them: %v of any value (how text/template
// prints an action's result), fmt.Sprint/Sprintln/Sprintf with the verbs and flags charts use,
// strconv.FormatFloat and strconv.Quote. Output is byte-for-byte Go's (tested against Helm).

#include <string>
#include <string_view>
#include <vector>

#include "template/value.h"

namespace iop::tmpl::detail {

// strconv.FormatFloat(f, fmt, prec, 64) for fmt in 'e', 'E', 'f', 'g', 'G'; prec -1 = shortest.
std::string formatFloat(double f, char fmt, int prec);

// fmt's %v of a value (fmt.Sprint of one operand).
std::string formatValue(const Val& v);
void appendValue(std::string& out, const Val& v);

// fmt.Sprint, fmt.Sprintln, fmt.Sprintf.
std::string sprint(const std::vector<Val>& args);
std::string sprintln(const std::vector<Val>& args);
std::string sprintf(std::string_view format, const std::vector<Val>& args);

// strconv.Quote (what %q prints for a string).
std::string quoteGo(std::string_view s);

// UTF-8 as Go decodes it: an invalid byte is U+FFFD of width 1.
struct Rune {
  char32_t r;
  int width;
};
Rune decodeRune(std::string_view s, std::size_t pos);
void appendRune(std::string& out, char32_t r);
// unicode.IsPrint, unicode.IsSpace, unicode.IsLetter, unicode.IsDigit (ASCII exact; beyond ASCII
// an approximation by ranges).
bool isPrintRune(char32_t r);
bool isSpaceRune(char32_t r);
bool isLetterRune(char32_t r);
bool isDigitRune(char32_t r);

}  // namespace iop::tmpl::detail
