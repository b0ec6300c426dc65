"""TCP workloads for the TCP tools' tests, each in a network namespace of
its own: the child runs under `unshare -n` (util-linux's, or BusyBox's in
the kernel lane's guests, which exec it in place: its pid is the
workload's), brings its loopback up (an ioctl: the guests have no ip) and
talks only to it, so no packet leaves the namespace and no other test's
TCP is counted. It waits for a line on stdin ("go") once ready, so that
the tool under test is attached first, then prints one JSON object of
what it did (its own ports and counts: the tests' oracle), and `ss -tinmpH`
(iproute2) from inside the namespace where ss exists.

    w = tcpns.start("connect")       # a pk.Proc; w.pid is the workload
    tool = pk.start_tool("tcpconnect", "-p", str(w.pid), ...)
    facts = tcpns.go(w)
"""
import array
import fcntl
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def addr(v6):
    """The loopback address the workloads use, as --json prints it."""
    return "::1" if v6 else "127.0.0.1"


def _loopback_up():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP))


def _listener(family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind((addr, 0))
    s.listen(16)
    return s


def _ss():
    ss = shutil.which("ss")
    if not ss:
        return None
    return subprocess.run([ss, "-tinmpH"], stdout=subprocess.PIPE, text=True).stdout


def connect(facts):
    """2 IPv4 connects and 1 IPv6 connect that succeed, 1 IPv4 refused."""
    l4 = _listener(socket.AF_INET, "127.0.0.1")
    l6 = _listener(socket.AF_INET6, "::1")
    p4, p6 = l4.getsockname()[1], l6.getsockname()[1]
    # a port nothing listens on: bound, never listening, so it stays free
    closed = _listener(socket.AF_INET, "127.0.0.1")
    refused_port = closed.getsockname()[1]
    closed.close()
    facts.update(port4=p4, port6=p6, refused_port=refused_port)
    yield
    conns, took = [], []
    for family, addr, port in ((socket.AF_INET, "127.0.0.1", p4),
                               (socket.AF_INET, "127.0.0.1", p4),
                               (socket.AF_INET6, "::1", p6)):
        c = socket.socket(family, socket.SOCK_STREAM)
        t0 = time.monotonic_ns()
        c.connect((addr, port))
        took.append(time.monotonic_ns() - t0)
        conns.append(c)
    facts["lports"] = [c.getsockname()[1] for c in conns]
    # how long each connect() took: the handshake is inside it
    facts["connect_ns"] = took
    facts["ss"] = _ss()
    r = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        r.connect(("127.0.0.1", refused_port))
    except ConnectionRefusedError:
        facts["refused"] = 1
    r.close()
    for c in conns:
        c.close()


def sessions(facts):
    """3 IPv4 sessions and 1 IPv6, each sending and receiving known bytes."""
    l4 = _listener(socket.AF_INET, "127.0.0.1")
    l6 = _listener(socket.AF_INET6, "::1")
    facts.update(port4=l4.getsockname()[1], port6=l6.getsockname()[1])
    yield
    facts["sessions"] = []
    for i, (lst, addr) in enumerate(((l4, "127.0.0.1"), (l4, "127.0.0.1"), (l4, "127.0.0.1"),
                                     (l6, "::1"))):
        c = socket.socket(lst.family, socket.SOCK_STREAM)
        c.connect((addr, lst.getsockname()[1]))
        a, _ = lst.accept()
        out, back = 1000 * (i + 1), 300 * (i + 1)
        c.sendall(b"x" * out)
        got = 0
        while got < out:
            got += len(a.recv(65536))
        a.sendall(b"y" * back)
        got = 0
        while got < back:
            got += len(c.recv(65536))
        if i == 0:
            facts["ss"] = _ss()
        time.sleep(0.05)
        facts["sessions"].append({"lport": c.getsockname()[1], "dport": lst.getsockname()[1],
                                  "tx": out, "rx": back, "v6": lst.family == socket.AF_INET6})
        c.close()
        a.close()
    time.sleep(0.2)


RTT_PORT = 4242


def _segs_in(ss, port):
    """ss -ti's segs_in of the socket whose local port is @port."""
    lines = ss.splitlines()
    for line, info in zip(lines[::2], lines[1::2]):
        if line.split()[3].endswith(f":{port}"):
            return int(info.split("segs_in:")[1].split()[0])
    raise AssertionError(f"no socket of port {port} in ss: {ss}")


def rtt(facts):
    """RTT samples: servers on 127.0.0.1 and ::1 at the same port (RTT_PORT:
    the namespace is the test's own), each sent 5 and 3 messages one at a
    time and then a FIN, and sending nothing back: each of those segments
    is one tcp_probe (tcp_rcv_established()) of the server's socket; the
    handshake's ACK is not (the socket is still SYN_RECV), nor the ACK of
    its own FIN (LAST_ACK)."""
    servers = [_listener(socket.AF_INET, "127.0.0.1"), None]
    servers[1] = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    servers[1].bind(("::1", RTT_PORT))
    servers[1].listen(4)
    servers[0].close()
    servers[0] = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    servers[0].bind(("127.0.0.1", RTT_PORT))
    servers[0].listen(4)
    facts.update(port=RTT_PORT, msgs={"127.0.0.1": 5, "::1": 3})
    yield
    facts["samples"], facts["segs_in"] = {}, {}
    for lst, addr in ((servers[0], "127.0.0.1"), (servers[1], "::1")):
        c = socket.socket(lst.family, socket.SOCK_STREAM)
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.connect((addr, RTT_PORT))
        a, _ = lst.accept()
        for _ in range(facts["msgs"][addr]):
            c.send(b"m" * 100)
            got = 0
            while got < 100:
                got += len(a.recv(100 - got))
        # the data segments and the FIN
        facts["samples"][addr] = facts["msgs"][addr] + 1
        ss = _ss()
        # segs_in counts the SYN and the handshake's ACK too, which are no
        # samples, and not yet the FIN, which is
        facts["segs_in"][addr] = _segs_in(ss, RTT_PORT) if ss else None
        c.close()
        a.settimeout(10)
        assert a.recv(1) == b""
        a.close()
        time.sleep(0.05)


SO_ATTACH_FILTER, SO_DETACH_FILTER = 26, 27


def _drop_all(sock):
    """A classic BPF socket filter that drops every packet for @sock (its
    program: "ret #0"): the kernel drops them in tcp_filter(), after the
    sender sent them, so the sender retransmits."""
    prog = array.array("B", struct.pack("HBBI", 0x06, 0, 0, 0))
    fprog = struct.pack("H6xQ", 1, prog.buffer_info()[0])
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)


def _snmp_tcp(field):
    """A Tcp: counter of this namespace's /proc/net/snmp."""
    with open("/proc/net/snmp") as f:
        rows = [l.split() for l in f if l.startswith("Tcp:")]
    return int(rows[1][rows[0].index(field)])


def _netstat_tcpext(field):
    """A TcpExt: counter of this namespace's /proc/net/netstat."""
    with open("/proc/net/netstat") as f:
        rows = [l.split() for l in f if l.startswith("TcpExt:")]
    return int(rows[1][rows[0].index(field)])


def retrans(facts):
    """One IPv4 and one IPv6 connection; the receiving sockets drop all input
    for 0.7 s while the sender sends 500 bytes each: the kernel's own
    RetransSegs counts the retransmits."""
    pairs = []
    for family, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        lst = _listener(family, addr)
        c = socket.socket(family, socket.SOCK_STREAM)
        c.connect((addr, lst.getsockname()[1]))
        a, _ = lst.accept()
        pairs.append((c, a))
    facts["flows"] = [{"lport": c.getsockname()[1], "rport": c.getpeername()[1],
                       "v6": c.family == socket.AF_INET6} for c, _ in pairs]
    yield
    before = _snmp_tcp("RetransSegs")
    probes = _netstat_tcpext("TCPLossProbes")
    for c, a in pairs:
        _drop_all(a)
        c.sendall(b"r" * 500)
    time.sleep(0.7)
    for c, a in pairs:
        a.setsockopt(socket.SOL_SOCKET, SO_DETACH_FILTER, 0)
    for c, a in pairs:
        a.settimeout(10)
        got = 0
        while got < 500:
            got += len(a.recv(65536))
    facts["ss"] = _ss()
    facts["retrans"] = _snmp_tcp("RetransSegs") - before
    # tail loss probes sent (the kernel's count), each one of those retransmits
    facts["probes"] = _netstat_tcpext("TCPLossProbes") - probes
    for c, a in pairs:
        c.close()
        a.close()


def listen(facts):
    """listen() with backlogs 7 (127.0.0.1), 5 (::1) and 3 (0.0.0.0)."""
    facts["netns"] = os.stat("/proc/self/ns/net").st_ino
    yield
    socks, facts["listens"] = [], []
    for family, addr, backlog in ((socket.AF_INET, "127.0.0.1", 7), (socket.AF_INET6, "::1", 5),
                                  (socket.AF_INET, "0.0.0.0", 3)):
        s = socket.socket(family, socket.SOCK_STREAM)
        s.bind((addr, 0))
        s.listen(backlog)
        socks.append(s)
        facts["listens"].append({"addr": addr, "port": s.getsockname()[1], "backlog": backlog})
    ss = shutil.which("ss")
    facts["ss"] = subprocess.run([ss, "-ltnH"], stdout=subprocess.PIPE,
                                 text=True).stdout if ss else None


def bind(facts):
    """Four binds that succeed (TCP 127.0.0.1 with SO_REUSEADDR, TCP ::1
    with SO_REUSEPORT, UDP 127.0.0.1 bound to lo, TCP 127.0.0.1) and one
    that fails (the last one's port again: EADDRINUSE)."""
    yield
    socks, facts["binds"] = [], []
    for kind, family, addr, opt in ((socket.SOCK_STREAM, socket.AF_INET, "127.0.0.1", "R"),
                                    (socket.SOCK_STREAM, socket.AF_INET6, "::1", "r"),
                                    (socket.SOCK_DGRAM, socket.AF_INET, "127.0.0.1", "lo"),
                                    (socket.SOCK_STREAM, socket.AF_INET, "127.0.0.1", "")):
        s = socket.socket(family, kind)
        if opt == "R":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        elif opt == "r":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        elif opt == "lo":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"lo")
        s.bind((addr, 0))
        socks.append(s)
        facts["binds"].append({"addr": addr, "port": s.getsockname()[1], "opt": opt,
                               "proto": "UDP" if kind == socket.SOCK_DGRAM else "TCP"})
    facts["lo_index"] = socket.if_nametoindex("lo")
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        busy.bind(("127.0.0.1", facts["binds"][-1]["port"]))
    except OSError as e:
        facts["failed"] = {"port": facts["binds"][-1]["port"], "errno": e.errno}
    busy.close()


# bcc's bindsnoop OPTS letters and the options that set them
IP_FREEBIND, IP_TRANSPARENT, IP_BIND_ADDRESS_NO_PORT = 15, 19, 24
BIND_OPTS = {"F": (socket.SOL_IP, IP_FREEBIND), "T": (socket.SOL_IP, IP_TRANSPARENT),
             "N": (socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT),
             "R": (socket.SOL_SOCKET, socket.SO_REUSEADDR),
             "r": (socket.SOL_SOCKET, socket.SO_REUSEPORT)}


def bindopts(facts):
    """TCP binds to 127.0.0.1, each with one of bcc's five options set, then
    one with all five and one with none; what getsockopt() reads back for
    each is the oracle."""
    yield
    socks, facts["binds"] = [], []
    for opts in ("F", "T", "N", "R", "r", "FTNRr", ""):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        for o in opts:
            s.setsockopt(*BIND_OPTS[o], 1)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        back = "".join(o if s.getsockopt(*BIND_OPTS[o]) else "." for o in "FTNRr")
        facts["binds"].append({"port": s.getsockname()[1], "opts": back})


SCENARIOS = {"connect": connect, "sessions": sessions, "retrans": retrans, "listen": listen,
             "bind": bind, "rtt": rtt, "bindopts": bindopts}


def main(name, now=False):
    # unshare -n ran us in a namespace of our own: never touch the host's lo
    assert (os.stat("/proc/self/ns/net").st_ino !=
            os.stat(f"/proc/{os.getppid()}/ns/net").st_ino), "not in a namespace of its own"
    _loopback_up()
    facts = {"pid": os.getpid()}
    steps = SCENARIOS[name](facts)
    next(steps)
    print(json.dumps(facts), flush=True)
    if not now:
        sys.stdin.readline()
    for _ in steps:
        pass
    print(json.dumps(facts), flush=True)


def start(name):
    """The workload, ready: its first line (ports) read into .facts."""
    import pk
    unshare = shutil.which("unshare")
    assert unshare, "no unshare (util-linux, or BusyBox's in the kernel lane)"
    w = pk.Proc([unshare, "-n", sys.executable, os.path.abspath(__file__), name],
                stdin=subprocess.PIPE)
    w.facts = json.loads(w.wait_for(lambda l: l.startswith("{"), 20, what="workload ready"))
    return w


def go(w, timeout=30):
    """Runs the workload's TCP; returns its facts once it has exited."""
    w.p.stdin.write(b"go\n")
    w.p.stdin.flush()
    assert w.wait(timeout) == 0, w.err
    return json.loads(w.out[-1])


def command(name):
    """The workload as a tool's -c COMMAND: it starts at once (the runtime
    holds a -c child until the tool is attached); its facts come last on
    the tool's stdout."""
    unshare = shutil.which("unshare")
    assert unshare, "no unshare (util-linux, or BusyBox's in the kernel lane)"
    return f"{unshare} -n {sys.executable} {os.path.abspath(__file__)} {name} now"


def facts_of(lines):
    """The facts a command() workload printed last, among a tool's lines."""
    return json.loads([l for l in lines if l.startswith('{"pid"')][-1])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] == ["now"])
