#!/usr/bin/env python3
# flood: the cheap attacks on a TLS listener, for the end-to-end tests.
#
# Opens --idle sockets that never send a byte and --partial sockets that
# send the first --send bytes of a ClientHello whose header claims
# --hello-size bytes, then holds them all. With --reconnect, every socket
# the server closes is opened again at once (the "reconnecting" flood); a
# socket that cannot be opened now is retried after a moment.
#
# Prints "ready HOLDING" once as many sockets as asked for have been open
# and sent what they send (the server may have closed some since), "open N holding N closed-by-peer N" every --status-every seconds,
# and "closed-by-peer N" at exit. Stops after --duration seconds or on
# SIGTERM; leaving closes every socket at once.
import argparse
import errno
import resource
import selectors
import signal
import socket
import struct
import sys
import time

RECORD = 16384


def half_hello(claimed, send):
    """The first `send` bytes of a ClientHello claiming `claimed` body bytes,
    in handshake records of at most 16 KiB as RFC 8446 §5.1 allows."""
    msg = bytes([1]) + claimed.to_bytes(3, "big") + b"\x03\x03" + bytes(32) + bytes(1)
    msg = msg + bytes(max(0, send - len(msg)))
    msg = msg[:send]
    out = b""
    for i in range(0, len(msg), RECORD):
        part = msg[i:i + RECORD]
        out += struct.pack("!BHH", 22, 0x0301, len(part)) + part
    return out


class Flood:
    def __init__(self, a):
        self.a = a
        self.sel = selectors.DefaultSelector()
        self.payload = half_hello(a.hello_size, a.send) if a.partial else b""
        self.open = 0
        self.pending = {"idle": a.idle, "partial": a.partial}
        self.closed_by_peer = 0
        self.holding = 0
        self.reached = 0  # sockets that got to holding, counting each time
        self.connecting = 0
        self.stop = False

    def start_one(self, kind):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            if self.a.bind:
                s.bind((self.a.bind, 0))
            rc = s.connect_ex((self.a.host, self.a.port))
        except OSError:
            s.close()
            return False
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            return False
        self.connecting += 1
        self.sel.register(s, selectors.EVENT_WRITE, [kind, "connecting", 0])
        return True

    def fill(self):
        # Keep at most a few hundred connects in flight: the listen backlog is small.
        for kind in ("idle", "partial"):
            while self.pending[kind] > 0 and self.connecting < 256:
                if not self.start_one(kind):
                    return
                self.pending[kind] -= 1

    def lost(self, s, kind, state, by_peer):
        self.sel.unregister(s)
        s.close()
        self.open -= 1
        if state == "holding":
            self.holding -= 1
        if by_peer:
            self.closed_by_peer += 1
        if self.a.reconnect:
            self.pending[kind] += 1

    def event(self, key, mask):
        s = key.fileobj
        kind, state, sent = key.data
        if state == "connecting":
            self.connecting -= 1
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                self.sel.unregister(s)
                s.close()
                self.pending[kind] += 1
                return
            self.open += 1
            state = "sending" if self.payload and kind == "partial" else "holding"
            if state == "holding":
                self.holding += 1
                self.reached += 1
        elif mask & selectors.EVENT_READ:
            # The server spoke (an alert) or closed: read it, and see which.
            try:
                if s.recv(4096) == b"":
                    self.lost(s, kind, state, True)
                    return
            except BlockingIOError:
                pass
            except OSError:
                self.lost(s, kind, state, True)
                return
        if state == "sending":
            try:
                sent += s.send(self.payload[sent:])
            except BlockingIOError:
                pass
            except OSError:
                self.lost(s, kind, state, True)
                return
            if sent >= len(self.payload):
                state = "holding"
                self.holding += 1
                self.reached += 1
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if state == "sending" else 0)
        self.sel.modify(s, events, [kind, state, sent])

    def run(self):
        end = time.monotonic() + self.a.duration
        said_ready = False
        next_status = time.monotonic() + self.a.status_every if self.a.status_every else None
        total = self.a.idle + self.a.partial
        while not self.stop and time.monotonic() < end:
            self.fill()
            for key, mask in self.sel.select(timeout=0.1):
                self.event(key, mask)
            if not said_ready and self.reached >= total:
                print("ready %d" % self.holding, flush=True)
                said_ready = True
            if next_status is not None and time.monotonic() >= next_status:
                print("open %d holding %d closed-by-peer %d" % (self.open, self.holding, self.closed_by_peer),
                      flush=True)
                next_status += self.a.status_every
        print("closed-by-peer %d" % self.closed_by_peer, flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--bind", help="source address (e.g. 127.0.0.2)")
    p.add_argument("--idle", type=int, default=0)
    p.add_argument("--partial", type=int, default=0)
    p.add_argument("--hello-size", type=int, default=128 * 1024)
    p.add_argument("--send", type=int, default=8192)
    p.add_argument("--reconnect", action="store_true")
    p.add_argument("--duration", type=float, default=300)
    p.add_argument("--status-every", type=float, default=0)
    a = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.idle + a.partial + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    f = Flood(a)
    signal.signal(signal.SIGTERM, lambda *_: setattr(f, "stop", True))
    f.run()


if __name__ == "__main__":
    main()
