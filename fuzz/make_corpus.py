#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/ from the project's real samples.

Run from the repository root: python3 fuzz/make_corpus.py (needs protoc from
Debian's protobuf-compiler). The output is committed; rerun after changing
the samples or the protos. Binary seeds (Publish batches, log records,
decisions) are encoded by `protoc --encode` from text-format messages built
out of tools/sample/events.jsonl, so they are the real wire bytes.
"""
import glob
import json
import os
import shutil
import struct
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def target(name):
    path = os.path.join(CORPUS, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write(path, name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(path, name), mode) as f:
        f.write(data)


def encode(message_type, text):
    return subprocess.run(
        ["protoc", "-I" + os.path.join(ROOT, "proto"),
         "--encode=riskflow.v1." + message_type,
         "riskflow/v1/event.proto", "riskflow/v1/decision.proto",
         "riskflow/v1/ingest.proto"],
        input=text.encode(), stdout=subprocess.PIPE, check=True).stdout


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def event_text(e):
    parts = []
    for key, value in e.items():
        if key == "attributes":
            for k, v in value.items():
                parts.append('attributes { key: %s value: %s }' %
                             (json.dumps(k), json.dumps(v)))
        elif key == "type":
            parts.append("type: %s" % value)
        elif isinstance(value, str):
            parts.append("%s: %s" % (key, json.dumps(value)))
        else:
            parts.append("%s: %s" % (key, value))
    return " ".join(parts)


def sample_events():
    lines = []
    with open(os.path.join(ROOT, "tools", "sample", "events.jsonl")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                lines.append(line.rstrip("\n"))
    # Every event type and every distinct key set, so seeds cover the
    # variety of the sample rather than 230 near-copies.
    seen, picked = set(), []
    for line in lines:
        e = json.loads(line)
        shape = (e.get("type"), tuple(sorted(e)))
        if shape not in seen:
            seen.add(shape)
            picked.append(line)
    return picked


def decision_text(i, e, route):
    ann = ('annotations { detector: "velocity" detector_version: "1.0.0" '
           'score: 0.75 reason_code: "VELOCITY_COUNT" message: "5 payouts in 10m" '
           'evidence { key: "count" value: "5" } route_hint: %s }' % route
           if route != "PASS" else "")
    return ('decision_id: "%s/%s" event_id: "%s" channel_id: "%s" '
            'account_id: "%s" sequence: %d event_time_ms: %d routes: %s '
            'route: %s %s pipeline_version: "3f2a" '
            'plugin_builds { detector: "velocity" build_id: "abc" }'
            % (e["channel_id"], e["event_id"], e["event_id"], e["channel_id"],
               e.get("account_id", ""), i + 1, e["event_time_ms"], route,
               route, ann))


def main():
    events = sample_events()
    parsed = [json.loads(l) for l in events]

    t = target("event_json")
    for i, line in enumerate(events):
        write(t, "sample_%02d.json" % i, line)
    write(t, "camel_case.json", '{"eventId":"e1","channelId":"c","type":"PAYOUT",'
          '"eventTimeMs":"1767225600000","accountId":"a","amountMinor":"5",'
          '"currency":"EUR","fxRate":1.25,"attributes":{"k":"v"}}')
    write(t, "escapes.json", '{"event_id":"e\\u00e9\\n","channel_id":"c\\"q"}')

    t = target("pipeline_yaml")
    for path in sorted(glob.glob(os.path.join(ROOT, "pipeline", "config", "*.yaml")) +
                       glob.glob(os.path.join(ROOT, "tests", "scenarios", "*", "*.yaml"))):
        rel = os.path.relpath(path, ROOT).replace("/", "_")
        shutil.copy(path, os.path.join(t, rel))

    t = target("csv_source")
    header = "event_id,channel_id,type,event_time_ms,account_id,amount_minor,currency,attributes.label\n"
    rows = "".join("%s,%s,%s,%d,%s,%d,%s,%s\n" % (
        e["event_id"], e["channel_id"], e["type"], e["event_time_ms"],
        e.get("account_id", ""), e.get("amount_minor", 0), e.get("currency", ""),
        i % 2) for i, e in enumerate(parsed[:8]))
    write(t, "header_fields.csv", header + rows)
    write(t, "mapped.csv", "map:event_id=id,account_id=acct,amount_minor=amount,"
          "type=kind,attributes.label=is_fraud\n"
          "id,acct,amount,kind,is_fraud,ignored\r\n"
          "e1,a1,100,payout,1,x\r\n\"e,2\",\"a \"\"q\"\"\",5,PAYMENT,0,\"multi\nline\"\r\n")

    t = target("publish_batch")
    body = " ".join("events { %s }" % event_text(e) for e in parsed[:6])
    write(t, "batch_6.pb", encode("PublishRequest", "batch_id: 7 " + body))
    write(t, "batch_1.pb", encode("PublishRequest",
                                  "batch_id: 1 events { %s }" % event_text(parsed[0])))
    write(t, "invalid_events.pb", encode("PublishRequest",
          'batch_id: 2 events { event_id: "" } events { event_id: "x" channel_id: "c" '
          'amount_minor: -5 } events { %s }' % event_text(parsed[1])))
    write(t, "same_id_twice.pb", encode("PublishRequest",
          "batch_id: 3 events { %s } events { %s }" % (event_text(parsed[2]),
                                                       event_text(parsed[2]))))

    t = target("log_record")
    for i, e in enumerate(parsed[:6]):
        write(t, "record_%d.bin" % i,
              struct.pack("<q", e["event_time_ms"] - 300000) +
              encode("Event", event_text(e)))
    write(t, "truncated.bin", b"\x01\x02\x03")
    write(t, "sequence_key.bin", struct.pack(">Q", 42))

    t = target("decision_json")
    decisions = []
    for i, e in enumerate(parsed[:6]):
        route = ["PASS", "FREEZE", "NOTIFY", "MANUAL_REVIEW"][i % 4]
        d = encode("Decision", decision_text(i, e, route))
        decisions.append(d)
        write(t, "decision_%d_%s.pb" % (i, route.lower()), d)

    t = target("decision_file")
    write(t, "decisions.ldpb", b"".join(varint(len(d)) + d for d in decisions))
    lines = []
    for i, e in enumerate(parsed[:6]):
        route = ["PASS", "FREEZE", "NOTIFY", "MANUAL_REVIEW"][i % 4]
        ann = ('{"detector":"velocity","reason_code":"VELOCITY_COUNT","route_hint":"%s"}'
               % route if route != "PASS" else "")
        lines.append('{"decision_id":"%s/%s","event_id":"%s","channel_id":"%s",'
                     '"account_id":"%s","sequence":"%d","event_time_ms":"%d",'
                     '"routes":["%s"],"route":"%s","annotations":[%s],'
                     '"pipeline_version":"v1"}\n' % (
                         e["channel_id"], e["event_id"], e["event_id"],
                         e["channel_id"], e.get("account_id", ""), i + 1,
                         e["event_time_ms"], route, route, ann))
    write(t, "decisions.jsonl", "".join(lines))
    write(t, "duplicate_ids.jsonl", lines[0] + lines[0])

    t = target("param_parse")
    write(t, "velocity.txt",
          "S1001|max_events|5|1|1000\nS5000|window|10m\nS6000|types|PAYOUT,TRANSFER\n"
          "P max_events=10\nPwindow=30s\nPtypes= PAYOUT , ,REFUND\n")
    write(t, "all_types.txt",
          "S2011|threshold|0.5|0|1\nS3000|enabled|true\nS4100|label\nS1011|n||-5|5\n"
          "Pthreshold=0.25\nPenabled=false\nPlabel=  spaced  \nPn=-3\nD250ms\nD7d\nD99999999999999d\n")
    write(t, "bad_schema.txt", "S9000|x\nS1000|x\nS1000||\nPx=1\n")


if __name__ == "__main__":
    main()
