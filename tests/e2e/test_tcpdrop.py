"""tcpdrop: a workload in a network namespace of its own (tcpns.py) sends
500 bytes on an IPv4 and an IPv6 connection while the receiving sockets
drop all input (a socket filter) for 0.7 s: the drops the tool prints per
flow are exactly those the receiving socket counts (ss's skmem d), with
the kernel's reason SOCKET_FILTER, PSH|ACK, and tcp_v4_rcv/tcp_v6_rcv in
the kernel stack."""
import re

import pk
import tcpns


def _state_known():
    """Linux 6.12+ names the receiving socket in skb:kfree_skb (rx_sk);
    before, a packet dropped before it was owned has no socket: STATE -."""
    for d in ("/sys/kernel/tracing", "/sys/kernel/debug/tracing"):
        try:
            with open(f"{d}/events/skb/kfree_skb/format") as f:
                return "rx_sk" in f.read()
        except OSError:
            pass
    return None


def _run(*args):
    w = tcpns.start("retrans")
    tool = pk.start_tool("tcpdrop", *args, "-v", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    facts = tcpns.go(w)
    assert tool.stop() == 0, tool.err
    pk.assert_released(held)
    return tool, facts


def _ss_drops(ss, lport, rport):
    lines = ss.splitlines()
    for line, info in zip(lines[::2], lines[1::2]):
        local, peer = line.split()[3:5]
        if local.endswith(f":{rport}") and peer.endswith(f":{lport}"):
            return int(re.search(r"skmem:\(.*,d(\d+)\)", info).group(1))
    raise AssertionError(f"no socket {rport} <- {lport} in ss: {ss}")


@pk.timeout(60)
def test_drops_json():
    pk.need_bpf()
    tool, f = _run("--json", "--no-stack")
    events = [r["event"] for r in pk.json_lines(tool.out)]
    for flow in f["flows"]:
        # the packets the connecting side sent, dropped at the accepted socket
        ours = [e for e in events if (e["sport"], e["dport"]) == (flow["lport"], flow["rport"])]
        assert ours, events
        known = _state_known()
        for e in ours:
            assert (e["reason"], e["ip"]) == ("DROP_SOCKET_FILTER", 6 if flow["v6"] else 4), e
            assert (e["saddr"], e["daddr"]) == (tcpns.addr(flow["v6"]),) * 2, e
            assert e["state"] == {True: "ESTABLISHED", False: "-"}.get(
                known, e["state"] if e["state"] in ("ESTABLISHED", "-") else None), e
            assert e["tcpflags"] in ("PSH|ACK", 24), e
        if f["ss"] is None:
            pk.need_host_tool("ss")
        assert len(ours) == _ss_drops(f["ss"], flow["lport"], flow["rport"]), (ours, f["ss"])


@pk.timeout(60)
def test_stacks():
    pk.need_bpf()
    tool, f = _run()
    assert tool.out[0].split()[:8] == ["TIME", "PID", "IP", "SADDR:SPORT", ">", "DADDR:DPORT",
                                       "STATE", "FLAGS"], tool.out
    v4, v6 = f["flows"]
    text = "\n".join(tool.out)
    for flow, rcv in ((v4, "tcp_v4_rcv"), (v6, "tcp_v6_rcv")):
        at = next(i for i, l in enumerate(tool.out) if f":{flow['lport']} " in l and
                  "SOCKET_FILTER" in l)
        stack = []
        for l in tool.out[at + 1:]:
            if not l.startswith("\t"):
                break
            stack.append(l.strip().split("+")[0])
        assert rcv in stack, (stack, text)
