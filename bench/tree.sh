#!/usr/bin/env bash
# bench/tree.sh - zksh's tree commands on large trees, side by side with zkCli.sh, zk-shell
# and a raw batched zookeeper-client program, in one run: wall time, ratio to the raw
# baseline, peak RSS, and the issue's targets with PASS/FAIL.
#
# Starts one throwaway standalone ZooKeeper on a free loopback port. For each size it builds
# /bench/tSIZE (P parents p0000.. with 1 000 children n0000.. each, data "zksh-bench NAME";
# 10k: P=10, 100k: P=100, 1m: P=1000) with bench/raw_tree.rs (multi-writes of 200 creates,
# 8 in flight; untimed), then times:
#   ls -R      zksh ls -R | zkCli.sh ls -R (up to 100k) | zk-shell tree | raw_tree walk
#   find       zksh find --name 'n0004*' | zk-shell find | raw_tree walk --name
#   grep       zksh grep n0004 | zk-shell grep | raw_tree walk --grep (reads data)
#   du         zksh du | raw_tree walk --data --count
#   count      zksh count | zkCli.sh getAllChildrenNumber | raw_tree walk --count
#   survey     zksh survey | raw_tree walk --data --count
#   delete -r  zksh delete -r | zkCli.sh deleteall (up to 100k) | zk-shell rmr | raw_delete
#              (the tree is rebuilt, untimed, before every delete)
# plus the peak RSS of each tool's checked run (/usr/bin/time -v) and the time to the first
# line of `zksh ls -R` (measured from a pipe by python3).
#
# The 10k tree is always measured: zk-shell's commands run there first, and on 100k only when
# ten times their 10k figure stays within ZK_SHELL_LIMIT seconds; every zk-shell row says
# which size it was measured on, and its ratio compares raw on that same size.
# A zksh command that fails (not built yet on this branch: "unrecognized subcommand", or any
# non-zero exit) is listed as skipped, and the run goes on.
#
# Environment:
#   SIZES="100k 1m"   tree sizes to measure (10k, 100k, 1m); 10k is measured in any case
#   RUNS=5            hyperfine runs for raw and zksh (walks and deletes alike)
#   SLOW_RUNS=1       plainly timed runs for zkCli.sh and zk-shell (median)
#   FIRST_RUNS=5      runs of the time-to-first-line measurement
#   ZK_SHELL_LIMIT=60 seconds zk-shell may be expected to take on 100k (10 x its 10k time)
#   ZKCLI_MAX=100k    largest size zkCli.sh's ls -R and deleteall run on (~16 s each at 100k)
#   NO_BUILD=1        do not run cargo; use whatever binaries exist
#   ZKSH=path         zksh binary to use instead of target/release/zksh
#   RAW_TREE=path     raw walker/builder instead of target/release/examples/raw_tree
#   RAW_DELETE=path   raw deleter instead of target/release/examples/raw_delete
#   ZKCLI=path        zkCli.sh to use (default /usr/share/zookeeper/bin/zkCli.sh)
#   ZK_SHELL=path     zk-shell to use (default: the one on PATH, pip-installed if missing)
#   FORCE_SYNC=yes    let the server fsync its transaction log (default: no)
#   KEEP_TMP=1        keep the temp dir (server log, outputs, hyperfine JSON)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES="${SIZES:-100k 1m}"
RUNS="${RUNS:-5}"
SLOW_RUNS="${SLOW_RUNS:-1}"
FIRST_RUNS="${FIRST_RUNS:-5}"
ZK_SHELL_LIMIT="${ZK_SHELL_LIMIT:-60}"
ZKCLI_MAX="${ZKCLI_MAX:-100k}"
ZKCLI="${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}"
CHILDREN=1000
FIND_NAME='n0004*'        # one leaf per parent
ZK_SHELL_FIND='/n0004[^/]*$' # the same, as zk-shell's regular expression on the relative path
GREP_TEXT=n0004           # in the data of one leaf per parent ("zksh-bench n0004")

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'tree.sh: %s\n' "$*" >&2; exit 1; }

for v in RUNS SLOW_RUNS FIRST_RUNS ZK_SHELL_LIMIT; do
    { [[ "${!v}" =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 ]; } || die "$v must be a positive number, got '${!v}'"
done
[ "$RUNS" -ge 2 ] || die "RUNS must be at least 2 (hyperfine)"
parents_of() {
    case "$1" in
        10k) echo 10 ;; 100k) echo 100 ;; 1m) echo 1000 ;;
        *) return 1 ;;
    esac
}
for s in $SIZES $ZKCLI_MAX; do
    parents_of "$s" >/dev/null || die "unknown size '$s' (SIZES and ZKCLI_MAX take 10k, 100k, 1m)"
done
# Every size once, smallest first, 10k always (zk-shell starts there).
mapfile -t ALL_SIZES < <(for s in 10k $SIZES; do echo "$(parents_of "$s") $s"; done | sort -n -u | awk '{print $2}')
znodes_of() { local p; p="$(parents_of "$1")"; echo $((1 + p + p * CHILDREN)); }
tree_of() { echo "/bench/t$1"; }

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_prerequisites
bench_need_gnu_time
bench_build raw_delete RAW_DELETE "raw deleter"
RAW_DELETE_BIN="$RAW_BIN"
bench_build raw_tree RAW_TREE "raw walker (it builds the trees and is the baseline)"
RAW_TREE_BIN="$RAW_BIN"
heap="$(java -XX:+PrintFlagsFinal -version 2>/dev/null | awk '$2 == "MaxHeapSize" {print int($4 / 1048576)}')"
log "server JVM default max heap: ${heap:-unknown} MiB (1M znodes of this tree need a few hundred)"
if [ -n "$heap" ] && [ "$heap" -lt 1024 ]; then
    log "warning: a max heap under 1 GiB may not hold the 1m tree"
fi
bench_start_server
bench_find_zk_shell
bench_hyperfine_flags
zkcli_note=""
[ -x "$ZKCLI" ] || zkcli_note="skipped (not installed)"
[ -n "$zk_shell_note" ] || [ -x "$ZK_SHELL_BIN" ] || zk_shell_note="skipped (not installed)"

# ---------------------------------------------------------------- helpers
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
ms_secs() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1e3 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
median_s() {
    python3 -c 'import json, sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"
}
median_of() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

build_tree() {
    local size=$1 p t0 t1
    p="$(parents_of "$size")"
    t0=$(date +%s%N)
    "$RAW_TREE_BIN" build "$SERVER" "$(tree_of "$size")" "$p" "$CHILDREN" >"$TMP/build.out" 2>&1 ||
        { cat "$TMP/build.out" >&2; die "cannot build $(tree_of "$size")"; }
    t1=$(date +%s%N)
    echo "$size $(((t1 - t0) / 1000000))" >>"$TMP/builds"
}

# prepare.sh SIZE: deletes a tree the previous run left behind (counted in $TMP/leftover) and
# rebuilds it. hyperfine runs it before every timed delete; it is not part of the timing.
cat >"$TMP/prepare.sh" <<EOF
#!/usr/bin/env bash
set -u
size="\$1"; parents="\$2"; tree="\$3"
out="\$("$RAW_DELETE_BIN" "$SERVER" "\$tree" 2>&1)"
case "\$out" in
    deleted*) echo "\$out" >>"$TMP/leftover" ;;
    *"no such znode"*) ;;
    *) echo "prepare: cannot check for a leftover \$tree: \$out" >&2; exit 1 ;;
esac
t0=\$(date +%s%N)
"$RAW_TREE_BIN" build "$SERVER" "\$tree" "\$parents" $CHILDREN >"$TMP/build.out" 2>&1 || { cat "$TMP/build.out" >&2; exit 1; }
t1=\$(date +%s%N)
echo "\$size \$(( (t1 - t0) / 1000000 ))" >>"$TMP/builds"
EOF
chmod +x "$TMP/prepare.sh"
prepare() { "$TMP/prepare.sh" "$1" "$(parents_of "$1")" "$(tree_of "$1")" || die "cannot rebuild $(tree_of "$1")"; }
# tree_gone SIZE: 0 when the tree is gone, 1 when it was there (and is now deleted).
tree_gone() {
    local out
    out="$("$RAW_DELETE_BIN" "$SERVER" "$(tree_of "$1")" 2>&1)" && return 1
    [[ "$out" == *"no such znode"* ]] || die "cannot tell whether $(tree_of "$1") is gone: $out"
}

# Results, one row per measurement.
r_op=()
r_size=()
r_tool=()
r_s=()
r_rss=()
r_lines=()
r_note=()
checks=()
record() {
    r_op+=("$1"); r_size+=("$2"); r_tool+=("$3"); r_s+=("$4"); r_rss+=("$5"); r_lines+=("$6"); r_note+=("$7")
}
# lookup OP SIZE TOOL [FIELD]: a measured row's seconds (or r_rss with FIELD=rss); nothing if none.
lookup() {
    local i
    for i in "${!r_op[@]}"; do
        if [ "${r_op[$i]}" = "$1" ] && [ "${r_size[$i]}" = "$2" ] && [ "${r_tool[$i]}" = "$3" ] && [ -n "${r_s[$i]}" ]; then
            if [ "${4:-}" = rss ]; then echo "${r_rss[$i]}"; else echo "${r_s[$i]}"; fi
            return
        fi
    done
}

# checked_run CMD...: runs it once under /usr/bin/time -v; sets run_rc, run_ns (wall time),
# run_lines (of stdout), run_rss (KiB) and run_err (the first lines of stderr).
checked_run() {
    local t0 t1
    run_rc=0
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$TMP/time.out" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || run_rc=$?
    t1=$(date +%s%N)
    run_ns=$((t1 - t0))
    run_lines="$(wc -l <"$TMP/out")"
    run_rss="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/time.out")"
    run_err="$( (grep -v '^[[:space:]]*$' "$TMP/err" || true) | head -n 3 | tr '\n' ' ' | cut -c 1-160 | sed 's/ *$//')"
}

# why_skipped TOOL: the note for a failed checked run.
why_skipped() {
    if [ "$1" = zksh ]; then
        echo "skipped (not available: exit $run_rc: ${run_err})"
    else
        echo "skipped (exit $run_rc: ${run_err})"
    fi
}

# measure OP SIZE TOOL KIND EXPECT NOTE -- CMD...: one checked run (exit code, lines of output,
# peak RSS), then the timing: KIND fast = hyperfine with RUNS runs; slow = SLOW_RUNS plainly
# timed runs, the checked one included. EXPECT: the lines of output it must print, or empty.
measure() {
    local op=$1 size=$2 tool=$3 kind=$4 expect=$5 note=$6
    shift 7
    if [ -n "$note" ]; then
        record "$op" "$size" "$tool" "" "" "" "$note"
        return
    fi
    log "$op on $size: $tool (checked run)"
    checked_run "$@"
    if [ "$run_rc" != 0 ]; then
        record "$op" "$size" "$tool" "" "" "" "$(why_skipped "$tool")"
        printf -- '--- %s %s failed (exit %s):\n%s\n---\n' "$tool" "$op" "$run_rc" "$(head -c 2000 "$TMP/err")" >&2
        return
    fi
    local check="" s
    if [ -n "$expect" ] && [ "$run_lines" != "$expect" ]; then
        check="INVALID: printed $run_lines lines, expected $expect"
    fi
    checks+=("$op $size $tool: exit 0, $run_lines lines of output${expect:+ (expected $expect)}, peak RSS $(mib "$run_rss") MiB")
    if [ "$kind" = slow ]; then
        local times=("$run_ns") i t0 t1
        for ((i = 1; i < SLOW_RUNS; i++)); do
            t0=$(date +%s%N)
            "$@" >/dev/null 2>&1 </dev/null || true
            t1=$(date +%s%N)
            times+=($((t1 - t0)))
        done
        s="$(secs "$(printf '%s\n' "${times[@]}" | median_of)")"
    else
        local json="$TMP/hf.$op.$size.$tool.json"
        json="${json// /_}"
        if ! hyperfine "${hf_flags[@]}" --runs "$RUNS" --export-json "$json" \
            --command-name "$tool" "$(printf '%q ' "$@")" >&2; then
            record "$op" "$size" "$tool" "" "$run_rss" "$run_lines" "skipped (hyperfine failed)"
            return
        fi
        s="$(median_s "$json")"
    fi
    record "$op" "$size" "$tool" "$s" "$run_rss" "$run_lines" "$check"
}

# measure_delete SIZE TOOL KIND NOTE -- CMD...: the tree is rebuilt before every run (untimed);
# the checked run must leave no tree, and so must every timed one.
measure_delete() {
    local size=$1 tool=$2 kind=$3 note=$4 op="delete -r"
    shift 5
    if [ -n "$note" ]; then
        record "$op" "$size" "$tool" "" "" "" "$note"
        return
    fi
    log "$op on $size: $tool (checked run, tree rebuilt first)"
    prepare "$size"
    checked_run "$@"
    local gone=0
    tree_gone "$size" || gone=1
    if [ "$run_rc" != 0 ] || [ "$gone" = 1 ]; then
        local why
        why="$(why_skipped "$tool")"
        [ "$run_rc" != 0 ] || why="skipped (exit 0, but the tree was still there)"
        record "$op" "$size" "$tool" "" "" "" "$why"
        printf -- '--- %s %s failed (exit %s):\n%s\n---\n' "$tool" "$op" "$run_rc" "$(head -c 2000 "$TMP/err")" >&2
        return
    fi
    local s left=""
    : >"$TMP/leftover"
    if [ "$kind" = slow ]; then
        local times=("$run_ns") i t0 t1
        for ((i = 1; i < SLOW_RUNS; i++)); do
            prepare "$size"
            t0=$(date +%s%N)
            "$@" >/dev/null 2>&1 </dev/null || true
            t1=$(date +%s%N)
            times+=($((t1 - t0)))
            tree_gone "$size" || echo "run $i" >>"$TMP/leftover"
        done
        s="$(secs "$(printf '%s\n' "${times[@]}" | median_of)")"
    else
        local json="$TMP/hf.delete.$size.$tool.json" prep
        json="${json// /_}"
        prep="$(printf '%q ' "$TMP/prepare.sh" "$size" "$(parents_of "$size")" "$(tree_of "$size")")"
        if ! hyperfine "${hf_flags[@]}" --runs "$RUNS" --prepare "$prep" --export-json "$json" \
            --command-name "$tool" "$(printf '%q ' "$@")" >&2; then
            record "$op" "$size" "$tool" "" "$run_rss" "" "skipped (hyperfine failed)"
            tree_gone "$size" || true
            return
        fi
        s="$(median_s "$json")"
        tree_gone "$size" || echo "last run" >>"$TMP/leftover"
    fi
    [ ! -s "$TMP/leftover" ] || left="INVALID: $(wc -l <"$TMP/leftover") run(s) left the tree behind"
    checks+=("$op $size $tool: exit 0 and tree gone after the checked run${left:+; $left}, peak RSS $(mib "$run_rss") MiB")
    record "$op" "$size" "$tool" "$s" "$run_rss" "" "$left"
}

# zk_shell_note_for OP SIZE: empty when zk-shell is to run OP on SIZE, else why not.
zk_shell_note_for() {
    [ -z "$zk_shell_note" ] || { echo "$zk_shell_note"; return; }
    [ "$2" != 10k ] || return 0
    if [ "$2" != 100k ]; then
        echo "not run (zk-shell is run on 10k and 100k only)"
        return
    fi
    local t10
    t10="$(lookup "$1" 10k zk-shell)"
    if [ -z "$t10" ]; then
        echo "not run (no 10k figure to extrapolate from)"
    elif awk -v t="$t10" -v lim="$ZK_SHELL_LIMIT" 'BEGIN { exit !(t * 10 > lim) }'; then
        echo "not run (10k took ${t10} s, ~$(awk -v t="$t10" 'BEGIN { printf "%.0f", t * 10 }') s expected > ZK_SHELL_LIMIT=$ZK_SHELL_LIMIT; see 10k)"
    fi
}
zkcli_note_for() {
    [ -z "$zkcli_note" ] || { echo "$zkcli_note"; return; }
    [ "$(parents_of "$1")" -le "$(parents_of "$ZKCLI_MAX")" ] || echo "not run (over ZKCLI_MAX=$ZKCLI_MAX)"
}

# first_line SIZE: median ms to the first line of zksh ls -R read from a pipe, and to exit.
first_line() {
    python3 - "$FIRST_RUNS" "$ZKSH_BIN" -s "$SERVER" ls -R "$(tree_of "$1")" <<'PY'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
firsts, totals = [], []
for _ in range(runs):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    line = p.stdout.readline()
    t1 = time.perf_counter()
    while p.stdout.read1(1 << 16):
        pass
    rc = p.wait()
    t2 = time.perf_counter()
    if rc != 0 or not line:
        print("exit %d" % rc)
        sys.exit(1)
    firsts.append((t1 - t0) * 1000)
    totals.append((t2 - t0) * 1000)
print("%.1f %.1f" % (statistics.median(firsts), statistics.median(totals)))
PY
}

# ---------------------------------------------------------------- measurements
declare -A first_ms=() exit_ms=()
for size in "${ALL_SIZES[@]}"; do
    tree="$(tree_of "$size")"
    n="$(znodes_of "$size")"
    p="$(parents_of "$size")"
    log "building $tree: $p x $CHILDREN ($n znodes)"
    tree_gone "$size" || true
    build_tree "$size"
    # A fresh JVM runs its first large multis from interpreted code; warm it up untimed.
    "$RAW_TREE_BIN" walk --data --count "$SERVER" "$tree" >/dev/null
    "$RAW_TREE_BIN" walk --data --count "$SERVER" "$tree" >/dev/null

    zs_note="$zksh_note"
    measure "ls -R" "$size" raw fast "$n" "" -- "$RAW_TREE_BIN" walk "$SERVER" "$tree"
    measure "ls -R" "$size" zksh fast "$n" "$zs_note" -- "$ZKSH_BIN" -s "$SERVER" ls -R "$tree"
    measure "ls -R" "$size" zkCli.sh slow "" "$(zkcli_note_for "$size")" -- "$ZKCLI" -server "$SERVER" ls -R "$tree"
    measure "ls -R" "$size" zk-shell slow "" "$(zk_shell_note_for "ls -R" "$size")" -- \
        "${ZK_SHELL_BIN:-zk-shell}" --run-once "tree $tree" "$SERVER"
    if [ -z "$zs_note" ]; then
        log "time to the first line of zksh ls -R on $size ($FIRST_RUNS runs)"
        if fl="$(first_line "$size")"; then
            first_ms[$size]="${fl% *}"
            exit_ms[$size]="${fl#* }"
        else
            first_ms[$size]="failed ($fl)"
        fi
    fi

    measure find "$size" raw fast "$p" "" -- "$RAW_TREE_BIN" walk --name "$FIND_NAME" "$SERVER" "$tree"
    measure find "$size" zksh fast "$p" "$zs_note" -- "$ZKSH_BIN" -s "$SERVER" find "$tree" --name "$FIND_NAME"
    measure find "$size" zk-shell slow "" "$(zk_shell_note_for find "$size")" -- \
        "${ZK_SHELL_BIN:-zk-shell}" --run-once "find $tree $ZK_SHELL_FIND" "$SERVER"

    measure grep "$size" raw fast "$p" "" -- "$RAW_TREE_BIN" walk --grep "$GREP_TEXT" "$SERVER" "$tree"
    measure grep "$size" zksh fast "" "$zs_note" -- "$ZKSH_BIN" -s "$SERVER" grep "$GREP_TEXT" "$tree"
    measure grep "$size" zk-shell slow "" "$(zk_shell_note_for grep "$size")" -- \
        "${ZK_SHELL_BIN:-zk-shell}" --run-once "grep $tree $GREP_TEXT" "$SERVER"

    measure du "$size" raw fast 1 "" -- "$RAW_TREE_BIN" walk --data --count "$SERVER" "$tree"
    measure du "$size" zksh fast "" "$zs_note" -- "$ZKSH_BIN" -s "$SERVER" du "$tree"

    measure count "$size" raw fast 1 "" -- "$RAW_TREE_BIN" walk --count "$SERVER" "$tree"
    measure count "$size" zksh fast "" "$zs_note" -- "$ZKSH_BIN" -s "$SERVER" count "$tree"
    measure count "$size" zkCli.sh slow "" "$zkcli_note" -- "$ZKCLI" -server "$SERVER" getAllChildrenNumber "$tree"

    # survey's baseline is du's: the same walk with data.
    raw_du="$(lookup du "$size" raw)"
    record survey "$size" raw "$raw_du" "$(lookup du "$size" raw rss)" 1 "${raw_du:+(the du row)}"
    measure survey "$size" zksh fast "" "$zs_note" -- "$ZKSH_BIN" -s "$SERVER" survey "$tree"

    measure_delete "$size" raw fast "" -- "$RAW_DELETE_BIN" "$SERVER" "$tree"
    measure_delete "$size" zksh fast "$zs_note" -- "$ZKSH_BIN" -s "$SERVER" delete -r "$tree"
    measure_delete "$size" zkCli.sh slow "$(zkcli_note_for "$size")" -- "$ZKCLI" -server "$SERVER" deleteall "$tree"
    measure_delete "$size" zk-shell slow "$(zk_shell_note_for "delete -r" "$size")" -- \
        "${ZK_SHELL_BIN:-zk-shell}" --run-once "rmr $tree" "$SERVER"
    tree_gone "$size" || true
done

# ---------------------------------------------------------------- report
echo
echo "tree commands against ZooKeeper $SERVER (one standalone server, forceSync=${FORCE_SYNC:-no})"
echo "trees /bench/tSIZE: P parents x $CHILDREN children, data 'zksh-bench NAME'; 10k: P=10, 100k: P=100, 1m: P=1000"
echo "median wall time; runs: $RUNS (raw, zksh; hyperfine), $SLOW_RUNS (zkCli.sh, zk-shell; plainly timed)"
echo "vs raw: wall time / the raw baseline's on the same op and size; peak RSS of the checked run"
echo
fmt='%-10s %-5s %-9s %9s %8s %9s  %s\n'
# shellcheck disable=SC2059 # fmt is the row format
printf "$fmt" op size tool "wall s" "vs raw" "RSS MiB" note
# shellcheck disable=SC2059
printf "$fmt" ---------- ----- --------- --------- -------- --------- ----
for i in "${!r_op[@]}"; do
    s="${r_s[$i]}" vs="" rss=""
    if [ -n "$s" ]; then
        base="$(lookup "${r_op[$i]}" "${r_size[$i]}" raw)"
        [ -z "$base" ] || vs="$(ratio "$s" "$base")x"
    fi
    [ -z "${r_rss[$i]}" ] || rss="$(mib "${r_rss[$i]}")"
    # shellcheck disable=SC2059
    printf "$fmt" "${r_op[$i]}" "${r_size[$i]}" "${r_tool[$i]}" "${s:--}" "${vs:--}" "${rss:--}" "${r_note[$i]}" | sed 's/ *$//'
done

echo
echo "time to the first line of zksh ls -R, read from a pipe (median of $FIRST_RUNS; start to exit beside it):"
for size in "${ALL_SIZES[@]}"; do
    if [ -n "${first_ms[$size]:-}" ]; then
        echo "  $size: first line ${first_ms[$size]} ms; start to exit ${exit_ms[$size]:-?} ms"
    else
        echo "  $size: not measured (${zksh_note:-zksh ls -R unavailable})"
    fi
done

echo
echo "peak RSS of zksh (MiB; the checked run of each command):"
printf '  %-10s' op
for size in "${ALL_SIZES[@]}"; do printf ' %8s' "$size"; done
echo
for op in "ls -R" find grep du count survey "delete -r"; do
    {
        printf '  %-10s' "$op"
        for size in "${ALL_SIZES[@]}"; do
            v="$(lookup "$op" "$size" zksh rss)"
            printf ' %8s' "${v:+$(mib "$v")}"
        done
        echo
    } | sed 's/ *$//'
done

echo
line=""
for op in "ls -R:tree" "find:find" "grep:grep" "delete -r:rmr"; do
    used=""
    for size in "${ALL_SIZES[@]}"; do
        [ -z "$(lookup "${op%%:*}" "$size" zk-shell)" ] || used="$size"
    done
    line="${line:+$line, }${op#*:} ${used:-not measured}"
done
echo "zk-shell measured on (largest size it ran on, ZK_SHELL_LIMIT=$ZK_SHELL_LIMIT s): $line"
echo "slower tools / zksh (same op, same size):"
for i in "${!r_op[@]}"; do
    case "${r_tool[$i]}" in zkCli.sh | zk-shell) ;; *) continue ;; esac
    [ -n "${r_s[$i]}" ] || continue
    z="$(lookup "${r_op[$i]}" "${r_size[$i]}" zksh)"
    name="${r_tool[$i]} ${r_op[$i]}"
    [ "${r_tool[$i]}/${r_op[$i]}" != "zkCli.sh/count" ] || name="zkCli.sh getAllChildrenNumber"
    [ "${r_tool[$i]}/${r_op[$i]}" != "zkCli.sh/delete -r" ] || name="zkCli.sh deleteall"
    [ "${r_tool[$i]}/${r_op[$i]}" != "zk-shell/delete -r" ] || name="zk-shell rmr"
    [ "${r_tool[$i]}/${r_op[$i]}" != "zk-shell/ls -R" ] || name="zk-shell tree"
    if [ -n "$z" ]; then
        echo "  $name / zksh ${r_op[$i]} (${r_size[$i]}): $(ratio "${r_s[$i]}" "$z")x (${r_s[$i]} s vs $z s)"
    else
        echo "  $name (${r_size[$i]}): ${r_s[$i]} s; zksh not measured"
    fi
done

# target LABEL VALUE OP THRESHOLD: PASS when VALUE OP THRESHOLD (awk comparison); n/a without VALUE.
target() {
    local label=$1 value=$2 cmp=$3 threshold=$4 detail=${5:-}
    if [ -z "$value" ]; then
        printf '  %-58s %10s  %s\n' "$label" "n/a" "${detail:-not measured}"
    elif awk -v v="$value" -v t="$threshold" "BEGIN { exit !(v $cmp t) }"; then
        printf '  %-58s %10s  PASS%s\n' "$label" "$value" "${detail:+ $detail}"
    else
        printf '  %-58s %10s  FAIL%s\n' "$label" "$value" "${detail:+ $detail}"
    fi
}
ratio_of() { # ratio_of OP SIZE TOOL_A TOOL_B: A / B, or nothing
    local a b
    a="$(lookup "$1" "$2" "$3")"
    b="$(lookup "$1" "$2" "$4")"
    [ -z "$a" ] || [ -z "$b" ] || ratio "$a" "$b"
}
has_size() { [[ " ${ALL_SIZES[*]} " == *" $1 "* ]]; }

echo
echo "targets:"
target "ls -R 100k: zkCli.sh / zksh (>= 50x)" "$(ratio_of "ls -R" 100k zkCli.sh zksh)" ">=" 50
for size in 100k 1m; do
    has_size "$size" || continue
    for op in "ls -R" find du; do
        target "$op $size: zksh / raw walk (<= 1.5x)" "$(ratio_of "$op" "$size" zksh raw)" "<=" 1.5
    done
done
target "delete -r 100k: zkCli.sh deleteall / zksh (>= 30x)" "$(ratio_of "delete -r" 100k zkCli.sh zksh)" ">=" 30
target "delete -r 1m: zksh / raw delete (<= 1.5x)" "$(ratio_of "delete -r" 1m zksh raw)" "<=" 1.5
fl1m="${first_ms[1m]:-}"
[[ "$fl1m" =~ ^[0-9.]+$ ]] || fl1m=""
target "ls -R 1m: first line (< 100 ms)" "$fl1m" "<" 100
for op in "ls -R" find survey "delete -r"; do
    r1m="$(lookup "$op" 1m zksh rss)"
    r100k="$(lookup "$op" 100k zksh rss)"
    target "$op 1m: peak RSS MiB (< 30)" "${r1m:+$(mib "$r1m")}" "<" 30
    diff=""
    [ -z "$r1m" ] || [ -z "$r100k" ] || diff="$(awk -v a="$r1m" -v b="$r100k" 'BEGIN { printf "%.1f", (a - b) / 1024 }')"
    target "$op: peak RSS 1m - 100k, MiB (<= 5)" "$diff" "<=" 5
done

echo
echo "checks (the checked run of each tool):"
for c in "${checks[@]}"; do
    echo "  $c"
done
echo "tree builds (raw_tree build, multi-writes of 200 creates, 8 in flight; not timed):"
for size in "${ALL_SIZES[@]}"; do
    ms="$(awk -v s="$size" '$1 == s { print $2 }' "$TMP/builds" | median_of)"
    [ -z "$ms" ] || echo "  $size ($(znodes_of "$size") znodes): median $(ms_secs "$ms") s over $(awk -v s="$size" '$1 == s' "$TMP/builds" | wc -l) builds"
done
