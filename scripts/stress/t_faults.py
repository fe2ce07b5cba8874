"""t_faults.py - work bounds, shutdown, kill -9, torn files, disk full
(issue 9, items 5, 7, 8, 9)."""

import os
import signal
import subprocess
import threading
import time

from wfcdlib import Skip, tiled_spec, ts, unsat_spec

TERMINAL = ("succeeded", "failed", "canceled")


def work_bounds(ctx):
    """Item 5: an unsatisfiable spec fails after its attempts; a job past its
    deadline stops and its worker takes the next job within 1 s."""
    s = ctx.server(["--workers", "1"]).start()
    job = s.wait_done(s.submit(unsat_spec(7))["id"], 30)
    unsat_ok = (job["status"] == "failed" and job["attempts"] == 7 and
                job["error"]["type"].endswith("/unsatisfiable"))
    limit = 300
    slow = s.submit(tiled_spec(1024, extra={"timeLimitMs": limit}))
    nxt = s.submit(tiled_spec(8, seed=4))  # queued behind it on the one worker
    slow = s.wait_done(slow["id"], 60)
    nxt = s.wait_done(nxt["id"], 60)
    deadline = ts(slow["startedAt"]) + limit / 1000.0
    stop_ms = (ts(slow["finishedAt"]) - deadline) * 1000
    pickup_ms = (ts(nxt["startedAt"]) - deadline) * 1000
    limit_ok = (slow["status"] == "failed" and slow["error"]["type"].endswith("/time-limit")
                and nxt["status"] == "succeeded")
    ok = unsat_ok and limit_ok and stop_ms < 1000 and pickup_ms < 1000 and s.alive()
    fig = ("unsatisfiable: %s after %d of 7 attempts (%.0f ms); 1024x1024 job with "
           "timeLimitMs %d: %s %.0f ms past its deadline, next job started %.0f ms after it" %
           (job["status"], job["attempts"], job["timings"]["runMs"], limit, slow["status"],
            stop_ms, pickup_ms))
    return ok, fig


def graceful_shutdown(ctx):
    """Item 7: SIGTERM with a running job, queued jobs and open long-polls:
    /readyz 503, long-polls answered, exit 0 within 10 s, nothing lost."""
    polls = ctx.n(50, 20)
    # a job of seconds, so the drain is seen; if it outlasts the 6 s drain it
    # is stored as queued and runs after the restart (nothing lost either way)
    s = ctx.server(["--workers", "1", "--shutdown-timeout", "6s"]).start()
    running = s.submit(tiled_spec(1024, seed=11))
    queued = [s.submit(tiled_spec(48, seed=100 + i))["id"] for i in range(10)]
    accepted = [running["id"]] + queued
    end = time.time() + 10
    while s.json("GET", "/v1/jobs/" + running["id"])[2]["status"] != "running":
        if time.time() > end:
            return False, "the first job never started"
        time.sleep(0.02)
    answers = []

    def poll(job_id):
        try:
            st, _, doc = s.json("GET", "/v1/jobs/%s?wait=25" % job_id, timeout=40)
            answers.append((st, doc and doc.get("status")))
        except OSError as e:
            answers.append((None, str(e)))

    threads = [threading.Thread(target=poll, args=(accepted[i % len(accepted)],))
               for i in range(polls)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # the polls are parked
    t0 = time.time()
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.1)
    ready, post = None, None
    try:
        ready = s.ready()[0]
        st, h, doc = s.json("POST", "/v1/jobs", tiled_spec(8))
        post = "%d %s Retry-After %s" % (st, doc and doc.get("type", "").rsplit("/", 1)[-1],
                                         h.get("retry-after"))
    except OSError as e:
        post = "refused (%s)" % e
    try:
        rc = s.proc.wait(15)
    except subprocess.TimeoutExpired:
        rc = None
    exit_s = time.time() - t0
    for t in threads:
        t.join(30)
    answered = sum(1 for st, _ in answers if st == 200)
    # restart: every accepted job runs to the end
    s.start()
    done = [s.wait_done(j, 120)["status"] for j in accepted]
    lost = sum(1 for d in done if d != "succeeded")
    ok = (rc == 0 and exit_s < 10 and ready == 503 and answered == polls and lost == 0 and
          post is not None and post.startswith("503"))
    fig = ("1 running + 10 queued jobs, %d long-polls: /readyz %s while draining, POST %s; "
           "%d/%d long-polls answered 200; exit %s after %.1fs; after restart %d/%d jobs "
           "succeeded" % (polls, ready, post, answered, polls, rc, exit_s,
                          len(accepted) - lost, len(accepted)))
    return ok, fig


def _library_spec(s, name):
    st, _, doc = s.json("GET", "/v1/library/" + name)
    if st != 200:
        raise RuntimeError("library %s: %d" % (name, st))
    return doc["spec"]


def kill9_restart(ctx):
    """Item 8: kill -9 mid-work, restart: every accepted job ends exactly
    once, assets intact; truncated files are detected and never served."""
    n = ctx.n(40, 16)
    s = ctx.server(["--workers", "2"]).start()
    st, _, ts1 = s.json("POST", "/v1/tilesets", tiled_spec(16))
    st2, _, sm1 = s.json("POST", "/v1/samples", _library_spec(s, "Cave"))
    st3, _, ts2 = s.json("POST", "/v1/tilesets", tiled_spec(16, seed=5))
    if (st, st2, st3) != (201, 201, 201):
        return False, "asset registration: %s %s %s" % (st, st2, st3)
    ids = [s.submit(tiled_spec(256, seed=200 + i))["id"] for i in range(n)]
    time.sleep(1.0)
    before = {}
    for j in ids:
        before[j] = s.json("GET", "/v1/jobs/" + j)[2]["status"]
    s.kill9()
    s.start()
    ends = {j: s.wait_done(j, 300) for j in ids}
    listed = []
    cursor = None
    while True:
        st, _, page = s.json("GET", "/v1/jobs?limit=100" + ("&cursor=" + cursor if cursor else ""))
        listed += [j["id"] for j in page["jobs"]]
        cursor = page["next"]
        if not cursor:
            break
    once = all(listed.count(j) == 1 for j in ids) and len(listed) == len(set(listed))
    all_ok = all(e["status"] == "succeeded" for e in ends.values())
    assets_ok = (s.json("GET", "/v1/tilesets/" + ts1["id"])[0] == 200 and
                 s.json("GET", "/v1/samples/" + sm1["id"])[0] == 200)
    etags = {j: s.request("GET", "/v1/jobs/%s/result" % j)[1].get("etag") for j in ids[:4]}
    # torn writes: truncate a result, a job record and a tileset record
    s.stop()
    jobs_dir = os.path.join(s.data_dir, "jobs")
    torn_result, torn_record = ids[0], ids[1]
    for path in (os.path.join(jobs_dir, torn_result + ".png"),
                 os.path.join(jobs_dir, torn_record + ".json"),
                 os.path.join(s.data_dir, "tilesets", ts2["id"] + ".json")):
        size = os.path.getsize(path)
        with open(path, "r+b") as f:
            f.truncate(size // 2)
    s.start()
    st_res, _, body = s.request("GET", "/v1/jobs/%s/result" % torn_result)
    st_rec = s.json("GET", "/v1/jobs/" + torn_record)[0]
    st_ts = s.json("GET", "/v1/tilesets/" + ts2["id"])[0]
    intact = all(s.request("GET", "/v1/jobs/%s/result" % j)[1].get("etag") == etags[j]
                 for j in ids[2:4])
    io_errors = sum(1 for e in s.events() if e.get("event") == "io-error")
    torn_ok = st_res != 200 and st_rec == 404 and st_ts == 404 and intact and io_errors >= 2
    states = {}
    for v in before.values():
        states[v] = states.get(v, 0) + 1
    ok = once and all_ok and assets_ok and torn_ok and s.alive()
    fig = ("kill -9 with %s: after restart %d/%d succeeded, each listed once: %s; tileset and "
           "sample intact: %s; truncated result -> %d, truncated job record -> %d, truncated "
           "tileset -> %d (%d io-error events), other results byte-identical: %s" %
           (", ".join("%d %s" % (c, k) for k, c in sorted(states.items())),
            sum(e["status"] == "succeeded" for e in ends.values()), n, once, assets_ok,
            st_res, st_rec, st_ts, io_errors, intact))
    return ok, fig


def _sh(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def disk_faults(ctx):
    """Item 9: a full data directory (1 MB tmpfs) gives 507, a read-only one
    503, both problem+json; no crash."""
    if os.geteuid() != 0:
        raise Skip("needs root to mount a tmpfs")
    s = ctx.server(["--workers", "2"])
    mnt = os.path.join(s.tmp, "small")
    os.makedirs(mnt)
    r = _sh("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt)
    if r.returncode:
        raise Skip("mount tmpfs: " + r.stderr.strip())
    try:
        s.data_dir = mnt
        s.start()
        accepted, full = 0, None
        for i in range(2000):
            st, h, doc = s.json("POST", "/v1/jobs", tiled_spec(24, seed=i))
            if st in (200, 202):
                accepted += 1
                continue
            full = (st, h.get("content-type"), doc and doc.get("type", "").rsplit("/", 1)[-1])
            break
        st_ts, h_ts, d_ts = s.json("POST", "/v1/tilesets", tiled_spec(16))
        healthy_full = s.healthy()
        s.idle(60)
        _sh("mount", "-o", "remount,ro", mnt)
        st_ro, h_ro, d_ro = s.json("POST", "/v1/jobs", tiled_spec(24, seed=99999))
        healthy_ro = s.healthy()
        alive = s.alive()
        s.stop()
        # starting on a read-only directory: a clear message, exit 2
        s2 = ctx.server(data_dir=mnt)
        try:
            s2.start(timeout=5)
            start_ro = "started"
        except RuntimeError:
            start_ro = "exit %s: %s" % (s2.proc.returncode, s2.stderr().strip()[:90])
    finally:
        for srv in ctx.servers:
            srv.cleanup()
        _sh("umount", mnt)
    pj = "application/problem+json"
    ok = (full is not None and full[0] == 507 and full[1] == pj and st_ts == 507 and
          h_ts.get("content-type") == pj and st_ro == 503 and h_ro.get("content-type") == pj
          and h_ro.get("retry-after") and healthy_full and healthy_ro and alive and
          start_ro.startswith("exit 2"))
    fig = ("1 MB tmpfs: %d jobs accepted, then POST /v1/jobs -> %s %s, POST /v1/tilesets -> %d "
           "%s; remounted read-only: POST /v1/jobs -> %d %s (Retry-After %s); healthz 200 "
           "throughout: %s; start on a read-only dir: %s" %
           (accepted, full and full[0], full and full[2], st_ts,
            d_ts and d_ts.get("type", "").rsplit("/", 1)[-1], st_ro,
            d_ro and d_ro.get("type", "").rsplit("/", 1)[-1], h_ro.get("retry-after"),
            healthy_full and healthy_ro and alive, start_ro))
    return ok, fig
