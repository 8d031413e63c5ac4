#pragma once

// The corpus of bad IstioOperator CRs in test/data/bad-crs/: each file starts with comment lines
// that say what must happen to it:
//   # iop: <text>     a substring of the errors iop's parser, validator and renderer report
//                    (several lines: each must be found); "(renders)" when the CR is valid and
//                    renders (what must happen to it shows only in a cluster: "# cluster:")
//   # class: <name>   (the hostile inputs of issue 18) what the file attacks: size, depth,
//                    aliases, encodings, numbers, names, overlays, regex, tenancy, schema
//   # cluster: <text> (optional, several allowed) what iop reports instead when the CR reaches it
//                    through the API server, where kubectl has already changed the text
//                    (kubectl turns bytes that are not UTF-8 into U+FFFD)
//   # apply: <text>   (optional) a substring of kubectl apply's error: kubectl or the CRD schema
//                    rejects the file before iop ever sees it
// ${REVISION} and ${NAMESPACE} in a file stand for the revision and namespace of the test that
// uses it, so each test's operator reconciles the corpus in a namespace of its own.
#include <string>
#include <vector>

namespace iop::test {

struct BadCR {
  std::string file;                          // base name, e.g. "18-duplicate-gateways.yaml"
  std::string text;                          // the whole file, placeholders unreplaced
  std::vector<std::string> iopMessages;      // from the "# iop:" lines
  std::vector<std::string> clusterMessages;  // from the "# cluster:" lines; empty: as iopMessages
  std::string applyMessage;                  // from "# apply:"; empty when the API server accepts the CR
  std::string name;                          // metadata.name (the "name: " line under metadata)
  std::string cls;                           // from "# class:"; empty for the older files
  // "# iop: (renders)": iop renders it without an error; clusterMessages say what the cluster shows.
  bool renders() const { return iopMessages.size() == 1 && iopMessages[0] == "(renders)"; }
};

// Every *.yaml in `dir`, sorted by file name. Fails the test when a file lacks "# iop:".
std::vector<BadCR> loadBadCRs(const std::string& dir);

// text with ${REVISION} and ${NAMESPACE} replaced.
std::string instantiate(const std::string& text, const std::string& revision, const std::string& ns);

}  // namespace iop::test
