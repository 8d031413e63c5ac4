# The README's two commands: `make run` and `make test`. Everything else is a helper of those.
BUILD_DIR ?= build
RUN_DIR   ?= $(BUILD_DIR)/run-cluster
JOBS      ?= $(shell nproc)
CTEST_ARGS ?=
# Debian's interpreter, which has python3-yaml from scripts/setup.sh (a pyenv or venv python3
# earlier on PATH may lack it).
PYTHON    ?= /usr/bin/python3
export PATH := $(PATH):/usr/local/go/bin

.PHONY: all setup configure build kube-binaries helm-binary istiod-binary test unit-test run stop bench bench-test fuzz fidelity format clean manifests sanitize sanitize-unit lint

all: build

setup:
	@bash scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja

configure: $(BUILD_DIR)/build.ninja

build: setup configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

kube-binaries:
	@bash test/cluster/build.sh >/dev/null

helm-binary:
	@bash helm/build-helm.sh >/dev/null

# Istio's istiod (pilot-discovery), built once from the pinned istio.io/istio module and cached in
# ~/.cache/iop/ (tens of minutes on one core the first time). `make test` builds it in its ctest
# fixture "istio: build pilot-discovery", beside the other tests.
istiod-binary:
	@bash scripts/build-istio-binary.sh pilot-discovery >/dev/null

test: build kube-binaries helm-binary
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 900 -j $(JOBS) $(CTEST_ARGS)

unit-test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -R '^unit:' $(CTEST_ARGS)

# Starts the local cluster, installs and starts the operator of revision 1-8-0 (its log in
# $(RUN_DIR)/logs/operator-1-8-0.log), applies the page's CRs from examples/, starts istiod-1-8-0
# (Istio's own, built from the pinned module) and a Deployment it injects, and keeps the cluster
# up, whatever happens to its operators, until Ctrl-C (exit 0) or `make stop`.
run: build kube-binaries istiod-binary
	@bash scripts/run.sh $(RUN_DIR) $(BUILD_DIR)/iop

# Measures iop's rendering against istioctl's for the CRs of test/fidelity/crs, every leaf of every
# object (minutes; istioctl is built once per Istio version from the Go module proxy, ~20 minutes
# cold). ISTIO_VERSION=<istio.io/istio module version> measures another Istio version than the
# pinned one (scripts/istio-version.sh): its istioctl against iop rendering its manifests.
# Only iop is built: the comparison needs nothing else. Not part of `make test`.
ISTIO_VERSION ?=
fidelity: setup configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target iop
	@$(PYTHON) -m unittest discover -q -s test/fidelity -p 'test_*.py'
	@$(PYTHON) test/fidelity/compare.py --iop $(BUILD_DIR)/iop --work $(BUILD_DIR)/fidelity \
	  $(if $(ISTIO_VERSION),--istio-version $(ISTIO_VERSION))

# Benchmarks against private clusters in $(BUILD_DIR)/bench-cluster-* (tens of minutes; not part of
# `make test`): prints tables and writes them to $(BUILD_DIR)/bench/results.md. Select with e.g.
# BENCH_ARGS='--only latency,istioctl --runs 3'; see bench/README.md.
BENCH_ARGS ?=
bench: build kube-binaries bench-test
	@PYTHONDONTWRITEBYTECODE=1 $(PYTHON) bench/run_all.py --build-dir $(BUILD_DIR) $(BENCH_ARGS)

# The benchmark harness's own unit tests (median, tables, metrics parsing); seconds.
bench-test:
	@PYTHONDONTWRITEBYTECODE=1 $(PYTHON) -m unittest discover -q -s bench -p 'test_*.py'

# libFuzzer targets (fuzz/), built with clang++-14 apart from the main build; each runs
# FUZZ_SECONDS (`make test` runs them 30 s each through ctest).
FUZZ_SECONDS ?= 300
fuzz: setup
	@bash fuzz/run.sh build build-fuzz
	@bash fuzz/run.sh run build-fuzz $(FUZZ_SECONDS)

stop:
	@bash test/cluster/down.sh $(RUN_DIR)

# The tests under sanitizers, each in a build dir of its own: AddressSanitizer with
# UndefinedBehaviorSanitizer, then ThreadSanitizer. `sanitize-unit` runs the unit tests only
# (seconds once built; CI runs it); `sanitize` adds the integration tests of the threaded code
# (informers, leader election, manager, applier, reconciler) against a real cluster.
sanitize-unit: setup
	@bash scripts/sanitize.sh unit
sanitize: setup kube-binaries
	@bash scripts/sanitize.sh all

# clang-tidy (checks in .clang-tidy) on the C++ files changed against main, or LINT_BASE.
LINT_BASE ?= main
lint: setup configure
	@bash scripts/lint.sh $(BUILD_DIR) $(LINT_BASE)

# The CRD the build generated from Istio's API (scripts/gen-crd.sh) into crds/ (helm/iop/crds/ links
# to it), and what `iop operator init` installs for the default revision into deploy/; tests keep
# them current.
manifests: build
	cp $(BUILD_DIR)/generated/crds/istiooperator.yaml crds/istiooperator.yaml
	$(BUILD_DIR)/iop operator init --dry-run > deploy/iop-operator.yaml

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD_DIR)
