#pragma once

// Filled in at build time by cmake/version_stamp.cmake.
namespace iop {
extern const char* const kVersion;
extern const char* const kGitCommit;
extern const char* const kBuildDate;
}  // namespace iop
