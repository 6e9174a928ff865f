#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Measure quire against tar.gz + minisign, tar + pigz + minisign and zip on one corpus.

Called by bench/run.sh once per corpus; writes one JSON file. Every command is run as a
list of argv steps executed one after the other without a shell (so "minisign -V && tar
-xzf" costs exactly its two programs, as quire costs its one); a step that fails stops the
benchmark. Wall time is taken with a monotonic clock around the steps. Peak memory is GNU time's
"Maximum resident set size" (-v; here -f %M) of each step, taken in the warm-up run, the
largest over the steps; for tar -z it covers the gzip child.

Each operation runs every command of its group once to warm the caches (nothing is
dropped) and measure peak memory, then N timed rounds; in each round every command of the group runs once, in an order
rotated round by round, so quire and its peers see the same machine load. Figures are
medians of the N runs, and every comparison is a ratio quire / peer of medians taken in
the same run.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time


def sh(cmd):
    """Output of a shell command for the machine record; '' when it fails."""
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=60).stdout.strip()
    except Exception:  # noqa: BLE001 - a missing tool is recorded as ''
        return ""


RSS_DIR = "/tmp"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine(work):
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = "%.1f GiB" % (int(line.split()[1]) / 1048576)
    du = shutil.disk_usage(work)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "os": sh(". /etc/os-release && echo \"$PRETTY_NAME\""),
        "disk_free": "%.0f GiB" % (du.free / 2**30),
        "filesystem": sh("df -T %s | awk 'NR==2 {print $2}'" % work),
        "versions": {
            "gzip": sh("gzip --version | head -1"),
            "pigz": sh("pigz --version 2>&1 | head -1"),
            "tar": sh("tar --version | head -1"),
            "zip": sh("zip -v | sed -n 2p").strip(),
            "unzip": sh("unzip -v | head -1"),
            "minisign": sh("minisign -v 2>&1 | head -1"),
            "zlib": sh("dpkg-query -W -f '${Version}' zlib1g"),
            "libsodium": sh("dpkg-query -W -f '${Version}' libsodium23"),
            "cc": sh("cc --version | head -1"),
        },
    }


def run_steps(steps, cwd, rss_file=None):
    """Run argv lists in order; return (seconds, max rss KiB or None).

    With rss_file, each step runs under GNU time (/usr/bin/time -f %M), whose own image is
    what the child starts from; without it there is no wrapper, so the timed runs pay for
    nothing but the programs. (wait4() from this process is no use for memory: a child
    forked from Python starts with Python's resident set as its high-water mark.)
    """
    rss = None
    t0 = time.perf_counter()
    for argv in steps:
        if rss_file:
            argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv
        p = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode != 0:
            sys.exit("harness: %s exited %d: %s" % (" ".join(argv), p.returncode,
                                                     p.stderr.decode(errors="replace")[:500]))
        if rss_file:
            with open(rss_file) as f:
                rss = max(rss or 0, int(f.read().split()[-1]))
    return time.perf_counter() - t0, rss


def rmtree(path):
    if os.path.lexists(path):
        subprocess.run(["rm", "-rf", path], check=True)


def measure(group, runs, cwd, log):
    """group: list of dicts(name, steps, prepare). Returns name -> stats."""
    res = {c["name"]: {"times": []} for c in group}
    rss_file = os.path.join(RSS_DIR, "rss.txt")
    for c in group:                       # warm-up, not counted; peak memory taken here
        if c.get("prepare"):
            c["prepare"]()
        _, res[c["name"]]["max_rss_kib"] = run_steps(c["steps"], cwd, rss_file)
    for r in range(runs):
        order = group[r % len(group):] + group[:r % len(group)]
        for c in order:
            if c.get("prepare"):
                c["prepare"]()
            t, _ = run_steps(c["steps"], cwd)
            res[c["name"]]["times"].append(round(t, 6))
    for c in group:
        s = res[c["name"]]
        s["median_s"] = statistics.median(s["times"])
        s["min_s"] = min(s["times"])
        s["max_s"] = max(s["times"])
        s["command"] = " && ".join(" ".join(a) for a in c["steps"])
        log("  %-28s median %9.4f s  (min %.4f, max %.4f)  rss %d KiB" % (
            c["name"], s["median_s"], s["min_s"], s["max_s"], s["max_rss_kib"]))
    return res


def trailer(path):
    with open(path, "rb") as f:
        f.seek(-40, os.SEEK_END)
        t = f.read(40)
    assert t[32:] == b"QUIREEND", path
    return {"index_offset": int.from_bytes(t[0:8], "little"),
            "index_size": int.from_bytes(t[8:16], "little"),
            "sigblock_size": int.from_bytes(t[16:24], "little")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--dir", required=True, help="directory holding TOP")
    ap.add_argument("--top", required=True, help="the corpus directory's name")
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", required=True)
    ap.add_argument("--bin", required=True, help="directory of quire-pack, quire-read")
    ap.add_argument("--key", required=True)
    ap.add_argument("--pub", required=True)
    ap.add_argument("--info", default="", help="contents of the corpus .bench-info")
    ap.add_argument("--no-j1", action="store_true", help="skip quire-pack -j 1")
    a = ap.parse_args()
    a.bin, a.key, a.pub = (os.path.abspath(x) for x in (a.bin, a.key, a.pub))

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    global RSS_DIR
    work = os.path.abspath(a.work)
    rmtree(work)
    os.makedirs(work)
    RSS_DIR = work
    src = os.path.abspath(a.dir)
    qp = os.path.join(a.bin, "quire-pack")
    qr = os.path.join(a.bin, "quire-read")
    B = os.path.join(work, "c.quire")
    TGZ = os.path.join(work, "c.tar.gz")
    PGZ = os.path.join(work, "c.pigz.tar.gz")
    ZIP = os.path.join(work, "c.zip")
    X = os.path.join(work, "x")

    result = {
        "corpus": a.corpus,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "runs": a.runs,
        "caches": "warm: one unmeasured run of every command first, nothing dropped",
        "machine": machine(work),
        "loadavg_start": loadavg(),
        "quire": {
            "version": sh("%s --version" % qp),
            "commit": sh("git -C %s rev-parse --short HEAD" % os.path.dirname(os.path.abspath(__file__))),
            "dirty": sh("git -C %s status --porcelain -- lib packer reader cli CMakeLists.txt"
                        % os.path.dirname(os.path.abspath(__file__))) != "",
        },
    }
    info = dict(kv.split("=", 1) for kv in a.info.split())
    files = []
    for d, _, fs in os.walk(os.path.join(src, a.top)):
        for f in fs:
            p = os.path.join(d, f)
            files.append((os.path.getsize(p), os.path.relpath(p, src)))
    files.sort()
    total = sum(s for s, _ in files)
    # the document shown: the median-sized file (ties broken by path)
    show_size, show_path = files[len(files) // 2]
    result["corpus_info"] = {
        "files": len(files), "bytes": total,
        "symlinks_removed": int(info.get("symlinks_removed", 0)),
        "symlinks_dereferenced": int(info.get("symlinks_dereferenced", 0)),
        "show_path": show_path, "show_size": show_size,
    }
    log("corpus %s: %d files, %.1f MB; show %s (%d bytes); load %s" % (
        a.corpus, len(files), total / 1e6, show_path, show_size, result["loadavg_start"]))

    # Before every timed run, the outputs of the last are removed and everything is written out
    # (sync, untimed): otherwise a run pays for the writeback of the run before it, which on
    # the kernel made the same extract take 7 s or 46 s.
    def rm(*paths):
        def f():
            for p in paths:
                rmtree(p)
            os.sync()
        return f

    def fresh(d):
        def f():
            rmtree(d)
            os.makedirs(d)
            os.sync()
        return f

    sign = lambda f: ["minisign", "-S", "-s", a.key, "-m", f]        # noqa: E731
    check = lambda f: ["minisign", "-V", "-q", "-p", a.pub, "-m", f]  # noqa: E731

    ops = {}
    log("pack")
    pack = [
        {"name": "quire", "prepare": rm(B),
         "steps": [[qp, "create", "-q", "-k", a.key, "-o", B, a.top]]},
        {"name": "tar.gz + minisign", "prepare": rm(TGZ, TGZ + ".minisig"),
         "steps": [["tar", "-czf", TGZ, a.top], sign(TGZ)]},
        {"name": "tar+pigz + minisign", "prepare": rm(PGZ, PGZ + ".minisig"),
         "steps": [["tar", "-I", "pigz", "-cf", PGZ, a.top], sign(PGZ)]},
        {"name": "zip -r", "prepare": rm(ZIP),
         "steps": [["zip", "-q", "-r", ZIP, a.top]]},
    ]
    if not a.no_j1:
        B1 = os.path.join(work, "c1.quire")
        pack.insert(1, {"name": "quire -j1", "prepare": rm(B1),
                        "steps": [[qp, "create", "-q", "-j", "1", "-k", a.key, "-o", B1, a.top]]})
    ops["pack"] = measure(pack, a.runs, src, log)
    if not a.no_j1:
        same = subprocess.run(["cmp", "-s", B, B1]).returncode == 0
        result["quire_j1_identical"] = same
        if not same:
            log("WARNING: quire-pack -j1 and default threads gave different bundles")
        rmtree(B1)
    sizes = {"quire": os.path.getsize(B), "tar.gz": os.path.getsize(TGZ),
             "tar+pigz": os.path.getsize(PGZ), "zip": os.path.getsize(ZIP)}
    result["sizes"] = sizes
    result["quire_layout"] = trailer(B)
    log("  sizes " + ", ".join("%s %d" % kv for kv in sizes.items()))

    log("verify")
    ops["verify"] = measure([
        {"name": "quire", "steps": [[qr, "verify", "-q", "-p", a.pub, B]]},
        {"name": "quire --quick", "steps": [[qr, "verify", "-q", "--quick", "-p", a.pub, B]]},
        {"name": "minisign -V", "steps": [check(TGZ)]},
    ], a.runs, work, log)

    log("verify+extract")
    ops["extract"] = measure([
        {"name": "quire", "prepare": fresh(X),
         "steps": [[qr, "extract", "-q", "-p", a.pub, "-C", X, B]]},
        {"name": "quire --no-sync", "prepare": fresh(X),
         "steps": [[qr, "extract", "-q", "--no-sync", "-p", a.pub, "-C", X, B]]},
        {"name": "minisign -V && tar -xzf", "prepare": fresh(X),
         "steps": [check(TGZ), ["tar", "-xzf", TGZ, "-C", X]]},
        {"name": "unzip", "prepare": fresh(X),
         "steps": [["unzip", "-q", ZIP, "-d", X]]},
    ], a.runs, work, log)
    # correctness check of quire's extraction, outside the timings
    fresh(X)()
    run_steps([[qr, "extract", "-q", "--no-sync", "-p", a.pub, "-C", X, B]], work)
    d = subprocess.run(["diff", "-r", "-q", os.path.join(src, a.top), os.path.join(X, a.top)],
                       capture_output=True, text=True)
    # quire stores files, not directories: a directory with no file in it (the kernel has
    # two, left empty once their symlinks are removed) is not recreated. Anything else
    # that differs is a failure.
    empty, other = [], []
    for line in d.stdout.splitlines():
        if line.startswith("Only in %s" % src) and ": " in line:
            where, name = line[len("Only in "):].split(": ", 1)
            p = os.path.join(where, name)
            if os.path.isdir(p) and not any(os.scandir(p)):
                empty.append(os.path.relpath(p, src))
                continue
        other.append(line)
    result["extract_identical"] = d.returncode in (0, 1) and not other
    result["extract_empty_dirs_not_recreated"] = empty
    result["extract_diff"] = d.stdout[:4000]
    if other or d.returncode > 1:
        log("WARNING: extracted tree differs: " + d.stdout[:500] + d.stderr[:500])

    # export to tar (verifying every byte first) against tar -cf of the tree just extracted
    log("export to tar")
    QT, TT = os.path.join(work, "e.tar"), os.path.join(work, "t.tar")
    ops["export"] = measure([
        {"name": "quire", "prepare": rm(QT),
         "steps": [[qr, "export", "-q", "-p", a.pub, B, QT]]},
        {"name": "quire --no-sync", "prepare": rm(QT),
         "steps": [[qr, "export", "-q", "--no-sync", "-p", a.pub, B, QT]]},
        {"name": "tar -cf", "prepare": rm(TT),
         "steps": [["tar", "-cf", TT, "-C", X, a.top]]},
    ], a.runs, work, log)
    rm(QT, TT)()
    rmtree(X)

    # Showing one document takes milliseconds, where other jobs on the machine weigh most:
    # it gets at least 11 rounds.
    show_runs = max(a.runs, 11)
    result["show_runs"] = show_runs
    log("show one document")
    ops["show"] = measure([
        {"name": "quire", "steps": [[qr, "show", "-p", a.pub, B, show_path]]},
        {"name": "unzip -p", "steps": [["unzip", "-p", ZIP, show_path]]},
        {"name": "minisign -V && tar -xzOf", "steps": [check(TGZ), ["tar", "-xzOf", TGZ, show_path]]},
    ], show_runs, work, log)
    out = subprocess.run([qr, "show", "-p", a.pub, B, show_path], capture_output=True).stdout
    with open(os.path.join(src, show_path), "rb") as f:
        result["show_identical"] = out == f.read()

    result["ops"] = ops
    result["loadavg_end"] = loadavg()
    result["date_end"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rmtree(work)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    log("wrote %s (load %s -> %s)" % (a.out, result["loadavg_start"], result["loadavg_end"]))


if __name__ == "__main__":
    main()
