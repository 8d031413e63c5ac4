#include "template/ast.h"

#include <algorithm>

#include "template/go_fmt.h"

namespace iop::tmpl::detail {

namespace {

std::vector<std::string> splitDots(std::string_view s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto d = s.find('.', start);
    out.emplace_back(s.substr(start, d == std::string_view::npos ? std::string_view::npos : d - start));
    if (d == std::string_view::npos) break;
    start = d + 1;
  }
  return out;
}

}  // namespace

void ListNode::writeTo(std::string& out) const {
  for (const auto& n : nodes) n->writeTo(out);
}

void CommentNode::writeTo(std::string& out) const {
  out += "{{";
  out += text;
  out += "}}";
}

VariableNode::VariableNode(std::size_t p, const Tree* t, std::string_view name)
    : Node(NodeType::Variable, p, t), ident(splitDots(name)) {}

void VariableNode::writeTo(std::string& out) const {
  for (std::size_t i = 0; i < ident.size(); ++i) {
    if (i > 0) out += '.';
    out += ident[i];
  }
}

void CommandNode::writeTo(std::string& out) const {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ' ';
    if (args[i]->type == NodeType::Pipe) {
      out += '(';
      args[i]->writeTo(out);
      out += ')';
      continue;
    }
    args[i]->writeTo(out);
  }
}

void PipeNode::writeTo(std::string& out) const {
  if (!decl.empty()) {
    for (std::size_t i = 0; i < decl.size(); ++i) {
      if (i > 0) out += ", ";
      decl[i]->writeTo(out);
    }
    out += isAssign ? " = " : " := ";
  }
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    if (i > 0) out += " | ";
    cmds[i]->writeTo(out);
  }
}

void ActionNode::writeTo(std::string& out) const {
  out += "{{";
  pipe->writeTo(out);
  out += "}}";
}

FieldNode::FieldNode(std::size_t p, const Tree* t, std::string_view text)
    : Node(NodeType::Field, p, t), ident(splitDots(text.substr(1))) {}

void FieldNode::writeTo(std::string& out) const {
  for (const auto& id : ident) {
    out += '.';
    out += id;
  }
}

void ChainNode::add(std::string_view f) {
  if (f.empty() || f[0] != '.') return;
  f.remove_prefix(1);
  auto more = splitDots(f);
  field.insert(field.end(), more.begin(), more.end());
}

void ChainNode::writeTo(std::string& out) const {
  if (node->type == NodeType::Pipe) {
    out += '(';
    node->writeTo(out);
    out += ')';
  } else {
    node->writeTo(out);
  }
  for (const auto& f : field) {
    out += '.';
    out += f;
  }
}

void BranchNode::writeTo(std::string& out) const {
  const char* name = type == NodeType::If ? "if" : type == NodeType::Range ? "range" : "with";
  out += "{{";
  out += name;
  out += ' ';
  pipe->writeTo(out);
  out += "}}";
  list->writeTo(out);
  if (elseList) {
    out += "{{else}}";
    elseList->writeTo(out);
  }
  out += "{{end}}";
}

void TemplateNode::writeTo(std::string& out) const {
  out += "{{template ";
  out += quoteGo(name);
  if (pipe) {
    out += ' ';
    pipe->writeTo(out);
  }
  out += "}}";
}

std::string Tree::location(const Node& n) const {
  std::string_view t = *text;
  std::size_t pos = std::min<std::size_t>(n.pos, t.size());
  std::string_view before = t.substr(0, pos);
  auto nl = before.rfind('\n');
  std::size_t byteNum = nl == std::string_view::npos ? pos : pos - (nl + 1);
  std::size_t lineNum = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  return parseName + ":" + std::to_string(lineNum) + ":" + std::to_string(byteNum);
}

bool isEmptyTree(const Node* n) {
  if (!n) return true;
  switch (n->type) {
    case NodeType::Comment:
      return true;
    case NodeType::List:
      for (const auto& c : static_cast<const ListNode*>(n)->nodes) {
        if (!isEmptyTree(c.get())) return false;
      }
      return true;
    case NodeType::Text: {
      auto s = static_cast<const TextNode*>(n)->text;
      // bytes.TrimSpace: unicode white space; ASCII covers what templates hold.
      for (char c : s) {
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f') return false;
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace iop::tmpl::detail
