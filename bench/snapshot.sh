#!/usr/bin/env bash
# bench/snapshot.sh - reading ZooKeeper's own files offline: zksh --snapshot on a snapshot of
# ~1M znodes beside ZooKeeper's SnapshotFormatter dumping the same file, and zksh replaying
# ~1M logged transactions; wall time, peak RSS, and the issue's targets with PASS/FAIL.
#
# Starts one throwaway standalone ZooKeeper on a free loopback port with snapCount set high
# (SNAP_COUNT), so that the only snapshot while the tree is built is the empty one the server
# writes at start-up (snapshot.0). `raw_tree build --single` then builds /bench/s (P parents x
# 1,000 children, data 'zksh-bench NAME', one create request per znode: one logged txn per
# znode; untimed). The data dir then holds snapshot.0 and ~1M txns in its logs: it is copied
# as the replay dir. The server is restarted: loading the logs, it writes a snapshot holding
# every znode, the snapshot measured. The server is stopped before anything is timed.
#
#   formatter   java ... org.apache.zookeeper.server.SnapshotFormatter FILE >/dev/null (no -d)
#   load        zksh --snapshot FILE pwd        (load the snapshot, reach the prompt, exit)
#   count       zksh --snapshot FILE count /
#   replay      zksh --snapshot REPLAY_DIR pwd       (snapshot.0 + ~1M logged txns, to the prompt)
#   base        zksh --snapshot BASE_DIR pwd         (snapshot.0 alone: start-up, no replay)
#   replay-count  zksh --snapshot REPLAY_DIR count / (the same, and a walk of the tree)
# Replay time = replay - base. (count / walks the loaded tree through the loopback server
# zksh serves it on: its time over pwd's is that walk, the same with or without a replay.) Every command gets RUNS plainly timed runs under
# /usr/bin/time -v (median wall time, largest peak RSS); a failing run stops the row.
#
# Environment:
#   PARENTS=1000      parents of 1,000 children each (1000: 1,001,001 znodes under /bench/s)
#   RUNS=3            runs of each command
#   SNAP_COUNT=100000000  the server's snapCount (high: no snapshot while building)
#   NO_BUILD=1        do not run cargo; use whatever binaries exist
#   ZKSH=path         zksh binary to use instead of target/release/zksh
#   RAW_TREE=path     builder instead of target/release/examples/raw_tree
#   FORCE_SYNC=yes    let the server fsync its transaction log (default: no)
#   KEEP_TMP=1        keep the temp dir (data dirs, server log, outputs)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PARENTS="${PARENTS:-1000}"
CHILDREN=1000
RUNS="${RUNS:-3}"
SNAP_COUNT="${SNAP_COUNT:-100000000}"
TREE=/bench/s
FORMATTER_CP=/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-api.jar

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'snapshot.sh: %s\n' "$*" >&2; exit 1; }

for v in PARENTS RUNS SNAP_COUNT; do
    { [[ "${!v}" =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 ]; } || die "$v must be a positive number, got '${!v}'"
done

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_prerequisites
bench_need_gnu_time
bench_build raw_tree RAW_TREE "tree builder (build --single: one create per znode)"
RAW_TREE_BIN="$RAW_BIN"
[ -z "$zksh_note" ] || die "zksh: $zksh_note"
bench_start_server

# ---------------------------------------------------------------- helpers
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
median_of() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

stop_server() {
    [ -n "$ZK_PID" ] || return 0
    kill "$ZK_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$ZK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$ZK_PID" 2>/dev/null || true
    wait "$ZK_PID" 2>/dev/null || true
    ZK_PID=""
}

# start_server: the server bench_start_server started, again, on the same config and data dir.
start_server() {
    local classpath="$TMP/conf:$ZK_JAR" jar i
    for jar in /usr/share/java/slf4j-log4j12.jar /usr/share/java/log4j-1.2.jar; do
        if [ -f "$jar" ]; then classpath="$classpath:$jar"; fi
    done
    java -cp "$classpath" org.apache.zookeeper.server.quorum.QuorumPeerMain "$TMP/conf/zoo.cfg" \
        >>"$TMP/server.out" 2>&1 </dev/null &
    ZK_PID=$!
    # ruok is answered before the data is loaded; srvr says "Mode:" once the server serves,
    # after loading the data dir and writing its start-up snapshot.
    for i in $(seq 1200); do
        srvr | grep -q '^Mode:' && return 0
        kill -0 "$ZK_PID" 2>/dev/null || { tail -50 "$TMP/server.out" "$TMP/zookeeper.log" >&2 2>/dev/null || true; die "ZooKeeper exited"; }
        [ "$i" = 1200 ] && die "ZooKeeper did not answer ruok within 120 s (see $TMP)"
        sleep 0.1
    done
}

srvr() {
    # shellcheck disable=SC2016 # $1 is expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf srvr >&3 && cat <&3' _ "$PORT" 2>/dev/null || true
}

newest_snapshot() {
    find "$1" -maxdepth 1 -name 'snapshot.*' -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2-
}

# Results by name: median seconds, peak RSS KiB, first line of output, note.
declare -A r_s=() r_rss=() r_out=() r_note=()
# measure NAME OUT CMD...: RUNS runs under /usr/bin/time -v; median wall time, largest peak
# RSS. OUT: "keep" keeps stdout (its first line is shown), "null" sends it to /dev/null.
measure() {
    local name=$1 out=$TMP/out i t0 t1 rc times=() rss=0 r
    [ "$2" = keep ] || out=/dev/null
    shift 2
    log "$name: $RUNS runs of $*"
    for ((i = 0; i < RUNS; i++)); do
        rc=0
        t0=$(date +%s%N)
        /usr/bin/time -v -o "$TMP/time.out" "$@" >"$out" 2>"$TMP/err" </dev/null || rc=$?
        t1=$(date +%s%N)
        if [ "$rc" != 0 ]; then
            r_note[$name]="failed (exit $rc): $(head -c 300 "$TMP/err" | tr '\n' ' ')"
            printf -- '--- %s failed (exit %s):\n%s\n---\n' "$name" "$rc" "$(head -c 2000 "$TMP/err")" >&2
            return
        fi
        times+=($((t1 - t0)))
        r="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/time.out")"
        [ "${r:-0}" -le "$rss" ] || rss=$r
    done
    r_s[$name]="$(secs "$(printf '%s\n' "${times[@]}" | median_of)")"
    r_rss[$name]=$rss
    [ "$out" = /dev/null ] || r_out[$name]="$(head -c 200 "$out" | head -1)"
}

# ---------------------------------------------------------------- the files
log "restarting ZooKeeper with snapCount=$SNAP_COUNT on an empty data dir"
stop_server
rm -rf "$TMP/data/version-2"
echo "snapCount=$SNAP_COUNT" >>"$TMP/conf/zoo.cfg"
start_server
znodes=$((1 + PARENTS + PARENTS * CHILDREN))
log "building $TREE: $PARENTS x $CHILDREN ($znodes znodes), one create request each"
t0=$(date +%s%N)
"$RAW_TREE_BIN" build --single "$SERVER" "$TREE" "$PARENTS" "$CHILDREN" >"$TMP/build.out" 2>&1 ||
    { cat "$TMP/build.out" >&2; die "cannot build $TREE"; }
t1=$(date +%s%N)
build_s="$(secs $((t1 - t0)))"
stop_server

DATA="$TMP/data/version-2"
snaps_before="$(find "$DATA" -maxdepth 1 -name 'snapshot.*' -printf '%f ')"
[ "$snaps_before" = "snapshot.0 " ] ||
    die "expected only snapshot.0 after building the tree, found: $snaps_before (raise SNAP_COUNT)"
logs="$(find "$DATA" -maxdepth 1 -name 'log.*' | wc -l)"
log_bytes="$(find "$DATA" -maxdepth 1 -name 'log.*' -printf '%s\n' | awk '{ s += $1 } END { print s }')"
REPLAY="$TMP/replay/version-2"
BASE="$TMP/base/version-2"
mkdir -p "$REPLAY" "$BASE"
# Hard links: the server writes new files and never rewrites these.
ln "$DATA"/snapshot.0 "$DATA"/log.* "$REPLAY"/
ln "$DATA"/snapshot.0 "$BASE"/

log "restarting ZooKeeper: it loads the logs and writes a snapshot holding the whole tree"
start_server
stop_server
SNAP="$(newest_snapshot "$DATA")"
if [ -z "$SNAP" ] || [ "$(basename "$SNAP")" = snapshot.0 ]; then
    die "the server wrote no snapshot at start-up (newest: ${SNAP:-none})"
fi
snap_bytes="$(stat -c %s "$SNAP")"
SNAPDIR="$TMP/snap/version-2"
mkdir -p "$SNAPDIR"
ln "$SNAP" "$SNAPDIR"/
SNAP="$SNAPDIR/$(basename "$SNAP")"

# ---------------------------------------------------------------- measurements
measure formatter null java -cp "$FORMATTER_CP" org.apache.zookeeper.server.SnapshotFormatter "$SNAP"
measure load keep "$ZKSH_BIN" --snapshot "$SNAP" pwd
measure count keep "$ZKSH_BIN" --snapshot "$SNAP" count /
measure replay keep "$ZKSH_BIN" --snapshot "$TMP/replay" pwd
measure base keep "$ZKSH_BIN" --snapshot "$TMP/base" pwd
measure replay-count keep "$ZKSH_BIN" --snapshot "$TMP/replay" count /

# ---------------------------------------------------------------- report
echo
echo "reading ZooKeeper's files offline (ZooKeeper $(dpkg-query -W -f '${Version}' zookeeper 2>/dev/null || echo "?"); the server stopped while timing)"
echo "tree $TREE: $PARENTS parents x $CHILDREN children, data 'zksh-bench NAME', built with raw_tree build --single (one create request each) in $build_s s, untimed"
echo "snapshot $(basename "$SNAP"): $snap_bytes bytes ($(mib $((snap_bytes / 1024))) MiB), written by the server at start-up"
echo "replay dir: snapshot.0 + $logs log file(s), $log_bytes bytes, holding $((znodes + 1)) create txns, one per znode from /bench on (plus the session's open and close)"
echo "median wall time of $RUNS runs; peak RSS: the largest of the runs"
echo
fmt='%-10s %-64s %9s %9s  %s\n'
# shellcheck disable=SC2059 # fmt is the row format
printf "$fmt" row command "wall s" "RSS MiB" "output / note"
# shellcheck disable=SC2059
printf "$fmt" ---------- ---------------------------------------------------------------- --------- --------- ----
row() {
    local name=$1 cmd=$2 s="${r_s[$1]:-}" rss=""
    [ -z "${r_rss[$name]:-}" ] || rss="$(mib "${r_rss[$name]}")"
    # shellcheck disable=SC2059
    printf "$fmt" "$name" "$cmd" "${s:--}" "${rss:--}" "${r_note[$name]:-${r_out[$name]:-}}" | sed 's/ *$//'
}
row formatter "SnapshotFormatter FILE >/dev/null (without -d: no data)"
row load "zksh --snapshot FILE pwd"
row count "zksh --snapshot FILE count /"
row replay "zksh --snapshot REPLAY_DIR pwd (snapshot.0 + logs)"
row base "zksh --snapshot BASE_DIR pwd (snapshot.0 alone)"
row replay-count "zksh --snapshot REPLAY_DIR count /"

replay_s=""
if [ -n "${r_s[replay]:-}" ] && [ -n "${r_s[base]:-}" ]; then
    replay_s="$(awk -v a="${r_s[replay]}" -v b="${r_s[base]}" 'BEGIN { printf "%.3f", a - b }')"
fi
load_ratio="" count_ratio="" load_rss="" count_rss=""
[ -z "${r_s[formatter]:-}" ] || [ -z "${r_s[load]:-}" ] || load_ratio="$(ratio "${r_s[formatter]}" "${r_s[load]}")"
[ -z "${r_s[formatter]:-}" ] || [ -z "${r_s[count]:-}" ] || count_ratio="$(ratio "${r_s[formatter]}" "${r_s[count]}")"
[ -z "${r_rss[load]:-}" ] || load_rss="$(ratio "${r_rss[load]}" $((snap_bytes / 1024)))"
[ -z "${r_rss[count]:-}" ] || count_rss="$(ratio "${r_rss[count]}" $((snap_bytes / 1024)))"

echo
echo "replay of the logged txns: replay - base = ${replay_s:-n/a} s"
echo "SnapshotFormatter peak RSS / file size: $(ratio "${r_rss[formatter]:-0}" $((snap_bytes / 1024)))x"

# target LABEL VALUE OP THRESHOLD: PASS when VALUE OP THRESHOLD (awk comparison); n/a without VALUE.
target() {
    local label=$1 value=$2 cmp=$3 threshold=$4
    if [ -z "$value" ]; then
        printf '  %-58s %10s  %s\n' "$label" "n/a" "not measured"
    elif awk -v v="$value" -v t="$threshold" "BEGIN { exit !(v $cmp t) }"; then
        printf '  %-58s %10s  PASS\n' "$label" "$value"
    else
        printf '  %-58s %10s  FAIL\n' "$label" "$value"
    fi
}
echo
echo "targets:"
target "load to prompt: SnapshotFormatter / zksh pwd (>= 5x)" "$load_ratio" ">=" 5
target "count /: SnapshotFormatter / zksh count (>= 5x)" "$count_ratio" ">=" 5
target "load: zksh peak RSS / snapshot file size (< 2x)" "$load_rss" "<" 2
target "count /: zksh peak RSS / snapshot file size (< 2x)" "$count_rss" "<" 2
target "replay of $((znodes + 1)) logged single-create txns, s (< 5)" "$replay_s" "<" 5
