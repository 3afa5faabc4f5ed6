#!/usr/bin/env bash
# Fuzz smoke run: every cargo-fuzz target of fuzz/ for N seconds each, one after another,
# seeded from fuzz/seeds/<target>/. Any crash, panic, timeout (a loop that does not end) or
# out-of-memory (allocation without bound) is a finding and makes this script exit non-zero;
# the reproducer is left in fuzz/artifacts/<target>/.
#
#   scripts/fuzz-smoke.sh            # 30 s per target
#   scripts/fuzz-smoke.sh 180        # a longer local run
#   FUZZ_TARGETS="triage check_send" scripts/fuzz-smoke.sh 60
#
# Env: FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT_S per input (default 10), FUZZ_MAX_LEN (default
# 65536); FUZZ_KEEP_GOING=1 keeps fuzzing a target after a finding (libFuzzer fork mode, for long
# local runs: every reproducer is kept, the script still exits non-zero).
set -euo pipefail

SECONDS_PER_TARGET="${1:-30}"
RSS_MB="${FUZZ_RSS_MB:-2048}"
TIMEOUT_S="${FUZZ_TIMEOUT_S:-10}"
MAX_LEN="${FUZZ_MAX_LEN:-65536}"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT/fuzz"
export PATH="$HOME/.cargo/bin:$PATH"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz-smoke: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked || cargo install cargo-fuzz
fi
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz-smoke: the nightly toolchain is required (rustup toolchain install nightly)" >&2
  exit 2
fi

TARGETS="${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}"
# Build once, then run the binaries: a source edit during the run cannot rebuild half of them.
cargo +nightly fuzz build -O
BIN="target/$(rustc +nightly -vV | sed -n 's/^host: //p')/release"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
keep_going=""
if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
  keep_going="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
fi
failed=()
total_execs=0
printf '%-24s %12s %8s %s\n' target execs seconds result
for target in $TARGETS; do
  corpus="$WORK/corpus/$target"
  mkdir -p "$corpus" "artifacts/$target"
  # Seeds are copied, so the committed seed directory never grows.
  if [ -d "seeds/$target" ]; then cp -r "seeds/$target/." "$corpus/"; fi
  log="$WORK/$target.log"
  before="$(ls "artifacts/$target" | grep -c -E '^(crash|timeout|oom|leak)-' || true)"
  set +e
  "$BIN/$target" "$corpus" \
    -max_total_time="$SECONDS_PER_TARGET" \
    -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$RSS_MB" \
    -timeout="$TIMEOUT_S" -max_len="$MAX_LEN" \
    -print_final_stats=1 -artifact_prefix="artifacts/$target/" $keep_going >"$log" 2>&1
  rc=$?
  set -e
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)"
  if [ -z "$execs" ]; then # fork mode: the last status line, `#<execs> ...`
    execs="$(grep -o '^#[0-9]*' "$log" | tr -d '#' | tail -1 || true)"
  fi
  execs="${execs:-0}"
  crashes=$(( $(ls "artifacts/$target" | grep -c -E '^(crash|timeout|oom|leak)-' || true) - before ))
  total_execs=$((total_execs + execs))
  if ! grep -q 'INFO: Seed' "$log"; then
    printf '%-24s %12s %8s %s\n' "$target" 0 0 "DID NOT START (exit $rc)"
    tail -5 "$log" >&2
    failed+=("$target")
    continue
  fi
  if [ "$rc" -eq 0 ] && [ -z "$keep_going" -o "$crashes" = 0 ]; then
    printf '%-24s %12s %8s %s\n' "$target" "$execs" "$SECONDS_PER_TARGET" ok
  else
    printf '%-24s %12s %8s %s\n' "$target" "$execs" "$SECONDS_PER_TARGET" "FINDING (exit $rc)"
    grep -E -A1 'panicked at' "$log" | grep -v '^--' | sort | uniq -c | sort -rn | head -20 >&2 || true
    grep -E 'ERROR: libFuzzer|Test unit written' "$log" | head -5 >&2 || true
    failed+=("$target")
  fi
done
echo "fuzz-smoke: $total_execs executions in total"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz-smoke: findings in: ${failed[*]} (reproducers in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz-smoke: no findings"
