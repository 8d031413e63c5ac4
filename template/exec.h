#pragma once

// Execution of parsed templates: a port of Go's text/template/exec.go (walk, pipelines, commands,
// field chains, argument checks, variables, range/if/with/template) over the engine's Val, with
// the option Helm sets (missingkey=zero), and with the bounds of Limits (steps, output, nesting,
// cancellation).
//
// A Renderer is one render's mutable state (counters, Helm's include bookkeeping); it is used by
// one thread. The TemplateSet it executes may be shared (immutable) across threads.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "template/ast.h"
#include "template/chart.h"
#include "template/funcs.h"
#include "template/value.h"

namespace iop::tmpl::detail {

// Named templates: a chart's (immutable, shared), or the clone a `tpl` call makes, layered over
// the set it was called from (text/template's Clone; definitions in the tpl text stay in it).
class TemplateSet {
 public:
  explicit TemplateSet(const TemplateSet* parent = nullptr) : parent_(parent) {}
  const Tree* lookup(std::string_view name) const;
  // text/template's associate: a tree replaces one of the same name unless it is empty and the
  // existing one is not.
  void add(const Tree* tree);
  // Trees this set owns (a tpl's parse), kept alive as long as the set.
  std::vector<std::unique_ptr<Tree>> owned;

 private:
  const TemplateSet* parent_;
  std::unordered_map<std::string, const Tree*> map_;
};

// An execution error (Go's ExecError, or a function's error that stopped execution).
struct ExecFailure {
  GoError error;
};

// A limit of Limits was exceeded or the render was cancelled: not a template error, so neither
// include nor tpl wraps it; it ends the render.
struct LimitExceeded {
  std::string message;
};

// How deep a value may nest where Go would recurse without bound (fmt, deepCopy): a map that
// holds itself overflows Go's stack; iop ends the render with LimitExceeded instead.
inline constexpr int kMaxValueDepth = 2000;

struct YamlMemo;  // go_yaml.h

class Renderer {
 public:
  explicit Renderer(const Limits& limits) : limits_(limits) {}

  // Executes `tree` (of `set`) with `data` as dot and $, appending to `out`. Throws ExecFailure
  // or LimitExceeded.
  void execute(const TemplateSet& set, const Tree& tree, const Val& data, std::string& out, int depth);

  // Budget and cancellation; called for every evaluation step.
  void step() {
    if (++steps_ > limits_.maxSteps)
      exceeded("render exceeded its step budget (" + std::to_string(limits_.maxSteps) + ")");
    if ((steps_ & 1023) == 0 && limits_.stop.stop_requested()) exceeded("render cancelled");
  }
  void wrote(std::size_t n) {
    written_ += n;
    if (written_ > limits_.maxOutputBytes) {
      exceeded("render output exceeded " + std::to_string(limits_.maxOutputBytes) + " bytes");
    }
  }
  [[noreturn]] void exceeded(std::string message) { throw LimitExceeded{std::move(message)}; }
  const Limits& limits() const { return limits_; }

  // Helm's includeFun bookkeeping: nested includes per template name.
  std::unordered_map<std::string, int> includedNames;
  // Sets made by tpl calls (alive for the render, as the clones Go makes).
  std::vector<std::unique_ptr<TemplateSet>> tplSets;
  // fromYaml's last document (go_yaml.h).
  std::shared_ptr<YamlMemo> yamlMemo;

 private:
  const Limits& limits_;
  std::uint64_t steps_ = 0;
  std::size_t written_ = 0;
};

// What a function implementation may ask of the executing template (include, tpl).
class CallContext {
 public:
  virtual ~CallContext() = default;
  // Helm's include: the named template of the current set executed with `data`. Throws
  // FuncError with Go's error on failure.
  virtual std::string include(const std::string& name, const Val& data) = 0;
  // Helm's tpl: `text` parsed in a clone of the current set and executed with `data`.
  virtual std::string tpl(const std::string& text, const Val& data) = 0;
  virtual Renderer& renderer() = 0;
};

}  // namespace iop::tmpl::detail
