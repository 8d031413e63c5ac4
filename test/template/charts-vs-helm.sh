#!/usr/bin/env bash
# Renders every chart istioctl renders, of the pinned Istio and of an older snapshot, with every
# value set (test/template/chart_value_sets.yaml plus the generated ones), with Helm's engine and
# iop's, and compares them byte for byte.
#   test/template/charts-vs-helm.sh TEMPLATE_DIFFTEST
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
SNAPSHOT=v0.0.0-20260423205519-b01690e6db7d
pinned=$(bash "$root/scripts/fetch-istio.sh")
older=$(bash "$root/scripts/fetch-istio.sh" "$SNAPSHOT")
exec nice "$1" charts "$here/chart_value_sets.yaml" "$pinned" "$older"
