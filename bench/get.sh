#!/usr/bin/env bash
# bench/get.sh - wall time of a one-shot `get` of a small znode, per tool.
#
# Starts one throwaway standalone ZooKeeper on a free loopback port, creates
# /bench/node, then times with hyperfine:
#   baseline  bench/raw_get.rs: bare zookeeper-client program (connect, get, exit)
#   zksh      target/release/zksh -s 127.0.0.1:PORT get /bench/node
#   zkCli.sh  Debian's /usr/share/zookeeper/bin/zkCli.sh -server ... get /bench/node
#   zk-shell  zk-shell --run-once 'get /bench/node' 127.0.0.1:PORT
# and prints each median, its ratio to the baseline, and zkCli.sh / zksh.
#
# Environment:
#   RUNS=30        timed runs for the fast tools (baseline, zksh)
#   SLOW_RUNS=5    timed runs for the JVM/Python tools (zkCli.sh, zk-shell)
#   WARMUP=3       warmup runs for the fast tools (the slow ones get 1)
#   WARM_SERVER=500 untimed baseline sessions first, to get the server's JIT warm
#   NO_BUILD=1     do not run cargo; use whatever binaries exist
#   RAW_GET=path   baseline binary to use instead of target/release/examples/raw_get
#   ZKSH=path      zksh binary to use instead of target/release/zksh
#   ZKCLI=path     zkCli.sh to use (default /usr/share/zookeeper/bin/zkCli.sh)
#   ZK_SHELL=path  zk-shell to use (default: the one on PATH, pip-installed if missing)
#   FORCE_SYNC=yes let the server fsync its transaction log (default: no)
#   KEEP_TMP=1     keep the temp dir (server log, hyperfine JSON) for inspection
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-30}"
SLOW_RUNS="${SLOW_RUNS:-5}"
WARMUP="${WARMUP:-3}"
WARM_SERVER="${WARM_SERVER:-500}"
ZKCLI="${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}"
NODE=/bench/node
DATA="zksh-bench-$$"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'get.sh: %s\n' "$*" >&2; exit 1; }

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_prerequisites
bench_build raw_get RAW_GET baseline
bench_start_server

# ---------------------------------------------------------------- data
log "creating $NODE"
if [ -x "$ZKCLI" ]; then
    printf 'create /bench\ncreate %s %s\nquit\n' "$NODE" "$DATA" |
        "$ZKCLI" -server "$SERVER" >"$TMP/create.out" 2>&1 || true
elif [ -z "$zksh_note" ]; then
    "$ZKSH_BIN" -s "$SERVER" create /bench >"$TMP/create.out" 2>&1 || true
    "$ZKSH_BIN" -s "$SERVER" create "$NODE" "$DATA" >>"$TMP/create.out" 2>&1 || true
else
    die "neither $ZKCLI nor zksh is available to create $NODE"
fi
got="$("$RAW_BIN" "$SERVER" "$NODE")" || { cat "$TMP/create.out" >&2; die "baseline cannot read $NODE"; }
[ "$got" = "$DATA" ] || { cat "$TMP/create.out" >&2; die "$NODE holds '$got', expected '$DATA'"; }

bench_find_zk_shell

# ---------------------------------------------------------------- timing
names=()
medians=()
notes=()

bench_hyperfine_flags

median_ms() {
    python3 -c 'import json, sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$1"
}

# bench NAME RUNS WARMUP NOTE -- COMMAND...
bench() {
    local name="$1" runs="$2" warmup="$3" note="$4"
    shift 5
    names+=("$name")
    if [ -n "$note" ]; then
        medians+=("")
        notes+=("$note")
        return
    fi
    # One checked run first: a tool that cannot read the node is reported, not timed.
    local out
    if ! out="$("$@" 2>&1)" || [[ "$out" != *"$DATA"* ]]; then
        medians+=("")
        notes+=("skipped (failed to read $NODE; its output is on stderr)")
        printf -- '--- %s failed:\n%s\n---\n' "$name" "$out" | tail -n 20 >&2
        return
    fi
    local cmd
    cmd="$(printf '%q ' "$@")"
    log "timing $name: $runs runs, $warmup warmup"
    if hyperfine "${hf_flags[@]}" --warmup "$warmup" --runs "$runs" \
        --export-json "$TMP/$name.json" --command-name "$name" "$cmd" >&2; then
        medians+=("$(median_ms "$TMP/$name.json")")
        notes+=("")
    else
        medians+=("")
        notes+=("skipped (hyperfine failed)")
    fi
}

zkcli_note=""
[ -x "$ZKCLI" ] || zkcli_note="skipped (not installed)"
[ -n "$zk_shell_note" ] || [ -x "$ZK_SHELL_BIN" ] || zk_shell_note="skipped (not installed)"

# A fresh JVM serves its first few hundred sessions from interpreted code,
# noticeably slower than later ones; warm it up so that the tool timed first
# (the baseline) is not penalised.
log "warming up the server: $WARM_SERVER sessions"
for _ in $(seq "$WARM_SERVER"); do
    "$RAW_BIN" "$SERVER" "$NODE" >/dev/null
done

bench baseline "$RUNS" "$WARMUP" "" -- "$RAW_BIN" "$SERVER" "$NODE"
bench zksh "$RUNS" "$WARMUP" "$zksh_note" -- "$ZKSH_BIN" -s "$SERVER" get "$NODE"
bench zkCli.sh "$SLOW_RUNS" 1 "$zkcli_note" -- "$ZKCLI" -server "$SERVER" get "$NODE"
bench zk-shell "$SLOW_RUNS" 1 "$zk_shell_note" -- "${ZK_SHELL_BIN:-zk-shell}" --run-once "get $NODE" "$SERVER"

# ---------------------------------------------------------------- report
base="${medians[0]}"
ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }

echo
echo "one-shot get of $NODE (${#DATA} bytes) against ZooKeeper $SERVER"
echo "median wall time; runs: $RUNS (baseline, zksh), $SLOW_RUNS (zkCli.sh, zk-shell)"
echo
printf '%-10s %12s %14s\n' tool "median ms" "vs baseline"
printf '%-10s %12s %14s\n' ---------- ------------ --------------
zksh_ms=""
zkcli_ms=""
for i in "${!names[@]}"; do
    name="${names[$i]}"
    ms="${medians[$i]}"
    if [ -z "$ms" ]; then
        printf '%-10s %s\n' "$name" "${notes[$i]}"
        continue
    fi
    printf '%-10s %12s %13sx\n' "$name" "$ms" "$(ratio "$ms" "$base")"
    case "$name" in
        zksh) zksh_ms="$ms" ;;
        zkCli.sh) zkcli_ms="$ms" ;;
    esac
done
echo
if [ -n "$zksh_ms" ] && [ -n "$zkcli_ms" ]; then
    echo "zkCli.sh / zksh = $(ratio "$zkcli_ms" "$zksh_ms")x"
else
    echo "zkCli.sh / zksh = n/a (needs both)"
fi
echo
echo "targets: zksh within 2x of the baseline; baseline about 3 ms on this machine"
if [ -n "$zksh_ms" ]; then
    r="$(ratio "$zksh_ms" "$base")"
    if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= 2.0 else 1)' "$r"; then
        echo "  zksh / baseline = ${r}x: within target"
    else
        echo "  zksh / baseline = ${r}x: OVER target (2x)"
    fi
else
    echo "  zksh / baseline = n/a (zksh not measured)"
fi
echo "  baseline = ${base} ms"
