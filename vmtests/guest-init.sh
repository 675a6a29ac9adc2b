#!/usr/local/busybox/busybox sh
# /init of every vmtests guest (PID 1, busybox ash). Runs the kernel-matrix tests on the
# guest's kernel and reports them twice:
#   - for people, on the console (ttyS0), between "===== fwpath-vm results" markers;
#   - for vmtests/run, on the second serial port (ttyS1), one line per record:
#       @@fwpath-vm result NAME STATUS SECONDS REASON   (STATUS: pass, fail or skip)
#       @@fwpath-vm blob NAME BASE64            (a command's output: kernel-check JSON, reports)
#       @@fwpath-vm boot SECONDS KVER       (boot to /init)
#       @@fwpath-vm begin NAME              (a step starts)
#       @@fwpath-vm done
# then powers off. Tools from the host are called by full path: busybox ash runs its own
# applets (ip, tc, ...) before $PATH. Everything the tests create is inside namespaces of
# this throwaway guest, which has no network (-nic none).
# shellcheck shell=sh disable=SC3043

export PATH=/usr/sbin:/usr/bin:/usr/local/busybox
export HOME=/root
BB=/usr/local/busybox/busybox
IP=/usr/sbin/ip
TC=/usr/sbin/tc
NFT=/usr/sbin/nft
BPFTOOL=/usr/sbin/bpftool
WG=/usr/sbin/wg
SOCAT=/usr/sbin/socat
JQ=/usr/sbin/jq
FWPATH=/usr/sbin/fwpath
STEP_TIMEOUT=${FWPATH_VM_STEP_TIMEOUT:-150}

$BB mount -t proc proc /proc
$BB mount -t sysfs sysfs /sys
$BB mount -t devtmpfs devtmpfs /dev 2>/dev/null
$BB mount -t tmpfs tmpfs /tmp
$BB mount -t tmpfs tmpfs /run
$BB mkdir -p /run/netns /sys/fs/bpf
$BB mount -t bpf bpf /sys/fs/bpf
$BB mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
$BB mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
# devtmpfs has no /dev/fd, /dev/stdin...: udev makes them on real systems (wg reads keys from
# /dev/stdin)
[ -e /dev/fd ] || $BB ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || $BB ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || $BB ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || $BB ln -s /proc/self/fd/2 /dev/stderr
$IP link set lo up

KVER=$($BB uname -r)
exec 3>/dev/ttyS1 || exec 3>/dev/null
T0=$($BB cut -d' ' -f1 /proc/uptime)  # boot to /init

say() { echo "fwpath-vm: $*"; }
now() { $BB cut -d' ' -f1 /proc/uptime; }
STEP_T0=$(now)
# result NAME STATUS REASON...: also says how long the step took (since the previous result)
result() {
  local name=$1 status=$2 t secs
  shift 2
  t=$(now)
  secs=$($BB awk -v a="$STEP_T0" -v b="$t" 'BEGIN {printf "%.1f", b - a}')
  STEP_T0=$t
  echo "@@fwpath-vm result $name $status $secs $*" >&3
  printf 'fwpath-vm: %-28s %-4s %5ss %s\n' "$name" "$status" "$secs" "$*"
}
# begin NAME: the step about to run, so that a guest stopped by the host's timeout says where
begin() {
  echo "@@fwpath-vm begin $1" >&3
}
# blob NAME FILE: the file's content, base64 on one line (binary-safe, never split by printk)
blob() {
  echo "@@fwpath-vm blob $1 $($BB base64 -w0 "$2")" >&3
}
finish() {
  echo "@@fwpath-vm done" >&3
  say "===== fwpath-vm results end ($KVER) ====="
  $BB sync
  $BB poweroff -f
}

say "===== fwpath-vm results begin ($KVER) ====="
say "booted in ${T0}s"
echo "@@fwpath-vm boot $T0 $KVER" >&3

# --- modules ----------------------------------------------------------------------------
# fwpath-modules.status (written by vmtests/fetch): NAME module|ondemand|builtin|absent
load_modules() {
  local st=/lib/modules/$KVER/fwpath-modules.status name kind failed="" builtin="" absent="" n=0
  [ -f "$st" ] || { say "no $st: no modules in the image"; return; }
  while read -r name kind; do
    case $kind in
      module)
        if $BB modprobe "$name" 2>/tmp/modprobe.err; then n=$((n + 1)); else failed="$failed $name($($BB head -n1 /tmp/modprobe.err))"; fi ;;
      builtin) builtin="$builtin $name" ;;
      absent)
        # Debian's packages ship no modules.builtin: /sys/module tells built-in code that
        # registers there; the rest is either built in silently or not in this kernel.
        if [ -d "/sys/module/$name" ]; then builtin="$builtin $name"; else absent="$absent $name"; fi ;;
    esac
  done <"$st"
  say "modules: $n loaded; built in:${builtin:- none}; not a module here (built in or absent):${absent:- none}"
  [ -z "$failed" ] || say "modules that failed to load:$failed"
  $BB cat /proc/modules | $BB cut -d' ' -f1 | $BB sort >/tmp/modules.txt
  blob modules /tmp/modules.txt
}
load_modules
STEP_T0=$(now)
# log rules print from every namespace (scenarios use nft log)
[ -w /proc/sys/net/netfilter/nf_log_all_netns ] && echo 1 >/proc/sys/net/netfilter/nf_log_all_netns

# --- residue ----------------------------------------------------------------------------
# Prints what a finished step left behind (nothing when clean) and removes it, so that the
# next step starts clean. The guest runs nothing else, so every BPF program or link, every
# named namespace, every fwpath table and every clsact/ingress qdisc is a leftover.
residue() {
  local out=/tmp/residue.txt ns netns_ids
  : >$out
  for ns in $($IP netns list 2>/dev/null | $BB cut -d' ' -f1); do
    echo "netns $ns" >>$out
  done
  $NFT list tables 2>/dev/null | $BB grep fwpath | $BB sed 's/^/nft table (init ns): /' >>$out
  for ns in $($IP netns list 2>/dev/null | $BB cut -d' ' -f1); do
    $IP netns exec "$ns" $NFT list tables 2>/dev/null | $BB grep fwpath | $BB sed "s/^/nft table (netns $ns): /" >>$out
  done
  $BPFTOOL prog show 2>/dev/null | $BB grep -E '^[0-9]+:' | $BB sed 's/^/bpf prog: /' >>$out
  $BPFTOOL link show 2>/dev/null | $BB grep -E '^[0-9]+:' | $BB sed 's/^/bpf link: /' >>$out
  $TC qdisc show 2>/dev/null | $BB grep -E 'clsact|ingress' | $BB sed 's/^/qdisc (init ns): /' >>$out
  # unnamed namespaces still held by a process (fwpath's private ones)
  netns_ids=$($BB ls -l /proc/[0-9]*/ns/net 2>/dev/null | $BB sed -n 's/.*-> //p' | $BB sort -u | $BB wc -l)
  [ "$netns_ids" -le 1 ] || echo "network namespaces held by processes: $netns_ids (1 expected)" >>$out
  $BB pidof fwpath >/dev/null && echo "fwpath process still running: $($BB pidof fwpath)" >>$out
  # clean up for the next step
  for ns in $($IP netns list 2>/dev/null | $BB cut -d' ' -f1); do $IP netns del "$ns"; done
  for t in $($NFT list tables 2>/dev/null | $BB grep fwpath | $BB sed 's/^table //;s/ /:/'); do
    $NFT delete table "${t%%:*}" "${t#*:}" 2>/dev/null
  done
  $TC qdisc del dev lo clsact 2>/dev/null
  $BB tr '\n' ';' <$out | $BB sed 's/;$//'
}
RESIDUE_ALL=""
# step_result NAME STATUS REASON: the step's own result, turned into a failure when it left
# something behind.
step_result() {
  local name=$1 status=$2 reason=$3 left
  left=$(residue)
  if [ -n "$left" ]; then
    RESIDUE_ALL="$RESIDUE_ALL $name"
    [ "$status" = fail ] || reason="left behind: $left"
    [ "$status" = fail ] && reason="$reason; left behind: $left"
    status=fail
  fi
  result "$name" "$status" "$reason"
}

run_step() { # OUTFILE CMD... -> exit status of CMD, bounded by STEP_TIMEOUT
  local out=$1
  shift
  $BB timeout -s KILL "$STEP_TIMEOUT" "$@" >"$out" 2>/tmp/stderr.txt
}

# --- kernel-check -----------------------------------------------------------------------
begin kernel-check
run_step /tmp/kc.json $FWPATH kernel-check --json
rc=$?
blob kernel-check /tmp/kc.json
feature() { # NAME -> true|false (unknown: false)
  $JQ -r --arg n "$1" '[.features[] | select(.name == $n) | .available][0] // false' /tmp/kc.json 2>/dev/null || echo false
}
verdict=$($JQ -r '.verdict // empty' /tmp/kc.json 2>/dev/null)
if [ -n "$verdict" ]; then
  if [ "$verdict" = unsupported ]; then st=fail; else st=pass; fi
  step_result kernel-check $st "verdict $verdict (exit $rc)"
else
  step_result kernel-check fail "exit $rc, no JSON: $($BB head -c 300 /tmp/stderr.txt)"
fi
OWNER=$(feature nft_table_owner)
REASON=$(feature kfree_skb_reason)

nft_do_chain_in_btf() {
  local f=/sys/kernel/btf/vmlinux
  [ -f /sys/kernel/btf/nf_tables ] && f=/sys/kernel/btf/nf_tables
  # a module without BTF of its own: its functions are in no BTF at all
  [ $f = /sys/kernel/btf/vmlinux ] && $BB grep -q '^nf_tables ' /proc/modules && return 1
  $BPFTOOL btf dump file $f 2>/dev/null | $BB grep -q "FUNC 'nft_do_chain'"
}

# kernel-check's answers against evidence it does not use itself (the kill9 and wireguard
# tests below check the owner flag and the drop reason by their effects).
evidence() {
  local bad="" want
  [ -n "$verdict" ] || { result kernel-check-evidence skip "kernel-check gave no answer"; return; }
  want=false
  $BB ls /sys/kernel/btf 2>/dev/null | $BB grep -qv '^vmlinux$' && want=true
  [ "$(feature btf_modules)" = $want ] || bad="$bad btf_modules=$(feature btf_modules) but module BTF files present=$want;"
  want=false
  $BB grep -q 'reason' /sys/kernel/tracing/events/skb/kfree_skb/format 2>/dev/null && want=true
  [ "$REASON" = $want ] || bad="$bad kfree_skb_reason=$REASON but the tracepoint format has a reason=$want;"
  want=false
  { [ -d /sys/bus/event_source/devices/kprobe ] || [ -f /sys/kernel/tracing/kprobe_events ]; } && want=true
  [ "$(feature kprobe)" = $want ] || bad="$bad kprobe=$(feature kprobe) but kprobe PMU or kprobe_events present=$want;"
  # fentry reaches nft_do_chain only through BTF that declares it: the nf_tables module's
  # (none on 5.10) or vmlinux's when nf_tables is built in.
  want=false
  if [ "$(feature fentry_vmlinux)" = true ] && nft_do_chain_in_btf; then want=true; fi
  [ "$(feature fentry_nf_tables)" = $want ] || bad="$bad fentry_nf_tables=$(feature fentry_nf_tables) but fentry works and BTF declares nft_do_chain=$want;"
  if [ -z "$bad" ]; then
    result kernel-check-evidence pass "btf_modules, kfree_skb_reason, kprobe and fentry_nf_tables agree with /sys/kernel/btf, the kfree_skb format, the kprobe PMU and the BTF of nft_do_chain"
  else
    result kernel-check-evidence fail "$bad"
  fi
}
evidence

# --- demo -------------------------------------------------------------------------------
begin demo
run_step /tmp/demo.json $FWPATH demo --json
rc=$?
blob demo /tmp/demo.json
# (jq -e on an empty file succeeds: ask for an explicit answer)
if [ $rc = 1 ] && [ "$($JQ -r '.demo.broken_paths == 2 and (.demo.unexpected | length) == 0' /tmp/demo.json 2>/dev/null)" = true ]; then
  step_result demo pass "2 broken paths found, as built"
else
  step_result demo fail "exit $rc; unexpected: $($JQ -c '.demo.unexpected' /tmp/demo.json 2>/dev/null) $($BB head -c 300 /tmp/stderr.txt)"
fi

# --- lab scenarios ----------------------------------------------------------------------
if ! $FWPATH lab --help >/dev/null 2>&1; then
  result lab skip "fwpath has no lab command in this build: scenarios not run"
else
  for f in /scenarios/*.yaml; do
    [ -f "$f" ] || { result lab skip "no scenario files in /scenarios"; break; }
    name=$($BB basename "$f" .yaml)
    begin "scenario/$name"
    run_step /tmp/lab.json $FWPATH lab run "$f" --json
    rc=$?
    blob "scenario/$name" /tmp/lab.json
    st=$($JQ -r '.scenarios[0].status // empty' /tmp/lab.json 2>/dev/null)
    case "$st" in
      passed)
        skips=$($JQ -r '[.scenarios[0].probes[].results[] | select((.status | ascii_downcase) == "skip") | "\(.key): \(.why)"] | join(", ")' /tmp/lab.json 2>/dev/null)
        step_result "scenario/$name" pass "${skips:+expectations skipped: $skips}" ;;
      skipped)
        # A skip must come from the kernel: a tool missing from the image is this harness's
        # fault, and would hide the scenario on every kernel.
        why=$($JQ -r '.scenarios[0].skip_reason' /tmp/lab.json)
        case "$why" in
          *"not installed"*) step_result "scenario/$name" fail "skipped because the guest image lacks a tool: $why" ;;
          *) step_result "scenario/$name" skip "$why" ;;
        esac ;;
      failed)
        why=$($JQ -r '.scenarios[0] | ([.error // empty | select(. != "")] + [.probes[] | .name as $p | .results[] | select((.status | ascii_downcase) == "fail") | "\($p) \(.key): expected \(.expected), got \(.actual)"]) | join("; ")' /tmp/lab.json 2>/dev/null)
        step_result "scenario/$name" fail "$why" ;;
      *)
        step_result "scenario/$name" fail "exit $rc, no result: $($BB head -c 300 /tmp/stderr.txt)" ;;
    esac
  done
fi

# --- kill -9 in the middle of a trace ---------------------------------------------------
# fwpath probes a silent UDP listener with a long timeout; once its table exists in the
# traced namespace it is killed with SIGKILL. With the owner flag the kernel removes the table
# when the socket closes; without it (5.10) the table stays and the next run removes it.
fwpath_tables() { $IP netns exec "$1" $NFT list tables 2>/dev/null | $BB grep -c 'fwpath'; }
wait_tables() { # NS WANT(0|nonzero) SECONDS -> 0 when reached within SECONDS
  local deadline n
  deadline=$($BB awk -v a="$(now)" -v b="$3" 'BEGIN {print a + b}')
  while :; do
    n=$(fwpath_tables "$1")
    if [ "$2" = 0 ] && [ "$n" = 0 ]; then return 0; fi
    if [ "$2" != 0 ] && [ "$n" != 0 ]; then return 0; fi
    $BB awk -v a="$(now)" -v d="$deadline" 'BEGIN {exit !(a > d)}' && return 1
    $BB usleep 100000
  done
}
kill9_test() {
  local ns=fwpath-vm-kill pid lpid st reason
  $IP netns add $ns
  $IP -n $ns link set lo up
  $IP netns exec $ns $SOCAT -u UDP4-RECV:51840,bind=127.0.0.1 /dev/null &
  lpid=$!
  $FWPATH probe --from-netns $ns --udp 127.0.0.1:51840 --timeout 60 >/tmp/kill-probe.txt 2>&1 &
  pid=$!
  if ! wait_tables $ns 1 30; then
    kill -9 $pid $lpid 2>/dev/null
    wait $pid $lpid 2>/dev/null
    $IP netns del $ns
    step_result kill9 fail "no fwpath table appeared in 30 s: $($BB head -c 300 /tmp/kill-probe.txt)"
    return
  fi
  kill -9 $pid
  wait $pid 2>/dev/null
  if [ "$OWNER" = true ]; then
    if wait_tables $ns 0 3; then
      st=pass reason="owner flag: the kernel removed the table when fwpath was killed"
    else
      st=fail reason="owner flag reported, yet the table outlived the killed fwpath by 3 s"
    fi
  else
    $BB usleep 300000
    if [ "$(fwpath_tables $ns)" = 0 ]; then
      st=fail reason="no owner flag, yet the table vanished: kernel-check's answer is wrong"
    else
      $FWPATH probe --from-netns $ns --udp 127.0.0.1:51840 --timeout 0.5 >/tmp/kill-next.txt 2>&1
      if [ "$(fwpath_tables $ns)" = 0 ]; then
        st=pass reason="no owner flag: the stale table stayed after kill -9 and the next run removed it by name"
      else
        st=fail reason="no owner flag: the next run left the stale table: $($IP netns exec $ns $NFT list tables | $BB tr '\n' ' ')"
      fi
    fi
  fi
  kill $lpid 2>/dev/null
  wait $lpid 2>/dev/null
  $IP netns del $ns
  step_result kill9 $st "$reason"
}
begin kill9
kill9_test

# --- WireGuard: a real gateway, reached and then firewalled -----------------------------
# consumer 198.51.100.10 --veth-- provider 198.51.100.20, wg0 listening on 51840. The probe's
# 148-byte datagram is shaped like a handshake initiation; WireGuard drops it silently
# (bad MAC), so delivery is proven by the provider's UDP InDatagrams counter, which counts
# datagrams handed to an encapsulation socket.
udp_in() { $IP netns exec fwpath-vm-p $BB awk '/^Udp: [0-9]/ {print $2; exit}' /proc/net/snmp; }
wg_setup() {
  $IP netns add fwpath-vm-c && $IP netns add fwpath-vm-p || return 1
  $IP -n fwpath-vm-c link set lo up
  $IP -n fwpath-vm-p link set lo up
  $IP link add vm-c type veth peer name vm-p || return 1
  $IP link set vm-c netns fwpath-vm-c
  $IP link set vm-p netns fwpath-vm-p
  $IP -n fwpath-vm-c link set vm-c name eth0
  $IP -n fwpath-vm-p link set vm-p name eth0
  $IP -n fwpath-vm-c addr add 198.51.100.10/24 dev eth0
  $IP -n fwpath-vm-p addr add 198.51.100.20/24 dev eth0
  $IP -n fwpath-vm-c link set eth0 up
  $IP -n fwpath-vm-p link set eth0 up
  $IP -n fwpath-vm-p link add wg0 type wireguard 2>/tmp/wg.err || return 2
  (umask 077 && $WG genkey >/tmp/wg.key)
  $IP netns exec fwpath-vm-p $WG set wg0 listen-port 51840 private-key /tmp/wg.key || return 1
  $IP -n fwpath-vm-p addr add 198.18.0.1/24 dev wg0
  $IP -n fwpath-vm-p link set wg0 up
}
wg_probe() { # OUT -> fwpath's exit status
  $BB timeout -s KILL 60 $FWPATH probe --from-netns fwpath-vm-c --netns fwpath-vm-p \
    --udp 198.51.100.20:51840 --timeout 2 --json >"$1" 2>/tmp/stderr.txt
}
wireguard_tests() {
  wg_setup
  case $? in
    0) ;;
    2)
      result wireguard skip "no wireguard link type: $($BB cat /tmp/wg.err)"
      result wireguard-firewalled skip "no wireguard link type"
      residue >/dev/null
      return ;;
    *)
      step_result wireguard fail "could not build the WireGuard lab"
      return ;;
  esac
  local before after rc outcome
  before=$(udp_in)
  wg_probe /tmp/wg.json
  rc=$?
  after=$(udp_in)
  blob wireguard /tmp/wg.json
  outcome=$($JQ -r '.targets[0].outcome' /tmp/wg.json 2>/dev/null)
  if [ "$after" -gt "$before" ] && { [ "$outcome" = reached ] || [ "$outcome" = no-reply ]; }; then
    st=pass reason="outcome $outcome; the wg socket received $((after - before)) datagram(s)"
  else
    st=fail reason="exit $rc, outcome ${outcome:-none}, UDP InDatagrams $before -> $after: $($JQ -r '.targets[0].summary' /tmp/wg.json 2>/dev/null) $($BB head -c 200 /tmp/stderr.txt)"
  fi
  # (what this part leaves behind is checked with the firewalled part, on the same lab)
  result wireguard $st "$reason"
  begin wireguard-firewalled
  # Firewalled: the provider's input drops the gateway port. The drop must be named (rule),
  # located (symbolized kernel function), and carry a reason exactly where the kernel has one.
  $IP netns exec fwpath-vm-p $NFT -f - <<'EOF'
table inet filter {
  chain input {
    type filter hook input priority filter; policy accept;
    udp dport 51840 counter drop comment "gateway port closed"
  }
}
EOF
  local st2 reason2 loc why
  before=$(udp_in)
  wg_probe /tmp/wg-fw.json
  rc=$?
  after=$(udp_in)
  blob wireguard-firewalled /tmp/wg-fw.json
  outcome=$($JQ -r '.targets[0].outcome' /tmp/wg-fw.json 2>/dev/null)
  loc=$($JQ -r '.targets[0].drop.location // ""' /tmp/wg-fw.json 2>/dev/null)
  why=$($JQ -r '.targets[0].drop.reason // ""' /tmp/wg-fw.json 2>/dev/null)
  st2=pass
  reason2="dropped by rule; location $loc; reason ${why:-none (kernel has no drop reason)}"
  if [ "$outcome" != dropped ]; then
    st2=fail reason2="outcome ${outcome:-none} (exit $rc), expected dropped: $($BB head -c 200 /tmp/stderr.txt)"
  elif ! $JQ -e '[.targets[0].hops[] | select(.verdict == "drop" and (.rule | contains("51840")))] | length > 0' /tmp/wg-fw.json >/dev/null 2>&1; then
    st2=fail reason2="no hop names the drop rule: $($JQ -c '.targets[0].hops' /tmp/wg-fw.json)"
  elif [ "$after" != "$before" ]; then
    st2=fail reason2="the wg socket still received $((after - before)) datagram(s)"
  elif ! echo "$loc" | $BB grep -qE '^[A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+'; then
    st2=fail reason2="drop location not symbolized: '$loc'"
  elif [ "$REASON" = true ] && [ -z "$why" ]; then
    st2=fail reason2="kernel-check says kfree_skb has a reason, but the drop has none"
  elif [ "$REASON" != true ] && [ -n "$why" ]; then
    st2=fail reason2="kernel has no drop reason, yet the report gives '$why'"
  fi
  $IP netns del fwpath-vm-c
  $IP netns del fwpath-vm-p
  step_result wireguard-firewalled $st2 "$reason2"
}
begin wireguard
wireguard_tests

# --- kprobes on nf_tables: what stands in for fentry where nf_tables has no BTF (5.10) ----
# A kprobe on nft_do_chain (the function fentry_nf_tables targets, in the nf_tables module on
# Debian) registered through tracefs, then one datagram through an nft chain in a scratch
# namespace: the kprobe must have fired.
KP_DIR=/sys/kernel/tracing
kprobe_nf_tables_test() {
  local ns=fwpath-vm-kp ev=fwpath_vm/nft_do_chain hits st reason
  if [ "$(feature kprobe)" != true ]; then
    result kprobe-nf-tables skip "kernel-check: no kprobes on this kernel"
    return
  fi
  if ! echo "p:$ev nft_do_chain" >>$KP_DIR/kprobe_events 2>/tmp/kp.err; then
    step_result kprobe-nf-tables fail "kprobe on nft_do_chain refused: $($BB cat /tmp/kp.err)"
    return
  fi
  echo 1 >$KP_DIR/events/$ev/enable
  $IP netns add $ns
  $IP -n $ns link set lo up
  $IP netns exec $ns $NFT add table inet fwpath_vm_kp
  $IP netns exec $ns $NFT add chain inet fwpath_vm_kp out "{ type filter hook output priority 0; }"
  echo x | $IP netns exec $ns $SOCAT -u - UDP4-SENDTO:127.0.0.1:9
  echo 0 >$KP_DIR/events/$ev/enable
  hits=$($BB awk '$1 == "nft_do_chain" {print $2}' $KP_DIR/kprobe_profile)
  echo "-:$ev" >>$KP_DIR/kprobe_events
  $IP netns del $ns
  if [ "${hits:-0}" -gt 0 ]; then
    st=pass reason="a kprobe on nft_do_chain fired $hits time(s) for one datagram through an nft chain (fentry there: $(yn "$(feature fentry_nf_tables)"))"
  else
    st=fail reason="a kprobe on nft_do_chain attached but never fired for a datagram through an nft chain"
  fi
  step_result kprobe-nf-tables $st "$reason"
}
yn() { if [ "$1" = true ]; then echo yes; else echo no; fi; }
begin kprobe-nf-tables
kprobe_nf_tables_test

# --- the fallbacks this kernel needs, as kernel-check and the tests above saw them --------
if [ -z "$verdict" ]; then
  result fallbacks skip "kernel-check gave no answer"
else
  result fallbacks pass "owner flag $(yn "$OWNER"); drop reason $(yn "$REASON"); module BTF $(yn "$(feature btf_modules)"); fentry nf_tables $(yn "$(feature fentry_nf_tables)"); fentry vmlinux $(yn "$(feature fentry_vmlinux)"); kprobe $(yn "$(feature kprobe)"); tc $(yn "$(feature tc)")"
fi

if [ -z "$RESIDUE_ALL" ]; then
  result residue pass "nothing left after any step"
else
  result residue fail "left behind after:$RESIDUE_ALL"
fi
T1=$(now)
say "tests took $($BB awk -v a="$T0" -v b="$T1" 'BEGIN {printf "%.1f", b - a}') s"
finish
