#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""receipt_agree.py RECEIPT_VECTORS QUIRE_RECEIPT_PY: two implementations of the citation
receipt check agree. RECEIPT_VECTORS (tests/unit/receipt_vectors.c) writes receipts made by
the C library, keys and documents, with the C verdict on each check; quire_receipt.py
(independent, standard library only) must reach the same verdict on every one, and print
"ok PATH SHA256HEX" exactly as the C side read them for the accepted ones. Exit 0 if they
agree everywhere, 1 if not."""
import os, shutil, subprocess, sys, tempfile


def main():
    vectors, checker = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="quire-receipt-agree.")
    try:
        made = subprocess.run([vectors, tmp], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if made.returncode != 0:
            sys.stdout.buffer.write(made.stdout + made.stderr)
            print("receipt_agree: receipt_vectors failed (exit %d)" % made.returncode)
            return 1
        lines = open(os.path.join(tmp, "manifest"), "rb").read().splitlines()
        bad, verdicts = [], {0: 0, 1: 0}
        for line in lines:
            want, want_out, receipt, key, doc, what = line.split(b"\t")
            argv = [sys.executable, checker, os.path.join(tmp, key.decode()),
                    os.path.join(tmp, receipt.decode())]
            if doc != b"-":
                argv.append(os.path.join(tmp, doc.decode()))
            got = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            verdicts[int(want)] += 1
            out = got.stdout.rstrip(b"\n")
            if got.returncode != int(want) or (want == b"0" and out != want_out):
                bad.append("%s (%s): C exit %s %r, Python exit %d %r %r" % (
                    receipt.decode(), what.decode("utf-8", "replace"), want.decode(), want_out,
                    got.returncode, out, got.stderr[-200:]))
        for b in bad:
            print("receipt_agree: " + b)
        print("receipt_agree: %d checks (%d accepted, %d refused by C), %d disagreements"
              % (len(lines), verdicts[0], verdicts[1], len(bad)))
        # The vectors must exercise both verdicts in earnest.
        if verdicts[0] < 20 or verdicts[1] < 60:
            print("receipt_agree: too few checks of one verdict")
            return 1
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    sys.exit(main())
