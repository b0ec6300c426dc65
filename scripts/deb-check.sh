#!/usr/bin/env bash
# Builds the Debian packages (make deb: probekit, libprobekit0,
# libprobekit-dev), lints them (lintian: no error, no warning), installs them
# with apt-get on this machine, checks the installed commands, pages and
# library (the binary uses libprobekit0 and Debian's libbpf, libelf and zlib),
# builds an example against libprobekit-dev through pkg-config (shared, then
# static) and runs it, and removes the packages again. As root: it installs
# packages and traces. .ci/run runs it; so can you.
set -euo pipefail
# (no `producer | grep -q`: grep stops at the first match, and with pipefail a
# producer still writing dies of SIGPIPE and fails the test)
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "deb-check: run it as root (it installs and removes packages)" >&2
	exit 1
fi
say() { echo "deb-check: $*"; }
fail() {
	echo "deb-check: FAILED: $*" >&2
	exit 1
}

scripts/install-deps.sh --deb
make -s deb
arch=$(dpkg --print-architecture)
version=$(dpkg-parsechangelog -S Version)
packages="probekit libprobekit0 libprobekit-dev"
debs=()
for p in $packages; do
	deb=build/${p}_${version}_${arch}.deb
	[ -f "$deb" ] || fail "make deb made no $deb"
	debs+=("./$deb")
done

work=build/deb-check
rm -rf "$work"
mkdir -p "$work"

# lintian as Debian's archive runs it: any error or warning fails
# (its temporary files, which it leaves behind, go under build/: TMPDIR)
mkdir -p "$work/tmp"
TMPDIR=$PWD/$work/tmp lintian --fail-on error,warning "${debs[@]}" >"$work/lintian" 2>&1 ||
	{ cat "$work/lintian"; fail "lintian"; }
say "lintian: no error, no warning on ${debs[*]}"

removed=0
remove() {
	[ "$removed" = 1 ] && return
	removed=1
	# shellcheck disable=SC2086
	apt-get -o DPkg::Lock::Timeout=300 remove -y -qq $packages >/dev/null
}
trap remove EXIT
say "apt-get install ${debs[*]}"
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${debs[@]}" >"$work/apt.log" 2>&1 ||
	{ cat "$work/apt.log"; fail "apt-get install ${debs[*]}"; }
dpkg -L probekit >"$work/files"

# the binary as Debian links it: dynamically, against the packaged library
ldd /usr/bin/probekit >"$work/ldd" || fail "ldd /usr/bin/probekit: $(cat "$work/ldd")"
for lib in libprobekit.so.0 libbpf.so.1 libelf.so.1 libz.so.1; do
	grep -Eq "^\s*$lib => (/usr)?/lib/" "$work/ldd" ||
		fail "/usr/bin/probekit does not use the system's $lib: $(cat "$work/ldd")"
done
dpkg -S "$(readlink -f "$(sed -n 's/.*libprobekit.so.0 => \([^ ]*\).*/\1/p' "$work/ldd")")" |
	grep -q '^libprobekit0:' || fail "libprobekit.so.0 is not libprobekit0's"
say "/usr/bin/probekit links libprobekit0, libbpf, libelf and zlib dynamically"

# commands: probekit and the bcc names in /usr/bin, nothing generic
[ "$(command -v opensnoop)" = /usr/bin/opensnoop ] || fail "opensnoop is not /usr/bin/opensnoop"
# every name the Makefile installs (INSTALL_LINKS := and += lines)
for t in $(sed -n 's/^INSTALL_LINKS [:+]= //p' Makefile); do
	[ "$(readlink "/usr/bin/$t")" = probekit ] || fail "/usr/bin/$t is not a link to probekit"
done
! grep -E '/bin/(features|check_kfunc|tracepipe|execcount|taskswitch)$' "$work/files" ||
	fail "a generic command name is installed"
[ "$(probekit --version)" = "probekit $version" ] || fail "probekit --version: $(probekit --version)"
probekit features >"$work/features" || fail "probekit features: exit $?"
grep -Eq '^tracepoint +yes ' "$work/features" || fail "probekit features: $(cat "$work/features")"
probekit check_kfunc >/dev/null || [ $? = 1 ] || fail "probekit check_kfunc: exit status"
say "probekit features: $(grep -c ' yes ' "$work/features") mechanisms available"

# opensnoop, as installed, sees an open this shell causes
path=/tmp/probekit-deb-check-$$-missing
opensnoop -d 10 -x >"$work/opensnoop" 2>"$work/opensnoop.err" &
snoop=$!
for _ in $(seq 200); do
	grep -q '^PID' "$work/opensnoop" && break
	kill -0 "$snoop" 2>/dev/null || break
	sleep 0.1
done
grep -q '^PID' "$work/opensnoop" || fail "opensnoop did not start: $(cat "$work/opensnoop.err")"
seen=
for _ in $(seq 50); do
	cat "$path" 2>/dev/null || true
	if grep -q " 2 $path\$" "$work/opensnoop"; then
		seen=1
		break
	fi
	sleep 0.1
done
kill -INT "$snoop"
wait "$snoop" || fail "opensnoop exited with $? after SIGINT: $(cat "$work/opensnoop.err")"
[ -n "$seen" ] || fail "opensnoop did not show the failed open of $path"
say "opensnoop: $(grep -c " $path\$" "$work/opensnoop") failed open(s) of $path seen"

# probekit run, as installed: one .bpf.c outside the tree, compiled with the
# installed BPF headers into a fresh cache, its map printed at the end
cp examples/task_switch.bpf.c "$work/"
(cd "$work" && XDG_CACHE_HOME="$PWD/cache" probekit run -d 1 task_switch.bpf.c) \
	>"$work/run.out" 2>"$work/run.err" || fail "probekit run: $(cat "$work/run.err")"
grep -Eq '^stats\[\{.*\}\] = [0-9]+$' "$work/run.out" ||
	fail "probekit run printed no stats[...] entry: $(head -5 "$work/run.out")"
say "probekit run: $(grep -c '^stats\[' "$work/run.out") task_switch entries"

# without clang (only recommended), run says in one line how to get it
empty=$PWD/$work/empty-path
mkdir "$empty"
if (cd "$work" && env PATH="$empty" XDG_CACHE_HOME="$PWD/cache-noclang" /usr/bin/probekit run task_switch.bpf.c) \
	>"$work/noclang.out" 2>"$work/noclang.err"; then
	fail "probekit run without clang succeeded"
fi
[ "$(wc -l <"$work/noclang.err")" = 1 ] && grep -q 'apt-get install clang' "$work/noclang.err" ||
	fail "probekit run without clang: $(cat "$work/noclang.err")"
say "probekit run without clang: $(cat "$work/noclang.err")"

# pages and the shared library
for p in man3/probekit.3 man3/pk_attach.3 man8/probekit.8 man8/opensnoop.8 man8/probekit-features.8 \
	man8/probekit-run.8 man8/probekit-list.8 man8/mallocstacks.8; do
	f=/usr/share/man/$p.gz
	[ -f "$f" ] || fail "no $f"
	[ -z "$(zcat "$f" | groff -man -Tutf8 -ww -z 2>&1)" ] || fail "$f has groff warnings"
done
[ "$(readlink -f /usr/share/man/man3/pk_attach__load.3.gz)" = /usr/share/man/man3/pk_attach.3.gz ] ||
	fail "man3/pk_attach__load.3.gz does not lead to pk_attach(3)"
grep -Eq 'libprobekit.so.0 .*=> (/usr)?/lib/' <<<"$(ldconfig -p)" || fail "ld.so's cache lacks libprobekit.so.0"

# an example built against the installed library, shared and then static
for link in shared static; do
	out=$PWD/$work/$link
	make -s -C examples OUT="$out" STATIC=$([ $link = static ] && echo 1 || echo 0) \
		"$out/task_switch" >"$work/make-$link.log" 2>&1 ||
		{ cat "$work/make-$link.log"; fail "building task_switch ($link)"; }
	if [ $link = shared ]; then
		grep -Eq 'libprobekit.so.0 => (/usr)?/lib/' <<<"$(ldd "$out/task_switch")" ||
			fail "task_switch does not use the installed libprobekit.so.0: $(ldd "$out/task_switch")"
	else
		grep -q 'no dynamic section' <<<"$(readelf -d "$out/task_switch")" ||
			fail "task_switch (static) is linked dynamically"
	fi
	"$out/task_switch" >"$work/task_switch-$link" &
	pid=$!
	wait "$pid" || fail "task_switch ($link) exited with $?"
	away=$(sed -n "s/^task_switch\[ *$pid-> *[0-9]*\]=\([0-9]*\)$/\1/p" "$work/task_switch-$link" |
		awk '{ n += $1 } END { print n + 0 }')
	[ "$away" -ge 90 ] || fail "task_switch ($link): $away switches away from itself, not >= 90"
	say "task_switch ($link): $away switches away from pid $pid"
done

remove
for p in $packages; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] &&
		fail "$p is still installed"
done
[ ! -e /usr/bin/opensnoop ] || fail "/usr/bin/opensnoop is left after apt-get remove"
[ ! -e /usr/include/probekit ] || fail "/usr/include/probekit is left after apt-get remove"
say "ok: linted, installed, used and removed ${debs[*]}"
