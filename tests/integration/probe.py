#!/usr/bin/python3
"""TCP probe for the namespace tests. probe.py SRC DST PORT: connects from address SRC to
DST:PORT. Exit 0 when the far end answered (connected, or refused it: either way the SYN
went through the firewall), 1 when nothing came back before the timeout (dropped)."""
import socket, sys

src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.settimeout(1.5)
s.bind((src, 0))
try:
    s.connect((dst, port))
    sys.exit(0)
except ConnectionRefusedError:
    sys.exit(0)
except (socket.timeout, OSError):
    sys.exit(1)
