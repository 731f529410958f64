"""Shared helpers for the Puhui Registry black-box integration tests.

Standard library only.  Everything talks to a real `puhui` binary:

  PUHUI_BIN     path of the binary   (default /work/main/build/puhui)
  PUHUI_PUBLIC  public assets dir    (default /work/main/public)
"""

import copy
import hashlib
import http.client
import json
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("PUHUI_BIN", os.path.join(ROOT, "build", "puhui"))
PUBLIC = os.environ.get("PUHUI_PUBLIC", os.path.join(ROOT, "public"))

REG_NO_RE = re.compile(r"^PH-\d{4}-\d{6}$")
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# ---------------------------------------------------------------------------
# small utilities
# ---------------------------------------------------------------------------


def free_port():
    """A free loopback TCP port (bind to 0, read it, close)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def has_cjk(text):
    return isinstance(text, str) and CJK_RE.search(text) is not None


def require_binary(testcase_cls=None):
    """Raise a clear error when the binary is missing (a test failure, not a skip)."""
    if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
        raise RuntimeError("puhui binary not found or not executable: %s "
                           "(set PUHUI_BIN or build with cmake)" % BIN)


# ---------------------------------------------------------------------------
# USCC (统一社会信用代码, GB 32100-2015)
# ---------------------------------------------------------------------------

# 31 characters: digits and capitals without I, O, S, V, Z.  (The brief's string
# "0123456789ABCDEFGHJKLNPQRTUWXY" lacks the M and has only 30; the published
# code 91350100M000100Y43 needs the M.)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714 organisation code


def uscc_check_char(first17):
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_is_valid(code):
    if len(code) != 18 or any(c not in USCC_CHARS for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]


def _org_code(n):
    """A GB 11714 organisation code (8 digits + check char) from an integer."""
    body = "%08d" % (n % 100000000)
    total = sum(int(c) * w for c, w in zip(body, ORG_WEIGHTS))
    c = 11 - total % 11
    check = "0" if c == 11 else ("X" if c == 10 else str(c))
    return body + check


_uscc_counter = [int(time.time() * 1000) % 10000000]


def make_uscc(region="330100", n=None):
    """A valid 18-character USCC: 9 (industry & commerce) 1 (enterprise), a real
    region code, a valid organisation code, and the GB 32100 check character."""
    while True:
        if n is None:
            _uscc_counter[0] += 7919
            m = _uscc_counter[0]
        else:
            m = n
        first17 = "91" + region + _org_code(m)
        check = uscc_check_char(first17)
        # fixtures avoid check values >= 21 (M and after), where an implementation with
        # a wrong character table would disagree; the published example tests that part.
        if n is not None or USCC_CHARS.index(check) < 21:
            return first17 + check


assert uscc_is_valid("91350100M000100Y43")
assert uscc_is_valid(make_uscc())


def bad_uscc():
    """Right shape, wrong check character."""
    good = make_uscc()
    i = USCC_CHARS.index(good[17])
    return good[:17] + USCC_CHARS[(i + 1) % 31]


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------


class Response(object):
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.raw = raw
        self.json = None
        ctype = self.header("Content-Type") or ""
        if raw and ("json" in ctype.lower() or raw[:1] in (b"{", b"[")):
            try:
                self.json = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                self.json = None

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def body(self):
        return self.json if self.json is not None else self.raw

    @property
    def error(self):
        if isinstance(self.json, dict) and isinstance(self.json.get("error"), dict):
            return self.json["error"]
        return None

    def __iter__(self):  # (status, headers, body) unpacking
        return iter((self.status, self.headers, self.body))

    def __repr__(self):
        text = self.raw[:600].decode("utf-8", "replace")
        return "<HTTP %s %s>" % (self.status, text)


def encode_body(body):
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def http_request(port, method, path, body=None, headers=None, key=None,
                 content_type="application/json", timeout=15):
    """One request on a fresh connection.  Returns a Response
    (status, headers, parsed JSON or raw bytes)."""
    data = encode_body(body)
    hdrs = {}
    if data is not None and content_type is not None:
        hdrs["Content-Type"] = content_type
    if key is not None:
        hdrs["Authorization"] = "Bearer " + key
    if headers:
        hdrs.update(headers)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in hdrs.items():
            conn.putheader(k, v)
        if data is not None or method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", str(len(data or b"")))
        conn.endheaders(data if data else None)
        r = conn.getresponse()
        raw = r.read()
        return Response(r.status, r.getheaders(), raw)
    finally:
        conn.close()


def http_request_streaming(port, method, path, body, headers=None, timeout=20):
    """Send a (large) body in chunks, stop sending as soon as the server answers
    early (as curl does), then read the answer.  For 413 tests."""
    data = encode_body(body)
    hdrs = {"Host": "127.0.0.1:%d" % port, "Content-Length": str(len(data)),
            "Connection": "close"}
    if headers:
        hdrs.update(headers)
    head = "%s %s HTTP/1.1\r\n" % (method, path)
    head += "".join("%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n"
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(head.encode("utf-8"))
        off = 0
        deadline = time.time() + timeout
        while off < len(data) and time.time() < deadline:
            r, w, _ = select.select([sock], [sock], [], 1.0)
            if r:
                break  # the server has answered (or closed) before the end
            if w:
                try:
                    off += sock.send(data[off:off + 65536])
                except (BrokenPipeError, ConnectionResetError):
                    break
        resp = http.client.HTTPResponse(sock, method=method)
        resp.begin()
        raw = resp.read()
        return Response(resp.status, resp.getheaders(), raw)
    finally:
        sock.close()


# ---------------------------------------------------------------------------
# server and admin CLI
# ---------------------------------------------------------------------------


def parse_json_text(text):
    text = text.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        # maybe several lines; try the last JSON line
        for line in reversed(text.splitlines()):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


class AdminResult(object):
    def __init__(self, rc, stdout, stderr):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.out = parse_json_text(stdout)
        self.err = parse_json_text(stderr)

    def __repr__(self):
        return "<admin rc=%s stdout=%r stderr=%r>" % (self.rc, self.stdout[:500], self.stderr[:500])


def admin(db, *args, timeout=20):
    require_binary()
    cmd = [BIN, "admin", "--db", db] + [str(a) for a in args]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return AdminResult(p.returncode, p.stdout.decode("utf-8", "replace"),
                       p.stderr.decode("utf-8", "replace"))


def admin_ok(db, *args):
    r = admin(db, *args)
    if r.rc != 0 or r.out is None:
        raise AssertionError("admin %s failed: %r" % (" ".join(map(str, args)), r))
    return r.out


class Server(object):
    """A real `puhui serve` on a random loopback port."""

    def __init__(self, db, workdir, access_log=None, extra=None):
        self.db = db
        self.workdir = workdir
        self.access_log = access_log
        self.extra = list(extra or [])
        self.port = None
        self.proc = None
        self.healthz_hits = 0
        self._n = 0

    def start(self, timeout=10.0):
        require_binary()
        self._close_files()
        self.port = free_port()
        cmd = [BIN, "serve", "--db", self.db, "--listen", "127.0.0.1:%d" % self.port,
               "--public", PUBLIC]
        if self.access_log:
            cmd += ["--access-log", self.access_log]
        cmd += self.extra
        self._n += 1
        self.stdout_path = os.path.join(self.workdir, "server%d.out" % self._n)
        self.stderr_path = os.path.join(self.workdir, "server%d.err" % self._n)
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._out, stderr=self._err)
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited early with %s; stderr: %s"
                                   % (self.proc.returncode, self.stderr_text()))
            try:
                r = http_request(self.port, "GET", "/healthz", timeout=2)
                self.healthz_hits += 1
                if r.status == 200:
                    return self
                last = r
            except (OSError, http.client.HTTPException) as e:
                last = e
            time.sleep(0.05)
        self.kill()
        raise RuntimeError("server did not answer /healthz 200 within %ss (last: %r); stderr: %s"
                           % (timeout, last, self.stderr_text()))

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def _close_files(self):
        for f in (getattr(self, "_out", None), getattr(self, "_err", None)):
            if f and not f.closed:
                f.close()

    def death_note(self):
        """Why the server is gone, for failure messages.  'stopping' in its stderr with
        no stop() from us means a SIGTERM/SIGINT came from outside (e.g. a pkill)."""
        if self.proc is None or self.proc.poll() is None:
            return "server running"
        return "server exited with %s; stderr tail: %s" % (self.proc.returncode, self.stderr_text()[-400:])

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=10.0):
        """SIGTERM and wait; returns the exit code (SIGKILL after timeout -> None)."""
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = None
        self._close_files()
        return rc

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_files()

    # convenience
    def request(self, method, path, body=None, **kw):
        return http_request(self.port, method, path, body, **kw)

    def get(self, path, **kw):
        return http_request(self.port, "GET", path, **kw)


class Env(object):
    """A temp dir with a fresh DB, optionally a running server, insurers and keys."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="puhui-it-")
        self.db = os.path.join(self.dir, "puhui.db")
        self.server = None

    def start_server(self, **kw):
        self.server = Server(self.db, self.dir, **kw)
        self.server.start()
        return self.server

    def add_insurer(self, name, short_name, type_="health", region="330000",
                    adequate=True, quarter="2026Q2", key=True):
        """Add an insurer (and a solvency report and an API key).  Returns dict with
        id, insurer JSON, key (secret) and key_id."""
        ins = admin_ok(self.db, "insurer", "add", "--name", name, "--short-name", short_name,
                       "--uscc", make_uscc(region=region[:2] + "0100"), "--type", type_,
                       "--region", region, "--website", "https://www.example.com.cn",
                       "--hotline", "95500")
        iid = ins["id"]
        out = {"id": iid, "insurer": ins}
        if adequate is not None:
            if adequate:
                admin_ok(self.db, "solvency", "record", "--insurer", iid, "--quarter", quarter,
                         "--core-pct", "120.5", "--comprehensive-pct", "180", "--rating", "A")
            else:
                admin_ok(self.db, "solvency", "record", "--insurer", iid, "--quarter", quarter,
                         "--core-pct", "40", "--comprehensive-pct", "90", "--rating", "C")
        if key:
            k = admin_ok(self.db, "key", "issue", "--insurer", iid)
            out["key"] = k["key"]
            out["key_id"] = k["key_id"]
            out["prefix"] = k.get("prefix")
        return out

    def cleanup(self):
        if self.server is not None:
            self.server.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


DEMO_KEY_RE = re.compile(r"demo API key for insurer (\d+) \([^)]*\): (\S+)")


def start_demo(cls):
    """For a unittest class's setUpClass: a fresh Env with `puhui serve --demo`
    as cls.env, cls.srv and cls.port (cleaned up with the class). Returns the
    demo insurers' API keys printed at start-up, {insurer_id: key}."""
    cls.env = Env()
    cls.addClassCleanup(cls.env.cleanup)
    cls.srv = cls.env.start_server(extra=["--demo"])
    cls.port = cls.srv.port
    with open(cls.srv.stderr_path, "rb") as f:
        err = f.read().decode("utf-8", "replace")
    return {int(i): k for i, k in DEMO_KEY_RE.findall(err)}


# ---------------------------------------------------------------------------
# product bodies
# ---------------------------------------------------------------------------

_name_counter = [0]


def unique_name(prefix="浙里惠民保"):
    _name_counter[0] += 1
    return "%s%d号%d" % (prefix, _name_counter[0], os.getpid() % 10000)


def valid_product(name=None, **overrides):
    """A complete, valid product: every required and optional field, plain Chinese."""
    body = {
        "name": name or unique_name(),
        "category": "medical",
        "target_groups": ["elderly", "chronic_conditions", "new_citizens"],
        "regions": ["330100", "330200"],
        "age_min": 0,
        "age_max": 100,
        "premium_yuan_per_year": {"min": 150, "max": 380.5},
        "sum_insured_yuan": 3000000,
        "deductible_yuan": 20000,
        "reimbursement_pct": 80,
        "waiting_period_days": 30,
        "cooling_off_days": 15,
        "preexisting_conditions": "partly",
        "health_questionnaire": False,
        "term_months": 12,
        "summary": "面向本市基本医疗保险参保人的普惠型补充医疗保险，不限年龄、不限职业，既往症人群可保可赔。",
        "covered": [
            "医保目录内住院自付费用，年度免赔额两万元，报销比例百分之八十。",
            "医保目录外住院费用，报销比例百分之七十。",
            "二十种特定高额药品费用，无免赔额。",
        ],
        "not_covered": [
            "投保前已患恶性肿瘤的目录外费用。",
            "美容整形及非医疗必需的费用。",
        ],
        "claim": {
            "how": "拨打客服热线或在线提交理赔申请，上传材料后由保险公司审核。",
            "documents": ["身份证明", "住院病历", "医疗费用发票", "费用明细清单"],
            "settle_days": 10,
        },
        "service_commitments": ["提供一站式结算服务。", "七乘二十四小时客服热线。"],
        "channels": ["online", "offline"],
        "purchase_url": "https://www.example.com.cn/huiminbao/buy",
        "hotline": "400-800-1234",
        "premium_rate": {"this_pct": 0.8, "comparable_pct": 1.2},
        "intermediary_fee": {"this_pct": 3, "comparable_pct": 8},
    }
    body.update(overrides)
    return body


def set_path(body, path, value):
    """Return a deep copy of body with a.b.c set (value DELETE removes it)."""
    b = copy.deepcopy(body)
    parts = path.split(".")
    cur = b
    for p in parts[:-1]:
        cur = cur[p]
    if value is DELETE:
        del cur[parts[-1]]
    else:
        cur[parts[-1]] = value
    return b


class _Delete(object):
    def __repr__(self):
        return "DELETE"


DELETE = _Delete()


def diff_sent(sent, got, prefix=""):
    """List of differences between what was sent and what the API returns.
    Every sent field must come back equal; a nested object may carry extra keys
    only when they are null (e.g. premium_rate.reason)."""
    problems = []
    if not isinstance(got, dict):
        return ["%s: answer is not an object: %r" % (prefix or "body", got)]
    for k, v in sent.items():
        path = prefix + k
        if k not in got:
            problems.append("%s: missing in answer" % path)
            continue
        g = got[k]
        if isinstance(v, dict):
            if not isinstance(g, dict):
                problems.append("%s: sent %r got %r" % (path, v, g))
                continue
            problems += diff_sent(v, g, path + ".")
            for extra in set(g) - set(v):
                if g[extra] is not None:
                    problems.append("%s.%s: not sent but answered %r" % (path, extra, g[extra]))
        elif isinstance(v, bool) or isinstance(g, bool):
            if v is not g:
                problems.append("%s: sent %r got %r" % (path, v, g))
        elif v != g:
            problems.append("%s: sent %r got %r" % (path, v, g))
    return problems


# ---------------------------------------------------------------------------
# database
# ---------------------------------------------------------------------------


def ro_connect(path):
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)


def db_digest(path):
    """SHA-256 over every row of every table (sqlite_master order), read-only."""
    h = hashlib.sha256()
    con = ro_connect(path)
    try:
        tables = [r[0] for r in con.execute(
            # The FTS5 table itself needs the server's tokenizer to be read;
            # its shadow tables (product_search_data, ...) hold all its rows.
            "SELECT name FROM sqlite_master WHERE type='table'"
            " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY rowid")]
        for t in tables:
            h.update(b"\x00T" + t.encode("utf-8") + b"\x00")
            cols = [r[1] for r in con.execute('PRAGMA table_info("%s")' % t.replace('"', '""'))]
            h.update(repr(cols).encode("utf-8"))
            rows = con.execute('SELECT * FROM "%s"' % t.replace('"', '""')).fetchall()
            for row in sorted(repr(r) for r in rows):
                h.update(row.encode("utf-8"))
                h.update(b"\x00R")
    finally:
        con.close()
    return h.hexdigest()


def db_query(path, sql, args=()):
    con = ro_connect(path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def integrity_check(path):
    con = ro_connect(path)
    try:
        return [r[0] for r in con.execute("PRAGMA integrity_check").fetchall()]
    finally:
        con.close()


def today():
    """Today's China date (UTC+8) as YYYY-MM-DD, the registry's calendar: registration,
    withdrawal and publication dates are all China dates. (The UTC date is a day behind
    from 16:00 to 24:00 UTC, and a withdrawal dated then would precede registration.)"""
    import datetime
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).date().isoformat()


def log(*a):
    print(*a, file=sys.stderr)
    sys.stderr.flush()
