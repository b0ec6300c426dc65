"""--metrics: a real Prometheus (Debian's prometheus package) scrapes two
probekit run instances on two ports; a workload with known counts (execs
by a uid of the test's own, reads of known sizes by a child whose pid the
test knows) must come back exact from Prometheus' query API. Every scrape
the test makes passes promtool check metrics. Bad clients (wrong methods,
long headers, slowloris, a connection flood, all on loopback and bounded)
must leave tracing and its counts unharmed."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
try:
    import urllib.error
    import urllib.parse
    import urllib.request
except ImportError:  # the kernel lane's guests carry a trimmed stdlib (and skip metrics/)
    urllib = None

import pk
from test_run import PROGS, env, prebuilt, run_argv

PROG = os.path.join(PROGS, "metrics.bpf.c")
# 40 reads of 4096 bytes on one fd, 3 of 100 on another
READS = [(40, 4096), (3, 100)]
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def need_prometheus():
    """Debian's prometheus package (scripts/install-deps.sh installs it):
    CI has it; elsewhere a machine that cannot install it skips."""
    for name in ("prometheus", "promtool"):
        if not shutil.which(name):
            if pk.REQUIRE_BPF and os.environ.get("PK_EXAMPLES_PREBUILT") != "1":
                raise AssertionError(f"{name} is needed (scripts/install-deps.sh installs it)")
            raise pk.Skip(f"{name} is not installed (Debian's prometheus package)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path="/metrics", method="GET", timeout=10):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def promtool_check(text):
    r = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    assert r.returncode == 0, f"promtool check metrics: {r.stdout}\n{text[:2000]}"


def scrape(port):
    """One scrape, checked by promtool; {sample line name+labels: value}."""
    status, headers, body = get(port)
    assert status == 200, (status, body)
    assert headers.get("Content-Type") == CONTENT_TYPE, headers
    promtool_check(body)
    samples = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            samples[key] = float(value)
    return samples


def start_reader():
    child = pk.Proc([pk.helper_path("reader")] + [f"/dev/zero:{n}:{s}" for n, s in READS])
    pid = int(child.wait_for(lambda l: l.startswith("ready ")).split()[1])
    return child, pid


def start_instance(addr, uid, pid, *extra):
    tool = pk.Proc(run_argv("-v", "--metrics", addr, "--set", f"targ_uid={uid}",
                            "--set", f"targ_pid={pid}", *extra, prebuilt(PROG)), env=env())
    tool.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
    return tool


def exec_workload(uid):
    """setpriv execs sh as uid (comm "setpriv"), which execs /bin/true 5 times (comm "sh")."""
    subprocess.run(["/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                    "/bin/sh", "-c", "for i in 1 2 3 4 5; do /bin/true; done"], check=True,
                   timeout=30)


def test_usage_errors_and_busy_port():
    pk.need_bpf()
    r = pk.run(run_argv("--quiet", prebuilt(PROG)), env=env())
    assert r.returncode == 2 and "--quiet goes with --metrics" in r.stderr, r
    for bad in ("abc", "70000", "localhost:9", "1.2.3:9", "[::1:9"):
        r = pk.run(run_argv("--metrics", bad, prebuilt(PROG)), env=env())
        assert r.returncode == 2, (bad, r)
        assert r.stderr.count("\n") == 1 and f"invalid --metrics address '{bad}'" in r.stderr, r
    # a port another process holds: one line, status 1, nothing left attached
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        before = pk.held_by_live_processes()
        r = pk.run(run_argv("--metrics", str(port), prebuilt(PROG)), env=env(), timeout=60)
        assert r.returncode == 1, r
        assert f"cannot serve metrics on {port}" in r.stderr and r.stderr.count("\n") == 1, r
        pk.assert_none_left(before, "after a busy --metrics port")


def query(prom_port, expr):
    url = f"http://127.0.0.1:{prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as r:
        obj = json.load(r)
    assert obj["status"] == "success", obj
    return {tuple(sorted(x["metric"].items())): float(x["value"][1])
            for x in obj["data"]["result"]}


def by_instance(result):
    return {dict(k)["instance"]: v for k, v in result.items()}


def wait_query(prom_port, expr, want, timeout=30):
    """Polls until the query gives {instance: value} == want (Prometheus
    scrapes every second), then returns it; fails with the last answer."""
    deadline = time.monotonic() + timeout * pk.TIMEOUT_SCALE
    while True:
        got = by_instance(query(prom_port, expr))
        if got == want or time.monotonic() > deadline:
            assert got == want, f"{expr}: {got} != {want}"
            return got
        time.sleep(0.5)


PROM_CONFIG = """global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: probekit
    static_configs:
      - targets: ['127.0.0.1:{a}', '127.0.0.1:{b}']
"""


def start_prometheus(tmp, a, b):
    port = free_port()
    cfg = os.path.join(tmp, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(PROM_CONFIG.format(a=a, b=b))
    prom = pk.Proc(["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={tmp}/data",
                    f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"])
    deadline = time.monotonic() + 30 * pk.TIMEOUT_SCALE
    while True:
        try:
            if by_instance(query(port, 'up{job="probekit"}')) == {
                    f"127.0.0.1:{a}": 1.0, f"127.0.0.1:{b}": 1.0}:
                return prom, port
        except OSError:
            pass
        assert prom.p.poll() is None, f"prometheus exited: {prom.err[-5:]}"
        assert time.monotonic() < deadline, f"prometheus never scraped both: {prom.err[-5:]}"
        time.sleep(0.5)


def test_prometheus_scrapes_two_instances_exactly():
    pk.need_bpf()
    need_prometheus()
    uid = 43000 + os.getpid() % 10000
    tmp = tempfile.mkdtemp(prefix="pk-metrics-")
    prom = None
    try:
        child, pid = start_reader()
        pa, pb = free_port(), free_port()
        a = start_instance(str(pa), uid, pid, "--quiet")
        b = start_instance(f"127.0.0.1:{pb}", uid, pid)
        prom, pport = start_prometheus(tmp, pa, pb)
        exec_workload(uid)
        os.kill(pid, signal.SIGUSR1)
        assert child.wait(20) == 0, child.out
        fds = [int(l.split()[1]) for l in child.out if l.startswith("fd ")]
        both = lambda v: {f"127.0.0.1:{pa}": v, f"127.0.0.1:{pb}": v}
        wait_query(pport, f'probekit_execs_total{{uid="{uid}",comm="sh"}}', both(5.0))
        wait_query(pport, f'probekit_execs_total{{uid="{uid}",comm="setpriv"}}', both(1.0))
        n = sum(c for c, _ in READS)
        wait_query(pport, "probekit_read_size_bytes_count", both(float(n)))
        wait_query(pport, 'probekit_read_size_bytes_bucket{le="4095"}', both(3.0))
        wait_query(pport, 'probekit_read_size_bytes_bucket{le="8191"}', both(float(n)))
        wait_query(pport, 'probekit_read_size_bytes_bucket{le="+Inf"}', both(float(n)))
        wait_query(pport, "probekit_read_size_bytes_sum", both(float(sum(c * s for c, s in READS))))
        for fd, (count, _) in zip(fds, READS):
            wait_query(pport, f'probekit_reads_by_fd_count{{fd="{fd}"}}', both(float(count)))
        # microseconds become seconds: a linear slot of 1000 usecs ends at 0.000999
        wait_query(pport, 'probekit_read_seconds_bucket{le="0.000999"}', both(3.0))
        wait_query(pport, 'probekit_read_seconds_bucket{le="0.004999"}', both(float(n)))
        wait_query(pport, "probekit_pending", both(float(1 - (n - 1))))
        wait_query(pport, "probekit_lost_events_total", both(0.0))
        assert by_instance(query(pport, '{__name__=~"probekit_start.*"}')) == {}
        meta = json.load(urllib.request.urlopen(
            f"http://127.0.0.1:{pport}/api/v1/metadata", timeout=10))["data"]
        assert meta["probekit_pending"][0]["type"] == "gauge", meta.get("probekit_pending")
        assert meta["probekit_read_size_bytes"][0]["type"] == "histogram"
        assert meta["probekit_execs_total"][0]["type"] == "counter"
        # every scrape is well-formed, and the test's own scrapes agree
        for port in (pa, pb):
            s = scrape(port)
            assert s[f'probekit_execs_total{{uid="{uid}",comm="sh"}}'] == 5
            assert s['probekit_read_size_bytes_count'] == n
        assert a.stop() == 0 and b.stop() == 0, (a.err, b.err)
        # --quiet prints nothing; without it the maps print as always
        assert a.out == [], a.out
        assert f'execs[{{uid={uid}, comm="sh"}}] = 5' in b.out, b.out
    finally:
        if prom:
            prom.stop(signal.SIGTERM, 30)
        shutil.rmtree(tmp, ignore_errors=True)


def raw_request(port, data, timeout=5):
    """Sends bytes, returns what comes back until the server closes or times out."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        try:
            while len(out) < 1 << 20:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except ConnectionResetError:
            pass
        except socket.timeout:
            return out or None
        return out


def status_of(reply):
    return int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/1.") else None


def test_bad_requests_leave_tracing_unharmed():
    pk.need_bpf()
    need_prometheus()
    uid = 44000 + os.getpid() % 10000
    child, pid = start_reader()
    port = free_port()
    tool = start_instance(str(port), uid, pid, "--quiet")
    try:
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            status, headers, _ = get(port, method=method)
            assert status == 405 and headers.get("Allow") == "GET, HEAD", (method, status)
        for path in ("/nope", "/metrics/", "/metrics/../x", "//metrics", "/index.html"):
            assert get(port, path)[0] == 404, path
        status, headers, body = get(port, "/")
        assert status == 200 and 'href="/metrics"' in body
        assert get(port, method="HEAD")[0] == 200
        # malformed request lines, a body on a GET, and 64 KiB of headers
        assert raw_request(port, b"GARBAGE\r\n\r\n") == b""
        assert status_of(raw_request(port, b"GET /metrics HTTP/9.9\r\n\r\n")) == 505
        assert status_of(raw_request(port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n"
                                     b"X-Long: " + b"a" * 65536 + b"\r\n\r\n")) == 431
        # binary junk gets nothing back (it waits for the timeout that drops it)
        assert raw_request(port, b"\x00\xff" * 300 + b"\r\n\r\n", timeout=1) in (b"", None)
        # slowloris: 20 clients that never finish their headers, and a flood of
        # 150 idle connections (past the server's 64), while tracing goes on
        slow = []
        for i in range(20):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            slow.append(s)
        flood = []
        for i in range(150):
            try:
                flood.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                break
        exec_workload(uid)
        os.kill(pid, signal.SIGUSR1)
        assert child.wait(20) == 0, child.out
        for s in flood:
            s.close()
        # the idle ones are dropped by the server's timeout (10 s), not left open
        deadline = time.monotonic() + 20 * pk.TIMEOUT_SCALE
        for s in slow:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                reply = s.recv(100)
            except ConnectionResetError:
                reply = b""
            except socket.timeout:
                raise AssertionError("a half-sent request was never timed out")
            finally:
                s.close()
            assert reply == b"" or status_of(reply) == 408, reply
        assert tool.p.poll() is None, tool.err
        s = scrape(port)
        assert s[f'probekit_execs_total{{uid="{uid}",comm="sh"}}'] == 5, s
        assert s[f'probekit_execs_total{{uid="{uid}",comm="setpriv"}}'] == 1, s
        assert s["probekit_read_size_bytes_count"] == sum(c for c, _ in READS), s
        assert tool.stop() == 0, tool.err
    finally:
        pk.cleanup_processes()


def test_systemd_unit_template_verifies():
    """The shipped unit, instantiated on an environment file like the
    example, is one systemd accepts (systemd-analyze verify)."""
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        raise pk.Skip("systemd-analyze is not installed (no systemd here)")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    src = os.path.join(root, "contrib", "systemd")
    with tempfile.TemporaryDirectory(prefix="pk-unit-") as d:
        unit = open(os.path.join(src, "probekit-metrics@.service")).read()
        assert "EnvironmentFile=/etc/probekit/metrics/%i.env" in unit
        with open(os.path.join(d, "probekit-metrics@x.service"), "w") as f:
            f.write(unit.replace("/etc/probekit/metrics/%i.env", os.path.join(d, "x.env")))
        shutil.copy(os.path.join(src, "metrics.env.example"), os.path.join(d, "x.env"))
        r = subprocess.run([analyze, "verify", "--man=no",
                            os.path.join(d, "probekit-metrics@x.service")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert r.returncode == 0, r.stdout


def test_series_limit_keeps_the_largest_and_counts_the_rest():
    """A key flood past --metrics-max-series: a scrape shows exactly the
    limit, the largest series among them, and probekit_series_dropped_total
    counts the rest at every scrape."""
    pk.need_bpf()
    need_prometheus()
    port, keys, limit = free_port(), 3000, 100
    # fds past any open one: every close() fails with EBADF, and is seen;
    # the child closes nothing else between "go" and "done"
    base = 1 << 20
    code = ("import os, sys\nsys.stdin.readline()\n"
            f"for i in range({keys}):\n"
            "    for _ in range(3 if i < 5 else 1):\n"
            "        try:\n"
            f"            os.close({base} + i)\n"
            "        except OSError:\n"
            "            pass\n"
            "print('done', flush=True)\nsys.stdin.readline()\n")
    child = pk.Proc([sys.executable, "-c", code], stdin=subprocess.PIPE)
    tool = pk.Proc(run_argv("-v", "--metrics", str(port), "--quiet", "--metrics-max-series",
                            str(limit), "--set", f"targ_pid={child.pid}",
                            prebuilt(os.path.join(PROGS, "close_keys.bpf.c"))), env=env())
    tool.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    child.wait_for(lambda l: l == "done", 30)
    for n in (1, 2):
        s = scrape(port)
        series = {k: v for k, v in s.items() if k.startswith("probekit_closes_total{")}
        assert len(series) == limit, len(series)
        for i in range(5):
            assert series[f'probekit_closes_total{{fd="{base + i}",pid="{child.pid}"}}'] == 3
        assert s['probekit_series_dropped_total{map="closes"}'] == n * (keys - limit), s
    assert tool.stop() == 0, tool.err
    child.p.stdin.close()
    assert child.wait() == 0


def test_label_values_use_declared_formats():
    """A key member declared pk_syscall_t or pk_ipv4_t with its port is
    labelled as `probekit run` prints it: nr="connect",
    daddr="127.0.0.1:PORT" (no dport label of its own)."""
    pk.need_bpf()
    port, dead_port = free_port(), free_port()
    code = ("import socket, sys\n"
            "sys.stdin.readline()\n"
            "for p, n in ((%d, 3), (%d, 2)):\n"
            "    for _ in range(n):\n"
            "        s = socket.socket()\n"
            "        try: s.connect(('127.0.0.1', p))\n"
            "        except OSError: pass\n"
            "        s.close()\n"
            "print('done', flush=True)\n" % (port, dead_port))
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    mport = free_port()
    try:
        tool = pk.Proc(run_argv("-v", "--metrics", f"127.0.0.1:{mport}", "--set",
                                f"targ_pid={child.pid}",
                                prebuilt(os.path.join(PROGS, "metrics_formats.bpf.c"))), env=env())
        tool.wait_for(lambda l: ": using " in l, 60, stream="err", what="'using' line")
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline() == "done\n"
        samples = {k: v for k, v in scrape(mport).items() if k.startswith("probekit_connects")}
        assert samples == {
            f'probekit_connects_total{{nr="connect",daddr="127.0.0.1:{port}"}}': 3.0,
            f'probekit_connects_total{{nr="connect",daddr="127.0.0.1:{dead_port}"}}': 2.0,
        }, samples
        assert tool.stop() == 0, tool.err
    finally:
        # the tool, if still running, is stopped with the test's other processes
        child.kill()
        child.wait()


@pk.timeout(180)
def test_prometheus_scrapes_runqlat_and_biolatency_exactly():
    """The shelf's tools with --metrics and nothing else: a real Prometheus
    scrapes `runqlat -p PID` and `biolatency -D --disk DISK`. The disk's
    histogram counts exactly the workload's 20 O_DIRECT writes; runqlat's
    counts the child's switch-ins as the tool itself prints them at exit,
    the kernel's own switch counts bounding them (test_runqlat.py)."""
    import blockdev
    from test_runqlat import Sleeper, near
    pk.need_bpf()
    need_prometheus()
    sizes = [4096, 16384] * 10
    tmp = pk.tempdir("pk-metrics-shelf-")
    prom = None
    with blockdev.scratch_device() as (dev, disk, _):
        try:
            writer = blockdev.writer(dev, sizes)
            child = Sleeper()
            pa, pb = free_port(), free_port()
            rq = pk.start_tool("runqlat", "-p", str(child.pid), "--metrics", str(pa), "--json",
                               "-v", ready="verbose")
            bio = pk.start_tool("biolatency", "-D", "--disk", disk, "--metrics", f":{pb}",
                                "-v", ready="verbose")
            prom, pport = start_prometheus(tmp, pa, pb)
            child.run()
            blockdev.go(writer)
            a, b = f"127.0.0.1:{pa}", f"127.0.0.1:{pb}"
            wait_query(pport, f'probekit_biolatency_seconds_count{{disk="{disk}"}}',
                       {b: float(len(sizes))})
            wait_query(pport, f'probekit_biolatency_seconds_bucket{{disk="{disk}",le="+Inf"}}',
                       {b: float(len(sizes))})
            # the child is blocked again: its count no longer moves
            counted = scrape(pa)["probekit_runqlat_seconds_count"]
            wait_query(pport, "probekit_runqlat_seconds_count", {a: counted})
            wait_query(pport, "probekit_lost_events_total", {a: 0.0, b: 0.0})
            assert rq.stop() == 0 and bio.stop() == 0, (rq.err, bio.err)
            printed = sum(bk["count"] for o in pk.json_lines(rq.out) if "buckets" in o
                          for bk in o["buckets"])
            assert printed == counted, (printed, counted, rq.out)
            vol, invol = child.end()
            assert near(counted, vol, invol), (counted, vol, invol)
        finally:
            if prom:
                prom.stop(signal.SIGTERM, 30)
