# Multi-stage build of iop on Debian bookworm. The runtime stage carries only the shared
# libraries iop links (see `ldd build/iop`) and runs as a non-root user.

# Istio's schema of values and meshConfig, generated from the pinned Istio's protobuf
# descriptors by a Go program built from the module proxy (scripts/istio-schema.sh); the build
# stage finds it in the cache the script keeps and does not generate it again.
FROM golang:1.26-bookworm AS istio-schema
WORKDIR /src
COPY scripts/istio-version.sh scripts/istio-schema.sh scripts/
COPY scripts/istio-schema scripts/istio-schema
RUN IOP_CACHE=/iop-cache scripts/istio-schema.sh

FROM debian:bookworm AS build
WORKDIR /src
COPY --from=istio-schema /iop-cache /root/.cache/iop
COPY scripts/setup.sh scripts/setup.sh
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      build-essential cmake ninja-build pkg-config git ca-certificates \
      libboost1.81-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev \
      prometheus-cpp-dev libcli11-dev libre2-dev golang-go && rm -rf /var/lib/apt/lists/*
# The build fetches Istio's charts and API types (the pinned istio.io/istio module) through Go's
# module proxy: scripts/fetch-istio.sh and scripts/gen-crd.sh.
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DIOP_BUILD_TESTS=OFF \
 && cmake --build build --target iop \
 && strip build/iop

FROM debian:bookworm-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      ca-certificates libssl3 libyaml-cpp0.7 libspdlog1.10 libfmt9 \
      libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libre2-9 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1337 --no-create-home --shell /usr/sbin/nologin iop
COPY --from=build /src/build/iop /usr/local/bin/iop
USER 1337:1337
ENTRYPOINT ["iop", "run"]
