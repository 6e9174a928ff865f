#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Regenerate the generated sections of BENCHMARKS.md and bench/chart.png from
bench/results/*.json.

usage: python3 bench/report.py [RESULT.json...]

Without arguments, takes for each corpus the newest full-mode result (DATE-CORPUS.json),
or the newest quick one (DATE-CORPUS-quick.json) when there is no full one. BENCHMARKS.md
keeps everything outside the markers

    <!-- BEGIN generated:NAME -->  ...  <!-- END generated:NAME -->

and this script replaces what is between them (NAME: summary, targets, tables, machine, scale).
The chart is drawn by gnuplot from bench/plot.gp with the data this script writes.
"""

import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MD = os.path.join(ROOT, "BENCHMARKS.md")
ORDER = ["fixtures", "pydocs", "kernel"]
LABEL = {"fixtures": "fixtures (5 files)", "pydocs": "Python 3.11 docs",
         "kernel": "Linux 6.1 source"}
MIB = 1048576


def load(paths):
    if not paths:
        paths = sorted(glob.glob(os.path.join(HERE, "results", "*.json")))
    paths = [p for p in paths if not p.endswith("-scale.json")]   # section_scale reads those
    best = {}
    for p in paths:
        with open(p) as f:
            r = json.load(f)
        quick = p.endswith("-quick.json")
        key = (not quick, r["date"])           # full beats quick, then newer beats older
        c = r["corpus"]
        if c not in best or key > best[c][0]:
            best[c] = (key, r, os.path.basename(p))
    return {c: (r, name) for c, (_, r, name) in best.items()}


STAT = "median_s"


def t(r, op, name):
    return r["ops"][op][name][STAT]


def min_ratio(r, cid):
    """The same comparison on the fastest of the N runs of each side (less noise-prone)."""
    global STAT
    STAT = "min_s"
    try:
        return ratio_of(r, cid)
    finally:
        STAT = "median_s"


def mem(r, op, name):
    return r["ops"][op][name]["max_rss_kib"] * 1024


# (id, chart label, quire value, peer value, description of the peer)
def comparisons(r):
    s = r["sizes"]
    c = [
        ("pack_tgz", "pack\\nvs tar.gz+minisign", t(r, "pack", "quire"),
         t(r, "pack", "tar.gz + minisign")),
        ("pack_pigz", "pack\\nvs tar+pigz+minisign", t(r, "pack", "quire"),
         t(r, "pack", "tar+pigz + minisign")),
        ("size_tgz", "size\\nvs tar.gz", s["quire"], s["tar.gz"]),
        ("size_zip", "size\\nvs zip", s["quire"], s["zip"]),
        ("verify", "verify\\nvs minisign -V", t(r, "verify", "quire"),
         t(r, "verify", "minisign -V")),
    ] + ([
        ("verify_quick", "verify --quick\\nvs minisign -V", t(r, "verify", "quire --quick"),
         t(r, "verify", "minisign -V")),
    ] if "quire --quick" in r["ops"]["verify"] else []) + [
        ("extract", "verify+extract\\nvs minisign -V, tar -xzf", t(r, "extract", "quire"),
         t(r, "extract", "minisign -V && tar -xzf")),
        ("extract_nosync", "extract --no-sync\\nvs minisign -V, tar -xzf",
         t(r, "extract", "quire --no-sync"), t(r, "extract", "minisign -V && tar -xzf")),
        ("show_unzip", "show one\\nvs unzip -p", t(r, "show", "quire"),
         t(r, "show", "unzip -p")),
        ("show_tar", "show one\\nvs minisign -V, tar -xzOf", t(r, "show", "quire"),
         t(r, "show", "minisign -V && tar -xzOf")),
    ] + ([
        ("export", "export to tar\\nvs tar -cf", t(r, "export", "quire"),
         t(r, "export", "tar -cf")),
        ("export_nosync", "export --no-sync\\nvs tar -cf", t(r, "export", "quire --no-sync"),
         t(r, "export", "tar -cf")),
    ] if "export" in r["ops"] else [])
    return [(i, lab, q, p, q / p) for i, lab, q, p in c]


# the target for each comparison, drawn on the chart
TARGET = {"pack_tgz": 0.4, "pack_pigz": 0.8, "size_tgz": 0.99, "verify": 4.0,
          "verify_quick": 1.5, "extract": 1.0,
          "extract_nosync": 0.6, "show_unzip": 1.0, "show_tar": 0.01, "export": 1.0}


def ratio_of(r, cid):
    for i, _, q, p, x in comparisons(r):
        if i == cid:
            return x
    raise KeyError(cid)


def fmt_s(x):
    if x == 0:  # bench/scale.sh times with GNU time, to 10 ms
        return "under 10 ms"
    if x >= 10:
        return "%.1f s" % x
    if x >= 1:
        return "%.2f s" % x
    if x >= 0.1:
        return "%.3f s" % x
    return "%.1f ms" % (x * 1000)


def fmt_b(x):
    if x >= 10 * MIB:
        return "%.1f MiB" % (x / MIB)
    if x >= 1024 * 1024:
        return "%.2f MiB" % (x / MIB)
    return "%.1f KiB" % (x / 1024)


def targets(res):
    """Rows: (target text, {corpus: (cell text, met or None)})."""
    rows = []

    def add(text, fn, only=("pydocs", "kernel")):
        cells = {}
        for c, (r, _) in res.items():
            value, ok, shown = fn(r)
            if ok is None:
                cells[c] = (shown, None)
            elif only and c not in only:
                cells[c] = ("%s (not a target here)" % shown, None)
            else:
                cells[c] = ("%s, **%s**" % (shown, "met" if ok else "not met"), ok)
        rows.append((text, cells))

    def ratio_target(cid, limit):
        def f(r):
            x = ratio_of(r, cid)
            if cid.startswith("size"):
                return x, x <= limit, "%.3f" % x
            return x, x <= limit, "%.2f (min %.2f)" % (x, min_ratio(r, cid))
        return f

    real = ("pydocs", "kernel")
    add("pack ≤ 0.4 × tar.gz + minisign", ratio_target("pack_tgz", 0.4))
    add("pack ≤ 0.8 × tar + pigz + minisign", ratio_target("pack_pigz", 0.8))

    def size(r, c):
        lim = {"pydocs": 0.99, "kernel": 0.97}.get(c)
        x = ratio_of(r, "size_tgz")
        return x, (None if lim is None else x <= lim), "%.3f" % x
    rows_size = {}
    for c, (r, _) in res.items():
        x, ok, shown = size(r, c)
        lim = {"pydocs": 0.99, "kernel": 0.97}.get(c)
        rows_size[c] = (("%s, **%s**" % (shown, "met" if ok else "not met"), ok) if lim
                        else ("%s (not a target here)" % shown, None))
    rows.append(("size ≤ 0.99 (Python docs) / 0.97 (kernel) × tar.gz", rows_size))

    def quick(r):
        if "quire --quick" not in r["ops"]["verify"]:
            return None, None, "not measured in this run (before `--quick` was benchmarked)"
        return ratio_target("verify_quick", 1.5)(r)
    add("verify (signature + every stored hash: `verify --quick`) ≤ 1.5 × minisign -V", quick)
    add("full verify (also inflates and SHA-256s every document) ≤ 4 × minisign -V",
        ratio_target("verify", 4.0))

    def extract(r):
        x = ratio_of(r, "extract")
        return x, x <= 1.0, "%.2f (min %.2f)" % (x, min_ratio(r, "extract"))
    add("verify+extract, every file synced, ≤ 1.0 × minisign -V && tar -xzf", extract, real)

    def extract_ns(r):
        y = ratio_of(r, "extract_nosync")
        return y, y <= 0.6, "%.2f (min %.2f)" % (y, min_ratio(r, "extract_nosync"))
    add("verify+extract --no-sync ≤ 0.6 × minisign -V && tar -xzf", extract_ns, real)

    def export(r):
        if "export" not in r["ops"]:
            return None, None, "not measured in this run"
        x, y = ratio_of(r, "export"), ratio_of(r, "export_nosync")
        return x, x <= 1.0, "%.2f (min %.2f; --no-sync %.2f, min %.2f)" % (
            x, min_ratio(r, "export"), y, min_ratio(r, "export_nosync"))
    add("export to tar ≤ 1.0 × tar -cf of the extracted tree", export, real)

    def show_one(r, c):
        lim = {"pydocs": 1.0, "kernel": 0.5}.get(c)
        x = ratio_of(r, "show_unzip")
        shown = "%.2f (min %.2f)" % (x, min_ratio(r, "show_unzip"))
        if lim is None:
            return ("%s (not a target here)" % shown, None)
        return ("%s, **%s**" % (shown, "met" if x <= lim else "not met"), x <= lim)
    rows.append(("show one ≤ 1.0 (Python docs) / 0.5 (kernel) × unzip -p",
                 {c: show_one(r, c) for c, (r, _) in res.items()}))

    def show100(r):
        x = ratio_of(r, "show_tar")
        return x, x <= 0.01, "%.4f (%.0f× faster; min %.4f)" % (x, 1 / x,
                                                                 min_ratio(r, "show_tar"))
    add("show one ≥ 100× faster than minisign -V && tar -xzOf", show100, ("kernel",))

    def packmem(r):
        m = mem(r, "pack", "quire")
        return m, m <= 64 * MIB, fmt_b(m)
    add("pack peak memory ≤ 64 MiB", packmem, ("kernel",))

    def showmem(r):
        m = mem(r, "show", "quire")
        return m, m <= 16 * MIB, fmt_b(m)
    add("show one peak memory ≤ 16 MiB", showmem)
    return rows


def section_targets(res):
    cs = [c for c in ORDER if c in res]
    out = ["| target | " + " | ".join(LABEL[c] for c in cs) + " |",
           "|---|" + "---|" * len(cs)]
    for text, cells in targets(res):
        out.append("| %s | %s |" % (text, " | ".join(cells[c][0] for c in cs)))
    out.append("")
    out.append("Ratios are quire / peer of the medians of the same run (in brackets: of the "
               "fastest runs, less sensitive to the other jobs on the machine); below 1 quire "
               "is faster or smaller. Size and \"≥ 100×\" targets apply to the corpora the issue names; "
               "the fixture corpus (5 files, 96 KB) measures process start-up more than "
               "anything else.")
    return "\n".join(out)


def section_summary(res):
    out = []
    for c in [c for c in ORDER if c in res]:
        r, _ = res[c]
        x = {i: v for i, _, _, _, v in comparisons(r)}
        ci = r["corpus_info"]

        def word(v, faster="faster", slower="slower"):
            if v < 0.95:
                return "%.2f× the time (%s)" % (v, faster)
            if v > 1.05:
                return "%.2f× the time (%s)" % (v, slower)
            return "%.2f× the time (on par)" % v
        out.append(
            "- **%s** (%s files, %.1f MB): quire packs in %s of tar.gz + minisign and %s of "
            "tar + pigz + minisign; its bundle is %.3f× the tar.gz and %.3f× the zip. "
            "Verifying takes %.1f× minisign -V (which only hashes the file, where quire "
            "also inflates and hashes every document); verify+extract takes %.2f× "
            "minisign -V && tar -xzf (%.2f× with --no-sync). Showing one document takes "
            "%.2f× unzip -p and %.3f× minisign -V && tar -xzOf (%.0f× faster)." % (
                LABEL[c], format(ci["files"], ","), ci["bytes"] / 1e6,
                word(x["pack_tgz"]), word(x["pack_pigz"]), x["size_tgz"], x["size_zip"],
                x["verify"], x["extract"], x["extract_nosync"], x["show_unzip"],
                x["show_tar"], 1 / x["show_tar"]))
    return "\n".join(out)


def extract_check(r):
    empty = r.get("extract_empty_dirs_not_recreated")
    if empty is None and r.get("extract_diff"):      # a run before the harness sorted them
        empty = [l.split("linux-source-6.1/", 1)[-1].replace(": ", "/")
                 for l in r["extract_diff"].splitlines()]
        if r.get("extract_diff_note"):
            return "yes, except %d empty directories quire does not record (%s; %s)" % (
                len(empty), ", ".join("`%s`" % e for e in empty), r["extract_diff_note"])
    if r.get("extract_identical") is False and not empty:
        return "**no** (%s)" % r.get("extract_diff", "")[:300]
    if empty:
        return "yes, except %d empty directories quire does not record (%s)" % (
            len(empty), ", ".join("`%s`" % e for e in empty))
    return "yes"


def section_tables(res):
    out = []
    for c in [c for c in ORDER if c in res]:
        r, name = res[c]
        ci = r["corpus_info"]
        lay = r["quire_layout"]
        out.append("### %s" % LABEL[c])
        out.append("")
        sym = []
        if ci["symlinks_removed"]:
            sym.append("%d symlinks removed" % ci["symlinks_removed"])
        if ci["symlinks_dereferenced"]:
            sym.append("%d symlinks replaced by the files they point to"
                       % ci["symlinks_dereferenced"])
        out.append("%s regular files, %s bytes%s. Document shown: `%s` (%s bytes, the "
                   "median file size). %d runs per command%s, median; load average %s at "
                   "start, %s at end; %s to %s; `bench/results/%s`." % (
                       format(ci["files"], ","), format(ci["bytes"], ","),
                       " (" + ", ".join(sym) + ")" if sym else "",
                       ci["show_path"], format(ci["show_size"], ","), r["runs"],
                       " (%d to show one document)" % r["show_runs"]
                       if r.get("show_runs", r["runs"]) != r["runs"] else "",
                       r["loadavg_start"], r["loadavg_end"], r["date"], r["date_end"], name))
        out.append("")
        out.append("| operation | command | median time | min – max | peak RSS | quire / this "
                   "(medians) | (minima) |")
        out.append("|---|---|---|---|---|---|---|")
        ref = {"pack": "quire", "verify": "quire", "extract": "quire", "show": "quire"}
        titles = {"pack": "pack", "verify": "verify", "extract": "verify + extract all",
                  "show": "show one document"}
        for op in ["pack", "verify", "extract", "show"]:
            q = r["ops"][op][ref[op]]
            for n, s in r["ops"][op].items():
                ratio = rmin = ""
                if n != ref[op] and n not in ("quire --no-sync", "quire --quick"):
                    ratio = "%.3f" % (q["median_s"] / s["median_s"])
                    rmin = "%.3f" % (q["min_s"] / s["min_s"])
                out.append("| %s | %s | %s | %s – %s | %s | %s | %s |" % (
                    titles[op], n, fmt_s(s["median_s"]), fmt_s(s["min_s"]),
                    fmt_s(s["max_s"]), fmt_b(s["max_rss_kib"] * 1024), ratio, rmin))
        v = r["ops"]["verify"]
        if "quire --quick" in v:
            q, p = v["quire --quick"], v["minisign -V"]
            out.append("| verify | quire --quick / minisign -V | | | | %.3f | %.3f |" % (
                q["median_s"] / p["median_s"], q["min_s"] / p["min_s"]))
        e = r["ops"]["extract"]
        q, p = e["quire --no-sync"], e["minisign -V && tar -xzf"]
        out.append("| verify + extract all | quire --no-sync / minisign -V && tar -xzf | | | | "
                   "%.3f | %.3f |" % (q["median_s"] / p["median_s"], q["min_s"] / p["min_s"]))
        out.append("")
        s = r["sizes"]
        out.append("| output | bytes | quire / this |")
        out.append("|---|---|---|")
        for n, v in s.items():
            out.append("| %s | %s | %s |" % (n, format(v, ","),
                                              "" if n == "quire" else "%.4f" % (s["quire"] / v)))
        out.append("")
        out.append("quire bundle layout: data %s bytes, index %s bytes, signature block %s "
                   "bytes. Extracted tree identical to the input: %s; shown document "
                   "identical: %s%s." % (
                       format(lay["index_offset"] - 32, ","), format(lay["index_size"], ","),
                       format(lay["sigblock_size"], ","),
                       extract_check(r),
                       "yes" if r.get("show_identical") else "**no**",
                       "" if "quire_j1_identical" not in r else
                       "; `-j 1` bundle identical to the default: " +
                       ("yes" if r["quire_j1_identical"] else "**no**")))
        out.append("")
    return "\n".join(out).rstrip()


def section_machine(res):
    r = None
    for c in reversed(ORDER):
        if c in res:
            r = res[c][0]
            break
    m = r["machine"]
    v = m["versions"]
    out = ["| | |", "|---|---|"]
    rows = [("CPU", "%s, %d logical CPUs (nproc)" % (m["cpu"], m["nproc"])),
            ("memory", m["memory"]),
            ("OS, kernel", "%s, Linux %s" % (m["os"], m["kernel"])),
            ("disk", "%s, %s free at the start of the run" % (m["filesystem"], m["disk_free"])),
            ("quire", "%s, commit %s%s, Release build (build-bench/)" % (
                r["quire"]["version"], r["quire"]["commit"],
                " with uncommitted changes" if r["quire"]["dirty"] else ""))]
    for k in ["gzip", "pigz", "tar", "zip", "unzip", "minisign", "zlib", "libsodium", "cc"]:
        rows.append((k, v.get(k, "")))
    for k, val in rows:
        out.append("| %s | %s |" % (k, val.replace("|", "/")))
    out.append("")
    out.append("Caches are warm: every command runs once unmeasured before the timed runs "
               "(its peak memory is taken in that run, with GNU time), and nothing is dropped. "
               "The machine is shared with other jobs; the load averages above say how busy "
               "it was.")
    return "\n".join(out)


def section_scale():
    paths = sorted(glob.glob(os.path.join(HERE, "results", "*-scale.json")))
    if not paths:
        return "No scale run recorded yet: run `sh bench/scale.sh`."
    with open(paths[-1]) as f:
        r = json.load(f)
    n = r["notes"]
    st = r["steps"]
    out = []
    rows = [
        ("small_pack", "pack"), ("small_verify", "verify -q"), ("small_list", "list (to a file)"),
        ("small_show_one", "show one entry, compared with `cmp`"),
        ("big_pack", "pack"), ("big_verify", "verify -q"),
        ("big_show_cmp", "show the entry, compared with `cmp` (streamed)"),
    ]
    if "small_entries" in n:
        out.append("**%s small entries** (10 to 200 bytes, 1,000 directories): bundle %s "
                   "bytes; entry shown: `%s`." % (format(int(n["small_entries"]), ","),
                                                  format(int(n["small_bundle"]), ","),
                                                  n["small_shown"]))
    if "big_mib" in n:
        out.append("**One entry of %s MiB** (%.2f GiB, pseudo-random, so stored, not deflated): "
                   "bundle %s bytes." % (format(int(n["big_mib"]), ","), int(n["big_mib"]) / 1024,
                                         format(int(n["big_bundle"]), ",")))
    elif "big_skipped" in n:
        out.append("The 4 GiB part was skipped: %s." % n["big_skipped"].replace("_", " "))
    out.append("")
    out.append("| part | step | wall time | peak RSS |")
    out.append("|---|---|---|---|")
    for k, label in rows:
        if k in st:
            part = "1M small entries" if k.startswith("small") else "one entry > 4 GiB"
            out.append("| %s | %s | %s | %s |" % (part, label, fmt_s(st[k]["seconds"]),
                                                  fmt_b(st[k]["max_rss_kib"] * 1024)))
    out.append("")
    out.append("%s; load average %s at start, %s at end; `bench/results/%s`." % (
        r["date"], r["loadavg_start"], r["loadavg_end"], os.path.basename(paths[-1])))
    return "\n".join(out)


def chart(res):
    cs = [c for c in ORDER if c in res]
    dat = os.path.join(HERE, "chart.dat")
    rows = None
    with open(dat, "w") as f:
        f.write("# operation " + " ".join(cs) + "   (quire / peer)\n")
        per = {c: comparisons(res[c][0]) for c in cs}
        rows = [(i, lab) for i, lab, _, _, _ in per[cs[0]]]
        for k, (i, lab) in enumerate(rows):
            f.write('"%s" %s %s\n' % (lab, " ".join("%.5g" % per[c][k][4] for c in cs),
                                       TARGET.get(i, "NaN")))
    titles = ",".join('"%s"' % LABEL[c] for c in cs)
    subprocess.run(["gnuplot", "-e", "datafile='%s'; ncorpora=%d; titles='%s'; out='%s'" % (
        dat, len(cs), "|".join(LABEL[c] for c in cs), os.path.join(HERE, "chart.png")),
        os.path.join(HERE, "plot.gp")], check=True)
    del titles


def replace(md, name, body):
    b = "<!-- BEGIN generated:%s -->" % name
    e = "<!-- END generated:%s -->" % name
    pat = re.compile(re.escape(b) + ".*?" + re.escape(e), re.S)
    if not pat.search(md):
        sys.exit("report.py: BENCHMARKS.md has no %s ... %s" % (b, e))
    return pat.sub(lambda _: b + "\n" + body + "\n" + e, md)


def main():
    res = load(sys.argv[1:])
    if not res:
        sys.exit("report.py: no results in bench/results/")
    with open(MD) as f:
        md = f.read()
    md = replace(md, "summary", section_summary(res))
    md = replace(md, "targets", section_targets(res))
    md = replace(md, "tables", section_tables(res))
    md = replace(md, "machine", section_machine(res))
    if "<!-- BEGIN generated:scale -->" in md:
        md = replace(md, "scale", section_scale())
    with open(MD, "w") as f:
        f.write(md)
    chart(res)
    print("report.py: BENCHMARKS.md and bench/chart.png from " +
          ", ".join(n for _, n in res.values()), file=sys.stderr)


if __name__ == "__main__":
    main()
