#!/bin/sh
# Installs what probekit needs to build and test, from Debian's packages.
# Does nothing when everything is already there; asks for root (through
# sudo, when not root already) only when something is missing.
#
#   scripts/install-deps.sh         build and test
#   scripts/install-deps.sh --deb   also what `make deb` needs (debhelper...)
set -e

packages="make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool pkg-config
python3 util-linux libclang-rt-dev
liblzma-dev libmd-dev g++ binutils xz-utils groff-base strace elfutils libc6-dbg
chromium python3-bpfcc libmicrohttpd-dev libmicrohttpd12 prometheus iproute2 bpftrace"
# chromium is for the tests only: they open the flame-graph SVGs in it, headless;
# strace is the oracle of the opensnoop/statsnoop differential test, elfutils'
# eu-addr2line (with libc6-dbg's debug files) that of the usyms one; python3-bpfcc's
# table.py (bcc's own histogram printers) that of the histogram tests.
# libmicrohttpd-dev: the header of --metrics' HTTP server (libmicrohttpd12, opened
# at run time); prometheus (and its promtool) scrapes and checks it in the tests.
# iproute2's ss is the TCP tools' oracle (states, bytes, retransmits, drops,
# backlogs), bpftrace's count on tcp:tcp_probe that of tcprtt.
case ${1:-} in
--deb) packages="$packages debhelper dpkg-dev fakeroot build-essential lintian" ;;
"") ;;
*)
	echo "usage: install-deps.sh [--deb]" >&2
	exit 2
	;;
esac

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (installing them as root)" >&2
	exec "$(dirname "$0")/as-root" "$0" "$@"
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
