"""wfcdlib.py - what the stress tests share: a wfcd process, HTTP requests
(normal and raw bytes), job helpers, RSS and file-descriptor counts.

Standard library only. Each Wfcd runs on --port 0 (the port is read from
its "listening" event), with its own data directory under /tmp.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from datetime import datetime, timezone

class Skip(Exception):
    """A test the machine cannot run (no wfcd build, no root, no wrk)."""


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Wfcd:
    """One wfcd process. args: extra flags; data_dir: reused across restarts."""

    def __init__(self, binary, args=(), data_dir=None, env=None, bind="127.0.0.1"):
        self.binary = binary
        self.args = list(args)
        self.tmp = tempfile.mkdtemp(prefix="wfcd-stress-")
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.env = dict(os.environ, **(env or {}))
        self.bind = bind
        self.proc = None
        self.port = 0
        self.runs = 0

    def start(self, timeout=20):
        self.runs += 1
        self.out_path = os.path.join(self.tmp, "stdout.%d" % self.runs)
        self.err_path = os.path.join(self.tmp, "stderr.%d" % self.runs)
        cmd = [self.binary, "--port", "0", "--bind", self.bind, "--data-dir", self.data_dir,
               "--library", os.path.join(ROOT, "library"), "--log", "/dev/null"] + self.args
        self.proc = subprocess.Popen(cmd, stdout=open(self.out_path, "w"),
                                     stderr=open(self.err_path, "w"), env=self.env)
        end = time.time() + timeout
        while time.time() < end:
            for ev in self.events():
                if ev.get("event") == "listening":
                    self.port = ev["port"]
                    return self
            if self.proc.poll() is not None:
                raise RuntimeError("wfcd exited %d: %s" % (self.proc.returncode, self.stderr()))
            time.sleep(0.05)
        raise RuntimeError("wfcd did not start: " + self.stderr())

    def events(self):
        out = []
        try:
            with open(self.out_path) as f:
                for line in f:
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
        except OSError:
            pass
        return out

    def stderr(self):
        try:
            with open(self.err_path) as f:
                return f.read()
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def rss_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def metric(self, name):
        """One unlabelled sample from GET /metrics, None when absent."""
        for line in self.request("GET", "/metrics")[2].decode().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == name:
                return float(parts[1])
        return None

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def fd_targets(self):
        out = []
        d = "/proc/%d/fd" % self.proc.pid
        for fd in os.listdir(d):
            try:
                out.append(os.readlink(os.path.join(d, fd)))
            except OSError:
                pass
        return sorted(out)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals and waits; returns (exit code, seconds to exit)."""
        if not self.alive():
            return (self.proc.returncode if self.proc else None, 0.0)
        t0 = time.time()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        return rc, time.time() - t0

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    # -------------------------------------------------------- HTTP

    def request(self, method, path, body=None, headers=None, timeout=30, src=None):
        """(status, headers as a lower-case dict, body bytes)."""
        h = {"Content-Type": "application/json"} if body is not None else {}
        h.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
                                          source_address=(src, 0) if src else None)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    def json(self, method, path, body=None, **kw):
        st, h, data = self.request(method, path, body, **kw)
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            doc = None
        return st, h, doc

    def healthy(self, src=None):
        try:
            return self.request("GET", "/healthz", timeout=5, src=src)[0] == 200
        except OSError:
            return False

    def raw(self, data, timeout=5, src=None, read=True):
        """Sends bytes; returns (status or None, response bytes). None: the
        server closed (or reset) the connection without a status line."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        if src:
            s.bind((src, 0))
        s.connect(("127.0.0.1", self.port))
        resp = b""
        try:
            try:
                s.sendall(data)
            except OSError:
                pass
            if read:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    resp += chunk
                    if _complete(resp):
                        break
        except OSError:
            pass
        finally:
            s.close()
        return status_of(resp), resp

    # -------------------------------------------------------- jobs

    def submit(self, body, **kw):
        st, h, doc = self.json("POST", "/v1/jobs", body, **kw)
        if st not in (200, 202):
            raise RuntimeError("submit: %d %s" % (st, doc))
        return doc

    def wait_done(self, job_id, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            left = max(1, min(30, int(end - time.time())))
            st, _, doc = self.json("GET", "/v1/jobs/%s?wait=%d" % (job_id, left),
                                   timeout=left + 10)
            if st == 200 and doc["status"] in ("succeeded", "failed", "canceled"):
                return doc
            if st != 200:
                raise RuntimeError("GET job %s: %d %s" % (job_id, st, doc))
        raise RuntimeError("job %s not finished after %ds" % (job_id, timeout))

    def ready(self):
        st, _, doc = self.json("GET", "/readyz", timeout=10)
        return st, doc

    def idle(self, timeout=300):
        """Waits until no job is queued or running."""
        end = time.time() + timeout
        while time.time() < end:
            st, doc = self.ready()
            if st == 200 and doc["busy"] == 0 and doc["queued"] == 0:
                return True
            time.sleep(0.1)
        return False

    def cleanup(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()


def _complete(resp):
    """True once a whole response (headers and Content-Length bytes) is in."""
    end = resp.find(b"\r\n\r\n")
    if end < 0:
        return False
    length = 0
    for line in resp[:end].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            try:
                length = int(v.strip())
            except ValueError:
                return False
    return len(resp) >= end + 4 + length


def status_of(resp):
    if not resp.startswith(b"HTTP/"):
        return None
    try:
        return int(resp.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def ts(text):
    """RFC 3339 with milliseconds -> seconds since the epoch."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc).timestamp()


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def tiled_spec(n, seed=3, extra=None):
    """A satisfiable tiled job of n x n cells (n = 1024: seconds of work)."""
    spec = {
        "model": "tiled", "name": "Stress", "tileSize": 1, "width": n, "height": n,
        "seed": seed, "attempts": 1,
        "tiles": [{"name": "water", "weight": 2, "color": "#2060c0"},
                  {"name": "sand", "weight": 0.5, "color": "#e0d090"},
                  {"name": "grass", "color": "#40a040"}],
        "neighbors": [{"left": "water", "right": "water"},
                      {"left": "water", "right": "sand"}, {"left": "sand", "right": "sand"},
                      {"left": "sand", "right": "grass"}, {"left": "grass", "right": "grass"}],
    }
    spec.update(extra or {})
    return spec


# One tile, no rules: no two cells may touch, every attempt contradicts.
def unsat_spec(attempts):
    return {"model": "tiled", "width": 4, "height": 4, "attempts": attempts, "seed": 1,
            "tiles": [{"name": "a", "color": "#000000"}], "neighbors": []}
