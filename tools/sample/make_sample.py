#!/usr/bin/env python3
"""Writes tools/sample/events.jsonl: a demo stream for the default pipeline.

Deterministic (fixed seed, standard library only), so re-running it gives the
same file byte for byte. Benign traffic is a few events per account spread
over hours; the anomalies carry attributes {"label": "<scenario>"}.

The script also runs a small reference model of the default pipeline's four
detectors over the stream and refuses to write the file unless the expected
decisions come out (and no unlabeled event trips a detector), so a change to
the generator cannot silently break the demo. Run:

    python3 tools/sample/make_sample.py            # writes events.jsonl
    python3 tools/sample/make_sample.py --check    # verifies, writes nothing
"""

import argparse
import collections
import json
import os
import random
import sys

BASE_MS = 1767225600000  # 2026-01-01T00:00:00Z
MINUTE = 60_000
HOUR = 60 * MINUTE
SEED = 20260101

CHANNELS = ["card-acq-1", "wallet-app", "bank-rails"]
# Thresholds of the default large_payout detector, in minor units.
LARGE_PAYOUT = {"CNY": 10_000_000, "USD": 1_500_000, "EUR": 1_300_000}
VELOCITY_TYPES = {"PAYMENT", "PAYOUT", "TRANSFER"}
BENIGN_ACCOUNTS = 40
# Benign events of one account are at least this far apart: far more than
# the 1m velocity window (whatever its bucket granularity) and the 10m
# duplicate-payout window.
BENIGN_MIN_GAP_MS = 12 * MINUTE

rng = random.Random(SEED)


def account(n):
    return "acct-%04d" % n


class Profile:
    def __init__(self, n):
        self.account = account(n)
        self.channel = rng.choice(CHANNELS)
        self.currency, self.country = rng.choice(
            [("CNY", "CN")] * 6 + [("USD", "US")] * 2 + [("EUR", "DE")] * 2)
        self.device = "dev-%06x" % rng.randrange(1 << 24)
        self.ip = "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256),
                                   rng.randrange(1, 255))
        self.merchants = ["merch-%04d" % rng.randrange(1, 200)
                          for _ in range(3)]
        self.beneficiaries = ["bene-%04d" % rng.randrange(1, 100)
                              for _ in range(2)]


def make_event(profile, etype, time_ms, counterparty="", amount=0,
               label=None, channel=None):
    event = {
        "channel_id": channel or profile.channel,
        "type": etype,
        "event_time_ms": time_ms,
        "account_id": profile.account,
    }
    if counterparty:
        event["counterparty"] = counterparty
    if amount:
        event["amount_minor"] = amount
        event["currency"] = profile.currency
    event["country"] = profile.country
    event["ip"] = profile.ip
    event["device_id"] = profile.device
    if label:
        event["attributes"] = {"label": label}
    return event


def benign_event(profile, time_ms):
    etype = rng.choices(
        ["PAYMENT", "TRANSFER", "PAYOUT", "LOGIN", "REFUND", "DEPOSIT"],
        weights=[45, 15, 10, 15, 5, 10])[0]
    if etype == "LOGIN":
        return make_event(profile, etype, time_ms)
    if etype == "PAYMENT":
        return make_event(profile, etype, time_ms, rng.choice(profile.merchants),
                          rng.randrange(500, 200_000))
    if etype == "REFUND":
        return make_event(profile, etype, time_ms, rng.choice(profile.merchants),
                          rng.randrange(500, 50_000))
    if etype == "PAYOUT":
        return make_event(profile, etype, time_ms,
                          rng.choice(profile.beneficiaries),
                          rng.randrange(10_000, 600_000))
    if etype == "TRANSFER":
        return make_event(profile, etype, time_ms,
                          account(rng.randrange(1, BENIGN_ACCOUNTS + 1)),
                          rng.randrange(1_000, 500_000))
    return make_event(profile, etype, time_ms, "", rng.randrange(10_000,
                                                                 1_000_000))


def benign_series(profile, start_ms, end_ms, count, avoid=()):
    """`count` events between start and end, BENIGN_MIN_GAP_MS apart and at
    least 30 minutes away from every time in `avoid`."""
    events = []
    t = start_ms + rng.randrange(0, 20 * MINUTE)
    while len(events) < count and t < end_ms:
        if all(abs(t - a) >= 30 * MINUTE for a in avoid):
            events.append(benign_event(profile, t))
        t += BENIGN_MIN_GAP_MS + rng.randrange(0, 60 * MINUTE)
    return events


def build_stream():
    events = []
    for n in range(1, BENIGN_ACCOUNTS + 1):
        profile = Profile(n)
        events += benign_series(profile, BASE_MS, BASE_MS + 7 * HOUR,
                                rng.randrange(3, 7))

    # velocity_burst: 8 payments in 35 s -> events 6..8 go to NOTIFY.
    burst = Profile(41)
    t0 = BASE_MS + 2 * HOUR
    for i in range(8):
        events.append(make_event(burst, "PAYMENT", t0 + i * 5_000,
                                 rng.choice(burst.merchants),
                                 rng.randrange(1_000, 30_000),
                                 label="velocity_burst"))
    events += benign_series(burst, BASE_MS, BASE_MS + 7 * HOUR, 4, [t0])

    # velocity_extreme: 25 transfers in 48 s -> 6..20 NOTIFY, 21..25 FREEZE
    # (and NOTIFY, since velocity_burst fires on them too).
    extreme = Profile(42)
    t1 = BASE_MS + 3 * HOUR
    for i in range(25):
        events.append(make_event(extreme, "TRANSFER", t1 + i * 2_000,
                                 "acct-%04d" % (900 + i),
                                 rng.randrange(10_000, 90_000),
                                 label="velocity_extreme"))
    events += benign_series(extreme, BASE_MS, BASE_MS + 7 * HOUR, 4, [t1])

    # large_payout: 150,000.00 CNY -> MANUAL_REVIEW; 99,999.99 CNY stays PASS.
    large = Profile(43)
    large.currency, large.country = "CNY", "CN"
    t2 = BASE_MS + 2 * HOUR + 30 * MINUTE
    events.append(make_event(large, "PAYOUT", t2, "bene-0501", 15_000_000,
                             label="large_payout"))
    events += benign_series(large, BASE_MS, BASE_MS + 7 * HOUR, 3, [t2])
    near = Profile(44)
    near.currency, near.country = "CNY", "CN"
    t3 = BASE_MS + 2 * HOUR + 45 * MINUTE
    events.append(make_event(near, "PAYOUT", t3, "bene-0502", 9_999_999,
                             label="large_payout_near_miss"))
    events += benign_series(near, BASE_MS, BASE_MS + 7 * HOUR, 3, [t3])

    # duplicate_payout: the same payout again under a new event_id 3 minutes
    # later -> the second goes to MANUAL_REVIEW.
    dup = Profile(45)
    t4 = BASE_MS + 3 * HOUR + 30 * MINUTE
    events.append(make_event(dup, "PAYOUT", t4, "bene-0601", 268_800,
                             label="duplicate_payout_original"))
    events.append(make_event(dup, "PAYOUT", t4 + 3 * MINUTE, "bene-0601",
                             268_800, label="duplicate_payout"))
    events += benign_series(dup, BASE_MS, BASE_MS + 7 * HOUR, 3, [t4])

    # Look-alike: same account and beneficiary 3 minutes apart, but a
    # different amount -> both PASS.
    look = Profile(46)
    t5 = BASE_MS + 4 * HOUR
    events.append(make_event(look, "PAYOUT", t5, "bene-0602", 234_500,
                             label="duplicate_payout_lookalike"))
    events.append(make_event(look, "PAYOUT", t5 + 3 * MINUTE, "bene-0602",
                             234_550, label="duplicate_payout_lookalike"))
    events += benign_series(look, BASE_MS, BASE_MS + 7 * HOUR, 3, [t5])

    # Event times strictly increase through the file; ids follow file order.
    events.sort(key=lambda e: e["event_time_ms"])
    for i in range(1, len(events)):
        if events[i]["event_time_ms"] <= events[i - 1]["event_time_ms"]:
            events[i]["event_time_ms"] = events[i - 1]["event_time_ms"] + 1
    for i, event in enumerate(events, 1):
        event["event_id"] = "evt-%06d" % i

    # Idempotency: an exact copy (same channel + event_id, same content) of
    # an earlier benign event, re-sent at the end. Both copies are labelled
    # "resend" so the pair is easy to find; the daemon must answer the copy
    # as a duplicate and make no new decision.
    original = next(e for e in events
                    if e["account_id"] == account(7) and e["type"] == "PAYMENT")
    original["attributes"] = {"label": "resend"}
    events.append(dict(original))
    return events


def reference_decisions(events):
    """The default pipeline, as a model: returns {event_id: set(routes)} and
    per-sink lists of (event_id, detectors)."""
    seen = set()
    counted = collections.defaultdict(list)    # account -> event times
    payouts = collections.defaultdict(list)    # key -> [(time, event_id)]
    sinks = collections.defaultdict(list)
    fired = {}
    for e in events:
        key = (e["channel_id"], e["event_id"])
        if key in seen:
            continue  # idempotent re-send: no new decision
        seen.add(key)
        t = e["event_time_ms"]
        detectors = []
        if e["type"] in VELOCITY_TYPES:
            times = counted[e["account_id"]]
            times.append(t)
            in_window = sum(1 for x in times if t - x < MINUTE)
            if in_window > 5:
                detectors.append(("velocity_burst", "NOTIFY"))
            if in_window > 20:
                detectors.append(("velocity_extreme", "FREEZE"))
        if e["type"] == "PAYOUT":
            currency = e.get("currency", "")
            if e.get("amount_minor", 0) >= LARGE_PAYOUT.get(currency, 1 << 62):
                detectors.append(("large_payout", "MANUAL_REVIEW"))
            pkey = (e["account_id"], e.get("counterparty", ""), currency,
                    e.get("amount_minor", 0))
            if any(t - x < 10 * MINUTE and eid != e["event_id"]
                   for x, eid in payouts[pkey]):
                detectors.append(("duplicate_payout", "MANUAL_REVIEW"))
            payouts[pkey].append((t, e["event_id"]))
        fired[e["event_id"]] = detectors
        for route in sorted({r for _, r in detectors}):
            sinks[route].append((e["event_id"], [d for d, _ in detectors]))
    return fired, sinks


def check(events):
    fired, sinks = reference_decisions(events)
    problems = []
    for e in events:
        label = e.get("attributes", {}).get("label")
        if fired.get(e["event_id"]) and label in (None, "resend"):
            problems.append("benign %s trips %s" % (e["event_id"],
                                                    fired[e["event_id"]]))
        if e.get("type") == "PAYOUT" and label is None and \
                e["amount_minor"] >= LARGE_PAYOUT[e["currency"]] // 2:
            problems.append("benign payout %s too close to the threshold"
                            % e["event_id"])
    expected = {"FREEZE": 5, "NOTIFY": 23, "MANUAL_REVIEW": 2}
    for sink, count in expected.items():
        if len(sinks[sink]) != count:
            problems.append("%s: %d decisions, expected %d"
                            % (sink, len(sinks[sink]), count))
    if not 150 <= len(events) <= 300:
        problems.append("%d events, want 150..300" % len(events))
    return problems, sinks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="verify only; do not write the file")
    parser.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "events.jsonl"))
    args = parser.parse_args()

    events = build_stream()
    problems, sinks = check(events)
    for problem in problems:
        print("make_sample.py: " + problem, file=sys.stderr)
    if problems:
        return 1
    labels = collections.Counter(e.get("attributes", {}).get("label", "-")
                                 for e in events)
    print("%d events; labels: %s" % (len(events), dict(sorted(labels.items()))))
    for sink in ("FREEZE", "MANUAL_REVIEW", "NOTIFY"):
        ids = [eid for eid, _ in sinks[sink]]
        print("%s (%d): %s" % (sink, len(ids), " ".join(ids)))
    if args.check:
        return 0
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("# riskflow demo stream; generated by tools/sample/"
                  "make_sample.py (see README.md). Do not edit by hand.\n")
        for e in events:
            ordered = {k: e[k] for k in ("event_id", "channel_id", "type",
                                         "event_time_ms", "account_id",
                                         "counterparty", "amount_minor",
                                         "currency", "country", "ip",
                                         "device_id", "attributes") if k in e}
            out.write(json.dumps(ordered, separators=(",", ":")) + "\n")
    print("wrote " + args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
