#!/usr/bin/env python3
"""Hostile clients for bench/hostile: keeps N unfinished header blocks and M stalled bodies open
against one address for a bounded time, reopening each one the server ends, and sends K requests
whose handlers never return (once each: every one leaves a stuck handler behind for good), then
prints what the server did to them. Loopback (or your own test hosts) only.

    hostile-clients.py HOST PORT SECONDS HEADERS BODIES STUCK
"""
import selectors
import socket
import sys
import time

host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
counts = {"headers": int(sys.argv[4]), "bodies": int(sys.argv[5]), "stuck": int(sys.argv[6])}
PAYLOAD = {
    "headers": b"GET / HTTP/1.1\r\nHost: x\r\nX-a: ",
    "bodies": b"POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"sys",
    "stuck": b"GET /demo/stuck HTTP/1.1\r\nHost: x\r\n\r\n",
}
sel = selectors.DefaultSelector()
ended = {k: {} for k in counts}   # kind -> first status line word (or "closed") -> count
opened = {k: 0 for k in counts}


def open_one(kind):
    s = socket.create_connection((host, port))
    s.setblocking(False)
    s.sendall(PAYLOAD[kind])
    sel.register(s, selectors.EVENT_READ, [kind, b""])
    opened[kind] += 1


for kind, n in counts.items():
    for _ in range(n):
        open_one(kind)

deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    for key, _ in sel.select(timeout=0.2):
        kind, got = key.data
        try:
            data = key.fileobj.recv(65536)
        except (ConnectionResetError, BlockingIOError):
            data = b""
        if data:
            key.data[1] = got + data
            continue
        sel.unregister(key.fileobj)
        key.fileobj.close()
        status = got.split(b" ", 2)[1].decode() if got.startswith(b"HTTP/1.1 ") else "closed"
        ended[kind][status] = ended[kind].get(status, 0) + 1
        if kind != "stuck":
            open_one(kind)

for key in list(sel.get_map().values()):
    key.fileobj.close()
for kind in counts:
    print("%-8s %5d at once, opened %6d in all, ended by the server: %s"
          % (kind, counts[kind], opened[kind], ", ".join("%s x%d" % kv for kv in sorted(ended[kind].items())) or "none"))
