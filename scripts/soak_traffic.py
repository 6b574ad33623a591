#!/usr/bin/env python3
"""soak_traffic.py: the soak's load (see soak.sh). Only 127.0.0.1.

    soak_traffic.py SECONDS WEBHOOK_PORT ADMIN_PORT FAKE_URL CA_FILE SECRET OUT_JSON WORK_DIR

Runs for SECONDS, then writes what it sent and what came back to OUT_JSON:
- webhooks over TLS, one connection each as Meraki sends them: valid trigger alerts (for the
  flapping and the stable networks), ignored types, a forged secret, malformed bodies, bad ids,
  oversized bodies, alerts for unknown networks; each kind has the answers it may get, and
  any other answer is counted as unexpected;
- slow senders (a request's header a byte every half second), idle connections on both
  listeners (plain TCP, no TLS hello), TLS garbage (random bytes instead of a ClientHello);
- the Dashboard's faults through fakedash's /_control/fault: 429 storms with and without
  Retry-After, 5xx, timeouts (delay over timeout_s), dropped connections, 10-s outages,
  shard redirects (307/308) and foreign ones, oversized and gzip-bomb answers, malformed
  JSON, a rel=next loop, an error body that echoes the key;
- flapping loss: networks F_0..F_5 lose 60 % to London together (one retag round for all:
  bulk retags), F_6..F_9 on their own rhythm, each F_ now and then; S_ never lose.
Every loss change is also written to WORK_DIR/loss.jsonl (the checker reads the schedule
from fakedash itself).
"""
import gzip
import http.client
import json
import os
import random
import re
import socket
import ssl
import sys
import threading
import time
import urllib.request

SECONDS, WH_PORT, ADMIN_PORT = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
FAKE, CA, SECRET, OUT, WORK = sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7], sys.argv[8]
ORG = "1001"
LONDON = "203.0.113.10"
FLAP_A = ["F_%d" % i for i in range(6)]
FLAP_B = ["F_%d" % i for i in range(6, 10)]
STABLE = ["S_%d" % i for i in range(5)]
END = time.time() + SECONDS
rng = random.Random(int(os.environ.get("SOAK_SEED", "13")))
lock = threading.Lock()
stats = {}  # kind -> {"sent": n, "codes": {code: n}, "unexpected": n}
events = []  # (t, what) of the control thread
EXPECT = {
    "valid": {202, 200},          # 200: a duplicate or a network not managed (never here)
    "ignored": {200},
    "forged": {401},
    "malformed": {400},
    "bad_id": {400},
    "oversized": {413},
    "unknown_net": {202, 200},
    "no_secret": {401},
    "smuggle": {400},             # a head two parsers could read two ways: refused
}


def count(kind, code, ok):
    with lock:
        s = stats.setdefault(kind, {"sent": 0, "codes": {}, "unexpected": 0})
        s["sent"] += 1
        s["codes"][str(code)] = s["codes"].get(str(code), 0) + 1
        if not ok:
            s["unexpected"] += 1


def tls_context():
    ctx = ssl.create_default_context(cafile=CA)
    return ctx


CTX = tls_context()


def alert(net, alert_id, secret=SECRET, atype="failover_event", org=ORG):
    return json.dumps({"version": "0.1", "sharedSecret": secret, "organizationId": org,
                       "networkId": net, "alertId": alert_id, "alertTypeId": atype,
                       "occurredAt": "2026-01-01T00:00:%02d.%06dZ" % (rng.randrange(60),
                                                                      rng.randrange(10**6)),
                       "alertData": {"uplink": "0"}}).encode()


def post(body, headers=None):
    """POSTs body to the webhook listener over TLS; returns the status (0: no answer)."""
    try:
        c = http.client.HTTPSConnection("127.0.0.1", WH_PORT, context=CTX, timeout=10)
        # The certificate names localhost: connect to 127.0.0.1, verify the name localhost.
        raw = socket.create_connection(("127.0.0.1", WH_PORT), timeout=10)
        c.sock = CTX.wrap_socket(raw, server_hostname="localhost")
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        c.request("POST", "/webhook", body=body, headers=h)
        r = c.getresponse()
        r.read()
        c.close()
        return r.status
    except (OSError, http.client.HTTPException):
        return 0


def post_oversized():
    """Announces a 70,000-byte body (over max_body_bytes), sends its first KiB and reads the
    answer: 413 before the body is read. (A client that pushes the whole body first may see
    the connection reset under it: the daemon does not read what it refuses.)"""
    try:
        raw = socket.create_connection(("127.0.0.1", WH_PORT), timeout=10)
        s = CTX.wrap_socket(raw, server_hostname="localhost")
        s.sendall(b"POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
                  b"\r\nContent-Length: 70000\r\n\r\n{\"pad\": \"" + b"x" * 1000)
        head = s.recv(4096)
        s.close()
        m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
        return int(m.group(1)) if m else 0
    except (OSError, ssl.SSLError):
        return 0


def post_smuggle(body):
    """A valid, authenticated trigger alert behind a request head that two HTTP parsers could
    read two ways (bare LF, a blank before the colon, two lengths, length and chunked): 400
    before the body means anything."""
    n = len(body)
    heads = [
        b"POST /webhook HTTP/1.1\nHost: localhost\nContent-Type: application/json\n"
        b"Content-Length: %d\n\n" % n,
        b"POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Length : %d\r\n\r\n" % n,
        b"POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n"
        b"Content-Length: %d\r\n\r\n" % (n, n + 1),
        b"POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" % n,
    ]
    try:
        raw = socket.create_connection(("127.0.0.1", WH_PORT), timeout=10)
        s = CTX.wrap_socket(raw, server_hostname="localhost")
        s.sendall(rng.choice(heads) + body)
        head = s.recv(4096)
        s.close()
        m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
        return int(m.group(1)) if m else 0
    except (OSError, ssl.SSLError):
        return 0


def control(method, path, body=None):
    req = urllib.request.Request(FAKE + "/_control/" + path, method=method,
                                 data=None if body is None else json.dumps(body).encode())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()
            return r.status
    except OSError:
        return 0


def loss(net, pct):
    control("POST", "loss", {"networkId": net, "uplink": "wan1", "ip": LONDON, "lossPercent": pct})
    with open(os.path.join(WORK, "loss.jsonl"), "a") as f:
        f.write(json.dumps({"t": time.time(), "networkId": net, "lossPercent": pct}) + "\n")


def webhooks():
    n = 0
    kinds = (["valid"] * 6 + ["ignored"] * 2 + ["forged", "malformed", "bad_id", "oversized",
                                                "unknown_net", "no_secret", "smuggle"])
    while time.time() < END:
        n += 1
        kind = rng.choice(kinds)
        headers = None
        if kind == "valid":
            body = alert(rng.choice(FLAP_A + FLAP_B + STABLE), "soak-%d" % n)
        elif kind == "ignored":
            body = alert(rng.choice(STABLE), "soak-%d" % n, atype="settings_changed")
        elif kind == "forged":
            body = alert("F_0", "soak-%d" % n, secret="not-" + SECRET)
        elif kind == "no_secret":
            body = json.dumps({"networkId": "F_0", "organizationId": ORG}).encode()
        elif kind == "malformed":
            # Authenticated (else the answer is 401, authentication coming first): by the
            # header when the body cannot carry the secret.
            body = rng.choice([b'{"sharedSecret": "' + SECRET.encode() + b'", "networkId": ',
                               b"\xff\xfe not json", b"[1, 2, 3]",
                               json.dumps({"sharedSecret": SECRET}).encode()])
            headers = {"X-Shared-Secret": SECRET}
        elif kind == "bad_id":
            body = alert(rng.choice(["..", "L_1/../x", "a" * 65, "F_0%2F"]), "soak-%d" % n)
        elif kind == "smuggle":
            code = post_smuggle(alert(rng.choice(STABLE), "soak-%d" % n))
            count(kind, code, code in EXPECT[kind])
            time.sleep(0.04)
            continue
        elif kind == "oversized":
            code = post_oversized()
            count(kind, code, code in EXPECT[kind])
            time.sleep(0.04)
            continue
        else:
            body = alert("N_%d" % rng.randrange(10**6), "soak-%d" % n)
        code = post(body, headers)
        count(kind, code, code in EXPECT[kind])
        time.sleep(0.04)


def slow_senders():
    """Four at a time: a request header a byte every 0.5 s, until the daemon hangs up."""
    def one():
        t0 = time.time()
        try:
            raw = socket.create_connection(("127.0.0.1", WH_PORT), timeout=30)
            s = CTX.wrap_socket(raw, server_hostname="localhost")
            for b in b"POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n":
                s.send(bytes([b]))
                time.sleep(0.5)
            s.close()
            count("slow", "not_cut", False)  # sent it all (31 s): nobody cut it off
        except (OSError, ssl.SSLError):
            # Cut off: within connection_timeout_s (5) plus a loaded machine's slack.
            count("slow", "cut", time.time() - t0 < 20)
    while time.time() < END:
        ts = [threading.Thread(target=one) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()


def idle():
    """Idle connections: 40 on the webhook port, 20 on the admin port, held 8 s."""
    while time.time() < END:
        socks = []
        for port, n in ((WH_PORT, 40), (ADMIN_PORT, 20)):
            for _ in range(n):
                try:
                    socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                except OSError:
                    count("idle", "refused", True)
        count("idle", "opened_%d" % len(socks), True)
        time.sleep(min(8, max(0, END - time.time())))
        for s in socks:
            s.close()
        time.sleep(1)


def garbage():
    while time.time() < END:
        try:
            s = socket.create_connection(("127.0.0.1", WH_PORT), timeout=5)
            s.sendall(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600))))
            # Bytes that look like the start of a long record are waited for: until
            # connection_timeout_s (10) at most, plus a loaded machine's slack.
            s.settimeout(25)
            try:
                while s.recv(4096):
                    pass
                count("tls_garbage", "closed", True)
            except socket.timeout:
                count("tls_garbage", "hung", False)
            s.close()
        except OSError:
            count("tls_garbage", "reset", True)
        time.sleep(0.3)


def admin_probe():
    """The admin listener must answer /healthz all along (idle floods included)."""
    while time.time() < END:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % ADMIN_PORT, timeout=5) as r:
                count("healthz", r.status, r.status == 200)
        except OSError:
            count("healthz", 0, False)
        time.sleep(1)


FAULTS = [
    {"kind": "429", "count": 6, "retry_after": 1},
    {"kind": "429", "count": 4},
    {"kind": "500", "count": 2},
    {"kind": "502", "count": 2},
    {"kind": "503", "count": 2},
    {"kind": "delay", "count": 1, "delay_ms": 3500},
    {"kind": "drop", "count": 2},
    {"kind": "redirect307", "count": 2},
    {"kind": "redirect308", "count": 2},
    {"kind": "redirect_foreign", "count": 1},
    {"kind": "oversize", "count": 1, "size_mib": 20, "path_prefix": "/api/v1/organizations/"},
    {"kind": "oversize", "count": 1, "size_mib": 20, "chunked": True,
     "path_prefix": "/api/v1/organizations/"},
    {"kind": "malformed", "count": 1},
    {"kind": "answer", "count": 1, "status": 400,
     "body": "{\"errors\": [\"Bad key {auth} and " + SECRET + "\"]}"},
    {"kind": "answer", "count": 1, "path_prefix": "/api/v1/organizations/%s/networks" % ORG,
     "headers": {"Link": "<{self}>; rel=next"}, "body": "[]"},
    "gzip",
    "outage",
]


def faults():
    bomb = os.path.join(WORK, "bomb.gz")
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        f.write(b"[" + b" " * (64 << 20) + b"]")
    next_fault = time.time() + 5
    order = []
    while time.time() < END - 10:  # the last 10 s are quiet: retries settle
        time.sleep(0.5)
        if time.time() < next_fault:
            continue
        if not order:  # every kind once, in a new order each round
            order = FAULTS[:]
            rng.shuffle(order)
        f = order.pop()
        if f == "gzip":
            f = {"kind": "answer", "count": 1, "body_file": bomb,
                 "path_prefix": "/api/v1/organizations/",
                 "headers": {"Content-Encoding": "gzip", "Content-Type": "application/json"}}
        if f == "outage":
            events.append((time.time(), "outage start"))
            control("POST", "fault", {"kind": "drop", "count": 1000000})
            time.sleep(10)
            control("DELETE", "fault")
            events.append((time.time(), "outage end"))
        else:
            events.append((time.time(), f["kind"]))
            control("POST", "fault", f)
        next_fault = time.time() + rng.uniform(2, 5)
    control("DELETE", "fault")


def flapping():
    """F_0..F_5 together: 8 s lossy every 30 s; F_6..F_9 each 6 s lossy every 23 s, staggered."""
    t0 = time.time()
    state = {}
    while time.time() < END - 25:  # the end is clean long enough for every failback
        t = time.time() - t0
        for net in FLAP_A:
            want = 60 if (t % 30) < 8 else 0
            if state.get(net) != want:
                state[net] = want
                loss(net, want)
        for i, net in enumerate(FLAP_B):
            want = 70 if ((t + 5 * i) % 23) < 6 else 0
            if state.get(net) != want:
                state[net] = want
                loss(net, want)
        time.sleep(0.25)
    for net in FLAP_A + FLAP_B:
        if state.get(net) != 0:
            loss(net, 0)


threads = [threading.Thread(target=f) for f in (webhooks, slow_senders, idle, garbage,
                                                admin_probe, faults, flapping)]
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(OUT, "w") as f:
    json.dump({"stats": stats, "faults": events}, f, indent=1)
