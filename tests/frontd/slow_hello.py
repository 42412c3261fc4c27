#!/usr/bin/env python3
# slow_hello: a TLS client that stops in the middle of its ClientHello (a
# handshake frontd has accepted but cannot finish yet), for the reload tests.
#
# usage: slow_hello PORT SERVER_NAME CA_FILE GO_FILE
#
# It connects to 127.0.0.1:PORT and sends the first half of a ClientHello,
# prints "half sent", waits (up to 60 s) until GO_FILE exists, sends the
# rest, finishes the handshake verifying the server against CA_FILE, sends
# one line, reads until that line has come back (after the backend's
# greeting), prints "echoed" and closes with close_notify. Exit 0 only then.
import os
import socket
import ssl
import sys
import time


def pump(tls, out_bio, sock):
    data = out_bio.read()
    if data:
        sock.sendall(data)


def main():
    port, name, ca, go = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    ctx = ssl.create_default_context(cafile=ca)
    in_bio, out_bio = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(in_bio, out_bio, server_hostname=name)
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = out_bio.read()
    half = len(hello) // 2
    sock.sendall(hello[:half])
    print("half sent", flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            print("no go", flush=True)
            return 1
        time.sleep(0.05)
    sock.sendall(hello[half:])
    while True:
        try:
            tls.do_handshake()
            pump(tls, out_bio, sock)
            break
        except ssl.SSLWantReadError:
            pump(tls, out_bio, sock)
            data = sock.recv(65536)
            if not data:
                print("closed during the handshake", flush=True)
                return 1
            in_bio.write(data)
    line = b"after the reloads\n"
    tls.write(line)
    pump(tls, out_bio, sock)
    got = b""
    while line not in got:
        try:
            got += tls.read(65536)
            continue
        except ssl.SSLWantReadError:
            pass
        data = sock.recv(65536)
        if not data:
            print("closed before the echo: %r" % got, flush=True)
            return 1
        in_bio.write(data)
    print("echoed", flush=True)
    try:
        tls.unwrap()
    except ssl.SSLWantReadError:
        pass
    pump(tls, out_bio, sock)
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
