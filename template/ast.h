#pragma once

// The parse tree of Go's text/template (parse/node.go): the same node kinds, positions (byte
// offsets into the template's text) and String() forms, because execution errors quote a node
// as Go prints it ("executing \"x\" at <.Values.a.b>: ...").
//
// Trees are immutable after parsing and shared between threads and renders.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace iop::tmpl::detail {

struct Func;
struct Tree;

enum class NodeType : std::uint8_t {
  Text,
  Action,
  Bool,
  Chain,
  Command,
  Dot,
  Field,
  Identifier,
  If,
  List,
  Nil,
  Number,
  Pipe,
  Range,
  String,
  Template,
  Variable,
  With,
  Comment,
  Break,
  Continue,
  End,   // parser-internal
  Else,  // parser-internal
};

struct Node {
  NodeType type;
  std::uint32_t pos;
  const Tree* tree;  // for error locations (the file's text and name)
  Node(NodeType t, std::size_t p, const Tree* tr) : type(t), pos(static_cast<std::uint32_t>(p)), tree(tr) {}
  virtual ~Node() = default;
  virtual void writeTo(std::string& out) const = 0;
  std::string str() const {
    std::string s;
    writeTo(s);
    return s;
  }
};

using NodePtr = std::unique_ptr<Node>;

struct ListNode : Node {
  std::vector<NodePtr> nodes;
  ListNode(std::size_t p, const Tree* t) : Node(NodeType::List, p, t) {}
  void writeTo(std::string& out) const override;
};

struct TextNode : Node {
  std::string_view text;  // into the tree's text
  TextNode(std::size_t p, const Tree* t, std::string_view s) : Node(NodeType::Text, p, t), text(s) {}
  void writeTo(std::string& out) const override { out += text; }
};

struct CommentNode : Node {
  std::string_view text;
  CommentNode(std::size_t p, const Tree* t, std::string_view s) : Node(NodeType::Comment, p, t), text(s) {}
  void writeTo(std::string& out) const override;
};

struct VariableNode : Node {
  std::vector<std::string> ident;  // "$x", then fields
  VariableNode(std::size_t p, const Tree* t, std::string_view name);
  void writeTo(std::string& out) const override;
};

struct CommandNode : Node {
  std::vector<NodePtr> args;
  CommandNode(std::size_t p, const Tree* t) : Node(NodeType::Command, p, t) {}
  void writeTo(std::string& out) const override;
};

struct PipeNode : Node {
  int line;
  bool isAssign = false;
  std::vector<std::unique_ptr<VariableNode>> decl;
  std::vector<std::unique_ptr<CommandNode>> cmds;
  PipeNode(std::size_t p, const Tree* t, int l) : Node(NodeType::Pipe, p, t), line(l) {}
  void writeTo(std::string& out) const override;
};

struct ActionNode : Node {
  int line;
  std::unique_ptr<PipeNode> pipe;
  ActionNode(std::size_t p, const Tree* t, int l, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::Action, p, t), line(l), pipe(std::move(pp)) {}
  void writeTo(std::string& out) const override;
};

struct IdentifierNode : Node {
  std::string ident;
  const Func* func = nullptr;  // resolved when parsed (the function map is fixed)
  IdentifierNode(std::size_t p, const Tree* t, std::string name, const Func* f)
      : Node(NodeType::Identifier, p, t), ident(std::move(name)), func(f) {}
  void writeTo(std::string& out) const override { out += ident; }
};

struct DotNode : Node {
  DotNode(std::size_t p, const Tree* t) : Node(NodeType::Dot, p, t) {}
  void writeTo(std::string& out) const override { out += "."; }
};

struct NilNode : Node {
  NilNode(std::size_t p, const Tree* t) : Node(NodeType::Nil, p, t) {}
  void writeTo(std::string& out) const override { out += "nil"; }
};

struct FieldNode : Node {
  std::vector<std::string> ident;
  FieldNode(std::size_t p, const Tree* t, std::string_view text);  // text starts with '.'
  void writeTo(std::string& out) const override;
};

struct ChainNode : Node {
  NodePtr node;
  std::vector<std::string> field;
  ChainNode(std::size_t p, const Tree* t, NodePtr n) : Node(NodeType::Chain, p, t), node(std::move(n)) {}
  void add(std::string_view f);  // f starts with '.'
  void writeTo(std::string& out) const override;
};

struct BoolNode : Node {
  bool value;
  BoolNode(std::size_t p, const Tree* t, bool v) : Node(NodeType::Bool, p, t), value(v) {}
  void writeTo(std::string& out) const override { out += value ? "true" : "false"; }
};

struct NumberNode : Node {
  bool isInt = false, isUint = false, isFloat = false, isComplex = false;
  std::int64_t int64 = 0;
  std::uint64_t uint64 = 0;
  double float64 = 0;
  std::string text;
  NumberNode(std::size_t p, const Tree* t, std::string s) : Node(NodeType::Number, p, t), text(std::move(s)) {}
  void writeTo(std::string& out) const override { out += text; }
};

struct StringNode : Node {
  std::string quoted;
  std::string text;
  StringNode(std::size_t p, const Tree* t, std::string q, std::string s)
      : Node(NodeType::String, p, t), quoted(std::move(q)), text(std::move(s)) {}
  void writeTo(std::string& out) const override { out += quoted; }
};

// if / range / with
struct BranchNode : Node {
  int line;
  std::unique_ptr<PipeNode> pipe;
  std::unique_ptr<ListNode> list;
  std::unique_ptr<ListNode> elseList;  // null when absent
  BranchNode(NodeType ty, std::size_t p, const Tree* t, int l) : Node(ty, p, t), line(l) {}
  void writeTo(std::string& out) const override;
};

struct BreakNode : Node {
  int line;
  BreakNode(std::size_t p, const Tree* t, int l) : Node(NodeType::Break, p, t), line(l) {}
  void writeTo(std::string& out) const override { out += "{{break}}"; }
};

struct ContinueNode : Node {
  int line;
  ContinueNode(std::size_t p, const Tree* t, int l) : Node(NodeType::Continue, p, t), line(l) {}
  void writeTo(std::string& out) const override { out += "{{continue}}"; }
};

struct TemplateNode : Node {
  int line;
  std::string name;
  std::unique_ptr<PipeNode> pipe;  // may be null
  TemplateNode(std::size_t p, const Tree* t, int l, std::string n, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::Template, p, t), line(l), name(std::move(n)), pipe(std::move(pp)) {}
  void writeTo(std::string& out) const override;
};

struct EndNode : Node {
  EndNode(std::size_t p, const Tree* t) : Node(NodeType::End, p, t) {}
  void writeTo(std::string& out) const override { out += "{{end}}"; }
};

struct ElseNode : Node {
  int line;
  ElseNode(std::size_t p, const Tree* t, int l) : Node(NodeType::Else, p, t), line(l) {}
  void writeTo(std::string& out) const override { out += "{{else}}"; }
};

// One named template: a file's top level, a {{define}} or a {{block}}.
struct Tree {
  std::string name;       // the template's name ("istio.labels", "istiod/templates/x.yaml")
  std::string parseName;  // the file it was parsed from, for error locations
  std::shared_ptr<const std::string> text;  // the whole file's text (positions index into it)
  std::unique_ptr<ListNode> root;

  // ErrorContext: "file:line:col" of a node and the node's text.
  std::string location(const Node& n) const;
};

// parse.IsEmptyTree: only whitespace text and comments.
bool isEmptyTree(const Node* n);

}  // namespace iop::tmpl::detail
