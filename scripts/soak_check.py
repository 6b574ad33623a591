#!/usr/bin/env python3
"""soak_check.py: what soak.sh and crash.sh check after a run, from what the daemon logged and
what fakedash saw. Prints one line per check and the figures; exits 1 when any check fails.

    soak_check.py DIR [--traffic FILE] [--samples FILE --warmup S] [--fds START END]
                  [--allow-unlogged]

DIR holds tf.log (the daemon's JSON log lines, several runs appended), fake_log.json
(GET /_control/log), loss.json (GET /_control/loss), networks.json (GET /_control/networks)
and initial.json (the networks as the run began), secrets (the API key, then the shared
secret, one per line) and rules.json ({"clean", "detect", "threshold", "failback_max"}).

The checks:
- no invalid tag list: every tag list fakedash received in a PUT or an action batch, whatever
  came of it, is one primary and one backup pair tag, one up and one down, no hold tag, and
  for a network that began managed and normal or failed over; held, invalid and unmanaged
  networks are never written; at the end every network is valid or as it began;
- every retag line (`failover`/`failback`, dry_run false) is the exact swap of its
  tags_before, and is matched by one write fakedash answered with success (a PUT for
  batch_id null, else an action batch) with these tags, at most 0.5 s after the line's time;
- every successful write without a fault is matched by a retag line (unless
  --allow-unlogged: a kill -9 can land between the write and its line);
- the decision rules, against fakedash's loss schedule (1-s samples): a failover had a sample
  >= threshold in the detect window before it (plus 30 s for the confirmation's own calls);
  a failback had clean_window_s samples in a row at most failback_max, none older than the
  write that failed it over, ending at most 30 s before its line (the look's data, then the
  fresh GET and the write; loss that began after the look is not held against it);
- no line of tf.log holds the API key or the shared secret; no sanitizer report;
- with --traffic: no unexpected answer to any kind of request (soak_traffic.py's counts);
- with --samples: RSS after warm-up flat (median of the last fifth of the samples against the
  median of the first fifth after warm-up: at most +10 % + 4 MiB, +50 % + 32 MiB under a
  sanitizer); with --fds: the quiet fd count at the end equals the one at the start (+2).
"""
import bisect
import datetime
import json
import os
import re
import statistics
import sys

HOLD = "tagfailover_hold"
LAG = 30  # s between a look and the write it decides, at most (retries included)
PAIR = re.compile(r"^([A-Za-z0-9._-]{1,64})_(primary|backup)_(up|down)$")
failures = []
figures = []


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    if not ok:
        failures.append(name)


def pair_state(tags):
    """(state, reason): normal, failed_over, unmanaged or invalid (reason says why)."""
    prim = [PAIR.match(t) for t in tags if PAIR.match(t) and PAIR.match(t).group(2) == "primary"]
    back = [PAIR.match(t) for t in tags if PAIR.match(t) and PAIR.match(t).group(2) == "backup"]
    if not prim and not back:
        return "unmanaged", ""
    if HOLD in tags:
        return "held", "hold tag"
    if len(prim) != 1 or len(back) != 1:
        return "invalid", "%d primaries, %d backups" % (len(prim), len(back))
    pu, bu = prim[0].group(3) == "up", back[0].group(3) == "up"
    if pu == bu:
        return "invalid", "both up" if pu else "both down"
    return ("normal" if pu else "failed_over"), ""


def swap(tags, event):
    out = []
    for t in tags:
        m = PAIR.match(t)
        if m and m.group(2) == "primary":
            t = "%s_primary_%s" % (m.group(1), "down" if event == "failover" else "up")
        elif m and m.group(2) == "backup":
            t = "%s_backup_%s" % (m.group(1), "up" if event == "failover" else "down")
        out.append(t)
    return out


def rfc3339(s):
    return datetime.datetime.strptime(s.replace("Z", "+0000"),
                                      "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def load(d, name, default=None):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        return default
    with open(p) as f:
        return json.load(f)


def writes_of(log):
    """Every tag write fakedash received: dicts t, net, tags, kind, ok, fault, seq."""
    out = []
    for e in log:
        if e.get("control") or e.get("body") is None:
            continue
        try:
            body = json.loads(e["body"]) if e["body"] else {}
        except ValueError:  # a write whose list cannot be read counts as an invalid one
            body = {"tags": ["<unreadable body%s>" % (" (cut at 64 KiB)" if e.get("body_truncated")
                                                      else "")]}
            if e["method"] == "POST":
                body = {"actions": [{"resource": "/networks/?", "body": body}]}
        ok = e["fault"] is None
        m = re.match(r"^/api/v1/networks/([^/]+)$", e["path"])
        if e["method"] == "PUT" and m and isinstance(body, dict) and "tags" in body:
            out.append(dict(t=e["t"], net=m.group(1), tags=body["tags"], kind="put",
                            ok=ok and e["status"] == 200, fault=e["fault"], seq=e["seq"]))
        if e["method"] == "POST" and e["path"].endswith("/actionBatches") and isinstance(body, dict):
            for a in body.get("actions") or []:
                r = re.match(r"^/networks/([^/]+)$", str(a.get("resource", "")))
                b = a.get("body") or {}
                if r and isinstance(b, dict) and "tags" in b:
                    out.append(dict(t=e["t"], net=r.group(1), tags=b["tags"], kind="batch",
                                    ok=ok and e["status"] == 201, fault=e["fault"], seq=e["seq"]))
    return out


class Loss:
    def __init__(self, entries):
        self.by_net = {}
        for e in entries:
            self.by_net.setdefault(e.get("networkId"), []).append(
                (e["from"], e.get("seq", 0), e.get("lossPercent") or 0))
        self.merged, self.keys = {}, {}

    def at(self, net, ts):
        """The loss of a sample at ts: the entry with the largest `from` <= ts among the
        network's own and those for every network (no networkId), the later one on a tie."""
        if net not in self.merged:
            self.merged[net] = sorted(self.by_net.get(net, []) + self.by_net.get(None, []))
            self.keys[net] = [e[0] for e in self.merged[net]]
        k = bisect.bisect_right(self.keys[net], ts)
        return self.merged[net][k - 1][2] if k else 0

    def last_over(self, net, a, b, limit):
        """The last 1-s sample in [a, b] with loss > limit (None when there is none)."""
        ts = int(b)
        while ts >= a:
            if self.at(net, ts) > limit:
                return ts
            ts -= 1
        return None


def main():
    args = sys.argv[1:]
    d = args[0]
    opt = {}
    i = 1
    while i < len(args):
        if args[i] in ("--traffic", "--samples", "--warmup"):
            opt[args[i]] = args[i + 1]
            i += 2
        elif args[i] == "--fds":
            opt["--fds"] = (int(args[i + 1]), int(args[i + 2]))
            i += 3
        else:
            opt[args[i]] = True
            i += 1
    rules = load(d, "rules.json")
    log = load(d, "fake_log.json", [])
    loss = Loss(load(d, "loss.json", []))
    initial = {n["id"]: n["tags"] for n in load(d, "initial.json", [])}
    final = {n["id"]: n["tags"] for n in load(d, "networks.json", [])}
    with open(os.path.join(d, "tf.log"), errors="replace") as f:
        lines = f.read().splitlines()
    with open(os.path.join(d, "secrets")) as f:
        secrets = [s for s in f.read().splitlines() if s]

    # ---- the request log is whole (it keeps the last 100,000 entries) ----
    seqs = [e["seq"] for e in log]
    check("fakedash's request log is complete (%d entries)" % len(seqs),
          not seqs or (min(seqs) == 1 and len(set(seqs)) == max(seqs)),
          "seq %s..%s" % (min(seqs), max(seqs)) if seqs else "")

    # ---- no invalid tag list ----
    writes = writes_of(log)
    bad = []
    for w in writes:
        st, why = pair_state(w["tags"])
        began = pair_state(initial.get(w["net"], []))[0]
        if st not in ("normal", "failed_over") or began not in ("normal", "failed_over"):
            bad.append("%s %s %s (%s)" % (w["kind"], w["net"], w["tags"], why or st))
    check("fakedash received no invalid tag list (%d tag lists written)" % len(writes),
          not bad, "; ".join(bad[:5]))
    changed = [n for n, t in final.items() if t != initial.get(n) and
               pair_state(t)[0] not in ("normal", "failed_over")]
    check("every network valid or untouched at the end (%d networks)" % len(final),
          not changed, ", ".join(changed[:5]))

    # ---- retag lines against writes ----
    retags = []
    for ln in lines:
        if not ln.startswith("{"):
            continue
        try:
            e = json.loads(ln)
        except ValueError:
            continue
        if e.get("event") in ("failover", "failback") and not e.get("dry_run"):
            retags.append(e)
    retags.sort(key=lambda e: e["ts"])
    used = set()
    unmatched, not_swap = [], []
    last_fo = {}  # network -> the time of the write that failed it over
    fo_margin, fb_margin, bad_rule = None, None, []
    for e in retags:
        T = rfc3339(e["ts"])
        net, ev = e["network_id"], e["event"]
        if swap(e["tags_before"], ev) != e["tags_after"] or \
                pair_state(e["tags_before"])[0] != ("normal" if ev == "failover" else "failed_over"):
            not_swap.append("%s %s" % (ev, net))
        kind = "put" if e.get("batch_id") is None else "batch"
        cands = [k for k, w in enumerate(writes) if k not in used and w["net"] == net and
                 w["ok"] and w["kind"] == kind and w["tags"] == e["tags_after"] and
                 T - 120 <= w["t"] <= T + 0.5]
        if not cands:  # a write whose answer came late (a delay fault) may still be the one
            cands = [k for k, w in enumerate(writes) if k not in used and w["net"] == net and
                     w["kind"] == kind and w["tags"] == e["tags_after"] and
                     T - 120 <= w["t"] <= T + 0.5 and w["fault"] == "delay"]
        if not cands:
            unmatched.append("%s %s at %s" % (ev, net, e["ts"]))
            continue
        k = max(cands, key=lambda c: writes[c]["t"])  # the newest before the line
        used.add(k)
        W = writes[k]["t"]
        if ev == "failover":
            last_fo[net] = W
            over = loss.last_over(net, T - rules["detect"] - 30, T, rules["threshold"] - 1e-9)
            if over is None:
                bad_rule.append("failover %s at %s without loss >= %s in the %s s before" %
                                (net, e["ts"], rules["threshold"], rules["detect"] + 30))
            else:
                fo_margin = T - over if fo_margin is None else max(fo_margin, T - over)
        else:
            # Proven clean: `clean` 1-s samples in a row at most failback_max, the first no
            # earlier than the failover's write, ending at most LAG s before the line (the
            # look reads the data, then the fresh GET and the write take their time, retries
            # under faults included). Loss that began after the look cannot be held against it.
            # The failover's write: the last one fakedash applied before the line, logged or
            # not (a kill -9 can land between a write and its line).
            fo = [w["t"] for w in writes if w["net"] == net and w["t"] < T and
                  (w["ok"] or w["fault"] == "delay") and pair_state(w["tags"])[0] == "failed_over"]
            W0 = max(fo) if fo else last_fo.get(net)
            best = None
            for end in range(int(T), int(T) - LAG - 1, -1):
                first = end - rules["clean"] + 1
                if W0 is not None and first < W0 - 1:
                    break
                if loss.last_over(net, first, end, rules["failback_max"]) is None:
                    best = end
                    break
            if best is None:
                bad_rule.append("failback %s at %s without %s clean samples after the failover "
                                "in the %d s before it" % (net, e["ts"], rules["clean"], LAG))
            else:
                fb_margin = T - best if fb_margin is None else max(fb_margin, T - best)
    n_fo = sum(1 for e in retags if e["event"] == "failover")
    n_batched = sum(1 for e in retags if e.get("batch_id") is not None)
    figures.append("retags: %d failovers, %d failbacks, %d of them in action batches" %
                   (n_fo, len(retags) - n_fo, n_batched))
    check("every retag line is the exact swap of its tags_before (%d lines)" % len(retags),
          not not_swap, "; ".join(not_swap[:5]))
    check("every retag line matches a successful write in fakedash's log", not unmatched,
          "; ".join(unmatched[:5]))
    unlogged = [w for k, w in enumerate(writes) if k not in used and w["ok"]]
    if "--allow-unlogged" in opt:
        late = [w for k, w in enumerate(writes) if k not in used and w["fault"] == "delay"]
        figures.append("writes without a retag line: %d answered (a kill between write and "
                       "line), %d answered late with the daemon gone (a kill in flight)" %
                       (len(unlogged), len(late)))
    else:
        check("every successful write has its retag line (%d writes)" %
              sum(1 for w in writes if w["ok"]), not unlogged,
              "; ".join("%s %s seq %d" % (w["kind"], w["net"], w["seq"]) for w in unlogged[:5]))
    check("the decision rules held", not bad_rule, "; ".join(bad_rule[:5]))
    if fo_margin is not None:
        figures.append("failovers: the newest sample >= threshold was at most %.1f s before "
                       "each line" % fo_margin)
    if fb_margin is not None:
        figures.append("failbacks: the newest clean window that proves each ends at most "
                       "%.1f s before its line" % fb_margin)

    # ---- secrets, sanitizers ----
    leaks = [k for k, ln in enumerate(lines) if any(s in ln for s in secrets)]
    check("no log line holds the API key or the shared secret (%d lines)" % len(lines),
          not leaks, "lines %s" % (leaks[:3],) if leaks else "")
    san = [ln for ln in lines if re.search(r"ERROR: (Address|Leak|Thread)Sanitizer|"
                                           r"runtime error:|WARNING: ThreadSanitizer", ln)]
    check("no sanitizer report in the log", not san, san[0][:200] if san else "")

    # ---- traffic ----
    if "--traffic" in opt:
        tr = load(".", opt["--traffic"])
        bad = {k: v for k, v in tr["stats"].items() if v["unexpected"]}
        summary = ", ".join("%s %d %s" % (k, v["sent"], v["codes"]) for k, v in
                            sorted(tr["stats"].items()))
        figures.append("traffic: " + summary)
        figures.append("faults queued: %d (%s)" % (len(tr["faults"]), ", ".join(sorted(
            {f[1] for f in tr["faults"]}))))
        check("no unexpected answer to the traffic", not bad, json.dumps(bad)[:400])

    # ---- memory and fds ----
    if "--samples" in opt:
        rows = []
        with open(opt["--samples"]) as f:
            for ln in f:
                p = ln.split()
                if len(p) == 3:
                    rows.append((float(p[0]), int(p[1]), int(p[2])))
        t0 = rows[0][0]
        warm = float(opt.get("--warmup", 30))
        after = [r for r in rows if r[0] - t0 >= warm]
        fifth = max(1, len(after) // 5)
        early = statistics.median(r[1] for r in after[:fifth])
        late = statistics.median(r[1] for r in after[-fifth:])
        sanitized = os.environ.get("SOAK_SANITIZER", "") != ""
        pct, slack = (50, 32768) if sanitized else (10, 4096)
        limit = early * (1 + pct / 100) + slack
        figures.append("RSS: %d KiB at start, %d KiB after warm-up (%d s), %d KiB at the end, "
                       "peak %d KiB; fds during the run %d..%d" %
                       (rows[0][1], early, warm, late, max(r[1] for r in rows),
                        min(r[2] for r in rows), max(r[2] for r in rows)))
        check("RSS flat after warm-up (%d -> %d KiB, limit +%d %% + %d MiB)" %
              (early, late, pct, slack // 1024), late <= limit)
    if "--fds" in opt:
        a, b = opt["--fds"]
        check("fd count flat (%d at the quiet start, %d at the quiet end, tolerance +2)" % (a, b),
              b <= a + 2)
    for f in figures:
        print("     " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
