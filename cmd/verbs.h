#pragma once

#include <CLI/CLI.hpp>

// Every verb registers itself with a function of this header and records its exit code with
// setExitCode(); main() returns it after CLI11 ran the chosen callback.
namespace iop::cmd {

void addVersion(CLI::App& root);
void addManifest(CLI::App& root);
// `manifest diff`, registered by addManifest on the `manifest` command.
void addManifestDiff(CLI::App& manifest);
void addOperator(CLI::App& root);
void addRun(CLI::App& root);
void addInstall(CLI::App& root);
void addStatus(CLI::App& root);
void addTag(CLI::App& root);

void setExitCode(int code);
int exitCode();

}  // namespace iop::cmd
