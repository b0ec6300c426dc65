#!/usr/bin/env python3
"""Runs every probekit test: the C unit tests, then the end-to-end tests in
tests/e2e/test_*.py (plain functions named test_*). Ends with the line
'N passed, N failed'.

  python3 tests/run.py [--build DIR] [--unit-only | --e2e-only] [--skip SUBSTR]... [FILTER...]
"""
import argparse
import importlib.util
import os
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "e2e"))


def run_unit(build, filters, counts):
    exe = os.path.join(build, "tests", "unit-tests")
    proc = subprocess.run([exe], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith(("PASS ", "FAIL ")):
            name = line.split()[1]
            if filters and not any(f in name for f in filters):
                continue
            counts[line[:4]] += 1
            print(line)
        elif line.startswith("  "):
            print(line)
    if proc.returncode not in (0, 1):
        print(f"FAIL unit: the unit test binary died (status {proc.returncode})")
        counts["FAIL"] += 1


def e2e_tests():
    e2e = os.path.join(HERE, "e2e")
    for fname in sorted(os.listdir(e2e)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fname[:-3], os.path.join(e2e, fname))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name, fn in list(vars(mod).items()):
            if name.startswith("test_") and callable(fn):
                yield f"{fname[5:-3]}/{name[5:]}", fn


def run_e2e(filters, counts, skips=()):
    import pk

    for name, fn in e2e_tests():
        if filters and not any(f in name for f in filters):
            continue
        if any(s in name for s in skips):
            counts["SKIP"] += 1
            print(f"SKIP {name}: left out by --skip")
            continue
        start = time.monotonic()
        try:
            fn()
        except pk.Skip as e:
            counts["SKIP"] += 1
            print(f"SKIP {name}: {e}")
            continue
        except Exception as e:  # a failed test, whatever raised
            counts["FAIL"] += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            tb = traceback.extract_tb(e.__traceback__)
            for frame in tb[-3:]:
                print(f"  {os.path.basename(frame.filename)}:{frame.lineno}: {frame.line}")
            continue
        finally:
            pk.cleanup_processes()
        counts["PASS"] += 1
        print(f"PASS {name} ({time.monotonic() - start:.1f}s)")
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--unit-only", action="store_true")
    ap.add_argument("--e2e-only", action="store_true")
    ap.add_argument("--skip", action="append", default=[], metavar="SUBSTR",
                    help="leave out the end-to-end tests whose name contains SUBSTR")
    ap.add_argument("filters", nargs="*")
    args = ap.parse_args()
    os.environ["PK_BUILD"] = os.path.abspath(args.build)
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    if not args.e2e_only:
        run_unit(args.build, args.filters, counts)
    if not args.unit_only:
        run_e2e(args.filters, counts, args.skip)
    if counts["SKIP"]:
        print(f"WARNING: {counts['SKIP']} tests skipped; "
              "set PROBEKIT_REQUIRE_BPF=1 to make that a failure")
    tail = f", {counts['SKIP']} skipped" if counts["SKIP"] else ""
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed{tail}")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
