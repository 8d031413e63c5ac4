#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace iop::cmd {

// A duration flag as istioctl and kubectl take it (Go's time.ParseDuration): "300s", "5m",
// "1m30s", "1h", "500ms"; a bare integer means seconds ("300"). Nullopt for anything else,
// including negative values. Rounded down to whole milliseconds.
std::optional<std::chrono::milliseconds> parseDuration(const std::string& text);

}  // namespace iop::cmd
