#!/usr/bin/env bash
# bench/lib.sh - what the benchmarks here share: prerequisites, the release build of zksh and of
# the benchmark's raw zookeeper-client program, and one throwaway standalone ZooKeeper on a free
# loopback port, stopped (and its temp dir removed) however the script ends.
#
# Sourced by bench/*.sh after they define ROOT, log and die. Sets RAW_BIN, ZKSH_BIN, zksh_note
# (why zksh is skipped, if it is), TMP, PORT, SERVER and ZK_PID; and, on request,
# ZK_SHELL_BIN with zk_shell_note, and hf_flags.

# shellcheck disable=SC2034 # the variables set here are read by the scripts that source it
ZK_JAR=/usr/share/java/zookeeper.jar

apt_updated=""
apt_install() {
    if [ -z "$apt_updated" ]; then
        apt-get update -qq >&2 || die "apt-get update failed"
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# Installs hyperfine and Debian's zookeeper when missing.
bench_prerequisites() {
    command -v python3 >/dev/null || die "python3 is required (free port, JSON parsing)"
    if ! command -v hyperfine >/dev/null; then
        log "installing hyperfine"
        apt_install hyperfine || die "cannot install hyperfine"
    fi
    if [ ! -f "$ZK_JAR" ]; then
        log "installing Debian's zookeeper"
        apt_install zookeeper || die "cannot install zookeeper"
    fi
    command -v java >/dev/null || die "java not found (it comes with Debian's zookeeper package)"
}

# Installs GNU time when missing: `/usr/bin/time -v` gives the peak RSS.
bench_need_gnu_time() {
    if [ ! -x /usr/bin/time ]; then
        log "installing GNU time (peak RSS)"
        apt_install time || die "cannot install GNU time (/usr/bin/time -v gives the peak RSS)"
    fi
}

# bench_build EXAMPLE OVERRIDE_VAR ROLE: builds zksh and the example (unless NO_BUILD), keeping
# whichever of the two builds; dies without the raw program, which every comparison needs.
bench_build() {
    local example=$1 override_var=$2 role=$3
    local override="${!override_var:-}"
    local raw_note=""
    RAW_BIN="${override:-$ROOT/target/release/examples/$example}"
    ZKSH_BIN="${ZKSH:-$ROOT/target/release/zksh}"
    zksh_note=""
    if [ -z "${NO_BUILD:-}" ]; then
        log "cargo build --release --bin zksh --example $example"
        if ! (cd "$ROOT" && cargo build --release --bin zksh --example "$example"); then
            # Find out which of the two is broken and keep the other one.
            if [ -z "$override" ] && ! (cd "$ROOT" && cargo build --release --example "$example"); then
                raw_note="build failed"
            fi
            if [ -z "${ZKSH:-}" ] && ! (cd "$ROOT" && cargo build --release --bin zksh); then
                zksh_note="skipped (build failed)"
            fi
        fi
    fi
    if [ -n "$raw_note" ] || [ ! -x "$RAW_BIN" ]; then
        die "$role $RAW_BIN: ${raw_note:-not found}; nothing to compare against (set $override_var=path to use a prebuilt one)"
    fi
    if [ -z "$zksh_note" ] && [ ! -x "$ZKSH_BIN" ]; then
        zksh_note="skipped (not built: $ZKSH_BIN missing)"
    fi
}

bench_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$ZK_PID" ] && kill -0 "$ZK_PID" 2>/dev/null; then
        kill "$ZK_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$ZK_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$ZK_PID" 2>/dev/null || true
        wait "$ZK_PID" 2>/dev/null || true
    fi
    if [ -n "${KEEP_TMP:-}" ]; then
        log "kept $TMP"
    elif [ -n "$TMP" ]; then
        rm -rf "$TMP"
    fi
    exit "$rc"
}

ruok() {
    # shellcheck disable=SC2016 # $1 is expanded by the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf ruok >&3 && cat <&3' _ "$PORT" 2>/dev/null || true
}

# Starts the server and waits until it answers. forceSync=no (FORCE_SYNC=yes to change it):
# every run opens, writes and closes sessions, all logged transactions, and fsyncs would
# measure the disk more than the client.
bench_start_server() {
    TMP="$(mktemp -d "${TMPDIR:-/tmp}/zksh-bench.XXXXXX")"
    ZK_PID=""
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    SERVER="127.0.0.1:$PORT"
    mkdir -p "$TMP/conf" "$TMP/data"
    cat >"$TMP/conf/zoo.cfg" <<CONFIG
tickTime=2000
dataDir=$TMP/data
clientPort=$PORT
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=*
forceSync=${FORCE_SYNC:-no}
CONFIG
    cat >"$TMP/conf/log4j.properties" <<LOG4J
log4j.rootLogger=WARN, FILE
log4j.appender.FILE=org.apache.log4j.FileAppender
log4j.appender.FILE.File=$TMP/zookeeper.log
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %m%n
LOG4J
    # Debian's zookeeper.jar carries no slf4j binding on its Class-Path; add the log4j one
    # when present so the properties above apply.
    local classpath="$TMP/conf:$ZK_JAR" jar i
    for jar in /usr/share/java/slf4j-log4j12.jar /usr/share/java/log4j-1.2.jar; do
        if [ -f "$jar" ]; then classpath="$classpath:$jar"; fi
    done
    log "starting ZooKeeper on $SERVER (data in $TMP)"
    java -cp "$classpath" org.apache.zookeeper.server.quorum.QuorumPeerMain "$TMP/conf/zoo.cfg" \
        >"$TMP/server.out" 2>&1 </dev/null &
    ZK_PID=$!
    for i in $(seq 300); do
        [ "$(ruok)" = imok ] && return 0
        kill -0 "$ZK_PID" 2>/dev/null || { cat "$TMP/server.out" "$TMP/zookeeper.log" >&2 2>/dev/null || true; die "ZooKeeper exited"; }
        [ "$i" = 300 ] && die "ZooKeeper did not answer ruok within 30 s (see $TMP)"
        sleep 0.1
    done
}

# Finds zk-shell (ZK_SHELL, or PATH), installing it with pip when missing; sets ZK_SHELL_BIN, or
# zk_shell_note saying why it is skipped.
bench_find_zk_shell() {
    ZK_SHELL_BIN="${ZK_SHELL:-$(command -v zk-shell || true)}"
    zk_shell_note=""
    if [ -z "$ZK_SHELL_BIN" ]; then
        log "installing zk-shell with pip"
        if python3 -m pip install -q zk-shell >"$TMP/pip.out" 2>&1; then
            hash -r
            ZK_SHELL_BIN="$(command -v zk-shell || true)"
        fi
        [ -n "$ZK_SHELL_BIN" ] || zk_shell_note="skipped (not installed; pip install zk-shell failed)"
    fi
}

# hf_flags: hyperfine's common flags. -N (no intermediate shell) exists since hyperfine 1.13;
# otherwise hyperfine subtracts the shell's spawn time as usual.
bench_hyperfine_flags() {
    hf_flags=(--style none)
    if hyperfine --help 2>/dev/null | grep -q -- '--shell=none\|-N, '; then
        hf_flags+=(-N)
    fi
}
