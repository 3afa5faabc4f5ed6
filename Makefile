# sendgate: `make dev` runs the product, `make test` runs every test. Both install what they need.
SHELL := /bin/bash
# npm's Node 22 (root devDependency) comes first: wrangler needs >= 22.12.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export WRANGLER_SEND_METRICS := false

WASM := target/wasm32-unknown-unknown/release/sendgate.wasm

.PHONY: setup setup-browser pkg lint types test test-rust test-pkg test-worker test-www dev bench fuzz-smoke fmt clean

setup:
	@scripts/setup.sh

setup-browser:
	@scripts/setup.sh --browser

# Release Wasm build into pkg/: ESM glue + .wasm + .d.ts (the entry files there are source).
pkg: setup
	cargo build --release --target wasm32-unknown-unknown --lib
	wasm-bindgen $(WASM) --out-dir pkg --out-name sendgate --target web
	@# -ocimfs 500: a large function with one caller stays a function. Inlined, the readers of
	@# checkSend's input made its export shim one 20 KB function, and V8 compiles each function
	@# on its first call: the first checkSend took 4.5 ms against 4.1 ms for the same code in
	@# smaller functions (median of 25 alternating cold starts; later calls are as fast).
	wasm-opt -O3 --one-caller-inline-max-function-size 500 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
		--enable-mutable-globals --enable-reference-types --enable-multivalue \
		pkg/sendgate_bg.wasm -o pkg/sendgate_bg.wasm
	@printf 'pkg/sendgate_bg.wasm: %s bytes, %s gzip\n' \
		"$$(stat -c %s pkg/sendgate_bg.wasm)" "$$(gzip -9c pkg/sendgate_bg.wasm | wc -c)"

# pkg/types.d.ts from the Rust types (src/typescript.rs); `cargo test` fails while it is stale.
types:
	SENDGATE_WRITE_TYPES=1 cargo test --lib typescript

test: setup-browser lint pkg test-rust test-pkg test-worker test-www

# Rust formatting and clippy (host targets and the wasm32 binding, which only compiles there),
# then Biome's linter over the TypeScript/JavaScript of worker/, www/, pkg/ and bench/.
lint: setup
	cargo fmt --all --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings
	biome lint --error-on-warnings

test-rust:
	cargo test --all-targets

test-pkg: pkg
	node --test pkg/test/*.test.mjs
	tsc -p pkg/test/consumer

test-worker: pkg
	npm run test --workspace worker

test-www: setup-browser pkg
	npm run test --workspace www

dev: pkg
	npm run build --workspace www
	npm run dev --workspace worker

# sendgate vs libphonenumber-js/max on bench/corpus.mjs (fixed seed), one table of medians with
# issue 19's figures (the browser rows in headless Chromium on www/dist, built here); plus the
# native core micro-benchmark (cargo bench --bench phone).
bench: pkg
	npm run build --workspace www
	node bench/run.mjs
	cargo bench --bench phone

# Every cargo-fuzz target for 30 s each (nightly toolchain; installs cargo-fuzz if missing).
fuzz-smoke:
	scripts/fuzz-smoke.sh

fmt:
	cargo fmt --all

clean:
	cargo clean
	rm -rf pkg/sendgate.js pkg/sendgate.d.ts pkg/sendgate_bg.wasm pkg/sendgate_bg.wasm.d.ts www/dist
