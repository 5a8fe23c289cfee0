#!/usr/bin/env python3
"""SMTP load for the milter benchmark: COUNT messages of SIZE bytes to HOST:PORT over
CONCURRENCY connections (reused, RSET between messages); each message's time is from the
start of MAIL FROM to the server's reply to the end of DATA (which Postfix sends only after
the milter's end-of-message reply). Prints one JSON line.

Usage: milter_load.py HOST:PORT SIZE COUNT CONCURRENCY
"""
import base64
import json
import random
import smtplib
import sys
import threading
import time
from email.message import EmailMessage


def message(i, size, rnd):
    m = EmailMessage()
    m["From"] = "=?ISO-2022-JP?B?GyRCOzBFRBsoQg==?= <sato@ext.example>"
    m["To"] = "user@lgwan.example"
    m["Subject"] = "benchmark %d" % i
    m["Message-ID"] = "<bench.%d.%d@ext.example>" % (i, rnd.getrandbits(32))
    m.set_content("本文です。 https://example.jp/x?id=%d\n" % i * 20)
    m.add_alternative("<html><body><p>本文 <a href='https://example.jp/'>link</a></p></body></html>",
                      subtype="html")
    blob = rnd.randbytes(max(0, size - 1700) * 3 // 4)
    m.add_attachment(blob, maintype="application", subtype="pdf", filename="見積書.pdf")
    return m.as_bytes()


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    size, count, conc = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rnd = random.Random(7)
    msgs = [message(i, size, rnd) for i in range(min(count, 50))]
    lat, errors, lock = [], [0], threading.Lock()
    next_i = [0]

    def worker():
        s = smtplib.SMTP(host, int(port), timeout=120)
        s.ehlo("bench.client")
        while True:
            with lock:
                i = next_i[0]
                if i >= count:
                    break
                next_i[0] += 1
            data = msgs[i % len(msgs)]
            t0 = time.perf_counter()
            try:
                s.sendmail("sato@ext.example", ["user@lgwan.example"], data)
                dt = (time.perf_counter() - t0) * 1000.0
                with lock:
                    lat.append(dt)
            except smtplib.SMTPException:
                with lock:
                    errors[0] += 1
                s.rset()
        s.quit()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, int(len(lat) * q))] if lat else 0.0
    print(json.dumps({"size": len(msgs[0]), "count": count, "errors": errors[0],
                      "msgs_s": len(lat) / wall, "p50_ms": pick(0.5), "p99_ms": pick(0.99)}))


if __name__ == "__main__":
    main()
