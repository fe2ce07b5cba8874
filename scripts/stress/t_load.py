"""t_load.py - load, long-polls, memory under many jobs, client aborts
(issue 9, items 4 and 6)."""

import http.client
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import threading
import time

from wfcdlib import Skip, pct, tiled_spec, ts

HERE = os.path.dirname(os.path.abspath(__file__))


def wrk_load(ctx):
    """Item 4a: wrk, 200 connections on POST /v1/jobs: no socket errors,
    only 202 or 503 with Retry-After; p99 reported."""
    if not shutil.which("wrk"):
        raise Skip("wrk is not installed (sh scripts/deps.sh wrk)")
    s = ctx.server(["--max-conns-per-ip", "1024", "--workers", "1", "--queue-size", "64"]).start()
    # --timeout 10s: wrk's default of 2 s counts a slow answer on a shared,
    # loaded 2-core machine as a socket error; latency is reported instead
    r = subprocess.run(["wrk", "-t2", "-c200", "-d%ds" % ctx.seconds, "--timeout", "10s",
                        "--latency", "-s",
                        os.path.join(HERE, "submit.lua"), "http://127.0.0.1:%d" % s.port],
                       capture_output=True, text=True, timeout=ctx.seconds + 60)
    line = [x for x in r.stdout.splitlines() if x.startswith("STRESS ")]
    if r.returncode or not line:
        return False, "wrk failed: %s %s" % (r.stdout[-300:], r.stderr[-300:])
    f = dict(kv.split("=") for kv in line[0].split()[1:])
    n = {k: float(v) for k, v in f.items()}
    healthy = s.healthy()
    ok = (n["socket_errors"] == 0 and n["other"] == 0 and n["full_no_retry"] == 0 and
          healthy and s.alive())
    fig = ("wrk -t2 -c200 -d%ds --timeout 10s, 1 worker, queue 64: %d requests (%.0f/s), %d accepted (202), %d queue-full (503 "
           "+ Retry-After), %d other, %d socket errors; latency p50 %.1f ms, p99 %.1f ms, "
           "max %.1f ms" % (ctx.seconds, n["requests"], n["rps"], n["accepted"], n["full"],
                            n["other"] + n["full_no_retry"], n["socket_errors"], n["p50_ms"],
                            n["p99_ms"], n["max_ms"]))
    return ok, fig


def long_polls(ctx):
    """Item 4b: N concurrent long-polls on one job return within 100 ms of
    its completion."""
    n = ctx.n(500, 200)
    # the bound is 100 ms; the CI run, on shared runners, allows 300
    bound = ctx.n(100, 300)
    s = ctx.server(["--workers", "1", "--max-conns-per-ip", "1024"]).start()
    job = s.submit(tiled_spec(512, seed=21))
    sel = selectors.DefaultSelector()
    req = ("GET /v1/jobs/%s?wait=30 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" %
           job["id"]).encode()
    conns = {}
    for _ in range(n):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        c.sendall(req)
        c.setblocking(False)
        sel.register(c, selectors.EVENT_READ)
        conns[c] = b""
    # A poll's time is when its first answer bytes arrive: recording it at
    # end of stream instead would add a second pass of this one Python loop
    # over all n sockets, measuring the client more than the server.
    done_at, first_at, early = {}, {}, 0
    deadline = time.time() + 60
    while len(done_at) < n and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            c = key.fileobj
            now = time.time()
            try:
                data = c.recv(65536)
            except OSError:
                data = b""
            if data:
                first_at.setdefault(c, now)
                conns[c] += data
                continue
            done_at[c] = first_at.get(c, now)
            sel.unregister(c)
            c.close()
    for c in conns:
        if c not in done_at:
            c.close()
    final = s.json("GET", "/v1/jobs/" + job["id"])[2]
    finished = ts(final["finishedAt"])
    lat = []
    for c, t in done_at.items():
        body = conns[c].split(b"\r\n\r\n", 1)[-1]
        try:
            status = json.loads(body)["status"]
        except ValueError:
            status = None
        if status != "succeeded":
            early += 1
        lat.append((t - finished) * 1000)
    p50, p99 = pct(lat, 50), pct(lat, 99)
    ok = (len(done_at) == n and early == 0 and final["status"] == "succeeded" and
          p99 < bound and s.alive())
    fig = ("%d long-polls on one %.1f s job: %d answered with the finished job, %d early; after "
           "completion p50 %.1f ms, p99 %.1f ms (bound %d), max %.1f ms" %
           (n, final["timings"]["runMs"] / 1000, len(done_at) - early, early, p50, p99, bound,
            max(lat) if lat else float("nan")))
    return ok, fig


def _submitter(port, stop, counter, lock, target):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body_fmt = ('{"model":"tiled","tileSize":1,"width":8,"height":8,"seed":%d,'
                '"tiles":[{"name":"a","color":"#2060c0"},{"name":"b","color":"#e0d090"}],'
                '"neighbors":[{"left":"a","right":"a"},{"left":"a","right":"b"},'
                '{"left":"b","right":"b"}]}')
    seed = threading.get_ident() % 1000 * 1000000  # seeds are int32
    while not stop.is_set():
        if counter[0] >= target[0]:
            time.sleep(0.05)
            continue
        seed += 1
        try:
            # /v1/generate: the job goes through the same store and files, but
            # is not fsync'ed (its client waits for the answer), so this runs
            # at the engine's pace rather than the disk's
            conn.request("POST", "/v1/generate", body=body_fmt % seed,
                         headers={"Content-Type": "application/json", "Accept": "image/png"})
            r = conn.getresponse()
            r.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        if r.status in (200, 202):
            with lock:
                counter[0] += 1
        elif r.status == 503:
            time.sleep(0.005)
        else:  # anything else is a failure of the test: stop at once
            with lock:
                counter.append(r.status)
            stop.set()
    conn.close()


def rss_flat(ctx):
    """Item 4c: RSS after N1 and N2 small jobs submitted and finished is flat
    (+-10%): the job table is bounded (--max-jobs). So is the heap in use
    (wfcd_heap_bytes), which is what a leak moves; in the short CI run only
    the heap is held to 10%, RSS to 25% (see below)."""
    n1, n2 = ctx.n(10000, 2000), ctx.n(100000, 5000)
    if os.environ.get("STRESS_RSS_JOBS"):  # "N1,N2": a shorter full run
        n1, n2 = (int(x) for x in os.environ["STRESS_RSS_JOBS"].split(","))
    # the table has filled and turned over by the first mark, so any
    # growth after it is a leak, not the table filling up; the short CI run
    # turns it over eight times (with two, the allocator was still settling:
    # +2 to +15% from 1,005 to 4,005 jobs, about 1-3 MB, run to run; with
    # four, 2 runs in 19 still grew 10.4-10.7%, both at the fastest job rates)
    cap = str(max(1, min(ctx.n(n1 // 2, n1 // 8), 10000)))
    args = ["--queue-size", "1024", "--max-jobs", cap]
    s = ctx.server(args).start()
    stop, lock = threading.Event(), threading.Lock()
    counter, target = [0], [n1]
    threads = [threading.Thread(target=_submitter, args=(s.port, stop, counter, lock, target))
               for _ in range(6)]
    for t in threads:
        t.start()
    marks = []
    t0 = time.time()
    for goal in (n1, n2):
        target[0] = goal
        while counter[0] < goal and not stop.is_set():
            time.sleep(0.1)
        if stop.is_set():
            break
        s.idle(600)
        time.sleep(2.5)  # housekeeping trims the table once a second
        marks.append((counter[0], s.rss_kb(), s.metric("wfcd_heap_bytes"), time.time() - t0))
    stop.set()
    for t in threads:
        t.join()
    held, cursor = 0, ""
    while True:
        page = s.json("GET", "/v1/jobs?limit=1000" + cursor)[2]
        held += len(page["jobs"])
        if not page["next"]:
            break
        cursor = "&cursor=" + page["next"]
    if len(marks) < 2:
        return False, "submissions failed with %s" % counter[1:]
    (c1, r1, h1, _), (c2, r2, h2, t2) = marks
    change = (r2 - r1) * 100.0 / r1
    # RSS also counts what glibc's per-thread arenas keep after a free: at
    # the CI sizes that is 1-3 MB of a 17-22 MB server run to run (+12.7%
    # once, with the heap flat), so there RSS is held only to 25% and the
    # leak check is the heap's
    rss_bound = 25 if ctx.ci and not os.environ.get("STRESS_RSS_JOBS") else 10
    ok = abs(change) <= rss_bound and s.alive() and s.healthy()
    heap_fig = "heap not reported (not glibc's malloc)"
    if h1 and h2:
        heap_change = (h2 - h1) * 100.0 / h1
        ok = ok and abs(heap_change) <= 10
        heap_fig = "heap in use %.1f -> %.1f MB (%+.1f%%, bound 10%%)" % (
            h1 / 1048576.0, h2 / 1048576.0, heap_change)
    fig = ("8x8 jobs through POST /v1/generate: RSS after %d jobs %.1f MB, after %d jobs %.1f "
           "MB (%+.1f%%, bound %d%%); %s; %d jobs held at the end "
           "(--max-jobs %s); %.0f jobs/s" %
           (c1, r1 / 1024.0, c2, r2 / 1024.0, change, rss_bound, heap_fig, held,
            cap + (", the default" if cap == "10000" else ""), c2 / t2))
    return ok, fig


def client_aborts(ctx):
    """Item 6: aborted uploads and long-polls free everything: fd count back
    to its baseline, no leak at exit (ASan + LSan build)."""
    if not ctx.asan_wfcd or not os.access(ctx.asan_wfcd, os.X_OK):
        raise Skip("no ASan build of wfcd (--asan-wfcd)")
    n = ctx.n(300, 60)
    # --conn-timeout 5s: libmicrohttpd 0.9.75 misses the close of a few
    # connections waiting for the rest of a body; the timeout frees them
    s = ctx.server(["--workers", "1", "--shutdown-timeout", "1s", "--max-conns-per-ip", "1024",
                    "--conn-timeout", "5s"],
                   asan=True,
                   env={"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=23",
                        "UBSAN_OPTIONS": "print_stacktrace=1"}).start(60)
    s.wait_done(s.submit(tiled_spec(16))["id"], 60)  # warm: threads, pools, first job
    for _ in range(3):
        s.healthy()
    base = s.fds()
    base_targets = s.fd_targets()
    busy = s.submit(tiled_spec(1024, seed=31))  # keeps the one worker busy
    queued = s.submit(tiled_spec(16, seed=32))
    hdr = (b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
    for i in range(n):
        c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        if i % 3 == 0:  # Content-Length body cut in the middle
            c.sendall(hdr + b"Content-Length: 100000\r\n\r\n" + b"{\"a\":" + b" " * 50000)
        elif i % 3 == 1:  # chunked body cut in the middle
            c.sendall(hdr + b"Transfer-Encoding: chunked\r\n\r\n1000\r\n" + b" " * 2000)
        else:  # a long-poll the client walks away from
            c.sendall(b"GET /v1/jobs/%s?wait=2 HTTP/1.1\r\nHost: x\r\n\r\n" %
                      queued["id"].encode())
        time.sleep(0.005)
        c.close()
    mid = s.fds()
    # aborted uploads are closed at once, save the few whose close
    # libmicrohttpd misses (freed at --conn-timeout); a suspended long-poll
    # is not watched by libmicrohttpd, so it is freed when its wait ends
    t0 = time.time()
    stuck_at_2s = None
    while s.fds() > base and time.time() - t0 < 20:
        time.sleep(0.1)
        if stuck_at_2s is None and time.time() - t0 >= 2.5:
            stuck_at_2s = s.fds() - base
    back_s = time.time() - t0
    after = s.fds()
    extra = [t for t in s.fd_targets() if t not in base_targets]
    if extra:  # the sockets' TCP states, for the report
        ss = subprocess.run(["ss", "-tanpH"], capture_output=True, text=True).stdout
        extra += sorted({ln.split()[0] for ln in ss.splitlines()
                         if "pid=%d," % s.proc.pid in ln and ":%d " % s.port in ln and
                         "LISTEN" not in ln})
    healthy = s.healthy()
    s.request("DELETE", "/v1/jobs/" + busy["id"])
    rc, _ = s.stop(signal.SIGTERM, 60)
    err = s.stderr()
    leaks = "LeakSanitizer" in err or "AddressSanitizer" in err or "runtime error" in err
    ok = after <= base and rc == 0 and not leaks and healthy
    fig = ("ASan build, %d aborted requests (1/3 Content-Length uploads, 1/3 chunked uploads, "
           "1/3 long-polls with wait=2): fds %d at baseline, %d right after, %s over baseline after "
           "2.5 s, %d after %.1f s (--conn-timeout 5s); exit %s, sanitizer reports: %s" %
           (n, base, mid, stuck_at_2s if stuck_at_2s is not None else 0, after, back_s, rc,
            "yes" if leaks else "none"))
    if after > base:
        fig += "; left open: %s" % extra
    if leaks:
        fig += " (" + err[err.find("ERROR"):][:200].replace("\n", " ") + ")"
    return ok, fig
