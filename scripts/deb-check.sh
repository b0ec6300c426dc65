#!/usr/bin/env bash
# Builds the Debian package (make deb), installs it with apt-get on this
# machine, checks the installed commands, pages and library, builds an example
# against the installed library through pkg-config (shared, then static) and
# runs it, and removes the package again. As root: it installs a package and
# traces. .ci/run runs it; so can you.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "deb-check: run it as root (it installs and removes a package)" >&2
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
deb=build/probekit_${version}_${arch}.deb
[ -f "$deb" ] || fail "make deb made no $deb"

work=build/deb-check
rm -rf "$work"
mkdir -p "$work"
removed=0
remove() {
	[ "$removed" = 1 ] && return
	removed=1
	apt-get remove -y -qq probekit >/dev/null
}
trap remove EXIT
say "apt-get install ./$deb"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >"$work/apt.log" 2>&1 ||
	{ cat "$work/apt.log"; fail "apt-get install ./$deb"; }
dpkg -L probekit >"$work/files"

# commands: probekit and the bcc names in /usr/bin, nothing generic
[ "$(command -v opensnoop)" = /usr/bin/opensnoop ] || fail "opensnoop is not /usr/bin/opensnoop"
for t in opensnoop statsnoop stacksnoop mallocstacks; do
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

# pages and the shared library
for p in man3/probekit.3 man3/pk_attach.3 man8/probekit.8 man8/opensnoop.8 man8/probekit-features.8; do
	f=/usr/share/man/$p.gz
	[ -f "$f" ] || fail "no $f"
	[ -z "$(zcat "$f" | groff -man -Tutf8 -ww -z 2>&1)" ] || fail "$f has groff warnings"
done
[ "$(readlink -f /usr/share/man/man3/pk_attach__load.3.gz)" = /usr/share/man/man3/pk_attach.3.gz ] ||
	fail "man3/pk_attach__load.3.gz does not lead to pk_attach(3)"
ldconfig -p | grep -Eq 'libprobekit.so.0 .*=> (/usr)?/lib/' || fail "ld.so's cache lacks libprobekit.so.0"

# an example built against the installed library, shared and then static
for link in shared static; do
	out=$PWD/$work/$link
	make -s -C examples OUT="$out" STATIC=$([ $link = static ] && echo 1 || echo 0) \
		"$out/task_switch" >"$work/make-$link.log" 2>&1 ||
		{ cat "$work/make-$link.log"; fail "building task_switch ($link)"; }
	if [ $link = shared ]; then
		ldd "$out/task_switch" | grep -Eq 'libprobekit.so.0 => (/usr)?/lib/' ||
			fail "task_switch does not use the installed libprobekit.so.0: $(ldd "$out/task_switch")"
	else
		readelf -d "$out/task_switch" | grep -q 'no dynamic section' ||
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
dpkg-query -W -f='${Status}' probekit 2>/dev/null | grep -q 'install ok installed' &&
	fail "probekit is still installed"
[ ! -e /usr/bin/opensnoop ] || fail "/usr/bin/opensnoop is left after apt-get remove"
say "ok: installed, used and removed $deb"
