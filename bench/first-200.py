#!/usr/bin/env python3
"""Start a command and poll its port in this process (a raw HTTP/1.1 GET every 5 ms, no new
process per try) until the first 200; print the milliseconds from spawn to that answer, the
child's PID and the wall clock of the answer (ns since the epoch, to set against Docker's
event times), and leave the child running.

    first-200.py PORT PATH COMMAND...      (the child's stdout and stderr go to /dev/null)
"""
import socket
import subprocess
import sys
import time

port, path, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % path).encode()
start = time.monotonic_ns()
child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = start + 60 * 10**9
while time.monotonic_ns() < deadline:
    if child.poll() is not None:
        sys.exit("the process exited with %d before answering" % child.returncode)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(request)
            head = s.recv(16)
        if head.startswith(b"HTTP/1.1 200"):
            print("%d %d %d" % ((time.monotonic_ns() - start) // 10**6, child.pid, time.time_ns()))
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.005)
child.kill()
sys.exit("no 200 within 60 s")
