#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "reconcilers/api/field_error.h"

// Istio's own schema of an IstioOperator's `values` (istio.operator.v1alpha1.Values) and
// `meshConfig` (istio.mesh.v1alpha1.MeshConfig), for the pinned Istio version: generated at
// build time from the protobuf descriptors compiled into istio.io/istio and istio.io/api
// (scripts/istio-schema.sh), never typed by hand. Fields take their JSON or proto spelling, as
// protojson reads them; Struct/Value fields are free-form.
namespace iop::reconcilers {

// Checks spec.values (and the MeshConfig inside values.meshConfig) and spec.meshConfig
// against the schema the way istioctl decodes them, appending one error per unknown field or
// wrong type with its path. Stricter than istioctl in one place, said in the message: istioctl
// retries a meshConfig with unknown fields ignoring them, silently. spec.unvalidatedValues is
// not checked (that is its purpose). At most 50 errors. Pure; thread-safe.
void checkIstioValues(const nlohmann::json& spec, FieldErrors& errs);

// The Istio version the compiled-in schema comes from.
std::string_view istioSchemaVersion();

// The generated schema text (the JSON scripts/istio-schema/main.go prints); defined in the
// generated source CMake builds from it.
std::string_view istioSchemaJson();

}  // namespace iop::reconcilers
