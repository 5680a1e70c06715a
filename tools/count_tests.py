#!/usr/bin/env python3
"""Counts test cases in bazel-testlogs/**/test.xml and prints the CI line.

CI reads the last line, `N passed, N failed`. A failed build (no XML for a
target that should have run) counts as one failure so it can never pass.
"""
import pathlib
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    bazel_status = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    passed = failed = 0
    for xml_file in sorted(root.glob("**/test.xml")):
        try:
            tree = ET.parse(xml_file)
        except ET.ParseError:
            failed += 1
            print(f"unreadable test log: {xml_file}")
            continue
        for case in tree.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
                print(f"FAILED: {case.get('classname', '')}.{case.get('name', '')}")
            elif case.get("status") == "notrun" or case.find("skipped") is not None:
                continue
            else:
                passed += 1
    # Bazel exit codes: 0 ok, 3 some tests failed, 4 no tests; anything else
    # (1 build failure, 8 interrupted, ...) means tests did not all run.
    if bazel_status not in (0, 3, 4) and failed == 0:
        failed = 1
        print(f"bazel exited with status {bazel_status}: build or run failure")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and bazel_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
