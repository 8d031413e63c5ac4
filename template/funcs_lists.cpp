// Sprig's list functions (list.go, numeric.go's until/untilStep/seq): reflection on any slice,
// Go's error texts for non-slices ("Cannot find first on type string") and nil (a runtime panic).

#include <cmath>

#include "template/exec.h"
#include "template/funcs.h"
#include "template/funcs_util.h"
#include "template/go_fmt.h"
#include "template/object.h"

namespace iop::tmpl::detail {

namespace {

using Args = std::vector<Val>;

// reflect.TypeOf(list).Kind() checks of sprig's list functions: the elements, or the error.
std::vector<Val> listOrFail(const Val& v, const std::string& what) {
  Val u = v.unboxed();
  if (!u.valid()) throwNilPointerPanic();
  auto elems = sliceElements(u);
  if (!elems) throwFuncError(what + " " + u.kindName());
  return *elems;
}

void checkCount(CallContext& ctx, double n) {
  if (n * 16 > static_cast<double>(ctx.renderer().limits().maxOutputBytes)) {
    ctx.renderer().exceeded("a list would exceed " + std::to_string(ctx.renderer().limits().maxOutputBytes) + " bytes");
  }
}

std::vector<std::int64_t> untilStep(CallContext& ctx, std::int64_t start, std::int64_t stop, std::int64_t step) {
  std::vector<std::int64_t> v;
  if (stop < start) {
    if (step >= 0) return v;
    checkCount(ctx, (static_cast<double>(start) - static_cast<double>(stop)) / -static_cast<double>(step));
    for (std::int64_t i = start; i > stop; i += step) v.push_back(i);
    return v;
  }
  if (step <= 0) return v;
  checkCount(ctx, (static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step));
  for (std::int64_t i = start; i < stop; i += step) {
    v.push_back(i);
    if (i > INT64_MAX - step) break;
  }
  return v;
}

Val intList(const std::vector<std::int64_t>& xs) {
  auto l = std::make_shared<ListObj>();
  for (auto x : xs) l->items.push_back(Val::integer(x));
  return Val::fromList(Type::IntList, std::move(l));
}

bool inList(const std::vector<Val>& haystack, const Val& needle) {
  for (const auto& h : haystack) {
    if (deepEqual(needle, h)) return true;
  }
  return false;
}

void both(FuncTable& t, const std::string& name, const std::string& mustName, std::vector<Param> params, Ret ret,
          std::function<Val(CallContext&, Args&)> impl, bool variadic = false) {
  def(t, name, params, ret, impl, variadic);
  def(t, mustName, params, ret, impl, variadic);
}

}  // namespace

void addListFuncs(FuncTable& t) {
  using P = Param;
  auto list = [](CallContext&, Args& a) { return makeList(a); };
  def(t, "list", {P::Any}, Ret::Concrete, list, true);
  def(t, "tuple", {P::Any}, Ret::Concrete, list, true);
  auto push = [](CallContext&, Args& a) {
    auto e = listOrFail(a[0], "Cannot push on type");
    e.push_back(a[1]);
    return makeList(e);
  };
  for (const char* n : {"append", "push", "mustAppend", "mustPush"}) def(t, n, {P::Any, P::Any}, Ret::Concrete, push);
  both(t, "prepend", "mustPrepend", {P::Any, P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    auto e = listOrFail(a[0], "Cannot prepend on type");
    e.insert(e.begin(), a[1]);
    return makeList(e);
  });
  both(t, "first", "mustFirst", {P::Any}, Ret::Any, [](CallContext&, Args& a) {
    auto e = listOrFail(a[0], "Cannot find first on type");
    return e.empty() ? Val() : e.front();
  });
  both(t, "last", "mustLast", {P::Any}, Ret::Any, [](CallContext&, Args& a) {
    auto e = listOrFail(a[0], "Cannot find last on type");
    return e.empty() ? Val() : e.back();
  });
  both(t, "rest", "mustRest", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    auto e = listOrFail(a[0], "Cannot find rest on type");
    if (e.empty()) return Val::fromList(Type::List, nullptr);
    return makeList(std::vector<Val>(e.begin() + 1, e.end()));
  });
  both(t, "initial", "mustInitial", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    auto e = listOrFail(a[0], "Cannot find initial on type");
    if (e.empty()) return Val::fromList(Type::List, nullptr);
    return makeList(std::vector<Val>(e.begin(), e.end() - 1));
  });
  both(t, "reverse", "mustReverse", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    auto e = listOrFail(a[0], "Cannot find reverse on type");
    std::reverse(e.begin(), e.end());
    return makeList(e);
  });
  both(t, "uniq", "mustUniq", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    auto e = listOrFail(a[0], "Cannot find uniq on type");
    std::vector<Val> dest;
    for (const auto& item : e) {
      if (!inList(dest, item)) dest.push_back(item);
    }
    return makeList(dest);
  });
  both(t, "compact", "mustCompact", {P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    auto e = listOrFail(a[0], "Cannot compact on type");
    std::vector<Val> out;
    for (const auto& item : e) {
      if (!emptyValue(item)) out.push_back(item);
    }
    return makeList(out);
  });
  both(
      t, "without", "mustWithout", {P::Any, P::Any}, Ret::Concrete,
      [](CallContext&, Args& a) {
        auto e = listOrFail(a[0], "Cannot find without on type");
        std::vector<Val> omit(a.begin() + 1, a.end());
        std::vector<Val> out;
        for (const auto& item : e) {
          if (!inList(omit, item)) out.push_back(item);
        }
        return makeList(out);
      },
      true);
  both(t, "has", "mustHas", {P::Any, P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    Val hay = a[1].unboxed();
    if (!hay.valid()) return Val::boolean(false);
    auto e = sliceElements(hay);
    if (!e) throwFuncError("Cannot find has on type " + hay.kindName());
    return Val::boolean(inList(*e, a[0]));
  });
  both(
      t, "slice", "mustSlice", {P::Any, P::Any}, Ret::Any,
      [](CallContext&, Args& a) {
        Val l = a[0].unboxed();
        if (!l.valid()) throwNilPointerPanic();
        if (l.type() == Type::Object && l.obj()->asList()) l = *l.obj()->asList();
        if (!l.isListType()) throwFuncError("list should be type of slice or array but " + l.kindName());
        std::size_t n = l.len();
        if (n == 0) return Val();
        std::int64_t start = 0, end = static_cast<std::int64_t>(n);
        if (a.size() > 1) start = static_cast<std::int64_t>(static_cast<int>(castInt64(a[1])));
        if (a.size() > 2) end = castInt64(a[2]);
        if (start < 0 || end < start || end > static_cast<std::int64_t>(n)) {
          throwFuncError("reflect.Value.Slice: slice index out of bounds");
        }
        if (l.type() == Type::Bytes) {
          return Val::bytes(l.s().substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start)));
        }
        auto out = std::make_shared<ListObj>();
        out->items.assign(l.l()->items.begin() + start, l.l()->items.begin() + end);
        return Val::fromList(l.type(), std::move(out));
      },
      true);
  def(
      t, "concat", {P::Any}, Ret::Any,
      [](CallContext&, Args& a) {
        std::vector<Val> res;
        bool any = false;
        for (const auto& l : a) {
          Val u = l.unboxed();
          if (!u.valid()) throwNilPointerPanic();
          auto e = sliceElements(u);
          if (!e) throwFuncError("Cannot concat type " + u.kindName() + " as list");
          for (auto& x : *e) {
            res.push_back(x);
            any = true;
          }
        }
        if (!any) return Val::fromList(Type::List, nullptr);
        return makeList(res);
      },
      true);
  both(t, "chunk", "mustChunk", {P::Int, P::Any}, Ret::Concrete, [](CallContext& ctx, Args& a) {
    std::int64_t size = a[0].i();
    auto e = listOrFail(a[1], "Cannot chunk type");
    auto l = static_cast<std::int64_t>(e.size());
    double csd = std::floor(static_cast<double>(l - 1) / static_cast<double>(size)) + 1;
    std::int64_t cs = floatToInt64(csd);
    if (cs < 0 || size <= 0) throwFuncError("runtime error: makeslice: len out of range");
    checkCount(ctx, static_cast<double>(cs));
    auto out = std::make_shared<ListObj>();
    for (std::int64_t i = 0; i < cs; ++i) {
      std::int64_t clen = size;
      if (i == cs - 1) {
        clen = static_cast<std::int64_t>(std::floor(std::fmod(static_cast<double>(l), static_cast<double>(size))));
        if (clen == 0) clen = size;
      }
      std::vector<Val> chunk;
      for (std::int64_t j = 0; j < clen; ++j) chunk.push_back(e[static_cast<std::size_t>(i * size + j)]);
      out->items.push_back(makeList(chunk));
    }
    // [][]interface{}: a slice of slices; printed and encoded as a list of lists.
    return Val::fromList(Type::List, std::move(out));
  });
  def(t, "until", {P::Int}, Ret::Concrete, [](CallContext& ctx, Args& a) {
    std::int64_t count = a[0].i();
    return intList(untilStep(ctx, 0, count, count < 0 ? -1 : 1));
  });
  def(t, "untilStep", {P::Int, P::Int, P::Int}, Ret::Concrete,
      [](CallContext& ctx, Args& a) { return intList(untilStep(ctx, a[0].i(), a[1].i(), a[2].i())); });
  def(
      t, "seq", {P::Int}, Ret::Concrete,
      [](CallContext& ctx, Args& a) {
        std::vector<std::int64_t> xs;
        std::int64_t inc = 1;
        switch (a.size()) {
          case 1: {
            std::int64_t start = 1, end = a[0].i();
            if (end < start) inc = -1;
            xs = untilStep(ctx, start, end + inc, inc);
            break;
          }
          case 2: {
            std::int64_t start = a[0].i(), end = a[1].i(), step = 1;
            if (end < start) step = -1;
            xs = untilStep(ctx, start, end + step, step);
            break;
          }
          case 3: {
            std::int64_t start = a[0].i(), end = a[2].i(), step = a[1].i();
            if (end < start) {
              inc = -1;
              if (step > 0) return Val::string("");
            }
            xs = untilStep(ctx, start, end + inc, step);
            break;
          }
          default:
            return Val::string("");
        }
        std::string out;
        for (std::size_t i = 0; i < xs.size(); ++i) {
          if (i > 0) out += ' ';
          out += std::to_string(xs[i]);
        }
        return Val::string(out);
      },
      true);
}

}  // namespace iop::tmpl::detail
