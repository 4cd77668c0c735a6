#!/usr/bin/env bash
# bench/copy.sh - moving trees: zksh export (and import, cp, mirror when built) on large trees,
# side by side with a raw zookeeper-client program and zk-shell, in one run: wall time, ratio
# to the raw baseline, peak RSS, and the issue's targets with PASS/FAIL.
#
# Starts one throwaway standalone ZooKeeper on a free loopback port, builds /bench/cSIZE
# (P parents x 1 000 children, data "zksh-bench NAME"; 10k: P=10, 100k: P=100, 1m: P=1000)
# with bench/raw_tree.rs (untimed), then times, on 100k:
#   export     zksh export TREE --out FILE | raw_tree walk --acl --count (multi-read walk with
#              data, plus one pipelined getACL per node: ACLs are not in multi-read; the
#              issue's baseline) | the same with --acl-sessions 8 (the getACLs spread over eight
#              sessions, as zksh export does: "raw-8s")
#   import     zksh import FILE DST (DST deleted before every run, untimed)
#   cp         zksh cp -r TREE DST within the cluster (DST deleted before every run)
# the peak RSS of export and import on every size in SIZES (/usr/bin/time -v), and on 10k
# zk-shell's cp and mirror beside zksh's cp and mirror --once.
# A zksh command that fails (not built on this branch: "unrecognized subcommand", or any
# non-zero exit) is listed as skipped, and the run goes on.
#
# Environment:
#   SIZES="100k 1m"   sizes whose export/import peak RSS is measured (100k is always timed)
#   RUNS=5            hyperfine runs for raw and zksh
#   NO_BUILD=1        do not run cargo; use whatever binaries exist
#   ZKSH=path         zksh binary to use instead of target/release/zksh
#   RAW_TREE=path     raw walker/builder instead of target/release/examples/raw_tree
#   RAW_DELETE=path   raw deleter instead of target/release/examples/raw_delete
#   ZK_SHELL=path     zk-shell to use (default: the one on PATH, pip-installed if missing)
#   FORCE_SYNC=yes    let the server fsync its transaction log (default: no)
#   KEEP_TMP=1        keep the temp dir (server log, outputs, hyperfine JSON)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES="${SIZES:-100k 1m}"
RUNS="${RUNS:-5}"
CHILDREN=1000
RSS_LIMIT_MIB=30

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'copy.sh: %s\n' "$*" >&2; exit 1; }

{ [[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 2 ]; } || die "RUNS must be a number of at least 2 (hyperfine)"
parents_of() {
    case "$1" in
        10k) echo 10 ;; 100k) echo 100 ;; 1m) echo 1000 ;;
        *) return 1 ;;
    esac
}
for s in $SIZES; do parents_of "$s" >/dev/null || die "unknown size '$s' (SIZES takes 10k, 100k, 1m)"; done
mapfile -t ALL_SIZES < <(for s in 10k 100k $SIZES; do echo "$(parents_of "$s") $s"; done | sort -n -u | awk '{print $2}')
znodes_of() { local p; p="$(parents_of "$1")"; echo $((1 + p + p * CHILDREN)); }
tree_of() { echo "/bench/c$1"; }

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_prerequisites
bench_need_gnu_time
bench_build raw_delete RAW_DELETE "raw deleter"
RAW_DELETE_BIN="$RAW_BIN"
bench_build raw_tree RAW_TREE "raw walker (it builds the trees and is the baseline)"
RAW_TREE_BIN="$RAW_BIN"
bench_start_server
bench_find_zk_shell
bench_hyperfine_flags
[ -n "$zk_shell_note" ] || [ -x "$ZK_SHELL_BIN" ] || zk_shell_note="skipped (not installed)"

secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
median_s() {
    python3 -c 'import json, sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"
}

# gone PATH: deletes PATH's subtree if it is there (untimed; raw_delete, multi batches).
gone() {
    local out
    out="$("$RAW_DELETE_BIN" "$SERVER" "$1" 2>&1)" && return 0
    [[ "$out" == *"no such znode"* ]] || die "cannot delete $1: $out"
}
cat >"$TMP/gone.sh" <<EOF
#!/usr/bin/env bash
out="\$("$RAW_DELETE_BIN" "$SERVER" "\$1" 2>&1)" || case "\$out" in *"no such znode"*) ;; *) echo "\$out" >&2; exit 1 ;; esac
EOF
chmod +x "$TMP/gone.sh"

# Results, one row per measurement.
r_op=() r_size=() r_tool=() r_s=() r_rss=() r_note=()
record() { r_op+=("$1"); r_size+=("$2"); r_tool+=("$3"); r_s+=("$4"); r_rss+=("$5"); r_note+=("$6"); }
lookup() {
    local i
    for i in "${!r_op[@]}"; do
        if [ "${r_op[$i]}" = "$1" ] && [ "${r_size[$i]}" = "$2" ] && [ "${r_tool[$i]}" = "$3" ]; then
            if [ "${4:-}" = rss ]; then echo "${r_rss[$i]}"; else echo "${r_s[$i]}"; fi
            return
        fi
    done
}

# checked_run CMD...: once under /usr/bin/time -v; sets run_rc, run_ns, run_rss (KiB), run_err.
checked_run() {
    local t0 t1
    run_rc=0
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$TMP/time.out" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || run_rc=$?
    t1=$(date +%s%N)
    run_ns=$((t1 - t0))
    run_rss="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/time.out")"
    run_err="$( (grep -v '^[[:space:]]*$' "$TMP/err" || true) | head -n 2 | tr '\n' ' ' | cut -c 1-160 | sed 's/ *$//')"
}

# measure OP SIZE TOOL TIMED PREPARE_PATH -- CMD...: one checked run (exit code, peak RSS),
# then, when TIMED is yes, hyperfine with RUNS runs (PREPARE_PATH, if any, deleted before each
# run and before the checked one). A tool that runs once (zk-shell) gives the checked run's time.
measure() {
    local op=$1 size=$2 tool=$3 timed=$4 prep=$5
    shift 6
    log "$op on $size: $tool"
    [ -z "$prep" ] || gone "$prep"
    checked_run "$@"
    if [ "$run_rc" != 0 ]; then
        record "$op" "$size" "$tool" "" "" "skipped (exit $run_rc: $run_err)"
        return
    fi
    local s
    s="$(secs "$run_ns")"
    if [ "$timed" = yes ]; then
        local json="$TMP/hf.$op.$size.$tool.json" flags=("${hf_flags[@]}")
        json="${json// /_}"
        [ -z "$prep" ] || flags+=(--prepare "$(printf '%q ' "$TMP/gone.sh" "$prep")")
        if hyperfine "${flags[@]}" --runs "$RUNS" --export-json "$json" --command-name "$tool" \
            "$(printf '%q ' "$@")" >&2; then
            s="$(median_s "$json")"
        else
            record "$op" "$size" "$tool" "" "$run_rss" "skipped (hyperfine failed)"
            return
        fi
    fi
    record "$op" "$size" "$tool" "$s" "$run_rss" ""
}

# ---------------------------------------------------------------- measurements
for size in "${ALL_SIZES[@]}"; do
    tree="$(tree_of "$size")"
    log "building $tree ($(znodes_of "$size") znodes)"
    gone "$tree"
    "$RAW_TREE_BIN" build "$SERVER" "$tree" "$(parents_of "$size")" "$CHILDREN" >/dev/null ||
        die "cannot build $tree"
    "$RAW_TREE_BIN" walk --acl --count "$SERVER" "$tree" >/dev/null # warm the server's JIT
    file="$TMP/export.$size.ndjson"
    timed=no
    [ "$size" != 100k ] || timed=yes
    if [ "$size" = 100k ]; then
        measure export "$size" raw yes "" -- "$RAW_TREE_BIN" walk --acl --count "$SERVER" "$tree"
        measure export "$size" raw-8s yes "" -- "$RAW_TREE_BIN" walk --acl --acl-sessions 8 --count "$SERVER" "$tree"
    fi
    measure export "$size" zksh "$timed" "" -- "$ZKSH_BIN" -s "$SERVER" export "$tree" --out "$file"
    measure import "$size" zksh "$timed" "/bench/i$size" -- "$ZKSH_BIN" -s "$SERVER" import "$file" "/bench/i$size"
    gone "/bench/i$size"
    if [ "$size" = 100k ] || [ "$size" = 10k ]; then
        measure cp "$size" zksh "$timed" "/bench/k$size" -- "$ZKSH_BIN" -s "$SERVER" cp -r "$tree" "/bench/k$size"
        gone "/bench/k$size"
    fi
    if [ "$size" = 10k ]; then
        if [ -n "$zk_shell_note" ]; then
            record cp 10k zk-shell "" "" "$zk_shell_note"
            record mirror 10k zk-shell "" "" "$zk_shell_note"
        else
            measure cp 10k zk-shell no /bench/z10k -- \
                "$ZK_SHELL_BIN" --run-once "cp $tree /bench/z10k true true" "$SERVER"
            gone /bench/z10k
            measure mirror 10k zk-shell no /bench/z10k -- \
                "$ZK_SHELL_BIN" --run-once "mirror $tree /bench/z10k false false true" "$SERVER"
            gone /bench/z10k
        fi
        measure mirror 10k zksh no /bench/m10k -- "$ZKSH_BIN" -s "$SERVER" mirror --once "$tree" /bench/m10k
        gone /bench/m10k
    fi
    [ "$size" = 10k ] || [ "$size" = 100k ] || gone "$tree"
done

# ---------------------------------------------------------------- report
echo
echo "moving trees against ZooKeeper $SERVER (one standalone server, forceSync=${FORCE_SYNC:-no})"
echo "trees /bench/cSIZE: P parents x $CHILDREN children, data 'zksh-bench NAME'; 10k: P=10, 100k: P=100, 1m: P=1000"
echo "median wall time of $RUNS runs (hyperfine) where timed; else the one checked run; peak RSS of the checked run"
echo
printf '%-8s %-5s %-9s %9s %8s %10s  %s\n' op size tool seconds "vs raw" "RSS MiB" note
for i in "${!r_op[@]}"; do
    raw="$(lookup "${r_op[$i]}" "${r_size[$i]}" raw)"
    vs=""
    [ -z "${r_s[$i]}" ] || [ -z "$raw" ] || vs="$(ratio "${r_s[$i]}" "$raw")"
    rss=""
    [ -z "${r_rss[$i]}" ] || rss="$(mib "${r_rss[$i]}")"
    printf '%-8s %-5s %-9s %9s %8s %10s  %s\n' "${r_op[$i]}" "${r_size[$i]}" "${r_tool[$i]}" \
        "${r_s[$i]:--}" "${vs:--}" "${rss:--}" "${r_note[$i]}"
done

echo
echo "targets (the issue's):"
verdict() { if awk -v v="$1" -v lim="$2" 'BEGIN { exit !(v != "" && v + 0 <= lim + 0) }'; then echo PASS; else echo FAIL; fi; }
target() {
    local what=$1 value=$2 limit=$3 unit=$4
    if [ -z "$value" ]; then
        printf '  %-44s %8s  (not measured)\n' "$what" "-"
    else
        printf '  %-44s %8s %-3s <= %s: %s\n' "$what" "$value" "$unit" "$limit" "$(verdict "$value" "$limit")"
    fi
}
exp_s="$(lookup export 100k zksh)"
raw_s="$(lookup export 100k raw)"
target "export 100k vs raw walk + getACL" "$([ -z "$exp_s" ] || [ -z "$raw_s" ] || ratio "$exp_s" "$raw_s")" 1.5 x
raw8_s="$(lookup export 100k raw-8s)"
target "export 100k vs raw-8s (same eight sessions)" "$([ -z "$exp_s" ] || [ -z "$raw8_s" ] || ratio "$exp_s" "$raw8_s")" 1.5 x
target "import 100k" "$(lookup import 100k zksh)" 1.5 s
target "cp 100k within one cluster" "$(lookup cp 100k zksh)" 3 s
for size in "${ALL_SIZES[@]}"; do
    [ "$size" != 10k ] || continue
    for op in export import; do
        kb="$(lookup "$op" "$size" zksh rss)"
        target "peak RSS of $op $size" "$([ -z "$kb" ] || mib "$kb")" "$RSS_LIMIT_MIB" MiB
    done
done
