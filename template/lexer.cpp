#include "template/lexer.h"

#include <algorithm>

#include "template/go_fmt.h"

namespace iop::tmpl::detail {

namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr std::string_view kSpaceChars = " \t\r\n";
constexpr std::size_t kTrimMarkerLen = 2;

bool isSpace(char32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

bool isAlphaNumeric(char32_t r) { return r == '_' || isLetterRune(r) || isDigitRune(r); }

bool hasLeftTrimMarker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && isSpace(static_cast<unsigned char>(s[1])); }

bool hasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && isSpace(static_cast<unsigned char>(s[0])) && s[1] == '-';
}

std::size_t rightTrimLength(std::string_view s) {
  auto n = s.find_last_not_of(kSpaceChars);
  return n == std::string_view::npos ? s.size() : s.size() - n - 1;
}

std::size_t leftTrimLength(std::string_view s) {
  auto n = s.find_first_not_of(kSpaceChars);
  return n == std::string_view::npos ? s.size() : n;
}

Item keyword(std::string_view w) {
  if (w == ".") return Item::Dot;
  if (w == "block") return Item::Block;
  if (w == "break") return Item::Break;
  if (w == "continue") return Item::Continue;
  if (w == "define") return Item::Define;
  if (w == "else") return Item::Else;
  if (w == "end") return Item::End;
  if (w == "if") return Item::If;
  if (w == "range") return Item::Range;
  if (w == "nil") return Item::Nil;
  if (w == "template") return Item::Template;
  if (w == "with") return Item::With;
  return Item::Error;
}

std::string runeDesc(char32_t r) {
  // fmt's %#U: U+0023 '#'
  std::string s = "U+";
  std::string hex;
  std::uint32_t v = r;
  do {
    hex.insert(hex.begin(), "0123456789ABCDEF"[v % 16]);
    v /= 16;
  } while (v > 0);
  while (hex.size() < 4) hex.insert(hex.begin(), '0');
  s += hex;
  if (isPrintRune(r)) {
    s += " '";
    appendRune(s, r);
    s += "'";
  }
  return s;
}

}  // namespace

std::string Token::describe() const {
  if (type == Item::Eof) return "EOF";
  if (type == Item::Error) return error;
  if (type > Item::Keyword) return "<" + std::string(val) + ">";
  std::size_t runes = 0;
  std::size_t cut = val.size();
  for (std::size_t i = 0; i < val.size(); ++runes) {
    if (runes == 10) {
      cut = i;
      break;
    }
    i += static_cast<std::size_t>(decodeRune(val, i).width);
  }
  if (runes >= 10 && cut < val.size()) return quoteGo(val.substr(0, cut)) + "...";
  return quoteGo(val);
}

char32_t Lexer::nextRune() {
  if (pos_ >= input_.size()) {
    atEof_ = true;
    return kEof;
  }
  Rune r = decodeRune(input_, pos_);
  pos_ += static_cast<std::size_t>(r.width);
  if (r.r == '\n') ++line_;
  return r.r;
}

char32_t Lexer::peekRune() {
  char32_t r = nextRune();
  backup();
  return r;
}

void Lexer::backup() {
  if (atEof_ || pos_ == 0) return;
  // utf8.DecodeLastRuneInString
  std::size_t start = pos_ - 1;
  std::size_t lim = pos_ >= 4 ? pos_ - 4 : 0;
  while (start > lim && (static_cast<unsigned char>(input_[start]) & 0xC0) == 0x80) --start;
  Rune r = decodeRune(input_, start);
  std::size_t width = start + static_cast<std::size_t>(r.width) == pos_ ? static_cast<std::size_t>(r.width) : 1;
  char32_t rr = width == 1 ? static_cast<unsigned char>(input_[pos_ - 1]) : r.r;
  pos_ -= width;
  if (rr == '\n') --line_;
}

Token Lexer::thisItem(Item t) {
  Token i;
  i.type = t;
  i.pos = start_;
  i.val = input_.substr(start_, pos_ - start_);
  i.line = startLine_;
  start_ = pos_;
  startLine_ = line_;
  return i;
}

Lexer::State Lexer::emit(Item t) { return emitItem(thisItem(t)); }

Lexer::State Lexer::emitItem(Token t) {
  item_ = std::move(t);
  return State::Done;
}

void Lexer::ignore() {
  line_ += static_cast<int>(std::count(input_.begin() + static_cast<std::ptrdiff_t>(start_),
                                       input_.begin() + static_cast<std::ptrdiff_t>(pos_), '\n'));
  start_ = pos_;
  startLine_ = line_;
}

bool Lexer::accept(std::string_view valid) {
  char32_t r = nextRune();
  if (r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
  backup();
  return false;
}

void Lexer::acceptRun(std::string_view valid) {
  for (;;) {
    char32_t r = nextRune();
    if (r == kEof || r >= 0x80 || valid.find(static_cast<char>(r)) == std::string_view::npos) break;
  }
  backup();
}

Lexer::State Lexer::errorf(std::string message) {
  item_ = Token{};
  item_.type = Item::Error;
  item_.pos = start_;
  item_.line = startLine_;
  item_.error = std::move(message);
  start_ = 0;
  pos_ = 0;
  input_ = input_.substr(0, 0);
  return State::Done;
}

Token Lexer::next() {
  item_ = Token{};
  item_.type = Item::Eof;
  item_.pos = pos_;
  item_.val = "EOF";
  item_.line = startLine_;
  State s = insideAction_ ? State::InsideAction : State::Text;
  for (;;) {
    switch (s) {
      case State::Text:
        s = lexText();
        break;
      case State::LeftDelim:
        s = lexLeftDelim();
        break;
      case State::Comment:
        s = lexComment();
        break;
      case State::RightDelim:
        s = lexRightDelim();
        break;
      case State::InsideAction:
        s = lexInsideAction();
        break;
      case State::Done: {
        return std::move(item_);
      }
    }
  }
}

Lexer::State Lexer::lexText() {
  auto x = input_.find(kLeftDelim, pos_);
  if (x != std::string_view::npos) {
    if (x > pos_) {
      pos_ = x;
      std::size_t trimLength = 0;
      std::size_t delimEnd = pos_ + kLeftDelim.size();
      if (hasLeftTrimMarker(input_.substr(delimEnd))) {
        trimLength = rightTrimLength(input_.substr(start_, pos_ - start_));
      }
      pos_ -= trimLength;
      line_ += static_cast<int>(std::count(input_.begin() + static_cast<std::ptrdiff_t>(start_),
                                           input_.begin() + static_cast<std::ptrdiff_t>(pos_), '\n'));
      Token i = thisItem(Item::Text);
      pos_ += trimLength;
      ignore();
      if (!i.val.empty()) return emitItem(std::move(i));
    }
    return State::LeftDelim;
  }
  pos_ = input_.size();
  if (pos_ > start_) {
    line_ += static_cast<int>(std::count(input_.begin() + static_cast<std::ptrdiff_t>(start_), input_.end(), '\n'));
    return emit(Item::Text);
  }
  return emit(Item::Eof);
}

bool Lexer::atRightDelim(bool& trimSpaces) const {
  std::string_view rest = input_.substr(pos_);
  if (hasRightTrimMarker(rest) && rest.substr(kTrimMarkerLen).starts_with(kRightDelim)) {
    trimSpaces = true;
    return true;
  }
  trimSpaces = false;
  return rest.starts_with(kRightDelim);
}

Lexer::State Lexer::lexLeftDelim() {
  pos_ += kLeftDelim.size();
  bool trimSpace = hasLeftTrimMarker(input_.substr(pos_));
  std::size_t afterMarker = trimSpace ? kTrimMarkerLen : 0;
  if (input_.substr(pos_ + afterMarker).starts_with(kLeftComment)) {
    pos_ += afterMarker;
    ignore();
    return State::Comment;
  }
  Token i = thisItem(Item::LeftDelim);
  insideAction_ = true;
  pos_ += afterMarker;
  ignore();
  parenDepth_ = 0;
  return emitItem(std::move(i));
}

Lexer::State Lexer::lexComment() {
  pos_ += kLeftComment.size();
  auto x = input_.find(kRightComment, pos_);
  if (x == std::string_view::npos) return errorf("unclosed comment");
  pos_ = x + kRightComment.size();
  bool trimSpace = false;
  if (!atRightDelim(trimSpace)) return errorf("comment ends before closing delimiter");
  line_ += static_cast<int>(std::count(input_.begin() + static_cast<std::ptrdiff_t>(start_),
                                       input_.begin() + static_cast<std::ptrdiff_t>(pos_), '\n'));
  Token i = thisItem(Item::Comment);
  if (trimSpace) pos_ += kTrimMarkerLen;
  pos_ += kRightDelim.size();
  if (trimSpace) pos_ += leftTrimLength(input_.substr(pos_));
  ignore();
  return State::Text;  // comments are not emitted (no ParseComments mode)
}

Lexer::State Lexer::lexRightDelim() {
  bool trimSpace = false;
  atRightDelim(trimSpace);
  if (trimSpace) {
    pos_ += kTrimMarkerLen;
    ignore();
  }
  pos_ += kRightDelim.size();
  Token i = thisItem(Item::RightDelim);
  if (trimSpace) {
    pos_ += leftTrimLength(input_.substr(pos_));
    ignore();
  }
  insideAction_ = false;
  return emitItem(std::move(i));
}

Lexer::State Lexer::lexInsideAction() {
  bool trim = false;
  if (atRightDelim(trim)) {
    if (parenDepth_ == 0) return State::RightDelim;
    return errorf("unclosed left paren");
  }
  char32_t r = nextRune();
  if (r == kEof) return errorf("unclosed action");
  if (isSpace(r)) {
    backup();
    return lexSpace();
  }
  switch (r) {
    case '=':
      return emit(Item::Assign);
    case ':':
      if (nextRune() != '=') return errorf("expected :=");
      return emit(Item::Declare);
    case '|':
      return emit(Item::Pipe);
    case '"':
      return lexQuote();
    case '`':
      return lexRawQuote();
    case '$':
      // lexVariable
      if (atTerminator()) return emit(Item::Variable);
      return lexFieldOrVariable(Item::Variable);
    case '\'':
      return lexChar();
    case '(':
      ++parenDepth_;
      return emit(Item::LeftParen);
    case ')':
      --parenDepth_;
      if (parenDepth_ < 0) return errorf("unexpected right paren");
      return emit(Item::RightParen);
    default:
      break;
  }
  if (r == '.') {
    if (pos_ < input_.size()) {
      char c = input_[pos_];
      if (c < '0' || c > '9') return lexFieldOrVariable(Item::Field);
    }
    backup();
    return lexNumber();
  }
  if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
    backup();
    return lexNumber();
  }
  if (isAlphaNumeric(r)) {
    backup();
    return lexIdentifier();
  }
  if (r < 0x80 && isPrintRune(r)) return emit(Item::Char);
  return errorf("unrecognized character in action: " + runeDesc(r));
}

Lexer::State Lexer::lexSpace() {
  int numSpaces = 0;
  for (;;) {
    char32_t r = peekRune();
    if (!isSpace(r)) break;
    nextRune();
    ++numSpaces;
  }
  if (hasRightTrimMarker(input_.substr(pos_ - 1)) &&
      input_.substr(pos_ - 1 + kTrimMarkerLen).starts_with(kRightDelim)) {
    backup();
    if (numSpaces == 1) return State::RightDelim;
  }
  return emit(Item::Space);
}

Lexer::State Lexer::lexIdentifier() {
  for (;;) {
    char32_t r = nextRune();
    if (r != kEof && isAlphaNumeric(r)) continue;
    backup();
    std::string_view word = input_.substr(start_, pos_ - start_);
    if (!atTerminator()) return errorf("bad character " + runeDesc(r));
    Item k = keyword(word);
    if (k != Item::Error && k > Item::Keyword) return emit(k);
    if (word[0] == '.') return emit(Item::Field);
    if (word == "true" || word == "false") return emit(Item::Bool);
    return emit(Item::Identifier);
  }
}

Lexer::State Lexer::lexFieldOrVariable(Item typ) {
  if (atTerminator()) {
    if (typ == Item::Variable) return emit(Item::Variable);
    return emit(Item::Dot);
  }
  char32_t r;
  for (;;) {
    r = nextRune();
    if (r == kEof || !isAlphaNumeric(r)) {
      backup();
      break;
    }
  }
  if (!atTerminator()) return errorf("bad character " + runeDesc(r));
  return emit(typ);
}

bool Lexer::atTerminator() {
  char32_t r = peekRune();
  if (isSpace(r)) return true;
  switch (r) {
    case kEof:
    case '.':
    case ',':
    case '|':
    case ':':
    case ')':
    case '(':
      return true;
    default:
      break;
  }
  return input_.substr(pos_).starts_with(kRightDelim);
}

Lexer::State Lexer::lexChar() {
  for (;;) {
    char32_t r = nextRune();
    if (r == '\\') {
      char32_t n = nextRune();
      if (n != kEof && n != '\n') continue;
      return errorf("unterminated character constant");
    }
    if (r == kEof || r == '\n') return errorf("unterminated character constant");
    if (r == '\'') break;
  }
  return emit(Item::CharConstant);
}

bool Lexer::scanNumber() {
  accept("+-");
  std::string_view digits = "0123456789_";
  if (accept("0")) {
    if (accept("xX")) {
      digits = "0123456789abcdefABCDEF_";
    } else if (accept("oO")) {
      digits = "01234567_";
    } else if (accept("bB")) {
      digits = "01_";
    }
  }
  acceptRun(digits);
  if (accept(".")) acceptRun(digits);
  if (digits.size() == 10 + 1 && accept("eE")) {
    accept("+-");
    acceptRun("0123456789_");
  }
  if (digits.size() == 16 + 6 + 1 && accept("pP")) {
    accept("+-");
    acceptRun("0123456789_");
  }
  accept("i");
  char32_t p = peekRune();
  if (p != kEof && isAlphaNumeric(p)) {
    nextRune();
    return false;
  }
  return true;
}

Lexer::State Lexer::lexNumber() {
  if (!scanNumber()) return errorf("bad number syntax: " + quoteGo(input_.substr(start_, pos_ - start_)));
  char32_t sign = peekRune();
  if (sign == '+' || sign == '-') {
    if (!scanNumber() || input_[pos_ - 1] != 'i') {
      return errorf("bad number syntax: " + quoteGo(input_.substr(start_, pos_ - start_)));
    }
    return emit(Item::Complex);
  }
  return emit(Item::Number);
}

Lexer::State Lexer::lexQuote() {
  for (;;) {
    char32_t r = nextRune();
    if (r == '\\') {
      char32_t n = nextRune();
      if (n != kEof && n != '\n') continue;
      return errorf("unterminated quoted string");
    }
    if (r == kEof || r == '\n') return errorf("unterminated quoted string");
    if (r == '"') break;
  }
  return emit(Item::String);
}

Lexer::State Lexer::lexRawQuote() {
  for (;;) {
    char32_t r = nextRune();
    if (r == kEof) return errorf("unterminated raw quoted string");
    if (r == '`') break;
  }
  return emit(Item::RawString);
}

}  // namespace iop::tmpl::detail
