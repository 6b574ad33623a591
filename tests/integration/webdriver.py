#!/usr/bin/env python3
"""webdriver.py - drives a real Chromium through chromedriver's plain-HTTP WebDriver API, for
the shell tests (page.test.sh). Python's standard library only; speaks only to 127.0.0.1.

One call per step, against a session that chromedriver keeps between calls:

  webdriver.py open    DRIVER_URL PROFILE_DIR PAGE_URL   -> prints the session id
  webdriver.py wait    DRIVER_URL SESSION SECONDS JS     -> waits until JS returns a truthy
                                                            value; prints it as JSON (exit 1
                                                            on timeout, printing the last value)
  webdriver.py eval    DRIVER_URL SESSION JS             -> prints JS's value as JSON
  webdriver.py logs    DRIVER_URL SESSION                -> prints the browser console's entries
                                                            since the last call, one JSON a line
  webdriver.py shot    DRIVER_URL SESSION FILE           -> writes a PNG screenshot
  webdriver.py close   DRIVER_URL SESSION

JS is the body of a function: `return ...;`.
"""
import base64
import json
import sys
import time
import urllib.error
import urllib.request

# No proxy, whatever the environment says: everything here is on 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(method, url, body=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with OPENER.open(req, timeout=timeout) as r:
            return json.loads(r.read().decode() or "null")
    except urllib.error.HTTPError as e:
        raise SystemExit("webdriver: %s %s: HTTP %d %s" % (method, url, e.code, e.read().decode()[:500]))


def value(answer):
    return answer.get("value") if isinstance(answer, dict) else None


def cmd_open(driver, profile, page):
    # Headless, no sandbox (root in CI), a fresh profile, and nothing that phones home: every
    # host name resolves to nothing, so the only reachable address is 127.0.0.1.
    args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--user-data-dir=" + profile, "--window-size=1500,1000", "--no-first-run",
            "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--disable-extensions", "--disable-domain-reliability", "--no-proxy-server",
            "--disable-features=Translate,OptimizationHints,MediaRouter",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    caps = {"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args},
        "goog:loggingPrefs": {"browser": "ALL"}}}}
    sid = value(call("POST", driver + "/session", caps, timeout=120))["sessionId"]
    call("POST", "%s/session/%s/url" % (driver, sid), {"url": page})
    print(sid)


def run_js(driver, sid, js):
    return value(call("POST", "%s/session/%s/execute/sync" % (driver, sid),
                      {"script": js, "args": []}))


def cmd_wait(driver, sid, seconds, js):
    deadline = time.monotonic() + float(seconds)
    v = None
    while True:
        v = run_js(driver, sid, js)
        if v:
            print(json.dumps(v))
            return 0
        if time.monotonic() > deadline:
            print(json.dumps(v))
            return 1
        time.sleep(0.1)


def cmd_logs(driver, sid):
    for e in value(call("POST", "%s/session/%s/se/log" % (driver, sid), {"type": "browser"})) or []:
        print(json.dumps(e))


def cmd_shot(driver, sid, path):
    png = base64.b64decode(value(call("GET", "%s/session/%s/screenshot" % (driver, sid))))
    with open(path, "wb") as f:
        f.write(png)


def main(argv):
    op = argv[1]
    if op == "open":
        cmd_open(argv[2], argv[3], argv[4])
    elif op == "wait":
        return cmd_wait(argv[2], argv[3], argv[4], argv[5])
    elif op == "eval":
        print(json.dumps(run_js(argv[2], argv[3], argv[4])))
    elif op == "logs":
        cmd_logs(argv[2], argv[3])
    elif op == "shot":
        cmd_shot(argv[2], argv[3], argv[4])
    elif op == "close":
        call("DELETE", "%s/session/%s" % (argv[2], argv[3]))
    else:
        raise SystemExit("webdriver: unknown step " + op)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
