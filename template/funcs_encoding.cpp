// Sprig's encoding, hashing and path functions: base64/base32 as Go's StdEncoding, hex digests,
// adler32, and Go's path package (slash-separated; the os* variants are the same on Linux).

#include <openssl/evp.h>

#include "template/funcs.h"
#include "template/funcs_util.h"

namespace iop::tmpl::detail {

namespace {

using Args = std::vector<Val>;

const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const char* kB32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string b64enc(const std::string& in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kB64[(v >> s) & 63]);
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// base64.StdEncoding.DecodeString: newlines are ignored; the error names the first bad byte.
std::string b64dec(const std::string& in) {
  std::string clean;
  std::vector<std::size_t> pos;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n' || in[i] == '\r') continue;
    clean.push_back(in[i]);
    pos.push_back(i);
  }
  auto bad = [&](std::size_t i) {
    return "illegal base64 data at input byte " + std::to_string(i < pos.size() ? pos[i] : in.size());
  };
  std::string out;
  std::size_t i = 0;
  while (i < clean.size()) {
    unsigned v = 0;
    int n = 0;
    std::size_t j = i;
    for (; j < clean.size() && n < 4; ++j) {
      char c = clean[j];
      if (c == '=') break;
      const char* p = std::strchr(kB64, c);
      if (!p || c == 0) return bad(j);
      v = (v << 6) | static_cast<unsigned>(p - kB64);
      ++n;
    }
    if (n == 4) {
      out.push_back(static_cast<char>(v >> 16));
      out.push_back(static_cast<char>(v >> 8));
      out.push_back(static_cast<char>(v));
      i = j;
      continue;
    }
    // Padding or a short final quantum.
    if (n < 2) return bad(j < clean.size() ? j : clean.size() - (n > 0 ? 0 : 0));
    std::size_t pad = 4 - static_cast<std::size_t>(n);
    for (std::size_t k = 0; k < pad; ++k) {
      if (j + k >= clean.size() || clean[j + k] != '=') return bad(j + k < clean.size() ? j + k : clean.size());
    }
    if (j + pad != clean.size()) return bad(j + pad);
    v <<= 6 * pad;
    out.push_back(static_cast<char>(v >> 16));
    if (n == 3) out.push_back(static_cast<char>(v >> 8));
    return out;
  }
  return out;
}

std::string b32enc(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 5) {
    std::uint64_t v = 0;
    std::size_t n = std::min<std::size_t>(5, in.size() - i);
    for (std::size_t k = 0; k < 5; ++k) v = (v << 8) | (k < n ? static_cast<unsigned char>(in[i + k]) : 0);
    static const int chars[] = {0, 2, 4, 5, 7, 8};
    int c = chars[n];
    for (int k = 0; k < 8; ++k) out.push_back(k < c ? kB32[(v >> (35 - 5 * k)) & 31] : '=');
  }
  return out;
}

std::string b32dec(const std::string& in) {
  std::string clean;
  for (char c : in) {
    if (c != '\n' && c != '\r') clean.push_back(c);
  }
  if (clean.size() % 8 != 0) return "illegal base32 data at input byte " + std::to_string(clean.size() / 8 * 8);
  std::string out;
  for (std::size_t i = 0; i < clean.size(); i += 8) {
    std::uint64_t v = 0;
    int n = 0;
    for (std::size_t k = 0; k < 8; ++k) {
      char c = clean[i + k];
      if (c == '=') break;
      const char* p = std::strchr(kB32, c);
      if (!p || c == 0) return "illegal base32 data at input byte " + std::to_string(i + k);
      v |= static_cast<std::uint64_t>(p - kB32) << (35 - 5 * k);
      ++n;
    }
    static const int bytes[] = {0, 0, 1, 0, 2, 3, 0, 4, 5};
    int nb = n == 8 ? 5 : bytes[n];
    for (int k = 0; k < nb; ++k) out.push_back(static_cast<char>(v >> (32 - 8 * k)));
    if (n < 8) break;
  }
  return out;
}

std::string digest(const EVP_MD* md, const std::string& in) {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(in.data(), in.size(), buf, &len, md, nullptr);
  std::string out;
  const char* hex = "0123456789abcdef";
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[buf[i] >> 4]);
    out.push_back(hex[buf[i] & 15]);
  }
  return out;
}

std::uint32_t adler32(const std::string& in) {
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : in) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

// path.Clean (Go's lexical processing).
std::string clean(const std::string& path) {
  if (path.empty()) return ".";
  bool rooted = path[0] == '/';
  std::size_t n = path.size();
  std::string out;
  std::size_t r = 0, dotdot = 0;
  if (rooted) {
    out.push_back('/');
    r = 1;
    dotdot = 1;
  }
  while (r < n) {
    if (path[r] == '/') {
      ++r;
    } else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
      ++r;
    } else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
      r += 2;
      if (out.size() > dotdot) {
        std::size_t w = out.size() - 1;
        while (w > dotdot && out[w] != '/') --w;
        out.resize(w);
      } else if (!rooted) {
        if (!out.empty()) out.push_back('/');
        out += "..";
        dotdot = out.size();
      }
    } else {
      if ((rooted && out.size() != 1) || (!rooted && !out.empty())) out.push_back('/');
      for (; r < n && path[r] != '/'; ++r) out.push_back(path[r]);
    }
  }
  if (out.empty()) return ".";
  return out;
}

std::string base(std::string p) {
  if (p.empty()) return ".";
  while (p.size() > 0 && p.back() == '/') p.pop_back();
  auto i = p.rfind('/');
  if (i != std::string::npos) p = p.substr(i + 1);
  if (p.empty()) return "/";
  return p;
}

std::string dir(const std::string& p) {
  auto i = p.rfind('/');
  return clean(i == std::string::npos ? "" : p.substr(0, i + 1));
}

std::string ext(const std::string& p) {
  for (std::size_t i = p.size(); i-- > 0 && p[i] != '/';) {
    if (p[i] == '.') return p.substr(i);
  }
  return "";
}

}  // namespace

void addEncodingFuncs(FuncTable& t) {
  using P = Param;
  auto str1 = [&t](const char* name, std::string (*f)(const std::string&)) {
    def(t, name, {Param::String}, Ret::Concrete, [f](CallContext&, std::vector<Val>& a) { return Val::string(f(a[0].s())); });
  };
  str1("b64enc", b64enc);
  str1("b64dec", b64dec);
  str1("b32enc", b32enc);
  str1("b32dec", b32dec);
  def(t, "sha1sum", {P::String}, Ret::Concrete, [](CallContext&, Args& a) { return Val::string(digest(EVP_sha1(), a[0].s())); });
  def(t, "sha256sum", {P::String}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::string(digest(EVP_sha256(), a[0].s())); });
  def(t, "sha512sum", {P::String}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::string(digest(EVP_sha512(), a[0].s())); });
  def(t, "adler32sum", {P::String}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::string(std::to_string(adler32(a[0].s()))); });
  for (const char* n : {"base", "osBase"}) str1(n, [](const std::string& p) { return base(p); });
  for (const char* n : {"dir", "osDir"}) str1(n, [](const std::string& p) { return dir(p); });
  for (const char* n : {"clean", "osClean"}) str1(n, [](const std::string& p) { return clean(p); });
  for (const char* n : {"ext", "osExt"}) str1(n, [](const std::string& p) { return ext(p); });
  for (const char* n : {"isAbs", "osIsAbs"}) {
    def(t, n, {P::String}, Ret::Concrete, [](CallContext&, Args& a) { return Val::boolean(a[0].s().starts_with("/")); });
  }
}

}  // namespace iop::tmpl::detail
