#!/usr/bin/env python3
"""Counts test cases across meson test logs and prints the closing line "N passed, N failed".

A TAP test counts each of its "ok"/"not ok" lines; a test that crashed or timed out after its
last TAP line counts one more failure; a test that printed no TAP counts as one case.
"""
import json
import re
import sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except OSError as e:
        print(f"summarize: cannot read {path}: {e}")
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        out = t.get("stdout") or ""
        oks = len(re.findall(r"^ok \d+", out, re.M))
        skips = len(re.findall(r"^ok \d+.*# SKIP", out, re.M | re.I))
        bad = len(re.findall(r"^not ok \d+", out, re.M))
        result = t.get("result")
        if oks + bad == 0:
            if result == "OK":
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
            continue
        passed += oks - skips
        skipped += skips
        failed += bad
        if result not in ("OK", "SKIP") and bad == 0:
            failed += 1
            print(f"summarize: {t.get('name')} ended {result} after its last case")

line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
