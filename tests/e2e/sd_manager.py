#!/usr/bin/env python3
"""The two parts of systemd a unit's program meets, for the tests.

    sd_manager notify-sink SOCKET OUT
        Bind the datagram socket SOCKET (what NOTIFY_SOCKET names) and
        append every message to OUT as it comes: "PID=n" (the sender, from
        the credentials the kernel attaches, which systemd checks for
        NotifyAccess=main), its assignments one per line, then "--";
        flushed at once, so a test can wait for READY=1 with grep. Runs
        until killed.

    sd_manager activate [--other-pid] ADDRESS... -- PROGRAM ARG...
        Socket activation as sd_listen_fds(3) describes it: bind and listen
        on each ADDRESS (host:port, [v6]:port), pass them as descriptors 3,
        4, ... with LISTEN_FDS and LISTEN_PID, and exec PROGRAM in this
        process (so LISTEN_PID is its pid). --other-pid names another
        process in LISTEN_PID, as a child that inherited the variables
        would see them. systemd-socket-activate does the same; this is for
        machines without it and for --other-pid.
"""
import os
import socket
import struct
import sys


def notify_sink(path, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    s.bind(path)
    creds = struct.calcsize("3i")
    with open(out, "a") as f:
        f.write("listening\n")
        f.flush()
        while True:
            msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(creds))
            pid = None
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("3i", data[:creds])[0]
            f.write("PID=%s\n%s\n--\n" % (pid, msg.decode("utf-8", "replace")))
            f.flush()


def listener(address):
    host, _, port = address.rpartition(":")
    family = socket.AF_INET
    if host.startswith("["):
        host, family = host[1:-1], socket.AF_INET6
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, int(port)))
    s.listen(16)
    return s


def activate(args):
    other_pid = args and args[0] == "--other-pid"
    if other_pid:
        args = args[1:]
    cut = args.index("--")
    addresses, argv = args[:cut], args[cut + 1:]
    socks = [listener(a) for a in addresses]
    # Out of the way first, so that moving one to 3 + i cannot close another.
    fds = [os.dup(s.fileno()) for s in socks]
    for i, fd in enumerate(fds):
        os.dup2(fd, 3 + i, inheritable=True)
    env = dict(os.environ)
    env["LISTEN_FDS"] = str(len(fds))
    env["LISTEN_PID"] = str(os.getppid() if other_pid else os.getpid())
    sys.stdout.flush()
    os.execve(argv[0], argv, env)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "notify-sink":
        notify_sink(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 3 and sys.argv[1] == "activate" and "--" in sys.argv:
        activate(sys.argv[2:])
    else:
        sys.stderr.write("usage: sd_manager notify-sink SOCKET OUT | activate [--other-pid] ADDRESS... -- PROGRAM ARG...\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
