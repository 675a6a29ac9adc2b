# shellcheck shell=bash
# Sourced by the README's two commands once they are in the repository's top directory:
# they install packages and build network namespaces, so they run as root. Run by another
# user, they start again under sudo when the machine has it; without sudo they go on as
# they are, and the first step that needs root says so.
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
  exec sudo --preserve-env=BUILD_DIR "$PWD/scripts/$(basename "$0")" "$@"
fi
