#!/usr/bin/env python3
"""An independent milter client (the MTA side), written from the protocol description, not
from mamori's codec. It negotiates like Postfix, sends messages on one connection and
measures, for each, the time from its first command (MAIL) to the final reply.

Usage: milter_client.py HOST:PORT|unix:PATH FILE [COUNT [RCPT]]
Prints one JSON object: replies of the last message, latencies (ms), the modified message.
"""
import json
import socket
import struct
import sys
import time


def packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def read_packet(sock):
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            raise EOFError("milter closed the connection")
        head += chunk
    (length,) = struct.unpack(">I", head)
    body = b""
    while len(body) < length:
        chunk = sock.recv(length - len(body))
        if not chunk:
            raise EOFError("milter closed the connection")
        body += chunk
    return body[:1], body[1:]


def split_message(raw):
    raw = raw.replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    headers = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1][1] += b"\n" + line
        elif b":" in line:
            name, _, value = line.partition(b":")
            headers.append([name, value])
    return headers, body.replace(b"\n", b"\r\n")


def main():
    target, path = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rcpt = sys.argv[4] if len(sys.argv) > 4 else "user@lgwan.example"
    if target.startswith("unix:"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(target[5:])
    else:
        host, port = target.rsplit(":", 1)
        # Like Postfix: Nagle left on, one write per packet, no waiting for replies the
        # milter said it would not send. A milter that delays its ACKs stalls this 40 ms.
        sock = socket.create_connection((host, int(port)))
    raw = open(path, "rb").read()
    headers, body = split_message(raw)
    # Postfix 3.7 offers every action and step, version 6.
    sock.sendall(packet(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)))
    cmd, data = read_packet(sock)
    assert cmd == b"O", cmd
    _, actions, proto = struct.unpack(">III", data[:12])
    leadspc = bool(proto & 0x100000)
    no_reply = {
        b"C": 0x1000, b"H": 0x2000, b"M": 0x4000, b"R": 0x8000, b"T": 0x10000,
        b"L": 0x80, b"N": 0x40000, b"B": 0x80000,
    }

    def send(cmd, data=b""):
        sock.sendall(packet(cmd, data))
        if cmd in no_reply and not proto & no_reply[cmd]:
            reply, _ = read_packet(sock)
            assert reply == b"c", reply

    send(b"D", b"C" + b"j\0gw.test\0{client_addr}\0" + b"192.0.2.1\0")
    send(b"C", b"client.test\0" + b"4" + struct.pack(">H", 25) + b"192.0.2.1\0")
    send(b"H", b"client.test\0")
    latencies = []
    replies = []
    for i in range(count):
        first_sent = time.perf_counter()
        send(b"M", b"<sender@ext.example>\0")
        send(b"R", b"<" + rcpt.encode() + b">\0")
        send(b"T")
        for name, value in headers:
            if not leadspc:
                value = value.lstrip(b" \t")
            send(b"L", name + b"\0" + value + b"\0")
        send(b"N")
        for o in range(0, len(body), 65535):
            send(b"B", body[o:o + 65535])
        sock.sendall(packet(b"D", b"E" + b"i\0Q%05d\0" % i))
        sock.sendall(packet(b"E"))
        start = first_sent
        replies = []
        while True:
            cmd, data = read_packet(sock)
            replies.append((cmd, data))
            if cmd in (b"c", b"a", b"t", b"r", b"y", b"d"):
                break
        latencies.append((time.perf_counter() - start) * 1000.0)
    sock.sendall(packet(b"Q"))
    sock.close()
    # The message as the MTA would rebuild it from the replies.
    added = [d.split(b"\0")[:2] for c, d in replies if c == b"h"]
    deleted = sum(1 for c, d in replies if c == b"m")
    new_body = b"".join(d for c, d in replies if c == b"b")
    final = replies[-1]
    out = {
        "final": final[0].decode(),
        "final_text": final[1].rstrip(b"\0").decode("ascii", "replace"),
        "deleted_headers": deleted,
        "headers": [[n.decode("ascii"), v.decode("ascii")] for n, v in added],
        "body": new_body.decode("ascii", "replace"),
        "latencies_ms": latencies,
        "actions": actions,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
