#!/bin/sh
# Installs what probekit needs to build and test, from Debian's packages.
# Does nothing when everything is already there.
set -e

packages="make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool pkg-config
python3 util-linux libclang-rt-dev
liblzma-dev g++ binutils xz-utils elfutils libc6-dbg"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
