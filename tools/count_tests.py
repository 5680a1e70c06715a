#!/usr/bin/env python3
"""Prints the CI line `N passed, N failed` for one `bazel test` run.

Usage: count_tests.py BAZEL_OUTPUT_LOG BAZEL_EXIT_STATUS

Counts test cases (not targets) from the JUnit XML of exactly the targets
that this run's summary lists, so stale logs from earlier runs (other
targets, --runs_per_test folders) never count. A target that has no XML
(failed to build, timed out before writing it, ...) counts as one failure,
and so does a failed build, so a broken tree can never pass.
"""
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

SUMMARY = re.compile(r"^(//[^\s:]*:[^\s]+)\s+(?:\(cached\)\s+)?([A-Z][A-Z ]+?)(?:\s+in\s|\s*$)")


def count_xml(xml_file):
    passed = failed = 0
    tree = ET.parse(xml_file)
    for case in tree.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            print(f"FAILED: {case.get('classname', '')}.{case.get('name', '')}")
        elif case.get("status") == "notrun" or case.find("skipped") is not None:
            continue
        else:
            passed += 1
    return passed, failed


def result_files(target_dir):
    """The target's JUnit XML: one test.xml, or one per shard of a sharded
    test (shard_K_of_N/test.xml, all N of the newest N) - a missing shard
    counts as no results."""
    single = target_dir / "test.xml"
    if single.exists():
        return [single]
    shards = {}
    for xml_file in target_dir.glob("shard_*_of_*/test.xml"):
        m = re.match(r"shard_(\d+)_of_(\d+)$", xml_file.parent.name)
        if m:
            shards.setdefault(int(m.group(2)), []).append(xml_file)
    if not shards:
        return []
    total = max(shards)
    files = sorted(shards[total])
    return files if len(files) == total else []


def main() -> int:
    log_text = pathlib.Path(sys.argv[1]).read_text(errors="replace")
    bazel_status = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    testlogs = pathlib.Path("bazel-testlogs")
    passed = failed = 0
    targets = {}
    for line in log_text.splitlines():
        m = SUMMARY.match(line.strip())
        if m:
            targets[m.group(1)] = m.group(2).strip()
    for label, verdict in sorted(targets.items()):
        package, name = label[2:].split(":", 1)
        xml_files = result_files(testlogs / package / name)
        if verdict in ("NO STATUS", "FAILED TO BUILD") or not xml_files:
            failed += 1
            print(f"FAILED: {label} ({verdict}, no test results)")
            continue
        p = f = 0
        for xml_file in xml_files:
            try:
                fp, ff = count_xml(xml_file)
            except ET.ParseError:
                fp, ff = 0, 1
                print(f"FAILED: {label} (unreadable {xml_file.name})")
            p += fp
            f += ff
        if verdict != "PASSED" and f == 0:
            f = 1  # e.g. a crash after the last test case or a timeout
            print(f"FAILED: {label} ({verdict})")
        passed += p
        failed += f
    # Bazel exit codes: 0 ok, 3 some tests failed; anything else (1 build
    # failure, 4 no tests, 8 interrupted, ...) means tests did not all run.
    if bazel_status not in (0, 3) and failed == 0:
        failed = 1
        print(f"bazel exited with status {bazel_status}: build or run failure")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and bazel_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
