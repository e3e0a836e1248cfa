#!/usr/bin/env python3
"""The renderers' walls, and lib/'s reentrancy, read from the built library.

    render-wall.py LIBHEAPDIFF.a

From the symbols of the archive's objects (nm), with "A uses B" when a
file calls a function or reads a table another file defines:

- lib/ has no import circle: "uses" has no cycle among its files;
- a format file (render/text.c, markdown.c, json.c, folded.c, svg.c,
  html.c, pprof.c) uses no other format file and not render.c (the table);
  the shared module (render/cells.c, render/flame.c, render/memstats.c)
  uses no format file and not render.c;
- nothing in render/ calls a function that changes a report or a model.

From the sections (objdump): no writable static data anywhere in lib/
(.data, .bss; thread-local storage is each thread's own), so two threads
may build and render reports at once.  Sanitizer bookkeeping is ignored.

SKIP (77) without nm or objdump.
"""
import os
import re
import shutil
import subprocess
import sys

FORMATS = {"render/text", "render/markdown", "render/json", "render/folded",
           "render/svg", "render/html", "render/pprof"}
SHARED = {"render/cells", "render/flame", "render/memstats"}
TABLE = "render/render"
# What takes a report or a model that is not const: none of it is a
# renderer's business.
MUTATORS = {"hd_report_new", "hd_report_add", "hd_report_add_pair", "hd_report_finish",
            "hd_report_check", "hd_report_free", "hd_trend_compute", "hd_trend_finish",
            "hd_model_new", "hd_model_add", "hd_model_finish", "hd_model_free",
            "hd_model_occurrences"}
SANITIZER = ("__odr_asan", "__asan", "___asan", "__ubsan", "__sancov", "__tsan")


def member_name(m):
    """build/lib/libheapdiff.a.p/render_text.c.o -> render/text"""
    base = os.path.basename(m)
    base = re.sub(r"\.c\.o(bj)?$|\.o$", "", base)
    room, _, rest = base.partition("_")
    return room + "/" + rest if rest else base


def symbols(lib):
    """{file: set of defined}, {file: set of undefined}"""
    out = subprocess.run(["nm", "-A", "-P", lib], capture_output=True, text=True,
                         check=True).stdout
    defs, undefs = {}, {}
    for line in out.splitlines():
        m = re.match(r"^.*\[(.*)\]: (\S+) (\S)", line)
        if not m:
            continue
        f, sym, t = member_name(m.group(1)), m.group(2), m.group(3)
        defs.setdefault(f, set())
        undefs.setdefault(f, set())
        if t == "U":
            undefs[f].add(sym)
        elif t in "TDRBCVW":
            defs[f].add(sym)
    return defs, undefs


def cycle(graph):
    """One cycle of graph ({node: set}) as a list, or None."""
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for k in sorted(graph.get(n, ())):
            if state.get(k) == 1:
                return stack[stack.index(k):] + [k]
            if k not in state:
                c = visit(k)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


def writable(lib):
    """(file, symbol, section) of static data a thread could share."""
    out = subprocess.run(["objdump", "-t", lib], capture_output=True, text=True,
                         check=True).stdout
    found, member = [], "?"
    for line in out.splitlines():
        m = re.match(r"^(\S+):\s+file format", line)
        if m:
            member = member_name(m.group(1))
            continue
        m = re.match(r"^[0-9a-f]+ (.{7}) (\S+)\s+[0-9a-f]+\s+(\S+)$", line)
        if not m:
            continue
        flags, section, name = m.groups()
        if "d" in flags or "f" in flags or name.startswith(SANITIZER):
            continue
        data = section.startswith(".data") and not section.startswith(".data.rel.ro")
        if data or section.startswith(".bss") or section == "*COM*":
            found.append((member, name, section))
    return found


def main():
    lib = sys.argv[1]
    if not shutil.which("nm") or not shutil.which("objdump"):
        print("SKIP: nm or objdump not found (binutils)")
        return 77
    defs, undefs = symbols(lib)
    owner = {s: f for f, ss in defs.items() for s in ss}
    uses = {f: {owner[s] for s in undefs[f] if s in owner and owner[s] != f} for f in defs}
    fails = []

    c = cycle(uses)
    if c:
        fails.append("import circle: " + " -> ".join(c))
    for f in sorted(uses):
        bad = set()
        if f in FORMATS:
            bad = (uses[f] & FORMATS) | (uses[f] & {TABLE})
        elif f in SHARED:
            bad = uses[f] & (FORMATS | {TABLE})
        if bad:
            fails.append("%s uses %s" % (f, ", ".join(sorted(bad))))
        if f.startswith("render/") and undefs[f] & MUTATORS:
            fails.append("%s calls %s" % (f, ", ".join(sorted(undefs[f] & MUTATORS))))
    for f in sorted(FORMATS | SHARED | {TABLE}):
        if f not in defs:
            fails.append("%s: not in the library" % f)
    for member, name, section in writable(lib):
        fails.append("%s: writable static %s in %s" % (member, name, section))

    for f in fails:
        print("FAIL:", f)
    print("render-wall: %d files, %d edges, %d failures" %
          (len(uses), sum(len(u) for u in uses.values()), len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
