#!/usr/bin/env python3
"""A slow-body flood from one address against a running yunshi, while a
client from another address keeps opening a page.

    bench/slow_flood.py http://127.0.0.1:8080 [connections] [seconds]

Opens `connections` (default 20000) connections from 127.0.0.1, each sending
the head of a POST with a 1 000-byte body and then one byte every 10 s, and
meanwhile times GET /login from 127.0.0.2 for `seconds` (default 20). Prints
how the flood was answered (429 at once, 408 at the body deadline, or held
open) and the other client's latency. Loopback only; it stops by itself.
"""
import resource
import select
import socket
import sys
import time
from urllib.parse import urlparse


def main():
    url = urlparse(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080")
    total = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
    host, port = url.hostname, url.port or 80
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    head = (
        f"POST /login HTTP/1.1\r\nhost: {host}\r\n"
        "content-type: application/x-www-form-urlencoded\r\n"
        "content-length: 1000\r\n\r\nl"
    ).encode()
    flood, refused_at_connect = [], 0
    for _ in range(total):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect_ex((host, port))
            flood.append(s)
        except OSError:
            refused_at_connect += 1
            s.close()
    time.sleep(0.5)
    for s in flood:
        try:
            s.send(head)
        except OSError:
            pass

    answers = {"429": 0, "408": 0, "closed": 0}
    open_ = set(flood)

    poller = select.poll()
    by_fd = {s.fileno(): s for s in flood}
    for fd in by_fd:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)

    def collect(timeout):
        for fd, _ in poller.poll(timeout * 1000):
            s = by_fd.pop(fd, None)
            poller.unregister(fd)
            if s is None:
                continue
            try:
                data = s.recv(64)
            except OSError:
                data = b""
            if data.startswith(b"HTTP/1.1 429"):
                answers["429"] += 1
            elif data.startswith(b"HTTP/1.1 408"):
                answers["408"] += 1
            else:
                answers["closed"] += 1
            open_.discard(s)
            s.close()

    took, errors = [], 0
    started = time.time()
    last_trickle = started
    while time.time() - started < seconds:
        t0 = time.time()
        try:
            c = socket.create_connection((host, port), timeout=5, source_address=("127.0.0.2", 0))
            c.sendall(f"GET /login HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n".encode())
            reply = b""
            while True:
                chunk = c.recv(65536)
                if not chunk:
                    break
                reply += chunk
            c.close()
            if not reply.startswith(b"HTTP/1.1 200"):
                errors += 1
            took.append(time.time() - t0)
        except OSError:
            errors += 1
        collect(0)
        if time.time() - last_trickle > 10:
            for s in list(open_):
                try:
                    s.send(b"x")
                except OSError:
                    pass
            last_trickle = time.time()
        time.sleep(0.05)
    collect(0.5)
    for s in open_:
        s.close()
    took.sort()
    pick = lambda q: took[min(len(took) - 1, int(len(took) * q))] * 1000 if took else float("nan")
    print(
        f"flood of {total} from 127.0.0.1: {answers['429']} answered 429, "
        f"{answers['408']} answered 408, {answers['closed']} closed, "
        f"{len(open_)} still open after {seconds:.0f} s, {refused_at_connect} refused at connect"
    )
    print(
        f"GET /login from 127.0.0.2 meanwhile: {len(took)} requests, {errors} errors, "
        f"p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, max {pick(1.0):.1f} ms"
    )


if __name__ == "__main__":
    main()
