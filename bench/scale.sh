#!/bin/sh
# SPDX-License-Identifier: ISC
# Scale test (run on demand, not in CI): quire with 1,000,000 small entries, and with one
# entry over 4 GiB.
#
# usage: sh bench/scale.sh [--entries N] [--big-mib M] [--only small|big] [--keep]
#
#   --entries N   number of small files (default 1000000), 10 to 200 bytes each, in a tree
#                 of 1,000 directories
#   --big-mib M   size of the large file in MiB (default 4608, 4.5 GiB)
#   --only X      run only the small-entries or only the large-file part
#   --keep        keep the generated files and bundles (in $QUIRE_BENCH_CACHE/scale)
#
# Each part packs, verifies, reads one entry back with `quire-read show` and compares it
# with the original byte for byte; wall time and peak memory (GNU time) of every step go to
# bench/results/DATE-scale.json, and bench/report.py puts them in BENCHMARKS.md. The large
# file is pseudo-random (every 4 KiB block stamped with its offset, so a unit read from
# the wrong place cannot compare equal); it does not compress, so the bundle itself is
# over 4 GiB and its file offsets need 64 bits too. That part is skipped, with a message,
# when the disk has less than 15 GB free.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cache=${QUIRE_BENCH_CACHE:-$HOME/.cache/quire-bench}
dir=${QUIRE_SCALE_DIR:-$cache/scale}
entries=1000000
big_mib=4608
only=
keep=0
while [ $# -gt 0 ]; do
    case $1 in
    --entries) entries=$2; shift ;;
    --big-mib) big_mib=$2; shift ;;
    --only) only=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "scale.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
bld=${QUIRE_BENCH_BUILD:-$root/build-bench}
cmake -S "$root" -B "$bld" -DQUIRE_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$bld" -j "$(nproc)" >/dev/null
qp=$bld/quire-pack
qr=$bld/quire-read
key=$root/fixtures/keys/test.key
pub=$root/fixtures/keys/test.pub
mkdir -p "$dir" "$here/results"
out=$here/results/$(date -u +%Y-%m-%d)-scale.json
steps=$dir/steps.txt
: >"$steps"

# step NAME CMD...: run CMD under GNU time, append "NAME seconds maxrss_kib" to $steps
step() {
    name=$1; shift
    echo "scale.sh: $name" >&2
    /usr/bin/time -f '%e %M' -o "$dir/time.txt" "$@"
    echo "$name $(cat "$dir/time.txt")" >>"$steps"
    echo "    $(cat "$dir/time.txt" | awk '{printf "%s s, %.1f MiB peak", $1, $2/1024}')" >&2
}
# show_cmp BUNDLE ENTRY FILE: shows ENTRY and compares it with FILE (timed together)
show_cmp='"$0" show -p "$1" "$2" "$3" | cmp - "$4"'
free_gb() { df -P -B1G "$dir" | awk 'NR==2 {print $4}'; }

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
notes=

# --- 1,000,000 small entries -------------------------------------------------------------
if [ "$only" != big ]; then
    tree=$dir/small
    if [ ! -f "$dir/small.done" ] || [ "$(cat "$dir/small.done")" != "$entries" ]; then
        echo "scale.sh: generating $entries files of 10-200 bytes in 1000 directories" >&2
        rm -rf "$tree" "$dir/small.done"
        /usr/bin/python3 - "$tree" "$entries" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261123)
words = ("quire bundle entry index unit deflate signature verify archive document "
         "provenance collection source citation hash stream record heap path").split()
per = max(1, (n + 999) // 1000)
made = 0
for d in range(1000):
    if made == n:
        break
    dd = os.path.join(root, "d%03d" % d)
    os.makedirs(dd)
    for f in range(per):
        if made == n:
            break
        size = rng.randint(10, 200)
        text = ("%d:%d " % (d, f)) + " ".join(rng.choice(words) for _ in range(size // 5 + 1))
        data = (text.encode() + b"\n" * size)[:size]
        with open(os.path.join(dd, "f%04d.txt" % f), "wb") as fh:
            fh.write(data)
        made += 1
EOF
        echo "$entries" >"$dir/small.done"
    fi
    rm -f "$dir/small.quire"
    ( cd "$dir" && step small_pack "$qp" create -q -k "$key" -o small.quire small )
    step small_verify "$qr" verify -q -p "$pub" "$dir/small.quire"
    step small_list sh -c "\"$qr\" list -p \"$pub\" \"$dir/small.quire\" >\"$dir/list.txt\""
    n=$(wc -l <"$dir/list.txt")
    [ "$n" -eq "$entries" ] || { echo "scale.sh: list gave $n entries, not $entries" >&2; exit 1; }
    mid=$(sed -n "$((entries / 2 + 1))p" "$dir/list.txt")
    step small_show_one sh -c "$show_cmp" "$qr" "$pub" "$dir/small.quire" "$mid" "$dir/$mid"
    small_size=$(stat -c %s "$dir/small.quire")
    small_bytes=$(du -sb --apparent-size "$tree" | cut -f1)
    notes="$notes small_entries=$entries small_bundle=$small_size small_shown=$mid"
    rm -f "$dir/list.txt"
    [ $keep = 1 ] || rm -rf "$tree" "$dir/small.done" "$dir/small.quire"
fi

# --- one entry over 4 GiB ----------------------------------------------------------------
if [ "$only" != small ]; then
    f=$(free_gb)
    if [ "$f" -lt 15 ]; then
        echo "scale.sh: only $f GB free under $dir; the 4 GiB test needs 15: skipped" >&2
        notes="$notes big_skipped=only_${f}_GB_free"
    else
        big=$dir/big/big.bin
        if [ ! -f "$big" ] || [ "$(stat -c %s "$big")" -ne $((big_mib * 1048576)) ]; then
            echo "scale.sh: generating a $big_mib MiB file" >&2
            rm -rf "$dir/big" && mkdir -p "$dir/big"
            /usr/bin/python3 - "$big" "$big_mib" <<'EOF'
import os, struct, sys
path, mib = sys.argv[1], int(sys.argv[2])
base = bytearray(os.urandom(1 << 20))
with open(path, "wb") as f:
    for i in range(mib):
        for j in range(0, 1 << 20, 4096):
            struct.pack_into("<Q", base, j, (i << 20) + j)
        f.write(base)
EOF
        fi
        rm -f "$dir/big.quire"
        ( cd "$dir" && step big_pack "$qp" create -q -k "$key" -o big.quire big )
        step big_verify "$qr" verify -q -p "$pub" "$dir/big.quire"
        step big_show_cmp sh -c "$show_cmp" "$qr" "$pub" "$dir/big.quire" big/big.bin "$big"
        big_size=$(stat -c %s "$dir/big.quire")
        notes="$notes big_mib=$big_mib big_bundle=$big_size"
        [ $keep = 1 ] || rm -rf "$dir/big" "$dir/big.quire"
    fi
fi

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/python3 - "$steps" "$out" "$load_start" "$load_end" "$qp" $notes <<'EOF'
import datetime, json, os, subprocess, sys
steps, out, l0, l1, qp = sys.argv[1:6]
notes = dict(kv.split("=", 1) for kv in sys.argv[6:])
res = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
       "loadavg_start": l0, "loadavg_end": l1, "nproc": os.cpu_count(),
       "quire": subprocess.run([qp, "--version"], capture_output=True, text=True).stdout.strip(),
       "notes": notes, "steps": {}}
for line in open(steps):
    name, sec, rss = line.split()
    res["steps"][name] = {"seconds": float(sec), "max_rss_kib": int(rss)}
old = {}
if os.path.exists(out):       # a run of one part keeps the other part's figures
    old = json.load(open(out))
    for k, v in old.get("steps", {}).items():
        res["steps"].setdefault(k, v)
    for k, v in old.get("notes", {}).items():
        res["notes"].setdefault(k, v)
json.dump(res, open(out, "w"), indent=1)
print("scale.sh: wrote", out, file=sys.stderr)
EOF
