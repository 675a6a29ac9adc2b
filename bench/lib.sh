# shellcheck shell=bash
# Shared helpers for the benchmarks in bench/ (sourced, not run).
#
# A lab is three network namespaces named fwpath-b<pid>-{c,r,p}:
#   consumer c  c-r 192.0.2.10/24      route to 198.51.100.0/24 via 192.0.2.1
#   router   r  r-c 192.0.2.1/24, r-p 198.51.100.1/24, forwarding on
#   provider p  p-r 198.51.100.20/24   route to 192.0.2.0/24 via 198.51.100.1
# Documentation addresses only, no default route, no link to the host. Everything a
# benchmark starts (namespaces, processes) is removed by the EXIT/INT/TERM trap, which
# then checks that nothing is left.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
FWPATH=${FWPATH:-$REPO_DIR/build/userspace/fwpath}
BENCH_OUT=${BENCH_OUT:-$BENCH_DIR/out}
BENCH_NAME=${BENCH_NAME:-$(basename "$0")}     # bench/run runs a script twice under two names
BENCH_JSONL="$BENCH_OUT/$BENCH_NAME.jsonl"       # this run's figures, one JSON object a line
mkdir -p "$BENCH_OUT"
: >"$BENCH_JSONL"

LAB_PREFIX="fwpath-b$$"
NS_C="$LAB_PREFIX-c"
NS_R="$LAB_PREFIX-r"
NS_P="$LAB_PREFIX-p"
# A bystander pair (bystander_up), for traffic the tracer is not asked to trace.
NS_X="$LAB_PREFIX-x"
NS_Y="$LAB_PREFIX-y"
BYSTANDER_X_IP=203.0.113.1
BYSTANDER_Y_IP=203.0.113.2
CONSUMER_IP=192.0.2.10
PROVIDER_IP=198.51.100.20

# Microseconds on CLOCK_REALTIME as bash sees it, for timing other tools from outside.
# In a hot loop read $EPOCHREALTIME inline instead: $(now_us) forks.
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

BENCH_PIDS=()  # processes this benchmark started and has not stopped yet
ALL_PIDS=()    # every process it started, for the check at exit
BENCH_TMP=$(mktemp -d "/tmp/fwpath-bench.XXXXXX")

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# What is measured runs at the highest CFS priority, so that other work on the machine
# (a build on the other core) takes as little from it as possible; on a quiet machine this
# changes nothing.
# shellcheck disable=SC2034  # used by the scripts that source this file
MEASURED=(nice -n -19)

# Runs a command inside one of the lab's namespaces.
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Starts a program (not a shell function, so that the pid is the program's own) in the
# background with its output to FILE, and remembers its pid for the teardown. The output is
# opened by the child, so a fifo does not block here. The pid is left in BG_PID.
start_bg() {
  local out=$1
  shift
  "$@" >"$out" 2>&1 {NAP_FD}>&- &
  BG_PID=$!
  BENCH_PIDS+=("$BG_PID") ALL_PIDS+=("$BG_PID")
}

# Sleeps SECONDS without forking: a read with a timeout on a fifo nobody writes to.
mkfifo "$BENCH_TMP/nap"
exec {NAP_FD}<>"$BENCH_TMP/nap"
nap() { read -r -t "$1" -u "$NAP_FD" _ || true; }

# Waits (up to SECONDS, an integer) until the command succeeds; polls every millisecond.
wait_until() {
  local limit_us=$(( $1 * 1000000 )) start=${EPOCHREALTIME/./}
  shift
  until "$@"; do
    (( ${EPOCHREALTIME/./} - start < limit_us )) || return 1
    nap 0.001
  done
}

# Whether the process PID has a netfilter netlink socket (protocol 12, port id PID) in the
# nftables trace group NFNLGRP_NFTRACE (9, bit 8 of the Groups column) in its network namespace.
nftrace_listening() {
  local eth pid groups rest
  while read -r _ eth pid groups rest; do
    [[ $eth == 12 && $pid == "$1" && $groups =~ ^[0-9a-f]+$ ]] && ((16#$groups & 0x100)) && return 0
  done <"/proc/$1/net/netlink"
  return 1
}

# Whether something listens on TCP PORT (IPv4 or IPv6) in the network namespace of PID.
tcp_listening() { port_in_state "$1" "$2" 0A tcp tcp6; }

# Whether process PID (through its network namespace) has a UDP socket bound to PORT.
udp_bound() { port_in_state "$1" "$2" 07 udp udp6; }

# port_in_state PID PORT STATE TABLE...: a socket on PORT in STATE (hex, as /proc/net shows
# it) in one of PID's /proc/PID/net/TABLE files.
port_in_state() {
  local pid=$1 port=$2 state=$3 hexport addr st rest t files=()
  shift 3
  for t in "$@"; do files+=("/proc/$pid/net/$t"); done
  printf -v hexport '%04X' "$port"
  while read -r _ addr _ st rest; do
    [[ $addr == *":$hexport" && $st == "$state" ]] && return 0
  done < <(cat "${files[@]}")
  return 1
}

# Stops one process that this benchmark started (SIGTERM, then SIGKILL after 2 s), and
# forgets it, so that the teardown never signals a pid the system has reused.
stop_pid() {
  local pid=$1 i kept=()
  if kill -TERM "$pid" 2>/dev/null; then
    for ((i = 0; i < 200; i++)); do kill -0 "$pid" 2>/dev/null || break; nap 0.01; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  for i in "${BENCH_PIDS[@]}"; do [[ $i == "$pid" ]] || kept+=("$i"); done
  BENCH_PIDS=("${kept[@]}")
}

lab_up() {
  local ns
  wait_for_quiet
  for ns in "$NS_C" "$NS_R" "$NS_P"; do
    ip netns add "$ns"
    in_ns "$ns" ip link set lo up
    in_ns "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  done
  ip -n "$NS_C" link add c-r type veth peer name r-c netns "$NS_R"
  ip -n "$NS_R" link add r-p type veth peer name p-r netns "$NS_P"
  ip -n "$NS_C" addr add "$CONSUMER_IP/24" dev c-r
  ip -n "$NS_R" addr add 192.0.2.1/24 dev r-c
  ip -n "$NS_R" addr add 198.51.100.1/24 dev r-p
  ip -n "$NS_P" addr add "$PROVIDER_IP/24" dev p-r
  ip -n "$NS_C" link set c-r up
  ip -n "$NS_R" link set r-c up
  ip -n "$NS_R" link set r-p up
  ip -n "$NS_P" link set p-r up
  in_ns "$NS_R" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$NS_C" route add 198.51.100.0/24 via 192.0.2.1
  ip -n "$NS_P" route add 192.0.2.0/24 via 198.51.100.1
}

# Two more namespaces joined by one veth pair, x-y 203.0.113.1/24 <-> y-x 203.0.113.2/24:
# traffic between them crosses no namespace fwpath traces, so what it loses is what an
# attached tracer costs the rest of the machine.
bystander_up() {
  local ns
  for ns in "$NS_X" "$NS_Y"; do
    ip netns add "$ns"
    in_ns "$ns" ip link set lo up
  done
  ip -n "$NS_X" link add x-y type veth peer name y-x netns "$NS_Y"
  ip -n "$NS_X" addr add "$BYSTANDER_X_IP/24" dev x-y
  ip -n "$NS_Y" addr add "$BYSTANDER_Y_IP/24" dev y-x
  ip -n "$NS_X" link set x-y up
  ip -n "$NS_Y" link set y-x up
}

# Loads an nft ruleset (text on stdin) into a lab namespace.
lab_nft() { in_ns "$1" nft -f -; }

# What the teardown checks: nothing of this run may be left. $1: the shell's children.
leftovers() {
  local pid ns
  for ns in /run/netns/"$LAB_PREFIX"-*; do [[ -e $ns ]] && echo "namespace ${ns##*/}"; done
  [[ -z $1 ]] || echo "processes still running: $1"
  for pid in "${ALL_PIDS[@]}"; do
    nft list tables 2>/dev/null | grep "fwpath_${pid}_" | sed 's/^/host /' || true
    bpftool prog show 2>/dev/null | grep -E "pids [^ ]+\($pid\)" | sed 's/^/BPF program /' || true
  done
  if mountpoint -q /sys/kernel/tracing && [[ $TRACEFS_WAS_MOUNTED == no ]]; then
    echo "tracefs mounted on the host"
  fi
}

teardown() {
  local rc=$? pid ns left children=""
  trap - EXIT INT TERM
  for pid in "${BENCH_PIDS[@]}"; do stop_pid "$pid"; done
  exec {NAP_FD}>&-
  for ns in "$NS_C" "$NS_R" "$NS_P" "$NS_X" "$NS_Y"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$BENCH_TMP"
  # Every process a benchmark starts is a child of this shell (start_bg).
  read -r children <"/proc/$$/task/$$/children" || true
  left=$(leftovers "$children")
  if [[ -n $left ]]; then
    log "teardown: left behind:"; log "$left"; rc=1
  fi
  exit "$rc"
}

TRACEFS_WAS_MOUNTED=no
mountpoint -q /sys/kernel/tracing && TRACEFS_WAS_MOUNTED=yes
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Percent of all CPU time that was busy during the last second (from /proc/stat).
cpu_busy_percent() {
  local a b
  a=$(head -1 /proc/stat)
  sleep 1
  b=$(head -1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {
    n = split(a, x); split(b, y)
    for (i = 2; i <= n; i++) { d = y[i] - x[i]; total += d; if (i == 5 || i == 6) idle += d }
    printf "%.0f", total ? 100 * (total - idle) / total : 0 }'
}

# Other work on the machine skews every figure: wait (up to QUIET_WAIT seconds, default
# 120) until the CPUs were less than 10% busy for 3 seconds in a row. Leaves the last
# reading in BUSY_AT_START, for the machine line.
wait_for_quiet() {
  local limit=${QUIET_WAIT:-120} quiet=0 waited=0
  while ((quiet < 3 && waited < limit)); do
    BUSY_AT_START=$(cpu_busy_percent)
    waited=$((waited + 1))
    if ((BUSY_AT_START < 10)); then quiet=$((quiet + 1)); else quiet=0; fi
  done
  ((quiet >= 3)) || log "warning: the machine stayed busy (${BUSY_AT_START}% CPU); figures are skewed"
}
BUSY_AT_START="?"

# "machine: kernel 6.18.0, Intel(R) Xeon(R) ..., 2 cores, 24.0 GiB, CPU 2% busy at start"
machine_line() {
  local cpu mem
  cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  mem=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
  echo "machine: kernel $(uname -r), ${cpu:-unknown CPU}, $(nproc) cores, $mem, CPU ${BUSY_AT_START}% busy at start"
}

# stats N... -> "median min max" (median of an even count: mean of the middle two).
stats() {
  printf '%s\n' "$@" | sort -g | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "- - -"; exit }
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.3f %.3f %.3f\n", m, v[1], v[NR]
    }'
}

# One figure line: name, unit, values... -> "name  median X unit (min Y, max Z, n=N)",
# or just the value when there is one.
# Also appends {"bench", "name", "unit", "median", "min", "max", "n"} to $BENCH_JSONL.
report() {
  local name=$1 unit=$2; shift 2
  local med min max
  if (($# == 0)); then printf '%-52s no values\n' "$name"; return; fi
  read -r med min max < <(stats "$@")
  if (($# == 1)); then
    printf '%-52s        %10s %s\n' "$name" "$med" "$unit"
  else
    printf '%-52s median %10s %-6s (min %s, max %s, n=%d)\n' "$name" "$med" "$unit" "$min" "$max" "$#"
  fi
  figure_json "$name" "$unit" "$med" "$min" "$max" "$#"
}

# Appends one figure to $BENCH_JSONL: name, unit, median, min, max, n.
figure_json() {
  jq -cn --arg name "$1" --arg unit "$2" --argjson med "$3" --argjson min "$4" \
    --argjson max "$5" --argjson n "$6" --arg bench "$BENCH_NAME" \
    '{bench: $bench, name: $name, unit: $unit, median: $med, min: $min, max: $max, n: $n}' \
    >>"$BENCH_JSONL"
}

# median_interval N... -> "low high": a bootstrap 95% interval of the median of the values
# (2,000 resamples with replacement, percentile method, a fixed seed so that a run's table
# can be recomputed). A ratio's median says little on a noisy machine without it: the
# interval says whether a target is met by the figures or only by luck of the draw.
median_interval() {
  printf '%s\n' "$@" | awk '
    function median_of(a, n,    i, j, t) {
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "- -"; exit }
      srand(20261202)
      B = 2000
      for (b = 1; b <= B; b++) {
        for (i = 1; i <= NR; i++) s[i] = v[1 + int(rand() * NR)]
        m[b] = median_of(s, NR)
      }
      median_of(m, B)  # sorts m
      printf "%.3f %.3f\n", m[int(0.025 * B) + 1], m[int(0.975 * B)]
    }'
}

# One figure with its interval: like report, plus a row "NAME, 95% interval of the median"
# whose min and max are the interval's bounds (bench/README.md says so).
report_with_interval() {
  local name=$1 unit=$2; shift 2
  local med low high
  report "$name" "$unit" "$@"
  (($# > 1)) || return 0
  read -r med _ < <(stats "$@")
  read -r low high < <(median_interval "$@")
  printf '%-52s        %10s %-6s (95%% interval %s to %s, bootstrap)\n' "$name, 95% interval of the median" "$med" "$unit" "$low" "$high"
  figure_json "$name, 95% interval of the median" "$unit" "$med" "$low" "$high" "$#"
}

need() {
  local t
  for t in "$@"; do command -v "$t" >/dev/null || die "$t is missing (scripts/install-deps installs it)"; done
}
