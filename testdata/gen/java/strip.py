#!/usr/bin/env python3
"""Cut an HPROF file's STRING records to those the dump refers to.

    strip.py IN.hprof OUT.hprof.gz

HotSpot writes its whole symbol table (every method name and signature
of every loaded class: half of a small JVM's dump) as STRING records;
the dump itself refers only to class names (LOAD CLASS) and field names
(CLASS DUMP).  Everything else is copied byte for byte, so the result is
the same heap, smaller: what testdata/java/ commits.
"""
import gzip
import struct
import sys


def main(src, dst):
    d = open(src, "rb").read()
    nul = d.index(b"\0")
    ids = struct.unpack_from(">I", d, nul + 1)[0]
    fmt = ">I" if ids == 4 else ">Q"
    size = {2: ids, 4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
    used = set()
    recs = []
    pos = nul + 13
    while pos < len(d):
        tag = d[pos]
        n = struct.unpack_from(">I", d, pos + 5)[0]
        body, end = pos + 9, pos + 9 + n
        recs.append((tag, pos, end))
        if tag == 0x02:
            used.add(struct.unpack_from(fmt, d, body + 8 + ids)[0])
        elif tag in (0x0C, 0x1C):
            at = body
            while at < end:
                sub = d[at]
                at += 1
                if sub in (0xFF, 0x05, 0x07):
                    at += ids
                elif sub == 0x01:
                    at += 2 * ids
                elif sub in (0x02, 0x03, 0x08):
                    at += ids + 8
                elif sub in (0x04, 0x06):
                    at += ids + 4
                elif sub == 0x20:
                    at += 7 * ids + 8
                    (ncp,) = struct.unpack_from(">H", d, at)
                    at += 2
                    for _ in range(ncp):
                        at += 3 + size[d[at + 2]]
                    (ns,) = struct.unpack_from(">H", d, at)
                    at += 2
                    for _ in range(ns):
                        used.add(struct.unpack_from(fmt, d, at)[0])
                        at += ids + 1 + size[d[at + ids]]
                    (nf,) = struct.unpack_from(">H", d, at)
                    at += 2
                    for _ in range(nf):
                        used.add(struct.unpack_from(fmt, d, at)[0])
                        at += ids + 1
                elif sub == 0x21:
                    at += 2 * ids + 8 + struct.unpack_from(">I", d, at + 2 * ids + 4)[0]
                elif sub == 0x22:
                    at += 2 * ids + 8 + ids * struct.unpack_from(">I", d, at + ids + 4)[0]
                elif sub == 0x23:
                    at += ids + 9 + size[d[at + ids + 8]] * struct.unpack_from(">I", d, at + ids + 4)[0]
                else:
                    raise SystemExit("strip.py: unknown sub-record 0x%02x" % sub)
        pos = end
    out = [d[:nul + 13]]
    for tag, start, end in recs:
        if tag != 0x01 or struct.unpack_from(fmt, d, start + 9)[0] in used:
            out.append(d[start:end])
    with gzip.GzipFile(dst, "wb", 9, mtime=0) as f:
        f.write(b"".join(out))


if __name__ == "__main__":
    main(*sys.argv[1:])
