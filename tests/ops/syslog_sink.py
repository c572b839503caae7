#!/usr/bin/env python3
"""syslog_sink.py SOCKET OUT.log FACILITIES.txt SECONDS - a minimal syslog
daemon for tests: receive datagrams on the unix socket SOCKET (bound to
/dev/log inside the test's mount namespace), write each message as
rsyslog's traditional file format ("Nov 23 10:00:00 mx TAG[PID]: MSG") to
OUT.log and its facility number to FACILITIES.txt. Stops on SIGTERM or
after SECONDS."""
import os
import re
import signal
import socket
import sys
import time

path, out, fac_out, limit = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
stop = False


def on_term(_sig, _frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
s.settimeout(0.2)
end = time.monotonic() + limit
# glibc: "<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG"
rx = re.compile(rb"^<(\d{1,3})>([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) (.*)$", re.S)
with open(out, "wb") as f, open(fac_out, "w") as g:
    while not stop and time.monotonic() < end:
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        m = rx.match(data)
        if not m:
            g.write("unparsed\n")
            continue
        pri = int(m.group(1))
        g.write("%d %d\n" % (pri >> 3, pri & 7))
        f.write(m.group(2) + b" mx " + m.group(3).rstrip(b"\n") + b"\n")
        f.flush()
        g.flush()
os.unlink(path)
