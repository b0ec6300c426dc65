"""Flame graphs from the stack tools: --folded lines with known stacks and
counts, and SVGs that parse as XML, hold a rect per frame as wide as its
share of the counts, render in headless Chromium and zoom when clicked."""
import os
import re
import shutil
import socket
import subprocess

import pk

SVG = "{http://www.w3.org/2000/svg}"
WIDTH, PAD = 1200, 10  # the writer's defaults


def folded_stacks(lines):
    """{(frame, ...): count} from folded lines, every line well formed."""
    stacks = {}
    for line in lines:
        m = re.fullmatch(r"(.+) (\d+)", line)
        assert m, f"not a folded line: {line!r}"
        key = tuple(m.group(1).split(";"))
        stacks[key] = stacks.get(key, 0) + int(m.group(2))
    return stacks


def bcc_entries(lines, count_indent):
    """The text of a stack tool in bcc's layout (PK_STACK_ROWS): the banner,
    a blank line (bcc's print()), then each entry's lines, its count
    count_indent spaces in, and a blank line, smallest count first.
    [(lines, count)]; every line of an entry is indented, no frame has an
    offset."""
    assert lines[1:2] == [""], lines[:3]
    entries, block = [], []
    for line in lines[2:]:
        if line:
            block.append(line)
            continue
        assert block, "two blank lines"
        m = re.fullmatch(" " * count_indent + r"(\d+)", block[-1])
        assert m, f"not a count line: {block[-1]!r}"
        assert all(re.match(r" +\S", l) and "+0x" not in l for l in block[:-1]), block
        entries.append((block[:-1], int(m[1])))
        block = []
    assert not block, f"an entry without its blank line: {block}"
    counts = [n for _, n in entries]
    assert counts == sorted(counts), counts
    return entries


def expected_frames(stacks):
    """{path from the root: count}, the root being ('all',)."""
    frames = {("all",): sum(stacks.values())}
    for stack, n in stacks.items():
        for i in range(1, len(stack) + 1):
            path = ("all",) + stack[:i]
            frames[path] = frames.get(path, 0) + n
    return frames


def svg_frames(path):
    """[(name, count, x, y, width)] of the SVG's frames, read as XML."""
    et = pk.need_host_tool("py:xml.etree.ElementTree")
    root = et.parse(path).getroot()
    assert root.tag == SVG + "svg", root.tag
    out = []
    for g in root.iter(SVG + "g"):
        if g.get("class") != "f":
            continue
        title = g.find(SVG + "title").text
        m = re.fullmatch(r"(.*) \((\d+) \w+, [\d.]+%\)", title)
        assert m, title
        rect = g.find(SVG + "rect")
        out.append((m.group(1), int(m.group(2)), float(rect.get("x")), float(rect.get("y")),
                    float(rect.get("width"))))
    return out


def check_svg(path, stacks):
    """Each frame of the folded stacks is one rect, stacked on its parent,
    as wide as its count's share of the width (to the writer's 0.01 px);
    frames narrower than 0.1 px are left out, as flamegraph.pl does."""
    want = expected_frames(stacks)
    total = want[("all",)]
    scale = (WIDTH - 2 * PAD) / total
    want = {p: c for p, c in want.items() if c * scale >= 0.1}
    got = svg_frames(path)
    assert len(got) == len(want), (len(got), len(want), got)
    by_name_depth = {}
    bottom = max(y for _, _, _, y, _ in got)
    for name, count, x, y, w in got:
        depth = round((bottom - y) / 16)
        by_name_depth.setdefault((name, depth), []).append((count, x, w))
        assert abs(w - count * scale) <= 0.011, (name, count, w, count * scale)
        assert PAD - 0.01 <= x and x + w <= WIDTH - PAD + 0.02, (name, x, w)
    for path, count in want.items():
        entries = by_name_depth.get((path[-1], len(path) - 1), [])
        assert any(c == count for c, _, _ in entries), (path, count, entries)
    return got


def chromium():
    """Headless Chromium's command line. Without Chromium the test skips,
    saying so, after its other checks (a missing precondition, not BPF:
    skipped under PROBEKIT_REQUIRE_BPF=1 too)."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        raise pk.Skip("no chromium to draw the flame graph and run its zoom script "
                      "(the SVG passed the XML checks; scripts/install-deps.sh installs chromium)")
    return [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--user-data-dir=" + pk.tempdir("pk-chromium-")]


def check_renders_and_zooms(path, zoom_to, total_width_after):
    """A screenshot is drawn, and a click on frame zoom_to (done by a
    script appended to a copy) stretches it to the full width."""
    png = path + ".png"
    r = subprocess.run(chromium() + [f"--screenshot={png}", "--window-size=1200,600",
                                     "file://" + path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    assert r.returncode == 0 and os.path.getsize(png) > 2000, r.stdout[-500:]
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(path) as f:
        text = f.read()
    click = ("<script><![CDATA[window.addEventListener('load',function(){"
             "fs.filter(function(g){return g.nm==%r;})[0].onclick();});]]></script></svg>"
             % zoom_to)
    zoomed = path + ".zoom.svg"
    with open(zoomed, "w") as f:
        f.write(text.replace("</svg>", click))
    r = subprocess.run(chromium() + ["--dump-dom", "file://" + zoomed], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, timeout=120)
    assert r.returncode == 0, r
    widths = {}
    for m in re.finditer(r'<g class="f"( style="[^"]*")?><title>([^<]*) \(\d+[^<]*</title>'
                         r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', r.stdout):
        if "none" not in (m.group(1) or ""):
            widths.setdefault(m.group(2), []).append(float(m.group(4)))
    assert zoom_to in widths, (zoom_to, widths)
    assert abs(max(widths[zoom_to]) - total_width_after) < 0.5, widths[zoom_to]


def test_mallocstacks_folded_and_svg():
    pk.need_bpf()
    svg = os.path.join(pk.tempdir("pk-fg-"), "malloc.svg")
    r = pk.run([pk.tool_path("mallocstacks"), "-f", "--svg", svg, "-c",
                pk.helper_path("mallocer") + " now"], timeout=60)
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if l not in ("ready", "done")]
    stacks = folded_stacks(lines)
    # mallocer's known stacks: alloc_a 10 x 4096, alloc_b 7 x 100, via main
    a = [s for s in stacks if s[-2:] == ("alloc_a", "malloc")]
    b = [s for s in stacks if s[-2:] == ("alloc_b", "malloc")]
    assert len(a) == 1 and stacks[a[0]] == 40960 and a[0][-3] == "main", stacks
    assert len(b) == 1 and stacks[b[0]] == 700 and b[0][-3] == "main", stacks
    got = check_svg(svg, stacks)
    assert ("alloc_a", 40960) in [(n, c) for n, c, *_ in got]
    check_renders_and_zooms(svg, "alloc_b", WIDTH - 2 * PAD)


def test_stacksnoop_counts_per_stack():
    pk.need_bpf()
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    port = srv.getsockname()[1]
    child = pk.Proc([pk.helper_path("statter"), f"connect:{port}"], stdin=subprocess.PIPE)
    child.wait_for(lambda l: l.startswith("ready"), what="ready line")
    svg = os.path.join(pk.tempdir("pk-fg-"), "stacks.svg")
    tool = pk.start_tool("stacksnoop", "--verbose", "--folded", "--svg", svg, "-p", str(child.pid),
                         "t:syscalls:sys_enter_connect", ready="verbose")
    held = pk.bpf_objects(tool.pid)
    child.p.stdin.write(b"go\n")
    child.p.stdin.flush()
    assert child.wait() == 0
    # the child's one connect() is one hit; the tool prints at exit only
    assert tool.out == [], tool.out
    assert tool.stop() == 0, tool.err
    srv.close()
    stacks = folded_stacks(tool.out)
    assert sum(stacks.values()) == 1, stacks
    (stack,) = stacks
    if stack[0].startswith("[no stack"):
        return  # a kernel that gives syscall tracepoints no stack (test_stacksnoop covers it)
    assert "do_syscall_64" in stack, stack
    assert stack.index("do_syscall_64") < len(stack) - 1, stack  # outermost first
    got = check_svg(svg, stacks)
    assert all(abs(w - (WIDTH - 2 * PAD)) < 0.02 for *_, w in got), got
    pk.assert_released(held)


def test_stacksnoop_svg_hits_add_up():
    """Many hits over several stacks: the counts in the SVG and the folded
    lines agree, and widths follow them."""
    pk.need_bpf()
    svg = os.path.join(pk.tempdir("pk-fg-"), "sched.svg")
    r = pk.run([pk.tool_path("stacksnoop"), "-d", "1", "--folded", "--svg", svg,
                "raw_tp:sched_switch"], timeout=60)
    assert r.returncode == 0, r.stderr
    stacks = folded_stacks(r.stdout.splitlines())
    assert len(stacks) >= 2 and sum(stacks.values()) >= 2, stacks
    check_svg(svg, stacks)


def test_stacksnoop_suggests_near_names():
    pk.need_bpf()
    cases = [("t:syscalls:sys_enter_conect", "t:syscalls:sys_enter_connect"),
             ("raw_tp:sched_swich", "raw_tp:sched_switch")]
    for target, near in cases:
        r = pk.run([pk.tool_path("stacksnoop"), target])
        assert r.returncode == 1, r
        assert r.stderr.count("\n") == 1, r.stderr
        assert "not found. Did you mean " + near in r.stderr, r.stderr
    # a name near nothing gets no suggestion
    r = pk.run([pk.tool_path("stacksnoop"), "t:zzzzqqq:xxxyyy"])
    assert r.returncode == 1 and "Did you mean" not in r.stderr, r.stderr


def test_bad_svg_and_folded_use():
    r = pk.run([pk.tool_path("stacksnoop"), "--folded", "--json", "t:sched:sched_switch"])
    assert r.returncode == 2 and "--folded and --json" in r.stderr, r
    r = pk.run([pk.tool_path("mallocstacks"), "--svg", "", "-p", "1"])
    assert r.returncode == 2 and "--svg" in r.stderr, r
