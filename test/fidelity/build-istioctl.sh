#!/usr/bin/env bash
# Builds istioctl from the Go module proxy (cached under ~/.cache/iop/, keyed by the pinned
# istio.io/istio version) and prints its path: the reference that `make fidelity` compares iop's
# rendering with, and the `istioctl analyze` of the istiod tests. See scripts/build-istio-binary.sh.
set -euo pipefail
exec bash "$(cd "$(dirname "$0")/../../scripts" && pwd)/build-istio-binary.sh" istioctl
