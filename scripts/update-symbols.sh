#!/bin/sh
# Brings debian/libprobekit0.symbols up to the shared library's exported API:
# symbols new since the file was written are added at the Makefile's VERSION;
# symbols gone are marked "#MISSING" by dpkg-gensymbols (an ABI break: the
# soname must change). `make deb` fails until the file matches the library.
#
#   scripts/update-symbols.sh [LIBRARY]     (default: build/libprobekit.so.VERSION)
set -e
cd "$(dirname "$0")/.."
version=$(sed -n 's/^VERSION := //p' Makefile)
lib=${1:-build/libprobekit.so.$version}
[ -f "$lib" ] || { echo "update-symbols: no $lib (run make first)" >&2; exit 1; }
file=debian/libprobekit0.symbols
out=$(mktemp)
trap 'rm -f "$out"' EXIT
dpkg-gensymbols -plibprobekit0 -e"$lib" -v"$version" -c0 -q \
	$([ -f "$file" ] && echo "-I$file") -O"$out"
# the package that builds against it: dpkg-shlibdeps then asks for the version
# a program's build had, not the oldest one with its symbols
awk 'NR == 1 { print; print "* Build-Depends-Package: libprobekit-dev"; next }
     /^\* Build-Depends-Package:/ { next } { print }' "$out" >"$file"
echo "update-symbols: $file: $(grep -c '^ ' "$file") symbols"
