#!/usr/bin/env python3
"""Runs every probekit test: the C unit tests, then the end-to-end tests in
tests/e2e/test_*.py (plain functions named test_*). Ends with the line
'N passed, N failed'.

  python3 tests/run.py [--build DIR] [--unit-only | --e2e-only] [--skip SUBSTR]...
                       [--timeout SECS] [--retry N] [--skips-by-reason] [FILTER...]

--skip leaves out the tests whose name holds SUBSTR, or, for ^PREFIX, whose
name starts with PREFIX (^profile/ but not run_profile/).

Each test has a time limit: --timeout (pk.DEFAULT_TIMEOUT, 120 s), or its own
(@pk.timeout(SECS)), both times PK_TIMEOUT_SCALE. A test past it fails, naming
it; the processes it started are killed and the suite goes on.

--retry N (the kernel lane's guests, where a timing-bound test fails about
once in a thousand runs) runs a failed test up to N times more: its failure
prints as FLAKY, and it fails only if the last run fails too; one that passed
only when run again is named at the end. --skips-by-reason counts skips by
reason at the end instead of a line each.

As root, the run has a /tmp of its own (a tmpfs in a mount namespace of its
own); otherwise $TMPDIR is a directory of this run. What the tests leave
there, and new pk-* entries in /tmp itself, fail the run, named, and are
removed.
"""
import argparse
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "e2e"))
# the directory of the tests' temporary files (see above), and its prefix
RUN_TMP_PREFIX = "pk-tests-"


class TestTimeout(BaseException):
    """Raised in the test by SIGALRM: a BaseException, so that the test's own
    `except Exception` cannot swallow it."""


def descendants():
    """Pids of every process below this one (a test's tools and children,
    however deep), from /proc."""
    children = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                state, ppid = f.read().rsplit(")", 1)[1].split()[:2]
        except (OSError, IndexError, ValueError):
            continue
        if state == "Z":  # gone already: its parent reaps it
            continue
        ppid = int(ppid)
        children.setdefault(ppid, []).append(int(pid))
    found, todo = [], [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.append(child)
            todo.append(child)
    return found


def kill_descendants():
    """SIGKILLs what a timed-out test left running; returns their pids."""
    killed = []
    for _ in range(3):  # a dying parent's children are reparented: look again
        pids = descendants()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    return killed


def run_unit(build, filters, counts, timeout):
    exe = os.path.join(build, "tests", "unit-tests")
    try:
        proc = subprocess.run([exe], stdout=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else e.stdout
        print(f"FAIL unit: the unit tests did not finish within {timeout:g}s; "
              f"the last lines: {(out or '').splitlines()[-3:]!r}")
        counts["FAIL"] += 1
        return
    except OSError as e:
        print(f"FAIL unit: cannot run {exe}: {e.strerror} (make test builds it)")
        counts["FAIL"] += 1
        return
    for line in proc.stdout.splitlines():
        if line.startswith(("PASS ", "FAIL ")):
            name = line.split()[1]
            if filters and not any(f in name for f in filters):
                continue
            counts[line[:4]] += 1
            print(line)
        elif line.startswith("  "):
            print(line)
    # a sanitizer's abort exits 1 too: the binary's own last line tells a finished run
    finished = re.fullmatch(r"\d+ passed, \d+ failed", (proc.stdout.splitlines() or [""])[-1])
    if proc.returncode not in (0, 1) or not finished:
        print(f"FAIL unit: the unit test binary died (status {proc.returncode}) after "
              f"{(proc.stdout.splitlines() or ['nothing'])[-1]!r}")
        counts["FAIL"] += 1


def e2e_tests(directory):
    for fname in sorted(os.listdir(directory)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fname[:-3], os.path.join(directory, fname))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name, fn in list(vars(mod).items()):
            if name.startswith("test_") and callable(fn):
                yield f"{fname[5:-3]}/{name[5:]}", fn


def _alarm(signum, frame):
    raise TestTimeout()


def run_one(name, fn, default_timeout):
    """Runs one test under its time limit. Returns its result ("PASS",
    "FAIL" or "SKIP") and what to print after the name."""
    import pk

    limit = getattr(fn, "pk_timeout", default_timeout) * pk.TIMEOUT_SCALE
    start = time.monotonic()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        try:
            fn()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except TestTimeout:
        killed = kill_descendants()
        return "FAIL", (f": timed out after {limit:g}s"
                        + (f"; killed its processes {killed}" if killed else ""))
    except pk.Skip as e:
        return "SKIP", f": {e}"
    except Exception as e:  # a failed test, whatever raised
        tb = traceback.extract_tb(e.__traceback__)
        return "FAIL", f": {type(e).__name__}: {e}" + "".join(
            f"\n  {os.path.basename(f.filename)}:{f.lineno}: {f.line}" for f in tb[-3:])
    finally:
        signal.signal(signal.SIGALRM, old)
        pk.cleanup()
        # what the test started and left running (a failed one's tools, say)
        kill_descendants()
    return "PASS", f" ({time.monotonic() - start:.1f}s)"


class Report:
    """Counts and prints results. With retries, a failure that has a retry
    left prints as FLAKY and the test runs again; one that then passes is
    named again at the end. With skips_by_reason, skips are counted by
    their reason and listed at the end (the kernel lane's ~100 skips would
    otherwise push a failure out of CI's shortened output)."""

    def __init__(self, retries=0, skips_by_reason=False):
        self.counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
        self.retries = retries
        self.skips_by_reason = skips_by_reason
        self.skip_reasons = {}
        self.flaky = []

    def result(self, name, status, text):
        self.counts[status] += 1
        if status == "SKIP" and self.skips_by_reason:
            reason = text[2:]
            self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1
        else:
            print(f"{status} {name}{text}")
        sys.stdout.flush()

    def run(self, name, fn, timeout):
        for attempt in range(self.retries + 1):
            status, text = run_one(name, fn, timeout)
            if status != "FAIL" or attempt == self.retries:
                break
            print(f"FLAKY {name}{text}")
        if attempt and status == "PASS":
            self.flaky.append(name)
        self.result(name, status, text)

    def summary(self):
        for reason, n in sorted(self.skip_reasons.items(), key=lambda r: (-r[1], r[0])):
            print(f"SKIP x{n}: {reason}")
        if self.flaky:
            print(f"WARNING: {len(self.flaky)} passed only when run again: "
                  + " ".join(self.flaky))


def run_e2e(directory, filters, report, skips, timeout, watch):
    for name, fn in e2e_tests(directory):
        if filters and not any(f in name for f in filters):
            continue
        if any(name.startswith(s[1:]) if s.startswith("^") else s in name for s in skips):
            report.result(name, "SKIP", ": left out by --skip")
            continue
        report.run(name, fn, timeout)
        watch.note_other_runs()


def other_runs(top):
    """Other test runs on this machine whose temporary files go to @top too."""
    mine = {os.getpid(), *descendants()}
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if int(pid) in mine or not any(a.endswith("tests/run.py") for a in argv[:3]):
            continue
        theirs = argv[argv.index("--tmp") + 1] if "--tmp" in argv[:-1] else "/tmp"
        if os.path.realpath(theirs) == os.path.realpath(top):
            found.append(int(pid))
    return found


def tmp_pk_entries(top):
    try:
        return {e for e in os.listdir(top) if e.startswith("pk-")}
    except OSError:
        return set()


PRIVATE_TMP = "PK_TESTS_PRIVATE_TMP"


def enter_private_tmp(paths):
    """As root, runs this runner again in a mount namespace of its own whose
    /tmp is a new, empty tmpfs: everything in it at the end was left by this
    run's tests, whatever other runs on the machine do, and none of it
    outlives the run, even a killed one. Returns when that cannot be done
    (not root, no unshare(1), a container that forbids it) or would hide
    @paths (a build tree in /tmp)."""
    if os.environ.get(PRIVATE_TMP) or os.geteuid() != 0 or not shutil.which("unshare"):
        return
    if any((os.path.realpath(p) + "/").startswith("/tmp/") for p in paths):
        return
    # the options of the exec below (BusyBox's unshare, in the kernel lane's
    # guests, may lack some): the exec must not fail where the probe passed
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"],
                           stderr=subprocess.DEVNULL)
    if probe.returncode != 0:
        return
    script = (f'if mount -t tmpfs -o mode=1777 pk-tests /tmp; then export {PRIVATE_TMP}=/tmp; '
              f'else export {PRIVATE_TMP}=no; fi; exec "$@"')
    sys.stdout.flush()
    os.execvp("unshare", ["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                          "sh", sys.executable, os.path.abspath(__file__), *sys.argv[1:]])


class TmpWatch:
    """Where the tests' temporary files go, and what they leave there.

    In a private /tmp (enter_private_tmp()), every entry new at the end is a
    leak. Otherwise the tests' $TMPDIR is a directory of this run, where
    everything left is a leak, and new pk-* entries in /tmp itself are too,
    unless another test run shared /tmp meanwhile (it may have made them)."""

    def __init__(self, top):
        self.top = top
        self.private = os.environ.get(PRIVATE_TMP) == top
        if self.private:
            self.before, self.dir, self.shared_with = set(os.listdir(top)), None, set()
            return
        self.before = tmp_pk_entries(top)
        self.dir = tempfile.mkdtemp(prefix=RUN_TMP_PREFIX, dir=top)
        # as /tmp is: the tests' users other than root may make files here
        os.chmod(self.dir, 0o1777)
        os.environ["TMPDIR"] = self.dir
        tempfile.tempdir = None  # tempfile reads $TMPDIR again
        self.shared_with = set(other_runs(top))

    def note_other_runs(self):
        if not self.private:
            self.shared_with.update(other_runs(self.top))

    def _remove(self, paths):
        for p in paths:
            if os.path.isdir(p) and not os.path.islink(p):
                shutil.rmtree(p, ignore_errors=True)
            else:
                try:
                    os.unlink(p)
                except OSError:
                    pass

    def leftovers(self):
        """(what the tests left, removed now; what could not be checked)."""
        if self.private:
            left = sorted(os.path.join(self.top, e) for e in set(os.listdir(self.top)) - self.before)
            self._remove(left)
            return left, None
        left = sorted(os.path.join(self.dir, e) for e in os.listdir(self.dir))
        shutil.rmtree(self.dir, ignore_errors=True)
        new = sorted(os.path.join(self.top, e) for e in tmp_pk_entries(self.top) - self.before
                     if not e.startswith(RUN_TMP_PREFIX))
        self.note_other_runs()
        if new and self.shared_with:
            return left, (f"{len(new)} new pk-* entries in {self.top} not counted: other test "
                          f"runs (pids {sorted(self.shared_with)}) shared it meanwhile")
        self._remove(new)
        return left + new, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--unit-only", action="store_true")
    ap.add_argument("--e2e-only", action="store_true")
    ap.add_argument("--skip", action="append", default=[], metavar="SUBSTR",
                    help="leave out the end-to-end tests whose name contains SUBSTR")
    ap.add_argument("--retry", type=int, default=0, metavar="N",
                    help="run a failed end-to-end test up to N times more (the "
                    "kernel lane's emulated guests); it fails only if every run fails")
    ap.add_argument("--skips-by-reason", action="store_true",
                    help="count skips by reason at the end instead of a line each")
    ap.add_argument("--timeout", type=float, metavar="SECS",
                    help="the time limit of a test without its own (@pk.timeout); "
                    "pk.DEFAULT_TIMEOUT by default")
    # the runner's own tests (tests/e2e/test_runner.py) run it on fake tests
    ap.add_argument("--tests-dir", default=os.path.join(HERE, "e2e"), help=argparse.SUPPRESS)
    ap.add_argument("--tmp", default="/tmp", help=argparse.SUPPRESS)
    ap.add_argument("filters", nargs="*")
    args = ap.parse_args()
    if args.tmp == "/tmp":
        enter_private_tmp([args.build, args.tests_dir, os.getcwd(), HERE,
                           os.environ.get("PK_RUN_CACHE") or "/"])
    os.environ["PK_BUILD"] = os.path.abspath(args.build)
    import pk  # after PK_BUILD is set: it reads it

    timeout = args.timeout or pk.DEFAULT_TIMEOUT
    report = Report(args.retry, args.skips_by_reason)
    counts = report.counts
    watch = TmpWatch(args.tmp)
    try:
        if not args.e2e_only:
            run_unit(args.build, args.filters, counts, 600 * pk.TIMEOUT_SCALE)
        if not args.unit_only:
            run_e2e(args.tests_dir, args.filters, report, args.skip, timeout, watch)
    finally:
        pk.cleanup_session()
        left, unchecked = watch.leftovers()
    report.summary()
    if left:
        counts["FAIL"] += 1
        print(f"FAIL tmp: the tests left {len(left)} entries in {args.tmp} (removed now): "
              + " ".join(left[:40]) + (" ..." if len(left) > 40 else ""))
    if unchecked:
        print(f"WARNING: {unchecked}")
    if counts["SKIP"]:
        how = "counted by reason above" if args.skips_by_reason else "their reasons above"
        print(f"WARNING: {counts['SKIP']} skipped ({how}); "
              "PROBEKIT_REQUIRE_BPF=1 makes a missing BPF a failure")
    # the last line, as the README promises
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
