# The README's two commands are `make demo` and `make test`; each does all setup itself.
SHELL := /bin/bash
CARGO ?= cargo
BUILD := build
PLUGIN_OUT := $(BUILD)/plugins
WASM_TARGET := wasm32-wasip2
SUDO := $(shell [ "$$(id -u)" != 0 ] && command -v sudo >/dev/null && echo sudo)
APT_INSTALL = ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(1) >/dev/null)

.PHONY: demo test plugins bench bench-smoke lint setup setup-etcd demo-ha fmt test-live fuzz clean-build

## setup: toolchain pieces a fresh machine lacks (idempotent).
setup:
	@rustup target list --installed 2>/dev/null | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)
	@python3 -c "import opensearchpy" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check "opensearch-py==2.8.0"
	@# protoc builds the etcd client of `[coordination]` (Debian protobuf-compiler).
	@command -v protoc >/dev/null || $(call APT_INSTALL,protobuf-compiler)

## setup-etcd: the etcd server the HA tests start (Debian etcd-server); `make demo` needs none.
setup-etcd:
	@command -v etcd >/dev/null || $(call APT_INSTALL,etcd-server)

## plugins: every tenant plugin, built from source into build/plugins/.
plugins: setup
	cd plugins && $(CARGO) build --release --target $(WASM_TARGET)
	@mkdir -p $(PLUGIN_OUT)
	@for f in plugins/target/$(WASM_TARGET)/release/*.wasm; do cp "$$f" $(PLUGIN_OUT)/; done
	@if [ -f plugins/python/build.sh ]; then bash plugins/python/build.sh $(PLUGIN_OUT); fi
	@if [ -f plugins/js/build.sh ]; then bash plugins/js/build.sh $(PLUGIN_OUT); fi
	@ls -la $(PLUGIN_OUT)

## test: unit, capability and end-to-end tests (guests are built from source by tests/build.rs).
test: setup setup-etcd plugins
	cd plugins && $(CARGO) test --target x86_64-unknown-linux-gnu
	@if [ -f plugins/python/test.sh ]; then bash plugins/python/test.sh; fi
	@if [ -f plugins/js/test.sh ]; then bash plugins/js/test.sh; fi
	# The crash suite runs the real binary; build it with the tests' feature set first.
	$(CARGO) build --workspace --bins --tests
	LIFEGUARD_PLUGIN_DIR=$(abspath $(PLUGIN_OUT)) $(CARGO) test --workspace

## test-live: the conformance and wire tests against a real cluster pair.
test-live: setup
	@test -n "$$LIFEGUARD_LEADER_URL" || { echo "set LIFEGUARD_LEADER_URL (and LIFEGUARD_FOLLOWER_URL)"; exit 2; }
	$(CARGO) test -p lifeguard-tests --test all -- sim::

## lint: formatting and clippy -D warnings over every workspace.
lint: setup
	$(CARGO) fmt --all --check
	cd plugins && $(CARGO) fmt --all --check
	cd tests/guests && $(CARGO) fmt --all --check
	cd fuzz && $(CARGO) fmt --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	cd plugins && $(CARGO) clippy --all-targets --target $(WASM_TARGET) -- -D warnings
	cd tests/guests && $(CARGO) clippy --all-targets --target $(WASM_TARGET) -- -D warnings

## fuzz: each cargo-fuzz target for FUZZ_SECONDS (default 60) on nightly, seeded with the
## example and bad configs. Not part of `make test`: it needs nightly and cargo-fuzz.
FUZZ_TARGETS := config explain cat responses sdk_units
FUZZ_SECONDS ?= 60
fuzz:
	@rustup toolchain list 2>/dev/null | grep -q '^nightly' || { \
	  echo "make fuzz: needs a nightly toolchain (rustup toolchain install nightly)"; exit 2; }
	@$(CARGO) +nightly fuzz --version >/dev/null 2>&1 || { \
	  echo "make fuzz: needs cargo-fuzz (cargo +nightly install cargo-fuzz)"; exit 2; }
	@mkdir -p fuzz/corpus/config
	@for f in examples/lifeguard.toml examples/*/lifeguard.toml tests/corpus/bad-configs/*.toml; do \
	  cp "$$f" "fuzz/corpus/config/$$(echo "$$f" | tr / _)"; done
	@for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t ($(FUZZ_SECONDS)s)"; \
	  $(CARGO) +nightly fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) || exit 1; done

fmt:
	$(CARGO) fmt --all
	cd plugins && $(CARGO) fmt --all
	cd tests/guests && $(CARGO) fmt --all
	cd fuzz && $(CARGO) fmt

## demo: two simulated days of three tenants on a leader/follower pair, in about a minute.
demo: setup plugins
	$(CARGO) build --release -p lifeguard
	./target/release/lifeguard demo --plugins $(PLUGIN_OUT)

## demo-ha: the HA story on etcd: three etcd members, three replicas, a kill -9, a SIGSTOP
## and a leader outage failed over exactly once (needs etcd; `make demo` does not).
demo-ha: setup setup-etcd plugins
	$(CARGO) build --release -p lifeguard
	python3 examples/ha/demo.py --bin target/release/lifeguard --plugins $(PLUGIN_OUT)

## bench: criterion benches plus the system benches; prints a table and writes BENCHMARKS.md.
## The system bench re-runs itself per section; it ends by printing the table.
bench: setup plugins
	cd tests/guests && $(CARGO) build --release --target $(WASM_TARGET) --quiet
	$(CARGO) bench -p lifeguard --bench parse
	LIFEGUARD_GUESTS_DIR=$(abspath tests/guests/target/$(WASM_TARGET)/release) $(CARGO) bench -p lifeguard --bench run_phases
	LIFEGUARD_PLUGIN_DIR=$(abspath $(PLUGIN_OUT)) LIFEGUARD_GUESTS_DIR=$(abspath tests/guests/target/$(WASM_TARGET)/release) $(CARGO) bench -p lifeguard --bench system

## bench-smoke: every bench once, small, in the dev profile (the test build's artifacts), so
## that none can rot: the criterion benches in their test mode (`cargo test`) and the system bench with
## LIFEGUARD_BENCH_SMOKE=1. Its figures mean nothing and it writes no BENCHMARKS.md. CI runs it.
bench-smoke: setup plugins
	cd tests/guests && $(CARGO) build --release --target $(WASM_TARGET) --quiet
	LIFEGUARD_GUESTS_DIR=$(abspath tests/guests/target/$(WASM_TARGET)/release) $(CARGO) test -p lifeguard --bench parse --bench run_phases
	LIFEGUARD_BENCH_SMOKE=1 LIFEGUARD_PLUGIN_DIR=$(abspath $(PLUGIN_OUT)) LIFEGUARD_GUESTS_DIR=$(abspath tests/guests/target/$(WASM_TARGET)/release) $(CARGO) bench --profile dev -p lifeguard --bench system
