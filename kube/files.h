#pragma once

#include <string>
#include <string_view>

#include "kube/result.h"

// Small file and encoding helpers shared by config loading and the token source (internal).
namespace iop::kube::files {

// The whole file; the error message names the path and the OS reason.
Result<std::string> read(const std::string& path);

// `path` if absolute (or empty), else dir/path.
std::string resolve(const std::string& dir, const std::string& path);

// The directory part of a path ("." for a bare name).
std::string dirOf(const std::string& path);

// Standard base64 (whitespace ignored, padding optional). Invalid input gives a Decode error.
Result<std::string> base64Decode(std::string_view in);

}  // namespace iop::kube::files
