#!/usr/bin/env python3
"""Oracle test: heapdiff's numbers must equal `go tool pprof`'s.

Usage:
    python3 tests/oracle.py --heapdiff PATH/TO/heapdiff [--go go]
                            [--quick] [--pairs] [-j N] [-v] [--list]
                            PROFILE_OR_DIR...

Directories are scanned (non-recursively) for *.pb.gz, *.pb and *.pprof.
-v prints every case with its row counts (pprof rows/heapdiff rows);
--list prints the cases without running them (needs go, not heapdiff).

Cases (sample types are read from `go tool pprof -raw`):
  default  every profile x every sample type x functions, filefunctions,
           files, lines (+ addresses when the file is <= 32 KiB; functions
           only when it is > 512 KiB), plus top with --focus/--ignore/
           --hide/--show (functions, lines) on the profile with the most
           sample types.
  --pairs  adds diffs: consecutive pairs (and first -> last) inside each
           directory whose name contains "series", cache-v1 -> cache-v2 if
           present (all granularities), A vs A, each sample type at
           functions; for one pair (first -> last of a series, else the
           cache pair) also --normalize, lines, files and the four filters;
           and one incompatible pair, which pprof refuses and heapdiff must
           refuse too.
  --quick  only the last (pprof default) sample type, functions and lines,
           and only the first step of each series.
A profile pprof refuses is a case too: it passes only if heapdiff exits
non-zero as well.

For every case the same question is asked of both tools:

  top:  heapdiff top --format json --top 0 --sample-index I --granularity G
        [filters] FILE
        go tool pprof -top -nodecount=0 -nodefraction=0 -edgefraction=0
        -symbolize=none -sample_index=I -G [-unit=U] [filters] FILE
  diff: heapdiff diff ... [--normalize] BASE NEW
        go tool pprof ... [-normalize] -diff_base=BASE NEW

and flat/cum per printed name are compared (for diff: new - base against
pprof's printed difference).  Names missing on one side count as 0.  If a
name appears more than once in one tool's output, its flat values are summed
and its cum is not compared (pprof does this for unsymbolized frames and,
at files granularity, for functions of one file with different start lines).

Exit status: 0 all equal, 1 any mismatch, 77 (meson SKIP) when go is absent.
The last line is "oracle: N passed, M failed".

Notes on exact numbers from pprof (Go 1.19):
  * pprof formats values as "%.2f" of a float64 after unit scaling and then
    drops ".00".  With -unit set to the sample's own unit the scale factor
    is 1 (bytes -> "123B", nanoseconds -> "123ns"), so every value below
    2^53 prints as an exact integer followed by a unit suffix.
  * Units pprof does not know (count, samples, "", ...) are printed
    unscaled with no suffix as long as -unit is NOT given a known unit;
    e.g. -unit=count on a nanoseconds sample prints seconds ("28.61s").
    So -unit is passed only for units pprof recognises (memory, time, GCU).
Only the Python 3 standard library is used.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

GRANULARITIES = ["functions", "filefunctions", "files", "lines"]
PROFILE_SUFFIXES = (".pb.gz", ".pb", ".pprof")
MAX_PRINTED = 20          # mismatches printed per case
SMALL_PROFILE = 32 * 1024  # bytes (compressed): also test addresses
LARGE_PROFILE = 512 * 1024  # bytes (compressed): functions granularity only
TIMEOUT = 600             # seconds per tool invocation

# Unit aliases pprof recognises (internal/measurement/measurement.go).
_KNOWN_UNITS = {
    # memory
    "b", "byte", "kb", "kbyte", "kilobyte", "mb", "mbyte", "megabyte",
    "gb", "gbyte", "gigabyte", "tb", "tbyte", "terabyte",
    "pb", "pbyte", "petabyte",
    # time
    "ns", "nanosecond", "\u03bcs", "us", "microsecond", "ms", "millisecond",
    "s", "sec", "second", "hour", "hr",
    # Google compute units
    "nanogcu", "microgcu", "milligcu", "gcu", "kilogcu", "megagcu",
    "gigagcu", "teragcu", "petagcu",
}


def pprof_knows_unit(unit):
    """Mirror of pprof's sniffUnit: lower-case, drop a plural 's'."""
    u = unit.lower()
    if len(u) > 2 and u.endswith("s"):
        u = u[:-1]
    return u in _KNOWN_UNITS


# ---------------------------------------------------------------- helpers

def run(cmd, timeout=TIMEOUT):
    """Run cmd, return (rc, stdout, stderr); rc None on timeout/exec error."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", "timed out after %ds" % timeout
    except OSError as e:
        return None, "", str(e)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def first_lines(text, n=3):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    s = " | ".join(lines[:n])
    if len(lines) > n:
        s += " | ..."
    return s or "(no message)"


def collect_profiles(args):
    out, seen = [], set()
    for a in args:
        if os.path.isdir(a):
            names = sorted(n for n in os.listdir(a)
                           if n.endswith(PROFILE_SUFFIXES)
                           and os.path.isfile(os.path.join(a, n)))
            paths = [os.path.join(a, n) for n in names]
        elif os.path.exists(a):
            paths = [a]
        else:
            print("oracle: no such file or directory: %s" % a)
            print("oracle: 0 passed, 1 failed")
            sys.exit(1)
        for p in paths:
            key = os.path.realpath(p)
            if key not in seen:
                seen.add(key)
                out.append(p)
    return out


class Pprof:
    def __init__(self, go):
        # `go tool pprof` runs $GOTOOLDIR/pprof; calling it directly saves
        # the go wrapper's start-up (~20 ms per call).  None: not installed.
        self.cmd = None
        rc, out, _ = run([go, "env", "GOTOOLDIR"], timeout=60)
        if rc == 0:
            exe = os.path.join(out.strip(), "pprof")
            if os.path.isfile(exe) and os.access(exe, os.X_OK):
                self.cmd = [exe]

    def sample_types(self, path):
        """[(type, unit)] from the `-raw` header, or raise RuntimeError."""
        # -raw dumps the whole profile; stop reading after the header.
        with tempfile.TemporaryFile() as errf:
            try:
                p = subprocess.Popen(self.cmd + ["-raw", "-symbolize=none", path],
                                     stdout=subprocess.PIPE, stderr=errf,
                                     stdin=subprocess.DEVNULL)
            except OSError as e:
                raise RuntimeError(str(e))
            types, state = None, 0
            for raw in p.stdout:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                if state == 0 and line.strip() == "Samples:":
                    state = 1
                elif state == 1:
                    types = []
                    for tok in line.split():
                        if tok.endswith("[dflt]"):
                            tok = tok[:-len("[dflt]")]
                        t, _, u = tok.rpartition("/")
                        types.append((t, u))
                    break
            if types is not None:
                p.kill()
            p.stdout.close()
            rc = p.wait()
            if types is not None:
                return types
            errf.seek(0)
            err = errf.read().decode("utf-8", "replace")
            if rc != 0:
                raise RuntimeError(first_lines(err))
            return []   # parsed fine but no sample types

    def top_cmd(self, case, unit):
        cmd = self.cmd + ["-top", "-nodecount=0", "-nodefraction=0",
                          "-edgefraction=0", "-symbolize=none",
                          "-sample_index=%d" % case.index,
                          "-" + case.granularity]
        if unit is not None and pprof_knows_unit(unit):
            cmd.append("-unit=" + unit)
        for k, v in case.filters:
            cmd.append("-%s=%s" % (k, v))
        if case.normalize:
            cmd.append("-normalize")
        if case.kind == "diff":
            cmd += ["-diff_base=" + case.files[0], case.files[1]]
        else:
            cmd.append(case.files[0])
        return cmd


_NUM_RE = re.compile(r"^(-?[0-9]+(?:\.[0-9]+)?)(\D.*)?$")
_HEADER_RE = re.compile(r"^\s*flat\s+flat%\s+sum%\s+cum\s+cum%\s*$")
_TOTAL_RE = re.compile(r"^Showing nodes accounting for .*? of (\S+) total")


def parse_value(tok):
    """'-123B' -> -123 (int); '1.50MB' -> 1.5 (float, inexact)."""
    m = _NUM_RE.match(tok)
    if not m:
        raise ValueError("cannot parse pprof value %r" % tok)
    s = m.group(1)
    if "." in s:
        f = float(s)
        return int(f) if f == int(f) else f
    return int(s)


def parse_pprof_top(text):
    """Return (rows, total) with rows = [(name, flat, cum)]."""
    rows, total, in_rows = [], None, False
    for line in text.splitlines():
        if not in_rows:
            m = _TOTAL_RE.match(line)
            if m:
                try:
                    total = parse_value(m.group(1))
                except ValueError:
                    total = None
            if _HEADER_RE.match(line):
                in_rows = True
            continue
        if not line.strip():
            continue
        parts = line.split(None, 5)
        if len(parts) < 6:
            raise ValueError("cannot parse pprof row %r" % line)
        name = parts[5]
        for label in (" (inline)", " (partial-inline)"):
            if name.endswith(label):
                name = name[:-len(label)]
                break
        rows.append((name, parse_value(parts[0]), parse_value(parts[3])))
    if not in_rows:
        raise ValueError("no table header in pprof output")
    return rows, total


# ---------------------------------------------------------------- cases

class Case:
    def __init__(self, kind, files, index, granularity, filters=(),
                 normalize=False, stype=None):
        self.kind = kind                  # "top" | "diff"
        self.files = list(files)          # [file] or [base, new]
        self.index = index
        self.granularity = granularity
        self.filters = list(filters)      # [(focus|ignore|hide|show, re)]
        self.normalize = normalize
        self.stype = stype                # (type, unit) expected, or None
        self.refused = None               # pprof -raw failure message

    def label(self):
        opts = ["-i %d" % self.index, self.granularity]
        if self.stype is not None:
            opts[0] += " (%s/%s)" % self.stype
        if self.normalize:
            opts.append("--normalize")
        for k, v in self.filters:
            opts.append("--%s %s" % (k, v))
        if self.kind == "diff":
            what = "%s -> %s" % (self.files[0], self.files[1])
        else:
            what = self.files[0]
        return "%s %s [%s]" % (self.kind, what, ", ".join(opts))

    def cost(self):
        size = sum(os.path.getsize(f) for f in self.files
                   if os.path.exists(f))
        return size * (2 if self.granularity in ("lines", "addresses") else 1)

    def heapdiff_cmd(self, heapdiff):
        cmd = [heapdiff, self.kind, "--format", "json", "--top", "0",
               "--sample-index", str(self.index),
               "--granularity", self.granularity]
        if self.normalize:
            cmd.append("--normalize")
        for k, v in self.filters:
            cmd += ["--" + k, v]
        return cmd + self.files


def pick_regexp(names):
    """A regexp matching some, but not all, of the given frame names."""
    for cand in ("runtime", "main", "sync", "syscall", "math", "bufio",
                 "net", "reflect", "io", "os"):
        hits = sum(1 for n in names if cand in n)
        if 0 < hits < len(names):
            return cand
    for n in names:
        tok = re.split(r"[./ ]", n)[0]
        if tok and 0 < sum(1 for m in names if tok in m) < len(names):
            return re.escape(tok)
    return None


def build_cases(profiles, types, pprof, quick, pairs):
    cases = []
    ok = [p for p in profiles if isinstance(types.get(p), list) and types[p]]

    def idx_list(p):
        return list(range(len(types[p])))

    # ---- top, every profile
    for p in profiles:
        t = types.get(p)
        if isinstance(t, str) or not t:
            # pprof refused it (or no sample types): heapdiff must refuse too.
            c = Case("top", [p], 0, "functions")
            c.refused = t if isinstance(t, str) else "no sample types"
            cases.append(c)
            continue
        size = os.path.getsize(p)
        last = len(t) - 1
        if size > LARGE_PROFILE:
            idxs = [last] if quick else idx_list(p)
            grans = ["functions"]
        elif quick:
            idxs, grans = [last], ["functions", "lines"]
        else:
            idxs, grans = idx_list(p), list(GRANULARITIES)
            if size <= SMALL_PROFILE:
                grans.append("addresses")
        for i in idxs:
            for g in grans:
                cases.append(Case("top", [p], i, g, stype=t[i]))

    # ---- top with filters, on one (not large) profile
    small = [p for p in ok if os.path.getsize(p) <= LARGE_PROFILE]
    filt_prof = max(small, key=lambda p: len(types[p])) if small else None
    regexp = None
    if filt_prof is not None:
        last = len(types[filt_prof]) - 1
        names = top_names(pprof, filt_prof, last, types[filt_prof][last])
        regexp = pick_regexp(names)
        if regexp is not None:
            for g in (["functions"] if quick else ["functions", "lines"]):
                for k in ("focus", "ignore", "hide", "show"):
                    cases.append(Case("top", [filt_prof], last, g,
                                      [(k, regexp)],
                                      stype=types[filt_prof][last]))

    if not pairs:
        return dedupe(cases)

    # ---- diff pairs
    plain = []   # (base, new): each sample type x functions
    series = {}
    for p in ok:
        d = os.path.dirname(p)
        if "series" in os.path.basename(os.path.abspath(d)):
            series.setdefault(d, []).append(p)
    feature = None
    for d in sorted(series):
        s = sorted(series[d])
        if len(s) < 2:
            continue
        steps = list(zip(s, s[1:]))
        if quick:
            steps = steps[:1]
        plain += steps
        if (s[0], s[-1]) not in plain:
            plain.append((s[0], s[-1]))
        if feature is None:
            feature = (s[0], s[-1])
    by_name = {os.path.basename(p): p for p in ok}
    for ext in PROFILE_SUFFIXES:
        # one process over time: first against last snapshot of the leak
        l0, l5 = by_name.get("leak-00" + ext), by_name.get("leak-05" + ext)
        if l0 and l5:
            plain.append((l0, l5))
            # Go writes samples with the same stack and labels (two
            # buckets of one site): pprof merges them before -normalize
            # rounds, which moved alloc_space's total by a byte once.
            for i in idx_list(l5):
                cases.append(Case("diff", [l0, l5], i, "functions",
                                  normalize=True, stype=types[l5][i]))
        v1, v2 = by_name.get("cache-v1" + ext), by_name.get("cache-v2" + ext)
        if v1 and v2:
            plain.append((v1, v2))
            feature = feature or (v1, v2)
            # the pair everybody looks at: all granularities too
            for i in (idx_list(v2)[-1:] if quick else idx_list(v2)):
                for g in GRANULARITIES[1:]:
                    cases.append(Case("diff", [v1, v2], i, g,
                                      stype=types[v2][i]))
    for ext in PROFILE_SUFFIXES:
        # pprof prunes both with NEW's drop_frames: BASE without any, and
        # BASE with some that NEW lacks (heapdiff reads BASE again)
        d0, d1 = by_name.get("synth-drop-base" + ext), by_name.get("synth-drop" + ext)
        if d0 and d1:
            plain += [(d0, d1), (d1, d0)]
    if feature is None:
        # first two profiles with the same sample types
        for a, b in zip(ok, ok[1:]):
            if types[a] == types[b]:
                feature = (a, b)
                plain.append(feature)
                break
    # identical inputs
    ident = [ok[0]] if ok else []
    if not quick:
        for p in ok:
            if os.path.getsize(p) <= LARGE_PROFILE and p not in ident and \
                    types[p] != types[ident[0]]:
                ident.append(p)
                break
    plain += [(p, p) for p in ident]

    seen = set()
    for base, new in plain:
        if (base, new) in seen:
            continue
        seen.add((base, new))
        idxs = idx_list(new)
        if quick:
            idxs = idxs[-1:]
        for i in idxs:
            cases.append(Case("diff", [base, new], i, "functions",
                              stype=types[new][i]))

    if feature is not None:
        base, new = feature
        last = len(types[new]) - 1
        st = types[new][last]
        for i in (idx_list(new) if not quick else [last]):
            cases.append(Case("diff", [base, new], i, "functions",
                              normalize=True, stype=types[new][i]))
        for g in ("lines", "files"):
            cases.append(Case("diff", [base, new], last, g, stype=st))
        names = top_names(pprof, new, last, st)
        rx = pick_regexp(names) or regexp
        if rx is not None:
            for k in ("focus", "ignore", "hide", "show"):
                cases.append(Case("diff", [base, new], last, "functions",
                                  [(k, rx)], stype=st))

    # incompatible inputs: pprof refuses, heapdiff must refuse as well
    if feature is not None:
        other = next((p for p in ok if types[p] != types[feature[1]]), None)
        if other is not None:
            cases.append(Case("diff", [feature[1], other], 0, "functions"))
    return dedupe(cases)


def dedupe(cases):
    out, seen = [], set()
    for c in cases:
        if c.label() not in seen:
            seen.add(c.label())
            out.append(c)
    return out


def top_names(pprof, path, index, stype):
    c = Case("top", [path], index, "functions")
    rc, out, _ = run(pprof.top_cmd(c, stype[1]))
    if rc != 0:
        return []
    try:
        return [r[0] for r in parse_pprof_top(out)[0]]
    except ValueError:
        return []


# ---------------------------------------------------------------- compare

class Result:
    def __init__(self, case):
        self.case = case
        self.ok = False
        self.problems = []   # printed when failing
        self.notes = []      # printed always
        self.counts = ""     # "pprof rows/heapdiff rows", for -v


def fold(rows):
    """rows [(name, flat, cum)] -> (flat by name, cum by name, dup names)."""
    flat, cum, dups = {}, {}, set()
    for name, f, c in rows:
        if name in flat:
            dups.add(name)
            flat[name] += f
            cum[name] = None
        else:
            flat[name] = f
            cum[name] = c
    return flat, cum, dups


def where(name, hd, pp):
    if name not in pp:
        return " (not printed by pprof)"
    if name not in hd:
        return " (not listed by heapdiff)"
    return ""


def fmt_num(v):
    return ("%d" % v) if isinstance(v, int) else repr(v)


def equal(hd, pp):
    if isinstance(pp, float):       # pprof printed a rounded value
        return abs(hd - pp) <= 0.005 * max(1.0, abs(pp))
    return hd == pp


def heapdiff_rows(doc, case):
    """Extract [(name, flat, cum)] (diff: new - base) from heapdiff's JSON."""
    want = 2 if case.kind == "diff" else 1
    rows = []
    for fn in doc.get("functions") or []:
        name = fn.get("name")
        fl, cu = fn.get("flat"), fn.get("cum")
        if not isinstance(name, str) or not isinstance(fl, list) or \
                not isinstance(cu, list) or len(fl) != want or len(cu) != want:
            raise ValueError("malformed function entry: %s"
                             % json.dumps(fn)[:200])
        if not all(isinstance(v, int) for v in fl + cu):
            raise ValueError("non-integer value in: %s" % json.dumps(fn)[:200])
        if want == 2:
            rows.append((name, fl[1] - fl[0], cu[1] - cu[0]))
        else:
            rows.append((name, fl[0], cu[0]))
    return rows


def run_case(case, heapdiff, pprof):
    res = Result(case)
    unit = case.stype[1] if case.stype else None
    hd_cmd = case.heapdiff_cmd(heapdiff)
    pp_cmd = pprof.top_cmd(case, unit)
    commands = ["heapdiff: %s" % " ".join(hd_cmd),
                "pprof:    %s" % " ".join(pp_cmd)]

    if case.refused is not None:
        prc, pout, perr = None, "", case.refused
    else:
        prc, pout, perr = run(pp_cmd)
    hrc, hout, herr = run(hd_cmd)

    if prc != 0:
        why = first_lines(perr)
        if hrc is not None and hrc != 0:
            res.ok = True
            res.notes.append("pprof refused (%s); heapdiff refused too "
                             "(exit %d: %s)" % (why, hrc, first_lines(herr, 1)))
        else:
            res.problems.append("pprof refused (%s) but heapdiff %s"
                                % (why, "exited 0" if hrc == 0 else
                                   "failed to run: " + first_lines(herr)))
            res.problems += commands
        return res

    if hrc != 0:
        res.problems.append("heapdiff %s: %s" % (
            "exit %d" % hrc if hrc is not None else "did not run",
            first_lines(herr)))
        res.problems += commands
        return res
    try:
        prows, ptotal = parse_pprof_top(pout)
    except ValueError as e:
        res.problems.append("cannot parse pprof output: %s" % e)
        res.problems += commands
        return res
    try:
        doc = json.loads(hout)
        if not isinstance(doc, dict):
            raise ValueError("top level is not an object")
        hrows = heapdiff_rows(doc, case)
    except ValueError as e:
        res.problems.append("bad heapdiff JSON: %s (output starts %r)"
                            % (e, hout[:80]))
        res.problems += commands
        return res

    mism = []
    # envelope
    for key, want in (("schema", "heapdiff/1"), ("command", case.kind),
                      ("granularity", case.granularity)):
        if doc.get(key) != want:
            mism.append("%s: heapdiff %r, expected %r"
                        % (key, doc.get(key), want))
    st = doc.get("sample_type")
    if case.stype is not None:
        got = (st.get("type"), st.get("unit")) if isinstance(st, dict) else st
        if got != tuple(case.stype):
            mism.append("sample_type: heapdiff %r, pprof %r"
                        % (got, tuple(case.stype)))
    # total: pprof prints the unfiltered total (sum of |values|); only top
    # cases without filters are checked, against profiles[0].abs_total
    # (heapdiff's "total" is the signed sum; they differ for delta profiles).
    if case.kind == "top" and not case.filters and ptotal is not None:
        profs = doc.get("profiles")
        htotal = None
        if isinstance(profs, list) and profs and isinstance(profs[0], dict):
            htotal = profs[0].get("abs_total")
        if not isinstance(htotal, int) or not equal(htotal, ptotal):
            mism.append("<total>: heapdiff %s, pprof %s (pprof: sum of |v|)"
                        % (htotal, fmt_num(ptotal)))

    res.counts = "%d/%d rows" % (len(prows), len(hrows))
    pflat, pcum, pdups = fold(prows)
    hflat, hcum, hdups = fold(hrows)
    dups = pdups | hdups
    if pdups:
        res.notes.append("pprof prints %d name(s) more than once (flat summed,"
                         " cum not compared), e.g. %r"
                         % (len(pdups), sorted(pdups)[0]))
    if hdups:
        res.notes.append("heapdiff lists %d name(s) more than once (flat "
                         "summed, cum not compared), e.g. %r"
                         % (len(hdups), sorted(hdups)[0]))
    what = "delta " if case.kind == "diff" else ""
    order = [r[0] for r in prows] + [r[0] for r in hrows]
    done = set()
    for name in order:
        if name in done:
            continue
        done.add(name)
        hf, pf = hflat.get(name, 0), pflat.get(name, 0)
        if not equal(hf, pf):
            mism.append("%r %sflat: heapdiff %s, pprof %s%s"
                        % (name, what, fmt_num(hf), fmt_num(pf),
                           where(name, hflat, pflat)))
        if name in dups:
            continue
        hc, pc = hcum.get(name, 0), pcum.get(name, 0)
        if not equal(hc, pc):
            mism.append("%r %scum: heapdiff %s, pprof %s%s"
                        % (name, what, fmt_num(hc), fmt_num(pc),
                           where(name, hcum, pcum)))
    inexact = sum(1 for _, f, c in prows
                  if isinstance(f, float) or isinstance(c, float))
    if inexact:
        res.notes.append("pprof printed %d row(s) with rounded values; those"
                         " were compared to 2 decimals" % inexact)
    if mism:
        res.problems.append("%d mismatch(es)%s:" % (
            len(mism), "" if len(mism) <= MAX_PRINTED
            else ", first %d" % MAX_PRINTED))
        res.problems += ["  " + m for m in mism[:MAX_PRINTED]]
        res.problems += commands
    else:
        res.ok = True
    return res


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(
        description="Compare heapdiff's numbers with go tool pprof's.")
    ap.add_argument("--heapdiff", required=True, help="heapdiff executable")
    ap.add_argument("--go", default="go", help="go command (default: go)")
    ap.add_argument("--quick", action="store_true",
                    help="a small subset of the cases")
    ap.add_argument("--pairs", action="store_true", help="add diff cases")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2,
                    help="parallel cases (default: number of CPUs)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print every case, not only failures and notes")
    ap.add_argument("--list", action="store_true",
                    help="list the cases and exit")
    ap.add_argument("inputs", nargs="+", metavar="PROFILE_OR_DIR")
    args = ap.parse_args()
    # pprof looks for the profiled programs' binaries in $PPROF_BINARY_PATH,
    # by default $HOME/pprof/binaries.  An empty scratch directory keeps
    # the oracle from reading anything outside the repository, and its
    # answers the same on every machine.
    with tempfile.TemporaryDirectory(prefix="oracle-pprof-bin-") as bindir:
        os.environ["PPROF_BINARY_PATH"] = bindir
        return oracle(args)


def oracle(args):
    try:   # never die on a frame name the terminal cannot encode
        sys.stdout.reconfigure(errors="backslashreplace")
    except AttributeError:
        pass

    go = shutil.which(args.go)
    if go is None:
        print("SKIP: go not found")
        return 77
    heapdiff = args.heapdiff
    if os.sep not in heapdiff:
        heapdiff = shutil.which(heapdiff) or heapdiff
    heapdiff = os.path.abspath(heapdiff) if os.path.exists(heapdiff) \
        else heapdiff
    if not args.list and not (os.path.isfile(heapdiff)
                              and os.access(heapdiff, os.X_OK)):
        print("oracle: heapdiff not found or not executable: %s"
              % args.heapdiff)
        print("oracle: 0 passed, 1 failed")
        return 1

    profiles = collect_profiles(args.inputs)
    if not profiles:
        print("oracle: no profiles found in: %s" % " ".join(args.inputs))
        print("oracle: 0 passed, 1 failed")
        return 1
    pprof = Pprof(go)
    if pprof.cmd is None:
        print("SKIP: go tool pprof not found (go env GOTOOLDIR)")
        return 77

    jobs = max(1, args.jobs)
    types = {}
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        futs = {p: ex.submit(pprof.sample_types, p) for p in profiles}
        for p, f in futs.items():
            try:
                types[p] = f.result()
            except RuntimeError as e:
                types[p] = str(e)   # refused
    cases = build_cases(profiles, types, pprof, args.quick, args.pairs)

    if args.list:
        for c in cases:
            print(("REFUSE? " if c.refused else "") + c.label())
        print("%d cases" % len(cases))
        return 0

    print("oracle: %d profiles, %d cases, %d jobs, pprof: %s"
          % (len(profiles), len(cases), jobs, " ".join(pprof.cmd)))
    sys.stdout.flush()
    results = [None] * len(cases)
    lock = threading.Lock()
    order = sorted(range(len(cases)), key=lambda k: -cases[k].cost())

    def work(k):
        try:
            r = run_case(cases[k], heapdiff, pprof)
        except Exception as e:   # a bug here must not look like a pass
            r = Result(cases[k])
            r.problems.append("oracle error: %r" % e)
        results[k] = r
        if args.verbose:
            with lock:
                print("%s %s %s" % ("ok  " if r.ok else "FAIL", r.case.label(),
                                    r.counts))
                sys.stdout.flush()

    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        list(ex.map(work, order))

    passed = failed = 0
    for r in results:
        if r.ok:
            passed += 1
        else:
            failed += 1
        if not r.ok or r.notes:
            print("%s %s" % ("FAIL" if not r.ok else "NOTE", r.case.label()))
            for n in r.notes:
                print("    note: " + n)
            for p in r.problems:
                print("    " + p)
    print("oracle: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
