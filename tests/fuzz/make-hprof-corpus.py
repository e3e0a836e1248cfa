#!/usr/bin/env python3
"""make-hprof-corpus.py - write the seeds of fuzz_hprof (corpus/hprof/).

    tests/fuzz/make-hprof-corpus.py [OUTDIR]    (default: tests/fuzz/corpus/hprof)

An input of fuzz_hprof is one byte (bit 0: identifiers of 4 bytes, else
8) and then the records of an HPROF file after its header (fuzz_hprof.c
writes the header).  The seeds are small heaps made here, each a few
hundred bytes, that hold what the reader handles: strings and class
loads, class dumps with static and instance fields, a superclass chain,
instances, object and primitive arrays, every GC root kind, a thread with
its name (as a String of Latin-1 bytes, of UTF-16, and of chars), a
Reference whose referent is left out of the chains, a static field that
holds a list, a cycle, a dangling reference, and the same heap cut short
or split in segments.  Deterministic; the directory is cleared first.
"""
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

OBJ, BOOL, CHAR, BYTE, INT, LONG = 2, 4, 5, 8, 10, 11
SIZE = {BOOL: 1, CHAR: 2, BYTE: 1, INT: 4, LONG: 8}


class Heap:
    def __init__(self, ids):
        self.ids = ids
        self.recs = []      # (tag, body) before the heap dump
        self.subs = []      # heap dump sub-records
        self.nstr = 0x100
        self.serial = 0

    def id(self, v):
        return struct.pack(">I" if self.ids == 4 else ">Q", v)

    def string(self, s):
        self.nstr += 1
        self.recs.append((0x01, self.id(self.nstr) + s.encode()))
        return self.nstr

    def cls(self, cid, name, super_id=0, statics=(), fields=(), loader=0):
        """statics: [(name, type, value)]; fields: [(name, type)]."""
        self.serial += 1
        self.recs.append((0x02, struct.pack(">I", self.serial) + self.id(cid) +
                          struct.pack(">I", 0) + self.id(self.string(name))))
        b = b"\x20" + self.id(cid) + struct.pack(">I", 0) + self.id(super_id) + self.id(loader)
        b += self.id(0) * 4 + struct.pack(">I", 0) + struct.pack(">H", 0)
        b += struct.pack(">H", len(statics))
        for n, t, v in statics:
            b += self.id(self.string(n)) + bytes([t])
            b += self.id(v) if t == OBJ else v.to_bytes(SIZE[t], "big")
        b += struct.pack(">H", len(fields))
        for n, t in fields:
            b += self.id(self.string(n)) + bytes([t])
        self.subs.append(b)

    def inst(self, oid, cid, values):
        """values: [(type, value)] in HPROF's order (own fields first)."""
        data = b"".join(self.id(v) if t == OBJ else v.to_bytes(SIZE[t], "big") for t, v in values)
        self.subs.append(b"\x21" + self.id(oid) + struct.pack(">I", 0) + self.id(cid) +
                         struct.pack(">I", len(data)) + data)

    def oarr(self, oid, cid, elems):
        self.subs.append(b"\x22" + self.id(oid) + struct.pack(">II", 0, len(elems)) + self.id(cid) +
                         b"".join(self.id(e) for e in elems))

    def parr(self, oid, t, data):
        n = len(data) // SIZE[t]
        self.subs.append(b"\x23" + self.id(oid) + struct.pack(">II", 0, n) + bytes([t]) + data)

    def root(self, kind, oid, thread=1):
        extra = {0x01: self.id(0), 0x02: struct.pack(">II", thread, 0), 0x03: struct.pack(">II", thread, 0),
                 0x04: struct.pack(">I", thread), 0x05: b"", 0x06: struct.pack(">I", thread), 0x07: b"",
                 0x08: struct.pack(">II", thread, 0), 0xFF: b""}[kind]
        self.subs.append(bytes([kind]) + self.id(oid) + extra)

    def body(self, segments=1, cut=0):
        out = b"".join(struct.pack(">BII", t, 0, len(b)) + b for t, b in self.recs)
        subs = self.subs
        k = max(1, len(subs) // segments)
        for i in range(0, len(subs), k):
            seg = b"".join(subs[i:i + k])
            out += struct.pack(">BII", 0x1C, 0, len(seg)) + seg
        out += struct.pack(">BII", 0x2C, 0, 0)
        out = bytes([1 if self.ids == 4 else 0]) + out
        return out[:len(out) - cut] if cut else out


def java_heap(ids, name_kind="latin1"):
    """A small heap: App.sessions -> List -> Object[] -> Session -> byte[];
    a thread "worker" whose ThreadLocal-like map holds a Ctx; a weak
    reference; a cycle; every root kind."""
    h = Heap(ids)
    h.cls(0x10, "java/lang/Object")
    h.cls(0x11, "java/lang/Class", 0x10, fields=[("classLoader", OBJ)])
    h.cls(0x12, "java/lang/String", 0x10, fields=[("value", OBJ), ("hash", INT), ("coder", BYTE)])
    h.cls(0x13, "java/lang/Thread", 0x10, fields=[("name", OBJ), ("threadLocals", OBJ), ("tid", LONG)])
    h.cls(0x14, "java/lang/ref/Reference", 0x10, fields=[("referent", OBJ), ("queue", OBJ)])
    h.cls(0x15, "java/lang/ref/WeakReference", 0x14)
    h.cls(0x16, "java/util/ArrayList", 0x10, fields=[("elementData", OBJ), ("size", INT)])
    h.cls(0x17, "[Ljava/lang/Object;", 0x10)
    h.cls(0x18, "App$Session", 0x10, fields=[("payload", OBJ), ("user", OBJ), ("hits", INT)])
    h.cls(0x19, "App", 0x10, statics=[("sessions", OBJ, 0x1000), ("count", INT, 3)])
    h.cls(0x1A, "App$Ctx", 0x10, fields=[("trace", OBJ), ("next", OBJ)])
    # the static list and its sessions
    h.inst(0x1000, 0x16, [(OBJ, 0x1100), (INT, 3)])
    h.oarr(0x1100, 0x17, [0x1200, 0x1210, 0x1220, 0])
    for k in range(3):
        h.inst(0x1200 + 16 * k, 0x18, [(OBJ, 0x1300 + 16 * k), (OBJ, 0x1400), (INT, k)])
        h.parr(0x1300 + 16 * k, BYTE, bytes(range(24)))
    # the thread and its name
    if name_kind == "chars":
        h.inst(0x1400, 0x12, [(OBJ, 0x1410), (INT, 0), (BYTE, 0)])
        h.parr(0x1410, CHAR, "worker".encode("utf-16-be"))
    elif name_kind == "utf16":
        h.inst(0x1400, 0x12, [(OBJ, 0x1410), (INT, 0), (BYTE, 1)])
        h.parr(0x1410, BYTE, "wörker→".encode("utf-16-le"))
    else:
        h.inst(0x1400, 0x12, [(OBJ, 0x1410), (INT, 0), (BYTE, 0)])
        h.parr(0x1410, BYTE, b"worker")
    h.inst(0x1500, 0x13, [(OBJ, 0x1400), (OBJ, 0x1600), (LONG, 7)])
    h.oarr(0x1600, 0x17, [0x1610, 0x1620])
    # a cycle of contexts, and a weak reference to one of them
    h.inst(0x1610, 0x1A, [(OBJ, 0x1700), (OBJ, 0x1620)])
    h.inst(0x1620, 0x1A, [(OBJ, 0x1710), (OBJ, 0x1610)])
    h.parr(0x1700, CHAR, b"\0a" * 8)
    h.parr(0x1710, INT, b"\0\0\0\1" * 4)
    h.inst(0x1800, 0x15, [(OBJ, 0x1610), (OBJ, 0)])
    h.parr(0x1900, LONG, b"\0" * 16)   # reached from nothing: <unreachable>
    h.parr(0x1910, BOOL, b"\1\0")
    # roots of every kind
    h.root(0x05, 0x19)
    h.root(0x05, 0x10)
    h.root(0x08, 0x1500, thread=1)
    h.root(0x03, 0x1620, thread=1)
    h.root(0x02, 0x1800, thread=1)
    h.root(0x01, 0x1100)
    h.root(0x04, 0x1210)
    h.root(0x06, 0x1500)
    h.root(0x07, 0x1000)
    h.root(0xFF, 0x1910)
    h.root(0x03, 0xdead)             # a root the dump does not hold
    h.inst(0x1A00, 0x18, [(OBJ, 0xbeef), (OBJ, 0), (INT, 9)])  # a dangling field
    h.root(0x03, 0x1A00, thread=2)   # a thread serial with no thread
    return h


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "hprof")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    seeds = {}
    for ids in (8, 4):
        seeds["heap-id%d" % ids] = java_heap(ids).body()
        seeds["heap-id%d-segments" % ids] = java_heap(ids).body(segments=5)
    seeds["heap-thread-utf16"] = java_heap(8, "utf16").body()
    seeds["heap-thread-chars"] = java_heap(8, "chars").body()
    seeds["heap-cut"] = java_heap(8).body(cut=40)
    seeds["empty"] = b"\0"
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
