#pragma once

// The jobs the Helm reference (test/template/helmref) renders, rendered with iop's engine, so that
// both sides get the same input: a chart directory or in-memory files, values, release name and
// namespace, Kubernetes version. Results have the reference's shape: {"files": {...}} or
// {"error": "..."}.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace iop::tmpl::test {

// One job as test/template/helmref/main.go reads it.
nlohmann::json renderJob(const nlohmann::json& job);

// Runs the reference binary on `jobs` (written to `workFile`) and returns its results.
nlohmann::json runReference(const std::string& helmref, const nlohmann::json& jobs, const std::string& workFile);

// The reference binary's path: $IOP_HELMREF, or built by test/template/build-helmref.sh.
std::string helmrefPath();

// Every file under `dir`, keyed by its path relative to `dir`.
std::map<std::string, std::string> readTree(const std::string& dir);

// Values as Go's encoding/json gives them to Helm: every number a float64.
nlohmann::json goNumbers(const nlohmann::json& v);

}  // namespace iop::tmpl::test

namespace iop::tmpl::test {

struct Case {
  std::string name;
  nlohmann::json job;  // as renderJob and the reference read it
};

// test/template/cases.yaml: each case as a job (templates/t.yaml holds `template`).
std::vector<Case> loadCases(const std::string& path);

}  // namespace iop::tmpl::test
