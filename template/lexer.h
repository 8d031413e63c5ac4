#pragma once

// Go's text/template/parse lexer, ported state for state (lex.go): the same items, the same
// trimming of `{{-`/`-}}`, the same line counting and the same error texts, because parse errors
// quote them.

#include <string>
#include <string_view>

namespace iop::tmpl::detail {

enum class Item : unsigned char {
  Error,
  Bool,
  Char,
  CharConstant,
  Comment,
  Complex,
  Assign,
  Declare,
  Eof,
  Field,
  Identifier,
  LeftDelim,
  LeftParen,
  Number,
  Pipe,
  RawString,
  RightDelim,
  RightParen,
  Space,
  String,
  Text,
  Variable,
  Keyword,  // delimits the keywords below
  Block,
  Break,
  Continue,
  Dot,
  Define,
  Else,
  End,
  If,
  Nil,
  Range,
  Template,
  With,
};

struct Token {
  Item type = Item::Eof;
  std::size_t pos = 0;
  std::string_view val;  // a view into the lexed text (or, for errors, into `error`)
  int line = 1;
  std::string error;  // the message of an Error item
  // Go's item.String(), used in "unexpected ..." errors.
  std::string describe() const;
};

class Lexer {
 public:
  Lexer(std::string_view input) : input_(input) {}
  Token next();

 private:
  enum class State { Text, LeftDelim, Comment, RightDelim, InsideAction, Done };
  // Each state function returns the next state or Done after setting item_.
  State lexText();
  State lexLeftDelim();
  State lexComment();
  State lexRightDelim();
  State lexInsideAction();
  State lexSpace();
  State lexIdentifier();
  State lexFieldOrVariable(Item typ);
  State lexChar();
  State lexNumber();
  State lexQuote();
  State lexRawQuote();

  static constexpr char32_t kEof = static_cast<char32_t>(-1);
  char32_t nextRune();
  char32_t peekRune();
  void backup();
  Token thisItem(Item t);
  State emit(Item t);
  State emitItem(Token t);
  void ignore();
  bool accept(std::string_view valid);
  void acceptRun(std::string_view valid);
  State errorf(std::string message);
  bool atTerminator();
  bool atRightDelim(bool& trimSpaces) const;
  bool scanNumber();

  std::string_view input_;
  std::size_t pos_ = 0;
  std::size_t start_ = 0;
  bool atEof_ = false;
  int parenDepth_ = 0;
  int line_ = 1;
  int startLine_ = 1;
  bool insideAction_ = false;
  std::size_t lastWidth_ = 0;
  Token item_;
};

}  // namespace iop::tmpl::detail
