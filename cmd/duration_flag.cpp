#include "cmd/duration_flag.h"

#include <cctype>

namespace iop::cmd {

std::optional<std::chrono::milliseconds> parseDuration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  bool bare = true;
  for (char c : text) bare &= std::isdigit(static_cast<unsigned char>(c)) != 0;
  if (bare) {
    if (text.size() > 9) return std::nullopt;
    return std::chrono::seconds(std::stoll(text));
  }
  double total = 0;  // milliseconds
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (i == start || i - start > 9) return std::nullopt;
    double value = 0;
    try {
      value = std::stod(text.substr(start, i - start));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    std::size_t unitStart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string unit = text.substr(unitStart, i - unitStart);
    if (unit == "ms") {
      total += value;
    } else if (unit == "s") {
      total += value * 1000;
    } else if (unit == "m") {
      total += value * 60'000;
    } else if (unit == "h") {
      total += value * 3'600'000;
    } else {
      return std::nullopt;
    }
  }
  return std::chrono::milliseconds(static_cast<long long>(total));
}

}  // namespace iop::cmd
