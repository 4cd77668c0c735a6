#!/usr/bin/env bash
# bench/delete.sh - wall time of a recursive delete of a large subtree, per tool.
#
# Starts one throwaway standalone ZooKeeper on a free loopback port, then times
# with hyperfine the deletion of /bench/tree: 100 children p1..p100, each with
# NODES/100 children c1..cK, 10 bytes of data each (NODES + 101 znodes in all):
#   raw       bench/raw_delete.rs: bare zookeeper-client program that lists the
#             tree with pipelined multi-reads and deletes it children-first with
#             pipelined multi-writes (200 ops per request, 8 requests in flight)
#   zksh      target/release/zksh -s 127.0.0.1:PORT delete -r /bench/tree
#   zkCli.sh  Debian's /usr/share/zookeeper/bin/zkCli.sh -server ... deleteall /bench/tree
#   zk-shell  zk-shell --run-once 'rmr /bench/tree' 127.0.0.1:PORT
# Before every run (checked and timed alike) hyperfine's --prepare rebuilds the
# same tree with `raw_delete --create` (untimed; its own wall time is reported).
# zk-shell deletes one node per round trip, so by default it gets a smaller tree
# (SLOW_NODES); raw and zksh are then timed on that size too, so that every
# ratio compares the same tree. Every row says which size it was measured on.
# Prints each median, znodes/s, the ratio to raw on the same tree, and
# zkCli.sh / zksh.
#
# Environment:
#   NODES=100000     leaves of the main tree (it holds NODES + 101 znodes)
#   SLOW_NODES=10000 leaves of the tree zk-shell deletes (set to NODES for the full tree)
#   ZKCLI_NODES=$NODES leaves of the tree zkCli.sh deletes
#   RUNS=5           timed runs for raw and zksh
#   SLOW_RUNS=3      timed runs for zkCli.sh and zk-shell
#   WARM_SERVER=2    untimed build + raw delete cycles first, to get the server's JIT warm
#   NO_BUILD=1       do not run cargo; use whatever binaries exist
#   RAW_DELETE=path  raw client to use instead of target/release/examples/raw_delete
#   ZKSH=path        zksh binary to use instead of target/release/zksh
#   ZKCLI=path       zkCli.sh to use (default /usr/share/zookeeper/bin/zkCli.sh)
#   ZK_SHELL=path    zk-shell to use (default: the one on PATH, pip-installed if missing)
#   FORCE_SYNC=yes   let the server fsync its transaction log (default: no)
#   KEEP_TMP=1       keep the temp dir (server log, hyperfine JSON, build times)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODES="${NODES:-100000}"
SLOW_NODES="${SLOW_NODES:-10000}"
ZKCLI_NODES="${ZKCLI_NODES:-$NODES}"
RUNS="${RUNS:-5}"
SLOW_RUNS="${SLOW_RUNS:-3}"
WARM_SERVER="${WARM_SERVER:-2}"
ZKCLI="${ZKCLI:-/usr/share/zookeeper/bin/zkCli.sh}"
TREE=/bench/tree
FANOUT=100 # must match FANOUT in raw_delete.rs

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'delete.sh: %s\n' "$*" >&2; exit 1; }

for v in NODES SLOW_NODES ZKCLI_NODES RUNS SLOW_RUNS WARM_SERVER; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a number, got '${!v}'"
done
[ "$NODES" -ge "$FANOUT" ] || die "NODES must be at least $FANOUT"
[ "$SLOW_NODES" -ge "$FANOUT" ] || die "SLOW_NODES must be at least $FANOUT"
[ "$ZKCLI_NODES" -ge "$FANOUT" ] || die "ZKCLI_NODES must be at least $FANOUT"
{ [ "$RUNS" -ge 2 ] && [ "$SLOW_RUNS" -ge 2 ]; } || die "RUNS and SLOW_RUNS must be at least 2"

# Znodes in the tree built for N leaves: the root, FANOUT parents, N/FANOUT leaves each.
tree_size() { echo $((1 + FANOUT + FANOUT * ($1 / FANOUT))); }

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_prerequisites
bench_build raw_delete RAW_DELETE "raw client (it builds the trees and is the baseline)"
bench_start_server

# ---------------------------------------------------------------- tree helpers
# prepare.sh N: check that the previous run left no tree behind (a leftover is
# deleted and counted in $TMP/leftover), then build the tree for N leaves and
# append the build's wall time in ms to $TMP/build.N. hyperfine runs it before
# every timed run; it is not part of the timing.
cat >"$TMP/prepare.sh" <<EOF
#!/usr/bin/env bash
set -u
n="\$1"
out="\$("$RAW_BIN" "$SERVER" "$TREE" 2>&1)"
case "\$out" in
    deleted*) echo "\$out" >>"$TMP/leftover" ;;
    *"no such znode"*) ;;
    *) echo "prepare: cannot check for a leftover $TREE: \$out" >&2; exit 1 ;;
esac
t0=\$(date +%s%N)
"$RAW_BIN" --create "\$n" "$SERVER" "$TREE" >"$TMP/create.out" 2>&1 || { cat "$TMP/create.out" >&2; exit 1; }
t1=\$(date +%s%N)
echo \$(( (t1 - t0) / 1000000 )) >>"$TMP/build.\$n"
EOF
chmod +x "$TMP/prepare.sh"
: >"$TMP/leftover"

# tree_exists: 0 if $TREE exists, 1 if not, 2 if that cannot be told. Uses
# `zksh exists` (exit 0/1) as the brief asks, or the raw client without zksh.
tree_exists() {
    if [ -z "$zksh_note" ]; then
        local rc=0
        "$ZKSH_BIN" -s "$SERVER" exists "$TREE" >/dev/null 2>&1 || rc=$?
        case "$rc" in 0 | 1) return "$rc" ;; *) return 2 ;; esac
    fi
    local out rc=0
    out="$("$RAW_BIN" "$SERVER" "$TREE" 2>&1)" || rc=$?
    [ "$rc" = 0 ] && return 0 # it existed (and is now deleted)
    [[ "$out" == *"no such znode"* ]] && return 1
    return 2
}
exists_how() { if [ -z "$zksh_note" ]; then echo "zksh exists: exit 1"; else echo "raw_delete: no such znode"; fi; }

bench_find_zk_shell
zkcli_note=""
[ -x "$ZKCLI" ] || zkcli_note="skipped (not installed)"
[ -n "$zk_shell_note" ] || [ -x "$ZK_SHELL_BIN" ] || zk_shell_note="skipped (not installed)"

# A fresh JVM runs its first large multis from interpreted code, noticeably
# slower than later ones; warm it up with a few untimed build + delete cycles
# (which also checks that the raw client works at all).
log "warming up the server: $WARM_SERVER x (build $(tree_size "$NODES") znodes, raw delete)"
for _ in $(seq "$WARM_SERVER"); do
    "$TMP/prepare.sh" "$NODES" || die "cannot build $TREE"
    "$RAW_BIN" "$SERVER" "$TREE" >/dev/null || die "raw client cannot delete $TREE"
done
rm -f "$TMP/build.$NODES"

# ---------------------------------------------------------------- timing
names=()
sizes=()
medians=()
notes=()
checks=()

bench_hyperfine_flags

median_s() {
    python3 -c 'import json, sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"
}

# bench NAME LEAVES RUNS NOTE -- COMMAND...
bench() {
    local name="$1" n="$2" runs="$3" note="$4"
    shift 5
    local size
    size="$(tree_size "$n")"
    names+=("$name")
    sizes+=("$size")
    if [ -n "$note" ]; then
        medians+=("")
        notes+=("$note")
        return
    fi
    # One checked run first, on a fresh tree: its exit code is recorded, and a
    # tool that leaves the tree behind is reported, not timed.
    "$TMP/prepare.sh" "$n" || die "cannot build $TREE"
    local out rc=0 gone=0
    out="$("$@" 2>&1)" || rc=$?
    tree_exists || gone=$?
    if [ "$gone" != 1 ]; then
        medians+=("")
        if [ "$gone" = 0 ]; then
            notes+=("skipped (exit $rc, but $TREE is still there; output on stderr)")
        else
            notes+=("skipped (exit $rc; cannot tell whether $TREE is gone)")
        fi
        checks+=("$name ($size znodes): checked run exit $rc, $TREE NOT deleted")
        printf -- '--- %s did not delete %s:\n%s\n---\n' "$name" "$TREE" "$out" | tail -n 20 >&2
        "$RAW_BIN" "$SERVER" "$TREE" >/dev/null 2>&1 || true
        return
    fi
    local check
    check="$name ($size znodes): checked run exit $rc, $TREE gone afterwards ($(exists_how))"
    # zkCli.sh's exit code does not say whether the delete worked; prepare.sh
    # checks before every rebuild that the previous run deleted the tree.
    local ignore=()
    [ "$rc" = 0 ] || ignore=(-i)
    local cmd prep
    cmd="$(printf '%q ' "$@")"
    prep="$(printf '%q ' "$TMP/prepare.sh" "$n")"
    : >"$TMP/leftover"
    log "timing $name on $size znodes: $runs runs, tree rebuilt before each"
    if hyperfine "${hf_flags[@]}" "${ignore[@]}" --runs "$runs" --prepare "$prep" \
        --export-json "$TMP/$name.$n.json" --command-name "$name" "$cmd" >&2; then
        local left=""
        tree_exists || gone=$?
        [ "$gone" = 1 ] || left="the last run left $TREE behind"
        if [ -s "$TMP/leftover" ]; then
            left="${left:+$left; }$(wc -l <"$TMP/leftover") run(s) left $TREE behind"
        fi
        medians+=("$(median_s "$TMP/$name.$n.json")")
        notes+=("${left:+INVALID: $left}")
        checks+=("$check; ${left:-gone after each of the $runs timed runs}")
        # Leave no tree for the next tool's checks.
        "$RAW_BIN" "$SERVER" "$TREE" >/dev/null 2>&1 || true
    else
        medians+=("")
        notes+=("skipped (hyperfine failed)")
        checks+=("$check; timed runs failed")
        "$RAW_BIN" "$SERVER" "$TREE" >/dev/null 2>&1 || true
    fi
}

# The main tree, then each smaller (or larger) one a slow tool is measured on,
# with raw and zksh timed again on it so every ratio compares the same tree.
ns=("$NODES")
for n in "$ZKCLI_NODES" "$SLOW_NODES"; do
    [[ " ${ns[*]} " == *" $n "* ]] || ns+=("$n")
done
for n in "${ns[@]}"; do
    bench raw "$n" "$RUNS" "" -- "$RAW_BIN" "$SERVER" "$TREE"
    bench zksh "$n" "$RUNS" "$zksh_note" -- "$ZKSH_BIN" -s "$SERVER" delete -r "$TREE"
    if [ "$n" = "$ZKCLI_NODES" ]; then
        bench zkCli.sh "$n" "$SLOW_RUNS" "$zkcli_note" -- "$ZKCLI" -server "$SERVER" deleteall "$TREE"
    fi
    if [ "$n" = "$SLOW_NODES" ]; then
        bench zk-shell "$n" "$SLOW_RUNS" "$zk_shell_note" -- "${ZK_SHELL_BIN:-zk-shell}" --run-once "rmr $TREE" "$SERVER"
    fi
done

# ---------------------------------------------------------------- report
ratio() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
rate() { python3 -c 'import sys; print("%.0f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
median_build() {
    [ -s "$TMP/build.$1" ] || { echo "n/a"; return; }
    sort -n "$TMP/build.$1" | python3 -c 'import sys, statistics; print("%.2f" % (statistics.median(int(l) for l in sys.stdin) / 1000))'
}
# lookup NAME SIZE: the median of that row, or nothing.
lookup() {
    local i
    for i in "${!names[@]}"; do
        if [ "${names[$i]}" = "$1" ] && [ "${sizes[$i]}" = "$2" ] && [ -z "${notes[$i]}" ]; then
            echo "${medians[$i]}"
            return
        fi
    done
}

echo
echo "recursive delete of $TREE against ZooKeeper $SERVER"
echo "tree: $FANOUT children with N/$FANOUT children each, 10 bytes of data per znode; the znodes column is the whole tree"
echo "median wall time; runs: $RUNS (raw, zksh), $SLOW_RUNS (zkCli.sh, zk-shell); tree rebuilt before each run, untimed"
echo
printf '%-10s %8s %10s %10s %9s\n' tool znodes "median s" "znodes/s" "vs raw"
printf '%-10s %8s %10s %10s %9s\n' ---------- -------- ---------- ---------- ---------
for i in "${!names[@]}"; do
    name="${names[$i]}"
    size="${sizes[$i]}"
    s="${medians[$i]}"
    if [ -z "$s" ] || [ -n "${notes[$i]}" ]; then
        if [ -n "$s" ]; then
            printf '%-10s %8s %10s %10s %9s  %s\n' "$name" "$size" "$s" "$(rate "$size" "$s")" "" "${notes[$i]}"
        else
            printf '%-10s %8s %s\n' "$name" "$size" "${notes[$i]}"
        fi
        continue
    fi
    base="$(lookup raw "$size")"
    vs="n/a"
    [ -n "$base" ] && vs="$(ratio "$s" "$base")x"
    printf '%-10s %8s %10s %10s %9s\n' "$name" "$size" "$s" "$(rate "$size" "$s")" "$vs"
done
echo
n_cli="$(tree_size "$ZKCLI_NODES")"
zksh_s="$(lookup zksh "$n_cli")"
zkcli_s="$(lookup zkCli.sh "$n_cli")"
if [ -n "$zksh_s" ] && [ -n "$zkcli_s" ]; then
    echo "zkCli.sh / zksh = $(ratio "$zkcli_s" "$zksh_s")x ($n_cli znodes)"
else
    echo "zkCli.sh / zksh = n/a (needs both)"
fi
n_slow="$(tree_size "$SLOW_NODES")"
zksh_s="$(lookup zksh "$n_slow")"
zk_shell_s="$(lookup zk-shell "$n_slow")"
if [ -n "$zksh_s" ] && [ -n "$zk_shell_s" ]; then
    echo "zk-shell / zksh = $(ratio "$zk_shell_s" "$zksh_s")x ($n_slow znodes)"
else
    echo "zk-shell / zksh = n/a (needs both)"
fi
echo
echo "exit codes and checks (a fresh tree before every run; $TREE must be gone after each):"
for c in "${checks[@]}"; do
    echo "  $c"
done
echo "tree build (raw_delete --create, multi-writes of 200 creates, 8 in flight; not timed):"
for n in "${ns[@]}"; do
    [ -s "$TMP/build.$n" ] || continue
    echo "  $(tree_size "$n") znodes: median $(median_build "$n") s over $(wc -l <"$TMP/build.$n") builds"
done
