// Sprig's dictionary functions (dict.go) with Go's reference semantics: set/unset/merge change
// the map they are given (every path to it sees the change), merge/mergeOverwrite follow
// dario.cat/mergo's rules for map[string]interface{}.

#include "template/funcs.h"
#include "template/funcs_util.h"
#include "template/go_fmt.h"
#include "template/object.h"

namespace iop::tmpl::detail {

namespace {

using Args = std::vector<Val>;

// mergo's isEmptyValue on an interface{} map element (dereferenced).
bool mergoEmpty(const Val* v) {
  if (!v || v->type() == Type::Nil) return true;
  return emptyValue(*v) && !(v->type() == Type::Object);
}

bool isMapKind(const Val& v) {
  return v.isMapType() || (v.type() == Type::Object && v.obj()->kindName() == "map");
}

void mergeMaps(MapObj& dst, const MapObj& src, bool overwrite, int depth) {
  if (depth > 10000) throwFuncError("merge: maximum depth exceeded");
  // Iterate over a snapshot: dst may be src (merging a map into itself).
  std::vector<std::pair<std::string, Val>> items = src.items;
  for (const auto& [key, sv] : items) {
    const Val* dvp = dst.find(key);
    std::optional<Val> dv;
    if (dvp) dv = *dvp;
    if (sv.type() == Type::Nil) {
      if (overwrite) dst.set(key, sv);
      continue;
    }
    if (sv.isMapType()) {
      if (dv && dv->isMapType() && dv->m() && sv.m()) mergeMaps(*dv->m(), *sv.m(), overwrite, depth + 1);
    } else if (sv.isListType()) {
      Val dstSlice;
      if (!dv || dv->type() == Type::Nil || dv->isNilRef()) {
        dstSlice = Val::list(sv.type());
      } else {
        dstSlice = *dv;
      }
      if (overwrite || dst.items.empty()) dstSlice = sv;
      dst.set(key, dstSlice);
    }
    if (dv && !mergoEmpty(&*dv)) {
      if (sv.isListType()) continue;
      if (isMapKind(sv) && isMapKind(*dv)) continue;
    }
    if (overwrite || !dv || mergoEmpty(&*dv)) dst.set(key, sv);
  }
}

Val merge(Args& a, bool overwrite) {
  Val dst = a[0];
  for (std::size_t i = 1; i < a.size(); ++i) {
    const Val& src = a[i];
    if (!src.m()) continue;
    if (!dst.m()) dst = Val::map(Type::Map);
    mergeMaps(*dst.m(), *src.m(), overwrite, 0);
  }
  return dst.retyped(Type::Map);
}

Val sameMapAsPlain(const Val& m) { return m.retyped(Type::Map); }

[[noreturn]] void conversionPanic(const Val& v, const std::string& want) {
  Val u = v.unboxed();
  std::string have = u.valid() ? u.typeName() : "nil";
  throwFuncError("interface conversion: interface {} is " + have + ", not " + want);
}

}  // namespace

void addDictFuncs(FuncTable& t) {
  using P = Param;
  def(
      t, "dict", {P::Any}, Ret::Concrete,
      [](CallContext&, Args& a) {
        auto m = std::make_shared<MapObj>();
        for (std::size_t i = 0; i < a.size(); i += 2) {
          std::string key = strval(a[i]);
          m->set(key, i + 1 >= a.size() ? Val::string("") : stored(a[i + 1]));
        }
        return Val::fromMap(Type::Map, std::move(m));
      },
      true);
  def(t, "get", {P::Map, P::String}, Ret::Any, [](CallContext&, Args& a) {
    if (a[0].m()) {
      if (const Val* v = a[0].m()->find(a[1].s())) return *v;
    }
    return Val::string("");
  });
  def(t, "set", {P::Map, P::String, P::Any}, Ret::Concrete, [](CallContext&, Args& a) {
    if (!a[0].m()) throwFuncError("assignment to entry in nil map");
    a[0].m()->set(a[1].s(), stored(a[2]));
    return sameMapAsPlain(a[0]);
  });
  def(t, "unset", {P::Map, P::String}, Ret::Concrete, [](CallContext&, Args& a) {
    if (a[0].m()) a[0].m()->erase(a[1].s());
    return sameMapAsPlain(a[0]);
  });
  def(t, "hasKey", {P::Map, P::String}, Ret::Concrete,
      [](CallContext&, Args& a) { return Val::boolean(a[0].m() && a[0].m()->find(a[1].s())); });
  def(
      t, "pluck", {P::String, P::Map}, Ret::Concrete,
      [](CallContext&, Args& a) {
        std::vector<Val> res;
        for (std::size_t i = 1; i < a.size(); ++i) {
          if (a[i].m()) {
            if (const Val* v = a[i].m()->find(a[0].s())) res.push_back(*v);
          }
        }
        return makeList(res);
      },
      true);
  def(
      t, "keys", {P::Map}, Ret::Concrete,
      [](CallContext&, Args& a) {
        // Go's map order is random; the engine gives sorted keys (charts sort them anyway).
        std::vector<std::string> k;
        for (const auto& m : a) {
          for (auto& key : m.mapKeys()) k.push_back(std::move(key));
        }
        return makeStringList(k);
      },
      true);
  def(
      t, "pick", {P::Map, P::String}, Ret::Concrete,
      [](CallContext&, Args& a) {
        auto res = std::make_shared<MapObj>();
        for (std::size_t i = 1; i < a.size(); ++i) {
          if (a[0].m()) {
            if (const Val* v = a[0].m()->find(a[i].s())) res->set(a[i].s(), *v);
          }
        }
        return Val::fromMap(Type::Map, std::move(res));
      },
      true);
  def(
      t, "omit", {P::Map, P::String}, Ret::Concrete,
      [](CallContext&, Args& a) {
        auto res = std::make_shared<MapObj>();
        if (a[0].m()) {
          for (const auto& [k, v] : a[0].m()->items) {
            bool omitted = false;
            for (std::size_t i = 1; i < a.size(); ++i) omitted = omitted || a[i].s() == k;
            if (!omitted) res->items.emplace_back(k, v);
          }
        }
        return Val::fromMap(Type::Map, std::move(res));
      },
      true);
  def(t, "merge", {P::Map, P::Map}, Ret::Any, [](CallContext&, Args& a) { return merge(a, false); }, true);
  def(t, "mustMerge", {P::Map, P::Map}, Ret::Any, [](CallContext&, Args& a) { return merge(a, false); }, true);
  def(t, "mergeOverwrite", {P::Map, P::Map}, Ret::Any, [](CallContext&, Args& a) { return merge(a, true); }, true);
  def(t, "mustMergeOverwrite", {P::Map, P::Map}, Ret::Any, [](CallContext&, Args& a) { return merge(a, true); },
      true);
  def(t, "values", {P::Map}, Ret::Concrete, [](CallContext&, Args& a) {
    std::vector<Val> vs;
    if (a[0].m()) {
      for (const auto& [k, v] : a[0].m()->items) vs.push_back(v);
    }
    return makeList(vs);
  });
  auto copy = [](CallContext&, Args& a) {
    // copystructure panics on a nil interface (reflect on a zero Value).
    if (!a[0].unboxed().valid()) throwFuncError("reflect: call of reflect.Value.Type on zero Value");
    return deepCopy(a[0].unboxed());
  };
  def(t, "deepCopy", {P::Any}, Ret::Any, copy);
  def(t, "mustDeepCopy", {P::Any}, Ret::Any, copy);
  def(
      t, "dig", {P::Any}, Ret::Any,
      [](CallContext&, Args& a) {
        if (a.size() < 3) throwFuncError("dig needs at least three arguments");
        Val dict = a.back().unboxed();
        if (dict.type() != Type::Map) conversionPanic(a.back(), "map[string]interface {}");
        Val def = a[a.size() - 2];
        std::vector<std::string> ks;
        for (std::size_t i = 0; i + 2 < a.size(); ++i) {
          Val k = a[i].unboxed();
          if (k.type() != Type::String) conversionPanic(a[i], "string");
          ks.push_back(k.s());
        }
        for (std::size_t i = 0;; ++i) {
          const Val* step = dict.m() ? dict.m()->find(ks[i]) : nullptr;
          if (!step) return def;
          if (i + 1 == ks.size()) return *step;
          if (step->type() != Type::Map) conversionPanic(*step, "map[string]interface {}");
          dict = *step;
        }
      },
      true);
}

}  // namespace iop::tmpl::detail
