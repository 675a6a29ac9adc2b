# shellcheck shell=bash disable=SC2034
# Shared by vmtests/fetch, build-initramfs and run: where things are, how the kernel list
# reads, and the private apt configuration. Sourced, never run.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$VM_DIR/.." && pwd)
CACHE=${FWPATH_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fwpath-vm}
KERNELS_CONF=${FWPATH_VM_KERNELS_CONF:-$VM_DIR/kernels.conf}

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "$*"; exit 1; }

# Kernel names in kernels.conf order, each once.
kernel_names() {
  awk '!/^[[:space:]]*(#|$)/ && !seen[$1]++ {print $1}' "$KERNELS_CONF"
}

# "SUITE PACKAGE=VERSION SHA256" lines of one kernel.
kernel_packages() {
  awk -v k="$1" '!/^[[:space:]]*(#|$)/ && $1 == k {print $2, $3, $4}' "$KERNELS_CONF"
}

# The Debian mirror this machine's own apt sources use (FWPATH_VM_MIRROR overrides), without
# the trailing /debian: the guests' packages come from the same place as the host's.
debian_mirror() {
  if [[ -n "${FWPATH_VM_MIRROR:-}" ]]; then
    echo "${FWPATH_VM_MIRROR%/}"
    return
  fi
  local uri
  uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE '(https?)://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ')
  uri=${uri%/}
  if [[ -n "$uri" ]]; then echo "${uri%/debian}"; else echo "http://deb.debian.org"; fi
}

# apt-get/apt-cache options that point every piece of state at $CACHE/apt: the system's
# sources, lists, package cache and dpkg status are never read or written.
APT_DIR=$CACHE/apt
apt_opts() {
  printf '%s\n' \
    -o "Dir::Etc::SourceList=$APT_DIR/sources.list" \
    -o "Dir::Etc::SourceParts=/dev/null" \
    -o "Dir::Etc::Preferences=/dev/null" \
    -o "Dir::Etc::PreferencesParts=/dev/null" \
    -o "Dir::State::Lists=$APT_DIR/lists" \
    -o "Dir::State::status=/dev/null" \
    -o "Dir::Cache=$APT_DIR/cache" \
    -o "APT::Sandbox::User=root" \
    -o "Debug::NoLocking=1"
}
