#!/usr/bin/python3
"""The Python peer of the mail benchmark: what a sanitizer written with the standard email
package and lxml does with the same messages (decode every text part, HTML to text,
quarantine attachments by hash, defang URLs, write one text/plain message).
Usage: peer_python.py LIST REPEAT   -> one JSON line like bench_mail."""
import email, email.policy, hashlib, json, re, resource, sys, time
from email.message import EmailMessage
import lxml.html

URL = re.compile(r"(?i)\b(https?|ftp)://([^\s<>\"']+)")

def defang(text):
    return URL.sub(lambda m: m.group(1).replace("t", "x", 2) + "[:]//" + m.group(2).replace(".", "[.]"), text)

def sanitize(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    texts, removed = [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        try:
            if ctype == "text/plain" and not part.is_attachment():
                texts.append(part.get_content())
            elif ctype == "text/html" and not part.is_attachment():
                html = part.get_content()
                texts.append(lxml.html.fromstring(html).text_content() if html.strip() else "")
            else:
                data = part.get_payload(decode=True) or b""
                removed.append((part.get_filename(), ctype, len(data), hashlib.sha256(data).hexdigest()))
        except Exception:
            removed.append((None, ctype, 0, ""))
    out = EmailMessage()
    for h in ("From", "To", "Cc", "Subject", "Date", "Message-ID"):
        try:
            if msg[h]:
                out[h] = str(msg[h])
        except Exception:
            pass
    notice = "".join("removed: %s %s %d %s\n" % r for r in removed)
    out.set_content(notice + defang("\n".join(texts)))
    return out.as_bytes()

def main():
    paths = [p for p in open(sys.argv[1]).read().split("\n") if p]
    repeat = int(sys.argv[2])
    data = [open(p, "rb").read() for p in paths]
    per = [0.0] * len(paths)
    total = 0
    t0 = time.monotonic()
    for _ in range(repeat):
        for i, raw in enumerate(data):
            a = time.monotonic()
            try:
                sanitize(raw)
            except Exception:
                pass
            per[i] += time.monotonic() - a
            total += len(raw)
    secs = time.monotonic() - t0
    avg = secs / total
    worst, wi = 0, 0
    for i, raw in enumerate(data):
        if len(raw) >= 1024:
            r = per[i] / repeat / len(raw) / avg
            if r > worst:
                worst, wi = r, i
    print(json.dumps({"mode": "python", "messages": len(paths) * repeat, "bytes": total,
                      "seconds": round(secs, 3), "mb_s": round(total / secs / 1e6, 1),
                      "msgs_s": round(len(paths) * repeat / secs),
                      "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      "largest": max(len(d) for d in data), "slowest_ratio": round(worst, 1),
                      "slowest": paths[wi]}))

main()
