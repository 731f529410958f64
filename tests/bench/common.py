"""Shared helpers for the Puhui Registry benchmarks (Python 3 standard library only).

Everything here talks to a real `puhui` binary: `puhui admin` for the set-up,
`puhui serve` on a free loopback port for the measurement.  The server is always
stopped with SIGTERM (SIGKILL after a timeout) when the benchmark ends, also on
failure or Ctrl-C.
"""

import base64
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BIN = os.environ.get("PUHUI_BIN", os.path.join(ROOT, "build", "puhui"))
SOURCE_PUBLIC = os.path.join(ROOT, "public")


def log(*a):
    print(*a, file=sys.stderr)
    sys.stderr.flush()


def die(msg, rc=1):
    log("bench: FAILED: " + msg)
    sys.exit(rc)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def require_binary(path):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        die("puhui binary not found: %s (build it: cmake -S . -B build && cmake --build build -j2, "
            "or pass --bin)" % path, 2)


def build_type(bin_path):
    """CMAKE_BUILD_TYPE from the CMakeCache.txt next to the binary, if any."""
    cache = os.path.join(os.path.dirname(os.path.abspath(bin_path)), "CMakeCache.txt")
    try:
        with open(cache, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    return line.split("=", 1)[1].strip() or "(none)"
    except OSError:
        pass
    return "unknown"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model}


def install_signal_handlers():
    """SIGTERM/SIGHUP to this script unwind through `finally` like Ctrl-C does."""
    def handler(signo, frame):
        raise SystemExit("bench: interrupted by signal %d" % signo)
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, handler)


def build_release(build_dir, target):
    """Configures build_dir as Release and builds `puhui` and target (named in the log line)."""
    log("%s: building Release into %s" % (target, build_dir))
    subprocess.run(["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "-j%d" % (os.cpu_count() or 2), "--target", "puhui",
                    target], check=True, stdout=subprocess.DEVNULL)


def git_commit():
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=10).stdout.decode().strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=10).stdout.decode().strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# ---------------------------------------------------------------------------
# the in-process benchmarks' drivers (bench_search.py, bench_documents.py)
# ---------------------------------------------------------------------------

WRK_MISSING = "wrk not found. Install it: apt-get install wrk (scripts/install-deps.sh does this)"


def add_driver_args(p, target, http_rounds_help, after_timeout=None, after_skip_http=None):
    """The options both drivers take, in their --help order: --budget-s ... --timeout, then
    after_timeout(p), --connections ... --skip-http, then after_skip_http(p), --json, --keep."""
    p.add_argument("--budget-s", type=float, default=120,
                   help="cut the in-process rounds (to no fewer than 3) when they would take longer (default 120)")
    p.add_argument("--http-rounds", type=int, default=3, help=http_rounds_help)
    p.add_argument("--duration", type=int, default=10, help="seconds per wrk round (default 10)")
    p.add_argument("--warmup", type=int, default=2, help="seconds of unrecorded wrk first (default 2)")
    p.add_argument("--timeout", type=int, default=30, help="wrk --timeout in seconds (default 30)")
    if after_timeout:
        after_timeout(p)
    p.add_argument("--connections", type=int, default=32, help="wrk -c (default 32)")
    p.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"),
                   help="where puhui and %s are built (default build-bench/)" % target)
    p.add_argument("--no-build", action="store_true", help="use the binaries already in --build-dir")
    p.add_argument("--skip-http", action="store_true", help="in-process part only")
    if after_skip_http:
        after_skip_http(p)
    p.add_argument("--json", help="write the raw results here")
    p.add_argument("--keep", action="store_true", help="keep the temp directory (with the database)")


def prepare_driver(args, target):
    """Signal handlers, wrk present (unless --skip-http), target built (unless --no-build).
    Returns its path, the start time and the load average (1 min) at the start."""
    install_signal_handlers()
    if not args.skip_http and shutil.which("wrk") is None:
        die(WRK_MISSING, 2)
    if not args.no_build:
        build_release(args.build_dir, target)
    bench = os.path.join(args.build_dir, target)
    require_binary(bench)
    return bench, time.time(), os.getloadavg()[0]


def run_bench(cmd, timeout):
    """Runs the in-process benchmark (cmd[0]); its JSON report. Progress goes to stderr."""
    target = os.path.basename(cmd[0])
    log("%s: %s" % (target, " ".join(cmd)))
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, timeout=timeout)
    if proc.returncode != 0:
        die("%s exited %d" % (target, proc.returncode))
    return json.loads(proc.stdout.decode("utf-8"))


def finish_driver(res, args, started, load0, target, markdown):
    """Adds the machine, load, time, commit and arguments to res, writes --json, prints markdown(res)."""
    res["machine"] = machine()
    res["loadavg"] = [load0, os.getloadavg()[0]]
    res["when"] = time.strftime("%Y-%m-%d %H:%M %Z")
    res["commit"] = os.environ.get("BENCH_COMMIT") or git_commit()
    res["args"] = vars(args)
    res["wall_s"] = time.time() - started
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(res, f, ensure_ascii=False, indent=1)
    print(markdown(res))
    log("%s: done in %.0f s" % (target, res["wall_s"]))


# ---------------------------------------------------------------------------
# admin CLI and server
# ---------------------------------------------------------------------------


def admin(bin_path, db, *args):
    cmd = [bin_path, "admin", "--db", db] + [str(a) for a in args]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        die("admin %s: rc=%d: %s" % (" ".join(map(str, args)), p.returncode,
                                      p.stderr.decode("utf-8", "replace")[:800]))
    return json.loads(p.stdout.decode("utf-8"))


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def make_uscc(n, region="330100"):
    """A valid GB 32100-2015 code: 91 + region + GB 11714 organisation code + check."""
    body = "%08d" % (n % 100000000)
    c = 11 - sum(int(d) * w for d, w in zip(body, ORG_WEIGHTS)) % 11
    first17 = "91" + region + body + ("0" if c == 11 else "X" if c == 10 else str(c))
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


def setup_insurer(bin_path, db):
    """An insurer with an adequate solvency report and an API key; returns (id, key)."""
    ins = admin(bin_path, db, "insurer", "add", "--name", "浙里安康基准测试健康保险股份有限公司",
                "--short-name", "安康基准健康", "--uscc", make_uscc(int(time.time()) % 10 ** 7 + 1),
                "--type", "health", "--region", "330000", "--website", "https://bench.example.com.cn",
                "--hotline", "95500")
    admin(bin_path, db, "solvency", "record", "--insurer", ins["id"], "--quarter", "2026Q2",
          "--core-pct", "132.5", "--comprehensive-pct", "210", "--rating", "A")
    key = admin_key_issue(bin_path, db, ins["id"])
    return ins["id"], key


def admin_key_issue(bin_path, db, insurer_id):
    """`puhui admin key issue`; returns the secret.

    Work-around: if the command succeeds but prints no JSON (seen in the first
    registry-core build: server/admin.c passes `out` to print_result() before
    the call that sets it, so every `print_result(f(&out), out, ...)` prints an
    empty line and the key is lost), the benchmark stores its own key the way
    registry/insurer.c does (api_keys.key_hash = BLAKE2b-256 of the secret), says
    so loudly, and the first authenticated request proves that it works."""
    cmd = [bin_path, "admin", "--db", db, "key", "issue", "--insurer", str(insurer_id)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        die("admin key issue: rc=%d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace")[:800]))
    text = p.stdout.decode("utf-8", "replace").strip()
    if text:
        return json.loads(text)["key"]
    log("bench: WARNING: `puhui admin key issue` exited 0 but printed nothing (admin.c print_result "
        "bug); storing a benchmark key directly in api_keys instead")
    secret = "phk_" + base64.urlsafe_b64encode(os.urandom(32)).decode("ascii").rstrip("=")
    con = sqlite3.connect(db, timeout=30)
    try:
        with con:
            con.execute("INSERT INTO api_keys (insurer_id, key_hash, prefix, created_at)"
                        " VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                        (insurer_id, hashlib.blake2b(secret.encode("ascii"), digest_size=32).digest(),
                         secret[:12]))
    finally:
        con.close()
    return secret


class Server(object):
    """`puhui serve` on a free loopback port; stop() is SIGTERM, then SIGKILL after 20 s."""

    def __init__(self, bin_path, db, public, workdir, demo=False, extra=()):
        self.bin = bin_path
        self.db = db
        self.public = public
        self.workdir = workdir
        self.demo = demo
        self.extra = list(extra)
        self.proc = None
        self.port = None
        self.stop_seconds = None

    def start(self, timeout=15.0):
        self.port = free_port()
        cmd = [self.bin, "serve", "--db", self.db, "--listen", "127.0.0.1:%d" % self.port,
               "--public", self.public, "--access-log", os.environ.get("BENCH_ACCESS_LOG", "-")] + (["--demo"] if self.demo else []) + self.extra
        self.cmd = cmd
        self.err_path = os.path.join(self.workdir, "server.err")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self._err)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                die("server exited at start-up with %s: %s" % (self.proc.returncode, self.stderr_tail()))
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        die("server did not answer /healthz within %ss: %s" % (timeout, self.stderr_tail()))

    def stderr_tail(self, n=1500):
        try:
            with open(self.err_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def cpu_seconds(self):
        """User + system CPU time the server has used so far (from /proc), or NaN."""
        try:
            with open("/proc/%d/stat" % self.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError, AttributeError):
            return float("nan")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout=20.0):
        """SIGTERM and wait; returns the exit code (None if it had to be killed)."""
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            t0 = time.monotonic()
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=timeout)
                self.stop_seconds = time.monotonic() - t0
            except subprocess.TimeoutExpired:
                log("bench: server ignored SIGTERM for %ss, killing it" % timeout)
                self.proc.kill()
                self.proc.wait()
                rc = None
        if not self._err.closed:
            self._err.close()
        self.proc = None
        return rc


def http_json(port, path):
    """GET path from the server on 127.0.0.1:port; (status, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def temp_dir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def remove_dir(path, keep):
    if keep:
        log("bench: kept %s" % path)
    else:
        shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------
# realistic, distinct products
# ---------------------------------------------------------------------------

CITIES = [
    ("杭州", "330100"), ("宁波", "330200"), ("温州", "330300"), ("南京", "320100"),
    ("苏州", "320500"), ("广州", "440100"), ("深圳", "440300"), ("成都", "510100"),
    ("武汉", "420100"), ("西安", "610100"), ("长沙", "430100"), ("郑州", "410100"),
    ("济南", "370100"), ("青岛", "370200"), ("福州", "350100"), ("厦门", "350200"),
    ("合肥", "340100"), ("南昌", "360100"), ("昆明", "530100"), ("贵阳", "520100"),
    ("南宁", "450100"), ("哈尔滨", "230100"), ("长春", "220100"), ("沈阳", "210100"),
    ("石家庄", "130100"), ("太原", "140100"), ("兰州", "620100"), ("西宁", "630100"),
    ("银川", "640100"), ("乌鲁木齐", "650100"), ("拉萨", "540100"), ("海口", "460100"),
    ("北京", "110000"), ("上海", "310000"), ("天津", "120000"), ("重庆", "500000"),
]

KINDS = [
    # category, name stem, summary, covered, not_covered
    ("medical", "惠民保",
     "面向{city}基本医疗保险参保人的普惠型补充医疗保险，不限年龄、不限职业，既往症人群可保可赔。",
     ["医保目录内住院自付费用，年度免赔额{ded}元，报销比例百分之{pct}。",
      "医保目录外住院费用，报销比例百分之{pct2}。", "{drugs}种特定高额药品费用，无免赔额。"],
     ["投保前已患恶性肿瘤的目录外费用。", "美容整形及非医疗必需的费用。"]),
    ("accident", "意外险",
     "为{city}灵活就业人员和新市民提供的意外伤害保障，一年一交，线上线下都能买。",
     ["意外身故或伤残，按保额赔付。", "意外医疗费用，扣除{ded}元后按百分之{pct}报销。"],
     ["酒后驾驶造成的伤害。", "故意自伤。"]),
    ("critical_illness", "重疾险",
     "保障{city}低收入群体常见重大疾病，确诊即赔，帮助家庭渡过难关。",
     ["确诊合同约定的{drugs}种重大疾病，一次性给付保险金。", "轻症按保额的百分之三十给付。"],
     ["等待期内确诊的疾病。", "投保前已确诊的疾病。"]),
    ("agriculture", "农险",
     "为{city}小农户提供的种植业收入保障，灾害造成减产时按约定赔付。",
     ["干旱、洪涝、冰雹造成的减产损失。", "病虫害造成的绝收，按每亩{ded}元赔付。"],
     ["人为故意毁坏。", "政府征地造成的损失。"]),
    ("long_term_care", "长护险",
     "为{city}失能老人提供的长期护理保障，居家护理和机构护理都可以用。",
     ["经评估重度失能的，每月给付护理金。", "居家护理服务费用按百分之{pct}报销。"],
     ["投保前已经失能的。", "非护理用途的费用。"]),
]

GROUPS = ["elderly", "disabled", "rural", "low_income", "new_citizens", "special_occupations",
          "chronic_conditions", "women_children", "small_business", "new_agri"]


def make_product(i, tag):
    """Product number i: valid, distinct (name and content vary), realistic Chinese text."""
    rnd = random.Random(i * 7919 + 17)
    city, code = CITIES[i % len(CITIES)]
    category, stem, summary, covered, not_covered = KINDS[(i // len(CITIES)) % len(KINDS)]
    ded = rnd.choice([0, 5000, 10000, 15000, 20000])
    pct = rnd.choice([60, 70, 80, 90])
    fmt = {"city": city, "ded": ded, "pct": pct, "pct2": pct - 10, "drugs": rnd.randint(10, 40)}
    age_min = rnd.choice([0, 0, 16, 18])
    pmin = round(rnd.uniform(29, 200), 2)
    this_rate = round(rnd.uniform(0.3, 1.5), 4)
    comparable = round(rnd.uniform(0.8, 2.0), 4)
    premium_rate = {"this_pct": this_rate, "comparable_pct": comparable}
    if this_rate >= comparable:
        premium_rate["reason"] = "本产品不限既往症，赔付风险较高，费率经精算后确定。"
    regions = [code] + ([c for _, c in rnd.sample(CITIES, 2) if c != code][:1] if rnd.random() < 0.3 else [])
    body = {
        "name": "%s%s%s第%d款（%s）" % (city, stem, 2026 + i % 2, i + 1, tag),
        "category": category,
        "target_groups": sorted(rnd.sample(GROUPS, rnd.randint(1, 4))),
        "regions": regions,
        "age_min": age_min,
        "age_max": rnd.choice([65, 80, 100, 120]),
        "premium_yuan_per_year": {"min": pmin, "max": round(pmin + rnd.choice([0, 50, 120.5]), 2)},
        "sum_insured_yuan": rnd.choice([100000, 500000, 1000000, 3000000]),
        "deductible_yuan": ded,
        "reimbursement_pct": pct,
        "waiting_period_days": rnd.choice([0, 30, 90]),
        "cooling_off_days": rnd.choice([10, 15]),
        "preexisting_conditions": rnd.choice(["covered", "partly", "not_covered"]),
        "health_questionnaire": rnd.random() < 0.3,
        "term_months": rnd.choice([12, 12, 12, 36]),
        "summary": summary.format(**fmt),
        "covered": [s.format(**fmt) for s in covered],
        "not_covered": list(not_covered),
        "claim": {"how": "拨打客服热线或在线提交理赔申请，上传材料后由保险公司审核。",
                  "documents": ["身份证明", "医疗费用发票", "费用明细清单"][:rnd.randint(1, 3)],
                  "settle_days": rnd.choice([5, 10, 15, 30])},
        "service_commitments": ["材料齐全后{0}天内赔款到账。".format(rnd.choice([5, 10])), "七乘二十四小时客服热线。"],
        "channels": rnd.choice([["online"], ["online", "offline"], ["online", "offline", "assisted"]]),
        "purchase_url": "https://bench.example.com.cn/buy/%d" % (i + 1),
        "hotline": rnd.choice(["95500", "400-800-1234", "0571-87654321"]),
        "premium_rate": premium_rate,
        "intermediary_fee": {"this_pct": rnd.choice([0, 2, 3.5]), "comparable_pct": rnd.choice([8, 12, 19])},
    }
    return body
