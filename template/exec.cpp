#include "template/exec.h"

#include "template/go_fmt.h"
#include "template/object.h"
#include "template/parser.h"

namespace iop::tmpl::detail {

const Tree* TemplateSet::lookup(std::string_view name) const {
  for (const TemplateSet* s = this; s; s = s->parent_) {
    auto it = s->map_.find(std::string(name));
    if (it != s->map_.end()) return it->second;
  }
  return nullptr;
}

void TemplateSet::add(const Tree* tree) {
  const Tree* old = lookup(tree->name);
  if (old && isEmptyTree(tree->root.get()) && old->root) return;
  map_[tree->name] = tree;
}

namespace {

struct BreakSignal {};
struct ContinueSignal {};

struct Variable {
  std::string name;
  Val value;
};

bool isTrue(const Val& v, bool& ok) {
  ok = true;
  if (!v.valid()) return false;
  if (v.iface() && v.type() == Type::Nil) return false;
  switch (v.type()) {
    case Type::Bool:
      return v.b();
    case Type::Int:
    case Type::Int64:
      return v.i() != 0;
    case Type::Uint64:
      return v.u() != 0;
    case Type::Float64:
      return v.f() != 0;
    case Type::String:
    case Type::Map:
    case Type::Values:
    case Type::StringMap:
    case Type::List:
    case Type::StringList:
    case Type::IntList:
    case Type::Bytes:
      return v.len() > 0;
    case Type::Object:
      return v.obj()->truth();
    default:
      return false;
  }
}

bool canBeNil(Param p) { return p == Param::Any || p == Param::Map || p == Param::StringList || p == Param::Reflect; }

bool assignable(const Val& v, Param p) {
  if (v.iface()) return p == Param::Any;
  switch (p) {
    case Param::Any:
    case Param::Reflect:
      return true;
    case Param::String:
      return v.type() == Type::String;
    case Param::Int:
      return v.type() == Type::Int;
    case Param::Int64:
      return v.type() == Type::Int64;
    case Param::Float64:
      return v.type() == Type::Float64;
    case Param::Bool:
      return v.type() == Type::Bool;
    case Param::Map:
      return v.type() == Type::Map || v.type() == Type::Values;
    case Param::StringList:
      return v.type() == Type::StringList;
  }
  return false;
}

// The Go type of a reflect.Value as errors print it: a boxed value's static type is interface {}.
std::string staticTypeName(const Val& v) { return v.iface() ? "interface {}" : v.typeName(); }

class State final : public CallContext {
 public:
  State(Renderer& r, const TemplateSet& set, const Tree& tmpl, std::string& out, int depth)
      : r_(r), set_(set), tmpl_(tmpl), out_(out), depth_(depth) {}

  void run(const Val& data) {
    vars_.push_back({"$", data});
    if (!tmpl_.root) errorf(quoteGo(tmpl_.name) + " is an incomplete or empty template");
    walk(data, *tmpl_.root);
  }

  Renderer& renderer() override { return r_; }

  std::string include(const std::string& name, const Val& data) override {
    // Helm's includeFun.
    auto [it, fresh] = r_.includedNames.try_emplace(name, 0);
    if (!fresh && it->second > 1000) {
      throwFuncErrorWrapping("rendering template has a nested reference name: " + name + ": unable to execute template",
                             GoError{{"unable to execute template"}});
    }
    ++it->second;
    struct Dec {
      Renderer& r;
      const std::string& n;
      ~Dec() { --r.includedNames[n]; }
    } dec{r_, name};
    const Tree* t = set_.lookup(name);
    if (!t) {
      throwFuncError("template: no template " + quoteGo(name) + " associated with template \"gotpl\"");
    }
    std::string buf;
    try {
      r_.execute(set_, *t, data.unboxed(), buf, depth_ + 1);
    } catch (ExecFailure& f) {
      throw FuncError{std::move(f.error)};
    }
    return buf;
  }

  std::string tpl(const std::string& text, const Val& data) override {
    auto set = std::make_unique<TemplateSet>(&set_);
    auto parsed = parseTemplate("gotpl", std::make_shared<const std::string>(text));
    if (auto* e = std::get_if<ParseError>(&parsed)) {
      throwFuncErrorWrapping("cannot parse template " + quoteGo(text) + ": " + e->message, GoError{{e->message}});
    }
    auto& trees = std::get<0>(parsed);
    for (auto& t : trees) {
      set->add(t.get());
      set->owned.push_back(std::move(t));
    }
    const Tree& top = *set->owned.front();
    TemplateSet& ref = *set;
    r_.tplSets.push_back(std::move(set));
    std::string buf;
    try {
      r_.execute(ref, top, data.unboxed(), buf, depth_ + 1);
    } catch (ExecFailure& f) {
      std::string message = "error during tpl function execution for " + quoteGo(text) + ": " + f.error.text();
      throwFuncErrorWrapping(std::move(message), std::move(f.error));
    }
    std::string out;
    out.reserve(buf.size());
    for (std::size_t i = 0; i < buf.size();) {
      if (buf.compare(i, 10, "<no value>") == 0) {
        i += 10;
      } else {
        out.push_back(buf[i++]);
      }
    }
    return out;
  }

 private:
  Renderer& r_;
  const TemplateSet& set_;
  const Tree& tmpl_;
  std::string& out_;
  int depth_;
  const Node* node_ = nullptr;
  std::vector<Variable> vars_;

  void at(const Node* n) { node_ = n; }

  [[noreturn]] void errorf(const std::string& msg) {
    std::string text;
    if (!node_) {
      text = "template: " + tmpl_.name + ": " + msg;
    } else {
      const Tree* tree = node_->tree ? node_->tree : &tmpl_;
      text = "template: " + tree->location(*node_) + ": executing " + quoteGo(tmpl_.name) + " at <" + node_->str() +
             ">: " + msg;
    }
    throw ExecFailure{GoError{{text, text}}};
  }

  [[noreturn]] void errorWrapping(const std::string& msg, GoError inner) {
    const Tree* tree = node_->tree ? node_->tree : &tmpl_;
    std::string text = "template: " + tree->location(*node_) + ": executing " + quoteGo(tmpl_.name) + " at <" +
                       node_->str() + ">: " + msg + inner.text();
    GoError e{{text, text}};
    e.chain.insert(e.chain.end(), inner.chain.begin(), inner.chain.end());
    throw ExecFailure{std::move(e)};
  }

  void write(std::string_view s) {
    r_.wrote(s.size());
    out_ += s;
  }

  // ---- variables ----
  std::size_t mark() const { return vars_.size(); }
  void pop(std::size_t m) { vars_.resize(m); }
  void push(const std::string& name, Val v) { vars_.push_back({name, std::move(v)}); }
  void setVar(const std::string& name, Val v) {
    for (std::size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) {
        vars_[i].value = std::move(v);
        return;
      }
    }
    errorf("undefined variable: " + name);
  }
  void setTopVar(std::size_t n, Val v) { vars_[vars_.size() - n].value = std::move(v); }
  const Val& varValue(const std::string& name) {
    for (std::size_t i = vars_.size(); i-- > 0;) {
      if (vars_[i].name == name) return vars_[i].value;
    }
    errorf("undefined variable: " + name);
  }

  struct PopGuard {
    State* s;
    std::size_t m;
    ~PopGuard() { s->pop(m); }
  };

  // ---- walk ----
  void walk(const Val& dot, const Node& node) {
    r_.step();
    at(&node);
    switch (node.type) {
      case NodeType::Action: {
        const auto& a = static_cast<const ActionNode&>(node);
        Val val = evalPipeline(dot, a.pipe.get());
        if (a.pipe->decl.empty()) printValue(node, val);
        return;
      }
      case NodeType::Break:
        throw BreakSignal{};
      case NodeType::Comment:
        return;
      case NodeType::Continue:
        throw ContinueSignal{};
      case NodeType::If:
      case NodeType::With:
        walkIfOrWith(static_cast<const BranchNode&>(node), dot);
        return;
      case NodeType::List:
        for (const auto& n : static_cast<const ListNode&>(node).nodes) walk(dot, *n);
        return;
      case NodeType::Range:
        walkRange(dot, static_cast<const BranchNode&>(node));
        return;
      case NodeType::Template:
        walkTemplate(dot, static_cast<const TemplateNode&>(node));
        return;
      case NodeType::Text:
        write(static_cast<const TextNode&>(node).text);
        return;
      default:
        errorf("unknown node: " + node.str());
    }
  }

  void walkIfOrWith(const BranchNode& node, const Val& dot) {
    PopGuard guard{this, mark()};
    Val val = evalPipeline(dot, node.pipe.get());
    bool ok;
    bool truth = isTrue(val.unboxed(), ok);
    if (!ok) errorf("if/with can't use " + formatValue(val));
    if (truth) {
      if (node.type == NodeType::With) {
        walk(val, *node.list);
      } else {
        walk(dot, *node.list);
      }
    } else if (node.elseList) {
      walk(dot, *node.elseList);
    }
  }

  void oneIteration(const BranchNode& r, std::size_t m, const Val& index, const Val& elem) {
    r_.step();
    const auto& decl = r.pipe->decl;
    if (!decl.empty()) {
      if (r.pipe->isAssign) {
        setVar(decl[0]->ident[0], decl.size() > 1 ? index : elem);
      } else {
        setTopVar(1, elem);
      }
    }
    if (decl.size() > 1) {
      if (r.pipe->isAssign) {
        setVar(decl[1]->ident[0], elem);
      } else {
        setTopVar(2, index);
      }
    }
    PopGuard guard{this, m};
    try {
      walk(elem, *r.list);
    } catch (ContinueSignal&) {
    }
  }

  void walkRange(const Val& dot, const BranchNode& r) {
    at(&r);
    PopGuard guard{this, mark()};
    Val val = evalPipeline(dot, r.pipe.get()).unboxed();
    std::size_t m = mark();
    try {
      switch (val.type()) {
        case Type::Int:
        case Type::Int64:
        case Type::Uint64: {
          if (r.pipe->decl.size() > 1) errorf("can't use " + formatValue(val) + " to iterate over more than one variable");
          std::int64_t n = val.type() == Type::Uint64 ? static_cast<std::int64_t>(std::min<std::uint64_t>(val.u(), INT64_MAX))
                                                      : val.i();
          if (n <= 0) break;
          for (std::int64_t i = 0; i < n; ++i) {
            Val e = val.type() == Type::Int ? Val::integer(i)
                    : val.type() == Type::Int64 ? Val::int64(i)
                                                 : Val::uint64(static_cast<std::uint64_t>(i));
            oneIteration(r, m, Val(), e);
          }
          return;
        }
        case Type::List:
        case Type::StringList:
        case Type::IntList:
        case Type::Bytes: {
          std::size_t n = val.len();
          if (n == 0) break;
          for (std::size_t i = 0; i < n && i < val.len(); ++i) {
            oneIteration(r, m, Val::integer(static_cast<std::int64_t>(i)), val.index(i));
          }
          return;
        }
        case Type::Map:
        case Type::Values:
        case Type::StringMap: {
          if (val.len() == 0) break;
          // Go sorts the keys before iterating; a body that changes the map does not change the
          // iteration (fmtsort copied the entries).
          std::vector<std::pair<std::string, Val>> entries;
          entries.reserve(val.len());
          bool boxed = elementsBoxed(val.type());
          for (const auto& [k, v] : val.m()->items) entries.emplace_back(k, boxed ? v.boxed() : v);
          for (const auto& [k, v] : entries) oneIteration(r, m, Val::string(k), v);
          return;
        }
        case Type::Invalid:
          break;
        case Type::Object: {
          if (auto list = val.obj()->asList()) {
            std::size_t n = list->len();
            if (n == 0) break;
            for (std::size_t i = 0; i < n; ++i) oneIteration(r, m, Val::integer(static_cast<std::int64_t>(i)), list->index(i));
            return;
          }
          errorf("range can't iterate over " + formatValue(val));
        }
        default:
          errorf("range can't iterate over " + formatValue(val));
      }
    } catch (BreakSignal&) {
      return;
    }
    if (r.elseList) walk(dot, *r.elseList);
  }

  void walkTemplate(const Val& dot, const TemplateNode& t) {
    at(&t);
    const Tree* tmpl = set_.lookup(t.name);
    if (!tmpl) errorf("template " + quoteGo(t.name) + " not defined");
    Val newDot = evalPipeline(dot, t.pipe.get());
    r_.execute(set_, *tmpl, newDot, out_, depth_ + 1);
  }

  // ---- evaluation ----
  Val evalPipeline(const Val& dot, const PipeNode* pipe) {
    if (!pipe) return Val();
    at(pipe);
    Val value = Val::missing();
    for (const auto& cmd : pipe->cmds) {
      value = evalCommand(dot, *cmd, value);
      if (value.iface()) value = value.unboxed();
    }
    for (const auto& v : pipe->decl) {
      if (pipe->isAssign) {
        setVar(v->ident[0], value);
      } else {
        push(v->ident[0], value);
      }
    }
    return value;
  }

  void notAFunction(const std::vector<NodePtr>& args, const Val& final) {
    if (args.size() > 1 || !final.isMissing()) errorf("can't give argument to non-function " + args[0]->str());
  }

  Val evalCommand(const Val& dot, const CommandNode& cmd, const Val& final) {
    const Node& first = *cmd.args[0];
    switch (first.type) {
      case NodeType::Field:
        return evalFieldNode(dot, static_cast<const FieldNode&>(first), &cmd.args, final);
      case NodeType::Chain:
        return evalChainNode(dot, static_cast<const ChainNode&>(first), &cmd.args, final);
      case NodeType::Identifier:
        return evalFunction(dot, static_cast<const IdentifierNode&>(first), cmd, &cmd.args, final);
      case NodeType::Pipe:
        notAFunction(cmd.args, final);
        return evalPipeline(dot, static_cast<const PipeNode*>(&first));
      case NodeType::Variable:
        return evalVariableNode(dot, static_cast<const VariableNode&>(first), &cmd.args, final);
      default:
        break;
    }
    at(&first);
    notAFunction(cmd.args, final);
    switch (first.type) {
      case NodeType::Bool:
        return Val::boolean(static_cast<const BoolNode&>(first).value);
      case NodeType::Dot:
        return dot;
      case NodeType::Nil:
        errorf("nil is not a command");
      case NodeType::Number:
        return idealConstant(static_cast<const NumberNode&>(first));
      case NodeType::String:
        return Val::string(static_cast<const StringNode&>(first).text);
      default:
        errorf("can't evaluate command " + quoteGo(first.str()));
    }
  }

  Val idealConstant(const NumberNode& c) {
    at(&c);
    if (c.isComplex) errorf("complex constant " + c.text + " is not supported");
    bool isHexInt = c.text.size() > 2 && c.text[0] == '0' && (c.text[1] == 'x' || c.text[1] == 'X') &&
                    c.text.find_first_of("pP") == std::string::npos;
    bool isRuneInt = !c.text.empty() && c.text[0] == '\'';
    if (c.isFloat && !isHexInt && !isRuneInt && c.text.find_first_of(".eEpP") != std::string::npos) {
      return Val::float64(c.float64);
    }
    if (c.isInt) return Val::integer(c.int64);
    if (c.isUint) errorf(c.text + " overflows int");
    return Val();
  }

  Val evalFieldNode(const Val& dot, const FieldNode& field, const std::vector<NodePtr>* args, const Val& final) {
    at(&field);
    return evalFieldChain(dot, dot, field, field.ident, 0, args, final);
  }

  Val evalChainNode(const Val& dot, const ChainNode& chain, const std::vector<NodePtr>* args, const Val& final) {
    at(&chain);
    if (chain.field.empty()) errorf("internal error: no fields in evalChainNode");
    if (chain.node->type == NodeType::Nil) errorf("indirection through explicit nil in " + chain.str());
    Val pipe = evalArg(dot, Param::Any, *chain.node, /*untyped=*/true);
    return evalFieldChain(dot, pipe, chain, chain.field, 0, args, final);
  }

  Val evalVariableNode(const Val& dot, const VariableNode& variable, const std::vector<NodePtr>* args,
                       const Val& final) {
    at(&variable);
    Val value = varValue(variable.ident[0]);
    if (variable.ident.size() == 1) {
      if (args) notAFunction(*args, final);
      return value;
    }
    return evalFieldChain(dot, value, variable, variable.ident, 1, args, final);
  }

  Val evalFieldChain(const Val& dot, Val receiver, const Node& node, const std::vector<std::string>& ident,
                     std::size_t from, const std::vector<NodePtr>* args, const Val& final) {
    std::size_t n = ident.size();
    for (std::size_t i = from; i + 1 < n; ++i) receiver = evalField(dot, ident[i], node, nullptr, Val::missing(), receiver);
    return evalField(dot, ident[n - 1], node, args, final, receiver);
  }

  Val evalFunction(const Val& dot, const IdentifierNode& node, const Node& cmd, const std::vector<NodePtr>* args,
                   const Val& final) {
    at(&node);
    return evalCall(dot, *node.func, cmd, node.ident, args, final);
  }

  Val evalField(const Val& dot, const std::string& fieldName, const Node& node, const std::vector<NodePtr>* args,
                const Val& final, const Val& receiver0) {
    r_.step();
    if (!receiver0.valid()) return Val();
    std::string typ;
    auto typName = [&] { return staticTypeName(receiver0); };
    Val receiver = receiver0;
    if (receiver.iface()) {
      if (receiver.type() == Type::Nil) errorf("nil pointer evaluating " + typName() + "." + fieldName);
      receiver = receiver.unboxed();
    }
    // Methods first (Go looks them up before fields and map keys).
    if (auto m = methodOf(receiver, fieldName)) return evalCall(dot, *m, node, fieldName, args, final);
    bool hasArgs = (args && args->size() > 1) || !final.isMissing();
    if (receiver.type() == Type::Object) {
      if (auto f = receiver.obj()->field(fieldName)) {
        if (hasArgs) {
          if (receiver.obj()->kindName() == "map") errorf(fieldName + " is not a method but has arguments");
          errorf(fieldName + " has arguments but cannot be invoked as function");
        }
        return *f;
      }
    } else if (receiver.isMapType()) {
      if (hasArgs) errorf(fieldName + " is not a method but has arguments");
      Val result = receiver.mapIndex(fieldName);
      if (!result.valid()) {
        // missingkey=zero: the zero value of the element type.
        if (receiver.type() == Type::StringMap) return Val::string("");
        return Val::nilIface();
      }
      return result;
    }
    errorf("can't evaluate field " + fieldName + " in type " + typName());
  }

  std::optional<Func> methodOf(const Val& receiver, const std::string& name);

  Val evalCall(const Val& dot, const Func& fn, const Node& node, const std::string& name,
               const std::vector<NodePtr>* argsAll, const Val& final) {
    r_.step();
    std::size_t nargs = argsAll ? argsAll->size() - 1 : 0;
    auto arg = [&](std::size_t i) -> const Node& { return *(*argsAll)[i + 1]; };
    std::size_t numIn = nargs + (final.isMissing() ? 0 : 1);
    std::size_t numFixed = nargs;
    std::size_t nparams = fn.params.size();
    if (fn.variadic) {
      numFixed = nparams - 1;
      if (numIn < numFixed) {
        errorf("wrong number of args for " + name + ": want at least " + std::to_string(nparams - 1) + " got " +
               std::to_string(nargs));
      }
    } else if (numIn != nparams) {
      errorf("wrong number of args for " + name + ": want " + std::to_string(nparams) + " got " + std::to_string(numIn));
    }

    if (fn.builtin && (name == "and" || name == "or")) {
      Val v;
      for (std::size_t i = 0; i < nargs; ++i) {
        v = evalArg(dot, Param::Reflect, arg(i));
        bool ok;
        if (isTrue(v.unboxed(), ok) == (name == "or")) return v;
      }
      if (!final.isMissing()) v = validateType(final, Param::Reflect);
      return v;
    }

    std::vector<Val> argv(numIn);
    std::size_t i = 0;
    for (; i < numFixed && i < nargs; ++i) argv[i] = evalArg(dot, fn.params[i], arg(i));
    if (fn.variadic) {
      for (; i < nargs; ++i) argv[i] = evalArg(dot, fn.params.back(), arg(i));
    }
    if (!final.isMissing()) {
      Param t = fn.params.back();
      if (fn.variadic && numIn - 1 < numFixed) t = fn.params[numIn - 1];
      argv[i] = validateType(final, t);
    }
    if (fn.builtin && name == "call") {
      // text/template's call: the engine's data holds no functions, so any callee fails as Go's would.
      Val callee = argv.empty() ? Val() : argv[0].unboxed();
      at(&node);
      if (!callee.valid()) errorWrapping("error calling call: ", GoError{{"call of nil"}});
      std::string calleeName = nargs > 0 ? arg(0).str() : formatValue(final);
      GoError e{{"non-function " + calleeName + " of type " + callee.typeName()}};
      errorWrapping("error calling call: ", std::move(e));
    }
    Val result;
    try {
      result = fn.impl(*this, argv);
    } catch (FuncError& e) {
      at(&node);
      errorWrapping("error calling " + name + ": ", std::move(e.error));
    }
    switch (fn.ret) {
      case Ret::Any:
        return result.boxed();
      case Ret::Reflect:
        return result;
      case Ret::Concrete:
        return result.unboxed();
    }
    return result;
  }

  Val validateType(const Val& value, Param typ) {
    if (!value.valid() || value.isMissing()) {
      if (canBeNil(typ)) {
        switch (typ) {
          case Param::Any:
            return Val::nilIface();
          case Param::Map:
            return Val::fromMap(Type::Map, nullptr);
          case Param::StringList:
            return Val::fromList(Type::StringList, nullptr);
          default:
            return Val();
        }
      }
      errorf("invalid value; expected " + paramTypeName(typ));
    }
    if (typ == Param::Reflect || typ == Param::Any) return value;
    if (assignable(value, typ)) return value;
    Val v = value;
    if (v.iface() && v.type() != Type::Nil) {
      v = v.unboxed();
      if (assignable(v, typ)) return v;
    }
    errorf("wrong type for value; expected " + paramTypeName(typ) + "; got " + staticTypeName(v));
  }

  Val evalArg(const Val& dot, Param typ, const Node& n, bool untyped = false) {
    at(&n);
    switch (n.type) {
      case NodeType::Dot:
        return untyped ? dot : validateType(dot, typ);
      case NodeType::Nil:
        if (untyped || canBeNil(typ)) {
          if (untyped) errorf("cannot assign nil to <nil>");
          return validateType(Val(), typ);
        }
        errorf("cannot assign nil to " + paramTypeName(typ));
      case NodeType::Field: {
        std::vector<NodePtr>* none = nullptr;
        Val v = evalFieldNode(dot, static_cast<const FieldNode&>(n), none, Val::missing());
        return untyped ? v : validateType(v, typ);
      }
      case NodeType::Variable: {
        Val v = evalVariableNode(dot, static_cast<const VariableNode&>(n), nullptr, Val::missing());
        return untyped ? v : validateType(v, typ);
      }
      case NodeType::Pipe: {
        Val v = evalPipeline(dot, static_cast<const PipeNode*>(&n));
        return untyped ? v : validateType(v, typ);
      }
      case NodeType::Identifier: {
        const auto& id = static_cast<const IdentifierNode&>(n);
        Val v = evalFunction(dot, id, id, nullptr, Val::missing());
        return untyped ? v : validateType(v, typ);
      }
      case NodeType::Chain: {
        Val v = evalChainNode(dot, static_cast<const ChainNode&>(n), nullptr, Val::missing());
        return untyped ? v : validateType(v, typ);
      }
      default:
        break;
    }
    if (untyped) return evalEmptyInterface(dot, n);
    switch (typ) {
      case Param::Bool:
        if (n.type == NodeType::Bool) return Val::boolean(static_cast<const BoolNode&>(n).value);
        errorf("expected bool; found " + n.str());
      case Param::Float64:
        if (n.type == NodeType::Number && static_cast<const NumberNode&>(n).isFloat) {
          return Val::float64(static_cast<const NumberNode&>(n).float64);
        }
        errorf("expected float; found " + n.str());
      case Param::Int:
      case Param::Int64:
        if (n.type == NodeType::Number && static_cast<const NumberNode&>(n).isInt) {
          auto v = static_cast<const NumberNode&>(n).int64;
          return typ == Param::Int ? Val::integer(v) : Val::int64(v);
        }
        errorf("expected integer; found " + n.str());
      case Param::Any:
      case Param::Reflect:
        return evalEmptyInterface(dot, n);
      case Param::String:
        if (n.type == NodeType::String) return Val::string(static_cast<const StringNode&>(n).text);
        errorf("expected string; found " + n.str());
      default:
        errorf("can't handle " + n.str() + " for arg of type " + paramTypeName(typ));
    }
  }

  Val evalEmptyInterface(const Val& dot, const Node& n) {
    at(&n);
    switch (n.type) {
      case NodeType::Bool:
        return Val::boolean(static_cast<const BoolNode&>(n).value);
      case NodeType::Dot:
        return dot;
      case NodeType::Field:
        return evalFieldNode(dot, static_cast<const FieldNode&>(n), nullptr, Val::missing());
      case NodeType::Identifier: {
        const auto& id = static_cast<const IdentifierNode&>(n);
        return evalFunction(dot, id, id, nullptr, Val::missing());
      }
      case NodeType::Nil:
        errorf("evalEmptyInterface: nil (can't happen)");
      case NodeType::Number:
        return idealConstant(static_cast<const NumberNode&>(n));
      case NodeType::String:
        return Val::string(static_cast<const StringNode&>(n).text);
      case NodeType::Variable:
        return evalVariableNode(dot, static_cast<const VariableNode&>(n), nullptr, Val::missing());
      case NodeType::Pipe:
        return evalPipeline(dot, static_cast<const PipeNode*>(&n));
      default:
        errorf("can't handle assignment of " + n.str() + " to empty interface argument");
    }
  }

  void printValue(const Node& n, const Val& v) {
    at(&n);
    if (!v.valid()) {
      write("<no value>");
      return;
    }
    std::size_t before = out_.size();
    appendValue(out_, v);
    r_.wrote(out_.size() - before);
  }
};

}  // namespace

std::optional<Func> valuesMethod(const Val& receiver, const std::string& name);  // helm_objects.cpp

namespace {
std::optional<Func> State::methodOf(const Val& receiver, const std::string& name) {
  if (receiver.type() == Type::Object) {
    if (const Func* f = receiver.obj()->method(name)) return *f;
    return std::nullopt;
  }
  if (receiver.type() == Type::Values) return valuesMethod(receiver, name);
  return std::nullopt;
}
}  // namespace

void Renderer::execute(const TemplateSet& set, const Tree& tree, const Val& data, std::string& out, int depth) {
  if (depth > limits_.maxIncludeDepth + 1) {
    exceeded("template nesting exceeded " + std::to_string(limits_.maxIncludeDepth) + " levels (include, template, tpl)");
  }
  State s(*this, set, tree, out, depth);
  try {
    s.run(data);
  } catch (BreakSignal&) {
  } catch (ContinueSignal&) {
  }
}

}  // namespace iop::tmpl::detail
