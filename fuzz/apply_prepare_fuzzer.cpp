// libFuzzer target: the applier's preparation of what it writes, on arbitrary input. The bytes
// are an IstioOperator; when it renders, each rendered object goes through what the applier
// computes before any request (the desired hash, who holds it, what a release would do), and
// the same functions also run on the raw document as if it were a live object read from the
// cluster (live objects are anyone's input too). None may throw or crash.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "base/yaml_json.h"
#include "reconcilers/api/istio_operator.h"
#include "reconcilers/apply/desired_hash.h"
#include "reconcilers/apply/ownership.h"
#include "reconcilers/render/render.h"

using namespace iop::reconcilers;

namespace {

void prepare(const nlohmann::json& object, const nlohmann::json& live) {
  const Owner owner{"fuzz", "fuzz-ns"};
  nlohmann::json desired = withDesiredHash(object);
  (void)liveHash(live);
  (void)describeObject(desired);
  (void)installationOf(live);
  (void)coOwnersOf(live);
  for (bool adopt : {false, true})
    (void)holdingOf(
        live, desired, owner, adopt, [](const Owner& o) { return o.name.size() % 2 == 0; }, adopt);
  (void)planRelease(live, leavingOwner(owner));
  (void)planRelease(live, leavingRevision(""));
  (void)isSharedAcrossRevisions(live);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::set<std::string> names = IstioManifests::compiledIn()->profileNames();
  const std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json raw = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!raw.is_discarded() && raw.is_object()) prepare(raw, raw);
  ParseResult parsed = parseIstioOperator(text, {.profiles = names});
  if (!parsed.ok()) return 0;
  RenderResult rendered = render(*parsed.iop, {.iopVersion = "fuzz"});
  if (!rendered.ok()) return 0;
  for (const auto& o : rendered.objects) prepare(o.object, raw.is_object() ? raw : o.object);
  return 0;
}
