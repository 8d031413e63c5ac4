// iop: the IstioOperator operator and its CLI. Each verb lives in its own file in cmd/ and
// registers itself on the root command here.
#include <CLI/CLI.hpp>

#include "cmd/verbs.h"

int main(int argc, char** argv) {
  CLI::App app{"iop: install and run Istio control planes and gateways, revision by revision"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every verb");
  iop::cmd::addVersion(app);
  iop::cmd::addManifest(app);
  iop::cmd::addOperator(app);
  iop::cmd::addRun(app);
  iop::cmd::addInstall(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return iop::cmd::exitCode();
}
