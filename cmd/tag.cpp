// `iop tag set|generate|list|remove`: revision tags as the pinned istioctl makes them
// (istioctl/pkg/tag), computed by reconcilers/apply/revision_tags.h through the one renderer and
// written by the one applier, with iop's ownership labels.
#include <iostream>
#include <nlohmann/json.hpp>

#include "base/yaml_json.h"
#include "cmd/cluster_flags.h"
#include "cmd/istio_operator_input.h"
#include "cmd/verbs.h"
#include "cmd/version_info.h"
#include "reconcilers/apply/applier.h"
#include "reconcilers/apply/revision_tags.h"
#include "reconcilers/apply/snapshot_live_state.h"
#include "reconcilers/apply/webhook_overlap.h"

namespace iop::cmd {
namespace {

using json = nlohmann::json;

struct TagFlags {
  ClusterFlags cluster;
  std::string tag;
  std::string revision;
  std::string istioNamespace = "istio-system";
  std::string manifests;
  std::string webhookName;
  std::string output = "table";
  bool overwrite = false;
  bool yes = false;
  bool autoInjectNamespaces = false;
};

void addIstioNamespaceFlag(CLI::App& cmd, TagFlags& f) {
  cmd.add_option("-i,--istioNamespace,--istio-namespace", f.istioNamespace,
                 "Namespace of the control planes (where their Services are)")
      ->capture_default_str();
}

const kube::GroupVersionKind kMutating{"admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration"};
const kube::GroupVersionKind kService{"", "v1", "Service"};

// The live IstioOperator that owns `live`, other than `self`; empty when none (its owner is gone,
// or is `self`): a tag an operator's CR declares (values.revisionTags) is changed there.
reconcilers::Owner declaringOwner(const json& live, const reconcilers::Owner& self,
                                  const reconcilers::OwnerExists& exists) {
  auto owner = reconcilers::ownerOf(live);
  if (owner.name.empty() || owner == self || !exists(owner)) return {};
  return owner;
}

// istioctl's analyzeWebhook before a tag is written: messages about the new injector webhook.
std::vector<std::string> overlapProblems(kube::Client& client, const json& webhook) {
  auto live = client.listAll(kMutating, "");
  auto services = client.listAll(kService, "");
  if (!live || !services) {
    std::cerr << "warning: cannot check the tag's webhook against the cluster's: "
              << (!live ? live.error() : services.error()).describe() << "\n";
    return {};
  }
  std::vector<json> configs((*live)["items"].begin(), (*live)["items"].end());
  std::vector<std::string> names;
  for (const auto& s : (*services)["items"])
    names.push_back(s["metadata"].value("namespace", "") + "/" + s["metadata"].value("name", ""));
  return reconcilers::webhookProblems(configs, webhook, names);
}

int runSetOrGenerate(const TagFlags& f, bool generate) {
  auto manifests = manifestsFromFlag(f.manifests);
  if (!manifests) return kExitBadInput;
  auto client = connect(f.cluster);
  if (!client) return kExitFailed;
  const reconcilers::TagRequest request{.tag = f.tag,
                                        .revision = f.revision,
                                        .istioNamespace = f.istioNamespace,
                                        .webhookName = f.webhookName,
                                        .overwrite = f.overwrite,
                                        .generate = generate,
                                        .autoInjectNamespaces = f.autoInjectNamespaces,
                                        .manifests = manifests,
                                        .iopVersion = kVersion};
  const auto owner = reconcilers::tagSetOwner(f.tag, f.istioNamespace);
  auto tag = reconcilers::generateTag(*client, request, owner);
  if (!tag.error.empty()) {
    std::cerr << "error: " << tag.error << "\n";
    return kExitFailed;
  }
  auto problems = overlapProblems(*client, tag.objects.front());
  if (!problems.empty() && !f.yes) {
    std::cerr << "creating tag would conflict, pass --skip-confirmation to proceed:\n";
    // istioctl's analyzer output: IST0139 is InvalidWebhook.
    for (const auto& p : problems)
      std::cerr << "Error [IST0139] (MutatingWebhookConfiguration "
                << tag.objects.front()["metadata"].value("name", "") << " ) " << p << "\n";
    if (!generate && !confirm("Apply anyways?", false)) return kExitFailed;
  }
  if (generate) {
    for (std::size_t i = 0; i < tag.objects.size(); ++i)
      std::cout << (i ? "---\n" : "") << base::jsonToYaml(tag.objects[i]);
    return kExitOK;
  }
  auto exists = reconcilers::ownerExistsVia(*client);
  for (const auto& o : tag.objects) {
    auto live = client->get(kube::GroupVersionKind::fromObject(o), o["metadata"].value("namespace", ""),
                            o["metadata"].value("name", ""));
    if (!live) continue;
    if (auto declared = declaringOwner(*live, owner, exists); !declared.name.empty()) {
      std::cerr << "error: " << reconcilers::describeObject(o) << " belongs to IstioOperator "
                << declared.describe() << ", which declares tag \"" << f.tag
                << "\" (values.revisionTags or values.defaultRevision);"
                << " move the tag there\n";
      return kExitFailed;
    }
  }
  if (f.tag == reconcilers::kDefaultRevision) {
    if (auto d = reconcilers::deactivateRevisionlessInjector(*client); !d) {
      std::cerr << "error: failed deactivating existing default revision: " << d.error().describe() << "\n";
      return kExitFailed;
    }
  }
  reconcilers::SnapshotLiveState live(*client);
  reconcilers::Applier applier(*client, live, exists);
  std::vector<reconcilers::RenderedObject> objects;
  for (const auto& o : tag.objects) objects.push_back({reconcilers::kPilot, o});
  // --overwrite replaces a tag that exists, as istioctl's does, including one no IstioOperator
  // installed (istioctl's tags carry no operator labels): then it becomes this tag's, iop's.
  auto report = applier.apply(objects, owner, false, f.overwrite);
  bool failed = false;
  for (const auto& o : report.outcomes) {
    using A = reconcilers::ObjectOutcome::Action;
    if (o.action == A::Conflict || o.action == A::Failed || o.action == A::Shared) {
      std::cerr << "error: " << o.object << ": "
                << (o.action == A::Failed ? o.message
                    : o.otherOwner.name.empty()
                        ? "exists and no IstioOperator installed it; --overwrite replaces it"
                        : "owned by IstioOperator " + o.otherOwner.describe())
                << "\n";
      failed = true;
    }
  }
  if (failed) return kExitFailed;
  std::cout << "Revision tag \"" << f.tag << "\" created, referencing control plane revision \"" << f.revision
            << "\". To enable injection using this\nrevision tag, use 'kubectl label namespace <NAMESPACE> "
            << reconcilers::kRevisionLabel << "=" << f.tag << "'\n";
  return kExitOK;
}

int runList(const TagFlags& f) {
  if (f.output != "table" && f.output != "json" && f.output != "yaml") {
    std::cerr << "error: unknown format: " << f.output << " (table, json or yaml)\n";
    return kExitBadInput;
  }
  auto client = connect(f.cluster);
  if (!client) return kExitFailed;
  auto tags = reconcilers::listTags(*client, f.istioNamespace);
  if (!tags) {
    std::cerr << "error: failed to retrieve revision tags: " << tags.error().describe() << "\n";
    return kExitFailed;
  }
  if (tags->empty()) {
    std::cout << "No Istio revision tags found.\n";
    return kExitOK;
  }
  if (f.output != "table") {
    // istioctl's field order: tag, revision, namespaces.
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& t : *tags)
      out.push_back({{"tag", t.tag}, {"revision", t.revision}, {"namespaces", t.namespaces}});
    if (f.output == "json")
      std::cout << out.dump(1, '\t') << "\n";
    else
      std::cout << base::jsonToYaml(json::parse(out.dump())) << "\n";
    return kExitOK;
  }
  // Go's tabwriter as istioctl sets it up: columns padded to their widest cell plus one space.
  std::vector<std::vector<std::string>> rows = {{"TAG", "REVISION", "NAMESPACES"}};
  for (const auto& t : *tags) {
    std::string namespaces;
    for (const auto& n : t.namespaces) namespaces += (namespaces.empty() ? "" : ",") + n;
    rows.push_back({t.tag, t.revision, namespaces});
  }
  std::size_t w0 = 0, w1 = 0;
  for (const auto& r : rows) {
    w0 = std::max(w0, r[0].size());
    w1 = std::max(w1, r[1].size());
  }
  for (const auto& r : rows)
    std::cout << r[0] << std::string(w0 + 1 - r[0].size(), ' ') << r[1]
              << std::string(w1 + 1 - r[1].size(), ' ') << r[2] << "\n";
  return kExitOK;
}

int runRemove(const TagFlags& f) {
  auto client = connect(f.cluster);
  if (!client) return kExitFailed;
  auto objects = reconcilers::tagObjects(*client, f.tag, f.istioNamespace);
  if (!objects) {
    std::cerr << "error: " << objects.error().describe() << "\n";
    return kExitFailed;
  }
  bool found = false;
  for (const auto& o : *objects) found = found || o.value("kind", "") != "ValidatingWebhookConfiguration";
  if (!found) {
    std::cerr << "error: cannot remove tag \"" << f.tag
              << "\": cannot find MutatingWebhookConfiguration or Service for tag\n";
    return kExitFailed;
  }
  auto exists = reconcilers::ownerExistsVia(*client);
  const auto self = reconcilers::tagSetOwner(f.tag, f.istioNamespace);
  for (const auto& o : *objects)
    if (auto declared = declaringOwner(o, self, exists); !declared.name.empty()) {
      std::cerr
          << "error: tag \"" << f.tag << "\" is declared by IstioOperator " << declared.describe()
          << " (values.revisionTags or values.defaultRevision): remove it there, or its operator puts it "
             "back\n";
      return kExitFailed;
    }
  auto namespaces =
      client->listAll(kube::GroupVersionKind{"", "v1", "Namespace"}, "",
                      {.labelSelector = std::string(reconcilers::kRevisionLabel) + "=" + f.tag});
  if (!namespaces) {
    std::cerr << "error: failed to retrieve namespaces dependent on tag \"" << f.tag
              << "\": " << namespaces.error().describe() << "\n";
    return kExitFailed;
  }
  if (!(*namespaces)["items"].empty() && !f.yes) {
    std::string question = "Caution, found " + std::to_string((*namespaces)["items"].size()) +
                           " namespace(s) still injected by tag \"" + f.tag + "\":";
    for (const auto& n : (*namespaces)["items"]) question += " " + n["metadata"].value("name", "");
    question += "\nProceed with operation?";
    if (!confirm(question, false)) {
      std::cout << "Aborting operation.\n";
      return kExitFailed;
    }
  }
  for (const auto& o : *objects) {
    const json& meta = o["metadata"];
    auto removed = client->remove(kube::GroupVersionKind::fromObject(o), meta.value("namespace", ""),
                                  meta.value("name", ""), {.preconditionUID = meta.value("uid", "")});
    if (!removed && !kube::isNotFound(removed.error())) {
      std::cerr << "error: failed to delete " << reconcilers::describeObject(o) << ": "
                << removed.error().describe() << "\n";
      return kExitFailed;
    }
  }
  std::cout << "Revision tag " << f.tag << " removed\n";
  return kExitOK;
}

void addSetLike(CLI::App& tag, const char* name, const char* description, bool generate,
                const std::string& examples) {
  auto f = std::make_shared<TagFlags>();
  auto* c = tag.add_subcommand(name, description);
  addClusterFlags(*c, f->cluster);
  c->add_option("tag", f->tag, "The revision tag")->required();
  c->add_option("-r,--revision", f->revision, "Control plane revision to reference from the tag")->required();
  c->add_flag(
      "--overwrite", f->overwrite,
      "Move an existing tag (otherwise an existing tag is refused), and allow a tag named like a revision");
  c->add_flag("-y,--skip-confirmation", f->yes,
              "Do not ask; write even when the webhook would overlap others");
  c->add_option(
      "-d,--manifests", f->manifests,
      "Istio manifests directory (charts/ and profiles/) to render instead of the compiled-in Istio");
  c->add_option("--webhook-name", f->webhookName, "Name of the tag's MutatingWebhookConfiguration");
  c->add_flag("--auto-inject-namespaces", f->autoInjectNamespaces,
              "Inject sidecars into every namespace by default (not only those that select the tag)");
  addIstioNamespaceFlag(*c, *f);
  c->footer(examples + kExitCodesHelp);
  c->callback([f, generate] { setExitCode(runSetOrGenerate(*f, generate)); });
}

}  // namespace

void addTag(CLI::App& root) {
  auto* tag = root.add_subcommand(
      "tag",
      "Revision tags: stable names for control plane revisions that namespaces select (istio.io/rev=TAG)");
  tag->require_subcommand(1);
  tag->footer(
      "A namespace labelled istio.io/rev=prod is injected by the revision the tag \"prod\" points at;\n"
      "moving the tag (tag set prod --revision NEW --overwrite) moves every such namespace at once,\n"
      "without relabelling. The tag \"default\" also handles istio-injection=enabled and config\n"
      "validation. An IstioOperator can declare tags too (values.revisionTags, values.defaultRevision);\n"
      "the operator then owns them and these verbs refuse to change them.\n\n"
      "Examples:\n"
      "  iop tag set prod --revision 1-8-0\n"
      "  iop tag list\n\n" +
      std::string(kExitCodesHelp));

  addSetLike(
      *tag, "set", "Create or move a revision tag (what istioctl tag set writes, with iop's ownership)",
      false,
      "Examples:\n"
      "  iop tag set prod --revision 1-8-0                 # namespaces with istio.io/rev=prod use 1-8-0\n"
      "  kubectl label namespace demo-app istio.io/rev=prod\n"
      "  iop tag set prod --revision 1-8-1 --overwrite     # move them all to 1-8-1\n"
      "  kubectl rollout restart deployment -n demo-app    # their pods get 1-8-1's sidecar\n"
      "  iop tag set default --revision 1-8-1              # also istio-injection=enabled and validation\n\n"
      "It refuses (exit 1, nothing written) a tag named like an existing revision, an existing tag\n"
      "without --overwrite, a revision without an injector webhook, a tag an IstioOperator declares,\n"
      "and, unless -y or answered y, a webhook that would overlap another injector.\n\n");
  addSetLike(*tag, "generate", "Print what tag set would write, without writing", true,
             "Examples:\n"
             "  iop tag generate prod --revision 1-8-0 > tag.yaml\n"
             "  kubectl apply -f tag.yaml\n\n");

  auto lf = std::make_shared<TagFlags>();
  auto* list = tag->add_subcommand(
      "list", "List revision tags, the revisions they point at and the namespaces using them");
  list->alias("show");
  addClusterFlags(*list, lf->cluster);
  list->add_option("-o,--output", lf->output, "Output format: table, json or yaml")->capture_default_str();
  addIstioNamespaceFlag(*list, *lf);
  list->footer("Examples:\n  iop tag list\n  iop tag list -o json\n\n" + std::string(kExitCodesHelp));
  list->callback([lf] { setExitCode(runList(*lf)); });

  auto rf = std::make_shared<TagFlags>();
  auto* remove = tag->add_subcommand("remove", "Remove a revision tag");
  remove->alias("delete");
  addClusterFlags(*remove, rf->cluster);
  remove->add_option("tag", rf->tag, "The revision tag")->required();
  remove->add_flag("-y,--skip-confirmation", rf->yes, "Remove it even while namespaces still select it");
  addIstioNamespaceFlag(*remove, *rf);
  remove->footer(
      "Examples:\n  iop tag remove prod\n  iop tag remove prod -y   # even while namespaces select it\n\n"
      "Namespaces that select a removed tag get no sidecar any more: it asks first while any do, and\n"
      "refuses (exit 1, nothing removed) when not answered y (-y skips the question). A tag an\n"
      "IstioOperator declares is removed from the IstioOperator instead (exit 1 here).\n\n" +
      std::string(kExitCodesHelp));
  remove->callback([rf] { setExitCode(runRemove(*rf)); });
}

}  // namespace iop::cmd
