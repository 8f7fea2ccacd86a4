#!/usr/bin/env python3
"""Sequential keep-alive GETs on one connection; prints the p50, p99 and max latency in ms of
a batch. For bench/warmup.

    warm-client.py PORT PATH COUNT
"""
import socket
import sys
import time

port, path, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path).encode()
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
f = s.makefile("rb")
times = []
for _ in range(count):
    t = time.perf_counter_ns()
    s.sendall(request)
    status = f.readline()
    length = 0
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    f.read(length)
    times.append((time.perf_counter_ns() - t) / 1e6)
    if not status.startswith(b"HTTP/1.1 200"):
        sys.exit("not 200: %r" % status)
times.sort()
print("%.3f %.3f %.3f" % (times[len(times) // 2], times[int(len(times) * 0.99) - 1], times[-1]))
