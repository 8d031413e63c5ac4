// Sprig's integer arithmetic and conversions (numeric.go, spf13/cast): Go's int64 wrap-around,
// its division-by-zero panic, and cast's lenient string parsing. The decimal float functions
// (addf, ...) are not provided: they need shopspring/decimal's exact arithmetic.

#include <cmath>

#include "template/funcs.h"
#include "template/funcs_util.h"
#include "template/go_fmt.h"
#include "template/strconv.h"

namespace iop::tmpl::detail {

namespace {

using Args = std::vector<Val>;

std::int64_t wrapAdd(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
std::int64_t wrapSub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t wrapMul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

}  // namespace

void addNumericFuncs(FuncTable& t) {
  using P = Param;
  def(t, "atoi", {P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    auto r = parseIntGo(a[0].s(), 10);
    return Val::integer(r ? *r : 0);
  });
  def(t, "int64", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) { return Val::int64(castInt64(a[0])); });
  def(t, "int", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) { return Val::integer(castInt64(a[0])); });
  def(t, "float64", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) { return Val::float64(castFloat64(a[0])); });
  def(t, "toDecimal", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    auto r = parseIntGo(sprint({a[0]}), 8);
    return Val::int64(r ? *r : 0);
  });
  def(t, "add1", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) { return Val::int64(wrapAdd(castInt64(a[0]), 1)); });
  def(
      t, "add", {P::Any}, Ret::Concrete,
      [](CallContext&, Args& a) {
        std::int64_t s = 0;
        for (const auto& v : a) s = wrapAdd(s, castInt64(v));
        return Val::int64(s);
      },
      true);
  def(t, "sub", {P::Any, P::Any}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::int64(wrapSub(castInt64(a[0]), castInt64(a[1]))); });
  auto divmod = [](bool mod) {
    return [mod](CallContext&, Args& a) {
      std::int64_t x = castInt64(a[0]), y = castInt64(a[1]);
      if (y == 0) throwFuncError("runtime error: integer divide by zero");
      if (y == -1) return Val::int64(mod ? 0 : wrapSub(0, x));
      return Val::int64(mod ? x % y : x / y);
    };
  };
  def(t, "div", {P::Any, P::Any}, Ret::Concrete, divmod(false));
  def(t, "mod", {P::Any, P::Any}, Ret::Concrete, divmod(true));
  def(
      t, "mul", {P::Any, P::Any}, Ret::Concrete,
      [](CallContext&, Args& a) {
        std::int64_t v = castInt64(a[0]);
        for (std::size_t i = 1; i < a.size(); ++i) v = wrapMul(v, castInt64(a[i]));
        return Val::int64(v);
      },
      true);
  auto extreme = [](bool max) {
    return [max](CallContext&, Args& a) {
      std::int64_t v = castInt64(a[0]);
      for (std::size_t i = 1; i < a.size(); ++i) {
        std::int64_t b = castInt64(a[i]);
        if (max ? b > v : b < v) v = b;
      }
      return Val::int64(v);
    };
  };
  def(t, "max", {P::Any, P::Any}, Ret::Concrete, extreme(true), true);
  def(t, "biggest", {P::Any, P::Any}, Ret::Concrete, extreme(true), true);
  def(t, "min", {P::Any, P::Any}, Ret::Concrete, extreme(false), true);
  auto extremef = [](bool max) {
    return [max](CallContext&, Args& a) {
      double v = castFloat64(a[0]);
      for (std::size_t i = 1; i < a.size(); ++i) {
        double b = castFloat64(a[i]);
        // math.Max/Min: NaN wins, and the signs of zeros are ordered.
        if (std::isnan(v) || std::isnan(b)) {
          v = std::nan("");
        } else if (v == 0 && b == 0) {
          v = max ? (std::signbit(v) ? b : v) : (std::signbit(v) ? v : b);
        } else {
          v = max ? std::max(v, b) : std::min(v, b);
        }
      }
      return Val::float64(v);
    };
  };
  def(t, "maxf", {P::Any, P::Any}, Ret::Concrete, extremef(true), true);
  def(t, "minf", {P::Any, P::Any}, Ret::Concrete, extremef(false), true);
  def(t, "ceil", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) { return Val::float64(std::ceil(castFloat64(a[0]))); });
  def(t, "floor", {P::Any}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::float64(std::floor(castFloat64(a[0]))); });
  def(
      t, "round", {P::Any, P::Int, P::Float64}, Ret::Concrete,
      [](CallContext&, Args& a) {
        double roundOn = a.size() > 2 ? a[2].f() : .5;
        double val = castFloat64(a[0]);
        double pow = std::pow(10, static_cast<double>(a[1].i()));
        double digit = pow * val;
        double intpart;
        double div = std::modf(digit, &intpart);
        double r = div >= roundOn ? std::ceil(digit) : std::floor(digit);
        return Val::float64(r / pow);
      },
      true);
}

}  // namespace iop::tmpl::detail
