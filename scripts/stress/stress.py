#!/usr/bin/env python3
"""stress.py - abuse, load and fault tests for wfcd (`make stress`, CI:
`make stress-ci`). Figures and commands are in docs/RELIABILITY.md.

    scripts/stress/stress.py --wfcd build/wfcd [--asan-wfcd build-asan/wfcd]
                             [--ci] [--only limits,abuse,...]

Each test starts its own wfcd (its own port and data directory under /tmp),
prints PASS, FAIL or SKIP with its figures, and the run exits 1 on any FAIL.
--ci makes every test short (a few seconds each); STRESS_SECONDS sets the
wrk run (default 60, 5 with --ci); STRESS_RSS_JOBS=N1,N2 the job counts of
the RSS check (default 10000,100000; 2000,5000 with --ci). SKIP: what the machine lacks (wrk, root
for tmpfs, an ASan build).
"""

import argparse
import os
import shutil
import sys
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import t_abuse  # noqa: E402
import t_faults  # noqa: E402
import t_load  # noqa: E402
from wfcdlib import Skip  # noqa: E402

TESTS = [
    ("limits", t_abuse.limits),
    ("abuse", t_abuse.protocol_abuse),
    ("slowloris", t_abuse.slowloris),
    ("bounds", t_faults.work_bounds),
    ("shutdown", t_faults.graceful_shutdown),
    ("kill9", t_faults.kill9_restart),
    ("disk", t_faults.disk_faults),
    ("load", t_load.wrk_load),
    ("longpoll", t_load.long_polls),
    ("rss", t_load.rss_flat),
    ("aborts", t_load.client_aborts),
]


class Ctx:
    def __init__(self, a):
        self.wfcd = os.path.abspath(a.wfcd)
        self.asan_wfcd = os.path.abspath(a.asan_wfcd) if a.asan_wfcd else None
        self.ci = a.ci
        self.seconds = int(os.environ.get("STRESS_SECONDS", "5" if a.ci else "60"))
        self.servers = []

    def n(self, full, ci):
        return ci if self.ci else full

    def server(self, *args, **kw):
        from wfcdlib import Wfcd
        s = Wfcd(self.wfcd if not kw.pop("asan", False) else self.asan_wfcd, *args, **kw)
        self.servers.append(s)
        return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wfcd", default="build/wfcd")
    ap.add_argument("--asan-wfcd")
    ap.add_argument("--ci", action="store_true")
    ap.add_argument("--only", help="comma-separated test names")
    ap.add_argument("--summary", help="also write the result lines to this file")
    a = ap.parse_args()
    only = set(a.only.split(",")) if a.only else None
    ctx = Ctx(a)
    lines, failed = [], 0
    t_all = time.time()
    for name, fn in TESTS:
        if only and name not in only:
            continue
        t0 = time.time()
        try:
            ok, figure = fn(ctx)
            verdict = "PASS" if ok else "FAIL"
        except Skip as e:
            verdict, figure = "SKIP", str(e)
        except Exception as e:  # a test that breaks is a failure, with its trace
            traceback.print_exc()
            verdict, figure = "FAIL", "%s: %s" % (type(e).__name__, e)
        finally:
            for s in ctx.servers:
                s.cleanup()
                shutil.rmtree(s.tmp, ignore_errors=True)
            ctx.servers = []
        failed += verdict == "FAIL"
        line = "%s %-10s %5.1fs  %s" % (verdict, name, time.time() - t0, figure)
        print(line, flush=True)
        lines.append(line)
    tail = "stress: %d test(s), %d failed, %.0fs; load average %.1f (%d cores)" % (
        len(lines), failed, time.time() - t_all, os.getloadavg()[0], os.cpu_count())
    print(tail)
    lines.append(tail)
    if a.summary:
        os.makedirs(os.path.dirname(os.path.abspath(a.summary)), exist_ok=True)
        with open(a.summary, "w") as f:
            f.write("\n".join(lines) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
