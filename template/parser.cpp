#include "template/parser.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>

#include "template/funcs.h"
#include "template/go_fmt.h"
#include "template/lexer.h"
#include "template/strconv.h"

namespace iop::tmpl::detail {

namespace {

struct Failure {
  ParseError error;
};

// The set of trees one parse produces, with parse.Tree.add's rules for redefinitions.
struct TreeSet {
  std::vector<std::unique_ptr<Tree>> trees;
  std::map<std::string, std::size_t> index;
};

class Parser {
 public:
  Parser(Tree* tree, Lexer* lex, TreeSet* set) : t_(tree), lex_(lex), set_(set) {}

  void parse();
  void parseDefinition();
  void add(std::unique_ptr<Tree> owned);

  // Shared state between a file's parser and the parsers of its definitions (Go starts a new
  // Tree with the same lexer for each {{define}}).
  Tree* t_;
  Lexer* lex_;
  TreeSet* set_;
  Token token_[3];
  int peekCount_ = 0;
  std::vector<std::string> vars_{"$"};
  int actionLine_ = 0;
  int rangeDepth_ = 0;
  int depth_ = 0;

  [[noreturn]] void errorf(const std::string& msg) {
    throw Failure{ParseError{"template: " + t_->parseName + ":" + std::to_string(token_[0].line) + ": " + msg,
                             t_->parseName, token_[0].line}};
  }

  Token next() {
    if (peekCount_ > 0) {
      --peekCount_;
    } else {
      token_[0] = lex_->next();
    }
    return token_[peekCount_];
  }
  void backup() { ++peekCount_; }
  void backup2(Token t1) {
    token_[1] = std::move(t1);
    peekCount_ = 2;
  }
  void backup3(Token t2, Token t1) {
    token_[1] = std::move(t1);
    token_[2] = std::move(t2);
    peekCount_ = 3;
  }
  Token peek() {
    if (peekCount_ > 0) return token_[peekCount_ - 1];
    peekCount_ = 1;
    token_[0] = lex_->next();
    return token_[0];
  }
  Token nextNonSpace() {
    Token t;
    do {
      t = next();
    } while (t.type == Item::Space);
    return t;
  }
  Token peekNonSpace() {
    Token t = nextNonSpace();
    backup();
    return t;
  }
  Token expect(Item expected, const std::string& context) {
    Token t = nextNonSpace();
    if (t.type != expected) unexpected(t, context);
    return t;
  }
  Token expectOneOf(Item e1, Item e2, const std::string& context) {
    Token t = nextNonSpace();
    if (t.type != e1 && t.type != e2) unexpected(t, context);
    return t;
  }
  [[noreturn]] void unexpected(const Token& token, const std::string& context) {
    if (token.type == Item::Error) {
      std::string extra;
      if (actionLine_ != 0 && actionLine_ != token.line) {
        extra = " in action started at " + t_->parseName + ":" + std::to_string(actionLine_);
        if (token.error.ends_with(" action")) extra = extra.substr(std::string(" in action").size());
      }
      errorf(token.describe() + extra);
    }
    errorf("unexpected " + token.describe() + " in " + context);
  }

  struct DepthGuard {
    Parser* p;
    explicit DepthGuard(Parser* pp) : p(pp) {
      if (++p->depth_ > kMaxParseDepth) p->errorf("max expression depth exceeded");
    }
    ~DepthGuard() { --p->depth_; }
  };

  std::unique_ptr<ListNode> newList(std::size_t pos) { return std::make_unique<ListNode>(pos, t_); }

  std::pair<std::unique_ptr<ListNode>, NodePtr> itemList();
  NodePtr textOrAction();
  NodePtr action();
  NodePtr breakControl(std::size_t pos, int line);
  NodePtr continueControl(std::size_t pos, int line);
  std::unique_ptr<PipeNode> pipeline(const std::string& context, Item end);
  void checkPipeline(const PipeNode& pipe, const std::string& context);
  NodePtr parseControl(NodeType type, const std::string& context);
  NodePtr endControl();
  NodePtr elseControl();
  NodePtr blockControl();
  NodePtr templateControl();
  std::string parseTemplateName(const Token& token, const std::string& context);
  std::unique_ptr<CommandNode> command();
  NodePtr operand();
  NodePtr term();
  NodePtr useVar(std::size_t pos, std::string_view name);
  std::unique_ptr<NumberNode> newNumber(std::size_t pos, std::string_view text, Item typ);
  std::string unquote(std::string_view s) {
    auto r = unquoteGo(s);
    if (!r) errorf("invalid syntax");
    return *r;
  }
};

void Parser::add(std::unique_ptr<Tree> owned) {
  auto it = set_->index.find(owned->name);
  if (it == set_->index.end()) {
    set_->index[owned->name] = set_->trees.size();
    set_->trees.push_back(std::move(owned));
    return;
  }
  auto& existing = set_->trees[it->second];
  if (isEmptyTree(existing->root.get())) {
    existing = std::move(owned);
    return;
  }
  if (!isEmptyTree(owned->root.get())) errorf("template: multiple definition of template " + quoteGo(owned->name));
}

void Parser::parse() {
  t_->root = newList(peek().pos);
  while (peek().type != Item::Eof) {
    if (peek().type == Item::LeftDelim) {
      Token delim = next();
      if (nextNonSpace().type == Item::Define) {
        auto def = std::make_unique<Tree>();
        def->name = "definition";
        def->parseName = t_->parseName;
        def->text = t_->text;
        Parser sub(def.get(), lex_, set_);
        sub.depth_ = depth_;
        sub.parseDefinition();
        sub.add(std::move(def));
        continue;
      }
      backup2(std::move(delim));
    }
    NodePtr n = textOrAction();
    if (n->type == NodeType::End || n->type == NodeType::Else) errorf("unexpected " + n->str());
    t_->root->nodes.push_back(std::move(n));
  }
}

void Parser::parseDefinition() {
  const std::string context = "define clause";
  Token name = expectOneOf(Item::String, Item::RawString, context);
  t_->name = unquote(name.val);
  expect(Item::RightDelim, context);
  auto [list, end] = itemList();
  t_->root = std::move(list);
  if (end->type != NodeType::End) errorf("unexpected " + end->str() + " in " + context);
}

std::pair<std::unique_ptr<ListNode>, NodePtr> Parser::itemList() {
  auto list = newList(peekNonSpace().pos);
  while (peekNonSpace().type != Item::Eof) {
    NodePtr n = textOrAction();
    if (n->type == NodeType::End || n->type == NodeType::Else) return {std::move(list), std::move(n)};
    list->nodes.push_back(std::move(n));
  }
  errorf("unexpected EOF");
}

NodePtr Parser::textOrAction() {
  Token token = nextNonSpace();
  switch (token.type) {
    case Item::Text:
      return std::make_unique<TextNode>(token.pos, t_, token.val);
    case Item::LeftDelim: {
      actionLine_ = token.line;
      struct Clear {
        int& l;
        ~Clear() { l = 0; }
      } clear{actionLine_};
      return action();
    }
    case Item::Comment:
      return std::make_unique<CommentNode>(token.pos, t_, token.val);
    default:
      unexpected(token, "input");
  }
}

NodePtr Parser::action() {
  Token token = nextNonSpace();
  switch (token.type) {
    case Item::Block:
      return blockControl();
    case Item::Break:
      return breakControl(token.pos, token.line);
    case Item::Continue:
      return continueControl(token.pos, token.line);
    case Item::Else:
      return elseControl();
    case Item::End:
      return endControl();
    case Item::If:
      return parseControl(NodeType::If, "if");
    case Item::Range:
      return parseControl(NodeType::Range, "range");
    case Item::Template:
      return templateControl();
    case Item::With:
      return parseControl(NodeType::With, "with");
    default:
      break;
  }
  backup();
  Token t = peek();
  auto pipe = pipeline("command", Item::RightDelim);
  return std::make_unique<ActionNode>(t.pos, t_, t.line, std::move(pipe));
}

NodePtr Parser::breakControl(std::size_t pos, int line) {
  Token token = nextNonSpace();
  if (token.type != Item::RightDelim) unexpected(token, "{{break}}");
  if (rangeDepth_ == 0) errorf("{{break}} outside {{range}}");
  return std::make_unique<BreakNode>(pos, t_, line);
}

NodePtr Parser::continueControl(std::size_t pos, int line) {
  Token token = nextNonSpace();
  if (token.type != Item::RightDelim) unexpected(token, "{{continue}}");
  if (rangeDepth_ == 0) errorf("{{continue}} outside {{range}}");
  return std::make_unique<ContinueNode>(pos, t_, line);
}

std::unique_ptr<PipeNode> Parser::pipeline(const std::string& context, Item end) {
  Token token = peekNonSpace();
  auto pipe = std::make_unique<PipeNode>(token.pos, t_, token.line);
decls:
  if (Token v = peekNonSpace(); v.type == Item::Variable) {
    next();
    Token tokenAfterVariable = peek();
    Token nxt = peekNonSpace();
    if (nxt.type == Item::Assign || nxt.type == Item::Declare) {
      pipe->isAssign = nxt.type == Item::Assign;
      nextNonSpace();
      pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, t_, v.val));
      vars_.emplace_back(v.val);
    } else if (nxt.type == Item::Char && nxt.val == ",") {
      nextNonSpace();
      pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, t_, v.val));
      vars_.emplace_back(v.val);
      if (context == "range" && pipe->decl.size() < 2) {
        switch (peekNonSpace().type) {
          case Item::Variable:
          case Item::RightDelim:
          case Item::RightParen:
            goto decls;
          default:
            errorf("range can only initialize variables");
        }
      }
      errorf("too many declarations in " + context);
    } else if (tokenAfterVariable.type == Item::Space) {
      backup3(std::move(v), std::move(tokenAfterVariable));
    } else {
      backup2(std::move(v));
    }
  }
  for (;;) {
    Token t = nextNonSpace();
    if (t.type == end) {
      checkPipeline(*pipe, context);
      return pipe;
    }
    switch (t.type) {
      case Item::Bool:
      case Item::CharConstant:
      case Item::Complex:
      case Item::Dot:
      case Item::Field:
      case Item::Identifier:
      case Item::Number:
      case Item::Nil:
      case Item::RawString:
      case Item::String:
      case Item::Variable:
      case Item::LeftParen:
        backup();
        pipe->cmds.push_back(command());
        break;
      default:
        unexpected(t, context);
    }
  }
}

void Parser::checkPipeline(const PipeNode& pipe, const std::string& context) {
  if (pipe.cmds.empty()) errorf("missing value for " + context);
  for (std::size_t i = 1; i < pipe.cmds.size(); ++i) {
    switch (pipe.cmds[i]->args[0]->type) {
      case NodeType::Bool:
      case NodeType::Dot:
      case NodeType::Nil:
      case NodeType::Number:
      case NodeType::String:
        errorf("non executable command in pipeline stage " + std::to_string(i + 1));
      default:
        break;
    }
  }
}

NodePtr Parser::parseControl(NodeType type, const std::string& context) {
  DepthGuard guard(this);
  std::size_t varMark = vars_.size();
  auto pipe = pipeline(context, Item::RightDelim);
  if (context == "range") ++rangeDepth_;
  auto [list, nxt] = itemList();
  if (context == "range") --rangeDepth_;
  std::unique_ptr<ListNode> elseList;
  if (nxt->type == NodeType::Else) {
    if (context == "if" && peek().type == Item::If) {
      next();
      elseList = newList(nxt->pos);
      elseList->nodes.push_back(parseControl(NodeType::If, "if"));
    } else if (context == "with" && peek().type == Item::With) {
      next();
      elseList = newList(nxt->pos);
      elseList->nodes.push_back(parseControl(NodeType::With, "with"));
    } else {
      auto [el, end] = itemList();
      elseList = std::move(el);
      if (end->type != NodeType::End) errorf("expected end; found " + end->str());
    }
  }
  vars_.resize(varMark);
  auto node = std::make_unique<BranchNode>(type, pipe->pos, t_, pipe->line);
  node->pipe = std::move(pipe);
  node->list = std::move(list);
  node->elseList = std::move(elseList);
  return node;
}

NodePtr Parser::endControl() { return std::make_unique<EndNode>(expect(Item::RightDelim, "end").pos, t_); }

NodePtr Parser::elseControl() {
  Token p = peekNonSpace();
  if (p.type == Item::If || p.type == Item::With) return std::make_unique<ElseNode>(p.pos, t_, p.line);
  Token token = expect(Item::RightDelim, "else");
  return std::make_unique<ElseNode>(token.pos, t_, token.line);
}

NodePtr Parser::blockControl() {
  const std::string context = "block clause";
  Token token = nextNonSpace();
  std::string name = parseTemplateName(token, context);
  auto pipe = pipeline(context, Item::RightDelim);
  auto block = std::make_unique<Tree>();
  block->name = name;
  block->parseName = t_->parseName;
  block->text = t_->text;
  Parser sub(block.get(), lex_, set_);
  sub.depth_ = depth_;
  auto [list, end] = sub.itemList();
  block->root = std::move(list);
  if (end->type != NodeType::End) errorf("unexpected " + end->str() + " in " + context);
  sub.add(std::move(block));
  return std::make_unique<TemplateNode>(token.pos, t_, token.line, name, std::move(pipe));
}

NodePtr Parser::templateControl() {
  const std::string context = "template clause";
  Token token = nextNonSpace();
  std::string name = parseTemplateName(token, context);
  std::unique_ptr<PipeNode> pipe;
  if (nextNonSpace().type != Item::RightDelim) {
    backup();
    pipe = pipeline(context, Item::RightDelim);
  }
  return std::make_unique<TemplateNode>(token.pos, t_, token.line, name, std::move(pipe));
}

std::string Parser::parseTemplateName(const Token& token, const std::string& context) {
  if (token.type == Item::String || token.type == Item::RawString) return unquote(token.val);
  unexpected(token, context);
}

std::unique_ptr<CommandNode> Parser::command() {
  auto cmd = std::make_unique<CommandNode>(peekNonSpace().pos, t_);
  for (;;) {
    peekNonSpace();
    NodePtr op = operand();
    if (op) cmd->args.push_back(std::move(op));
    Token token = next();
    if (token.type == Item::Space) continue;
    if (token.type == Item::RightDelim || token.type == Item::RightParen) {
      backup();
    } else if (token.type != Item::Pipe) {
      unexpected(token, "operand");
    }
    break;
  }
  if (cmd->args.empty()) errorf("empty command");
  return cmd;
}

NodePtr Parser::operand() {
  NodePtr node = term();
  if (!node) return nullptr;
  if (peek().type == Item::Field) {
    auto chain = std::make_unique<ChainNode>(peek().pos, t_, nullptr);
    while (peek().type == Item::Field) chain->add(next().val);
    switch (node->type) {
      case NodeType::Field: {
        std::string text;
        node->writeTo(text);
        for (const auto& f : chain->field) text += "." + f;
        return std::make_unique<FieldNode>(chain->pos, t_, text);
      }
      case NodeType::Variable: {
        std::string text;
        node->writeTo(text);
        for (const auto& f : chain->field) text += "." + f;
        return std::make_unique<VariableNode>(chain->pos, t_, text);
      }
      case NodeType::Bool:
      case NodeType::String:
      case NodeType::Number:
      case NodeType::Nil:
      case NodeType::Dot:
        errorf("unexpected . after term " + quoteGo(node->str()));
      default:
        chain->node = std::move(node);
        return chain;
    }
  }
  return node;
}

NodePtr Parser::term() {
  Token token = nextNonSpace();
  switch (token.type) {
    case Item::Identifier: {
      const Func* f = findFunction(token.val);
      if (!f) errorf("function " + quoteGo(token.val) + " not defined");
      return std::make_unique<IdentifierNode>(token.pos, t_, std::string(token.val), f);
    }
    case Item::Dot:
      return std::make_unique<DotNode>(token.pos, t_);
    case Item::Nil:
      return std::make_unique<NilNode>(token.pos, t_);
    case Item::Variable:
      return useVar(token.pos, token.val);
    case Item::Field:
      return std::make_unique<FieldNode>(token.pos, t_, token.val);
    case Item::Bool:
      return std::make_unique<BoolNode>(token.pos, t_, token.val == "true");
    case Item::CharConstant:
    case Item::Complex:
    case Item::Number:
      return newNumber(token.pos, token.val, token.type);
    case Item::LeftParen: {
      DepthGuard guard(this);
      return pipeline("parenthesized pipeline", Item::RightParen);
    }
    case Item::String:
    case Item::RawString:
      return std::make_unique<StringNode>(token.pos, t_, std::string(token.val), unquote(token.val));
    default:
      backup();
      return nullptr;
  }
}

NodePtr Parser::useVar(std::size_t pos, std::string_view name) {
  auto v = std::make_unique<VariableNode>(pos, t_, name);
  for (const auto& varName : vars_) {
    if (varName == v->ident[0]) return v;
  }
  errorf("undefined variable " + quoteGo(v->ident[0]));
}

std::unique_ptr<NumberNode> Parser::newNumber(std::size_t pos, std::string_view text, Item typ) {
  auto n = std::make_unique<NumberNode>(pos, t_, std::string(text));
  if (typ == Item::CharConstant) {
    auto r = unquoteCharConstant(text);
    if (!r) errorf(r.error);
    n->int64 = static_cast<std::int64_t>(*r);
    n->isInt = true;
    n->uint64 = static_cast<std::uint64_t>(*r);
    n->isUint = true;
    n->float64 = static_cast<double>(*r);
    n->isFloat = true;
    return n;
  }
  if (typ == Item::Complex || (!text.empty() && text.back() == 'i')) {
    n->isComplex = true;  // parsed but not executable: the engine has no complex values
    return n;
  }
  if (auto u = parseUintGo(text, 0)) {
    n->isUint = true;
    n->uint64 = *u;
  }
  if (auto i = parseIntGo(text, 0)) {
    n->isInt = true;
    n->int64 = *i;
    if (*i == 0) {
      n->isUint = true;
      n->uint64 = 0;
    }
  }
  if (n->isInt) {
    n->isFloat = true;
    n->float64 = static_cast<double>(n->int64);
  } else if (n->isUint) {
    n->isFloat = true;
    n->float64 = static_cast<double>(n->uint64);
  } else if (auto f = parseFloatGo(text)) {
    if (text.find_first_of(".eEpP") == std::string_view::npos) errorf("integer overflow: " + quoteGo(text));
    n->isFloat = true;
    n->float64 = *f;
    if (!n->isInt && std::fabs(*f) < 9.3e18 && static_cast<double>(static_cast<std::int64_t>(*f)) == *f) {
      n->isInt = true;
      n->int64 = static_cast<std::int64_t>(*f);
    }
    if (!n->isUint && *f >= 0 && *f < 1.8e19 && static_cast<double>(static_cast<std::uint64_t>(*f)) == *f) {
      n->isUint = true;
      n->uint64 = static_cast<std::uint64_t>(*f);
    }
  }
  if (!n->isInt && !n->isUint && !n->isFloat) errorf("illegal number syntax: " + quoteGo(text));
  return n;
}

}  // namespace

std::variant<std::vector<std::unique_ptr<Tree>>, ParseError> parseTemplate(const std::string& name,
                                                                           std::shared_ptr<const std::string> text) {
  TreeSet set;
  Lexer lex(*text);
  auto top = std::make_unique<Tree>();
  top->name = name;
  top->parseName = name;
  top->text = text;
  Parser p(top.get(), &lex, &set);
  try {
    p.parse();
    p.add(std::move(top));
  } catch (Failure& f) {
    return std::move(f.error);
  }
  // The top-level tree first, then definitions in source order.
  std::vector<std::unique_ptr<Tree>> out;
  auto it = set.index.find(name);
  std::size_t topIndex = it->second;
  out.push_back(std::move(set.trees[topIndex]));
  for (std::size_t i = 0; i < set.trees.size(); ++i) {
    if (i != topIndex) out.push_back(std::move(set.trees[i]));
  }
  return out;
}

}  // namespace iop::tmpl::detail
