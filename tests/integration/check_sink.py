#!/usr/bin/env python3
"""Reads what smtp-sink received (one dump file per message) and checks what a city's
LGWAN-side user would get: text only. Independent of mamori's code (Python's email package).

Usage: check_sink.py SINK_DIR [KEPT_IDS_FILE]
Prints one JSON object: counts of messages, sanitized, held, unsafe (with reasons), the
originals named, and duplicates by Message-ID.
"""
import email
import email.policy
import json
import os
import re
import sys

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def check(raw):
    problems = []
    if any(b >= 0x80 for b in raw):
        problems.append("8-bit bytes")
    if EICAR in raw:
        problems.append("EICAR in the raw message")
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    if msg.is_multipart():
        problems.append("multipart")
    ctype = (msg.get("Content-Type") or "").replace(" ", "").lower()
    if ctype != "text/plain;charset=utf-8":
        problems.append("content-type %r" % msg.get("Content-Type"))
    if len(msg.get_all("Content-Type") or []) != 1:
        problems.append("Content-Type not exactly once")
    sanitized = msg.get("X-Mamori-Sanitized")
    original = msg.get("X-Mamori-Original")
    if not sanitized:
        problems.append("no X-Mamori-Sanitized")
    if not original or not re.fullmatch(r"sha256:[0-9a-f]{64}", original.strip()):
        problems.append("no X-Mamori-Original")
    body = msg.get_payload(decode=True) or b""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        problems.append("body is not UTF-8")
        text = ""
    if EICAR in body:
        problems.append("EICAR in the body")
    if re.search(r"<\s*script", text, re.I):
        problems.append("script tag in the text")
    if msg.get("Content-Disposition"):
        problems.append("Content-Disposition")
    held = bool(sanitized and sanitized.startswith("held"))
    return problems, held, (original or "").strip(), (msg.get("Message-ID") or "").strip()


def main():
    sink = sys.argv[1]
    kept = None
    if len(sys.argv) > 2:
        kept = set(open(sys.argv[2]).read().split())
    out = {"messages": 0, "sanitized": 0, "held": 0, "unsafe": [], "not_kept": 0,
           "duplicates": 0, "originals": []}
    seen = {}
    for name in sorted(os.listdir(sink)):
        path = os.path.join(sink, name)
        if not os.path.isfile(path) or not name.startswith("msg."):
            continue
        raw = open(path, "rb").read()
        out["messages"] += 1
        problems, held, original, mid = check(raw)
        if problems:
            out["unsafe"].append({"file": name, "problems": problems})
        elif held:
            out["held"] += 1
        else:
            out["sanitized"] += 1
        out["originals"].append(original)
        if kept is not None and original not in kept:
            out["not_kept"] += 1
        if mid:
            seen[mid] = seen.get(mid, 0) + 1
    out["duplicates"] = sum(n - 1 for n in seen.values() if n > 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
