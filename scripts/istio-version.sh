# The Istio release iop renders: its charts, profiles and CRDs come from this version of the
# istio.io/istio module (fetched through the Go module proxy at build time), and the reference
# binaries the tests compare with (istioctl, pilot-discovery) are built from the same version.
# Sourced by scripts (scripts/fetch-istio.sh, test/fidelity/build-istioctl.sh, ...). Bump it here and every consumer follows.
ISTIO_MODULE=istio.io/istio
ISTIO_PINNED_VERSION=v0.0.0-20260827124520-eed52ebb66ad
ISTIO_VERSION=${ISTIO_VERSION:-$ISTIO_PINNED_VERSION}
