#!/usr/bin/python3
"""Publishes a few payment events to riskflowd and reads their decisions.

A minimal client on the generated code (run generate.sh first):

  bash examples/python/generate.sh
  PYTHONPATH=examples/python/gen /usr/bin/python3 \
      examples/python/publish_and_tail.py --target 127.0.0.1:7411

With the embedded default pipeline the events below trigger two detectors:
a burst of payments from one account (velocity_burst -> NOTIFY) and a large
payout (large_payout -> MANUAL_REVIEW). The script prints one line per ack
and per decision it reads from those two sinks, and exits 0 once it has
seen a decision for each, 1 if they do not arrive within --timeout seconds.
Use Debian's /usr/bin/python3: python3-grpcio and python3-protobuf are
installed for it.
"""
import argparse
import sys
import time
import uuid

import grpc

from riskflow.v1 import decision_pb2
from riskflow.v1 import event_pb2
from riskflow.v1 import ingest_pb2
from riskflow.v1 import ingest_pb2_grpc
from riskflow.v1 import sinks_pb2
from riskflow.v1 import sinks_pb2_grpc


def make_events(run_id, now_ms):
    """Six payments in 6 seconds from one account, then one big payout."""
    account = "py-acct-" + run_id
    events = []
    for i in range(6):
        events.append(event_pb2.Event(
            event_id="py-%s-pay-%d" % (run_id, i),
            channel_id="python-example",
            type=event_pb2.PAYMENT,
            event_time_ms=now_ms + i * 1000,
            account_id=account,
            counterparty="merchant-42",
            amount_minor=1999,
            currency="EUR",
            country="DE"))
    events.append(event_pb2.Event(
        event_id="py-%s-payout" % run_id,
        channel_id="python-example",
        type=event_pb2.PAYOUT,
        event_time_ms=now_ms + 7000,
        account_id="py-payee-" + run_id,
        counterparty="bank-acct-9",
        amount_minor=2_500_000,  # 25,000.00 EUR: above the 13,000 EUR threshold
        currency="EUR",
        country="DE"))
    return events


def publish(channel, events):
    """Sends one batch on a Publish stream and returns its ack."""
    stub = ingest_pb2_grpc.IngestStub(channel)
    request = ingest_pb2.PublishRequest(batch_id=1, events=events)
    acks = list(stub.Publish(iter([request]), timeout=30))
    if len(acks) != 1:
        raise RuntimeError("expected one ack, got %d" % len(acks))
    ack = acks[0]
    print("ack batch=%d accepted=%d first_sequence=%d last_sequence=%d "
          "errors=%d duplicates=%d" % (ack.batch_id, ack.accepted,
                                       ack.first_sequence, ack.last_sequence,
                                       len(ack.errors), len(ack.duplicates)))
    for err in ack.errors:
        print("  rejected #%d %s: %s" % (err.index, err.event_id, err.message))
    return ack


def tail(channel, sink, wanted_ids, timeout_s):
    """Reads `sink` from the start until a decision for one of wanted_ids."""
    stub = sinks_pb2_grpc.SinksStub(channel)
    request = sinks_pb2.SubscribeRequest(sink=sink, after_sequence=0,
                                         consumer="python-example")
    try:
        for decision in stub.Subscribe(request, timeout=timeout_s):
            if decision.event_id not in wanted_ids:
                continue  # an earlier run's decision
            detectors = ",".join(a.detector for a in decision.annotations
                                 if a.route not in (decision_pb2.PASS,
                                                    decision_pb2.ROUTE_UNSPECIFIED))
            print("decision sink=%s event_id=%s route=%s sequence=%d "
                  "detectors=%s" % (decision_pb2.Route.Name(sink),
                                    decision.event_id,
                                    decision_pb2.Route.Name(decision.route),
                                    decision.sequence, detectors))
            return decision
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
            raise
    print("no %s decision for this run within %ss" %
          (decision_pb2.Route.Name(sink), timeout_s))
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="127.0.0.1:7411",
                        help="riskflowd's host:port")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()

    run_id = uuid.uuid4().hex[:8]
    events = make_events(run_id, int(time.time() * 1000))
    ids = {e.event_id for e in events}
    with grpc.insecure_channel(args.target) as channel:
        grpc.channel_ready_future(channel).result(timeout=args.timeout)
        ack = publish(channel, events)
        if ack.accepted != len(events):
            return 1
        seen = [tail(channel, decision_pb2.NOTIFY, ids, args.timeout),
                tail(channel, decision_pb2.MANUAL_REVIEW, ids, args.timeout)]
    return 0 if all(seen) else 1


if __name__ == "__main__":
    sys.exit(main())
