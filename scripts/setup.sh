#!/usr/bin/env bash
# Installs every build and test dependency of iop from Debian's packages. Idempotent: when all
# packages are present it only checks and returns (well under a second).
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config git curl openssl python3 ca-certificates
  libboost1.81-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev
  prometheus-cpp-dev libcli11-dev catch2 clang-format libre2-dev
  python3-yaml ccache
  clang-14 libclang-rt-14-dev clang-tidy-14
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing: ${missing[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Go builds the Kubernetes binaries of test/cluster; it is installed at /usr/local/go here.
if ! command -v go >/dev/null && [ ! -x /usr/local/go/bin/go ]; then
  echo "[setup] Go is missing: install Go >= 1.26 at /usr/local/go (the cluster build needs it)" >&2
  exit 1
fi
if ! command -v kubectl >/dev/null; then
  echo "[setup] kubectl is missing (the end-to-end tests use it as a user would)" >&2
  exit 1
fi
echo "[setup] ok"
