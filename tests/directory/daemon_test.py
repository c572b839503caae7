#!/usr/bin/env python3
"""daemon_test.py - issue 18 end to end: the REAL relaylock daemon reads
hosted domains from a private PostgreSQL (postfixadmin's schema) through
Postfix's own .cf files, and survives the server's death.

relaylock.conf names two sources: "pgsql:ACTIVE.cf" directly (postfixadmin's
virtual_mailbox_domains query) and "postfix:DIR", whose main.cf has
virtual_alias_domains = proxy:pgsql:ALIAS.cf (the alias domain query).
RCPTs go to the daemon through the milter protocol, as an MTA sends them.

Checks: active and alias domains accepted, inactive, backup-MX and unknown
domains refused 550; relaylock -q --explain names the directory that
answered; relaylock -t probes the directory (healthy, then a WARNING with
exit 0 while it is down). Then postgres is killed (SIGQUIT) mid-run: cached
domains still accepted (after a reload too: the cache survives it),
an uncached hosted domain answered 451 4.3.0
source_unavailable, nothing 550; the outage is logged at err once; after a
restart the uncached domain is accepted within a minute with relaylock
untouched (same PID). The same, shorter, with an ldap: source (slapd) and a mysql: source
(MariaDB), each server SIGKILLed.
A daemon started while the server is down starts,
serves (451 for its directory's domains) and accepts them after the
restart.

Environment: RELAYLOCK (the daemon), RELAYLOCK_DIR_WORKDIR (scratch
outside the checkout). Exit 1 on any failure.
"""

import importlib.util
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import servers  # noqa: E402
sys.path.append(os.path.join(HERE, "..", "integration"))
os.environ.setdefault("DIRQ", "")  # run.py's driver: unused here
# tests/directory/run.py (the postfixadmin schema, check()), by its path:
# tests/integration has a run.py too.
_spec = importlib.util.spec_from_file_location("dirtests", os.path.join(HERE, "run.py"))
dirtests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dirtests)
from procs import Cleanup, wait_until  # noqa: E402
from relaylock_proc import Relaylock  # noqa: E402

WORK = os.environ["RELAYLOCK_DIR_WORKDIR"]
METRICS_PORT = servers.free_port()
BINARY = os.path.abspath(os.environ["RELAYLOCK"])
check = dirtests.check

ACTIVE_Q = ("SELECT domain FROM domain WHERE domain='%s' AND backupmx = false "
            "AND active = true")
BACKUP_Q = ("SELECT domain FROM domain WHERE domain='%s' AND backupmx = true "
            "AND active = true")
ALIAS_Q = ("SELECT alias_domain FROM alias_domain WHERE alias_domain='%s' "
           "AND active = true")


# ---------------------------------------------------------------- milter
def pkt(cmd, data=b""):
    return struct.pack("!I", len(data) + 1) + cmd + data


def reply(sock):
    data = b""
    hdr = sock.recv(4, socket.MSG_WAITALL)
    if len(hdr) == 4:
        data = sock.recv(struct.unpack("!I", hdr)[0], socket.MSG_WAITALL)
    return data


def rcpt(sock_path, rcpt_to):
    """One SMTP session up to RCPT TO:<RCPT_TO>: its SMTP code ("250" for
    continue) and the seconds the answer took."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(sock_path)
        s.sendall(pkt(b"O", struct.pack("!III", 6, 0x1ff, 0x1fffff)))
        reply(s)
        s.sendall(pkt(b"C", b"client.example\0" + b"4" + struct.pack("!H", 1025)
                      + b"203.0.113.9\0"))
        reply(s)
        s.sendall(pkt(b"M", b"<a@sender.example>\0"))
        reply(s)
        t = time.monotonic()
        s.sendall(pkt(b"R", b"<user@" + rcpt_to.encode() + b">\0"))
        r = reply(s)
        took = time.monotonic() - t
    if r[:1] == b"c":
        return "250", took
    if r[:1] == b"y":
        return r[1:4].decode(), took
    return {b"t": "451", b"r": "550"}.get(r[:1], "?" + repr(r[:8])), took


# ---------------------------------------------------------------- set-up
def write_cf(path, pg, query):
    """A .cf with a password: root:nogroup 0640, as the daemon (nobody)
    reads it and others may not."""
    with open(path, "w") as f:
        f.write(f"hosts = 127.0.0.1:{pg.port}\nuser = postfix\npassword = pfpw\n"
                f"dbname = postfix\nquery = {query}\n")
    shutil.chown(path, "root", "nogroup")
    os.chmod(path, 0o640)


def setup(cl):
    if os.path.isdir(WORK):
        shutil.rmtree(WORK)
    os.makedirs(WORK)
    os.chmod(WORK, 0o755)
    pg = servers.Postgres(WORK)
    pg.start()
    cl.push("postgres", pg.stop)
    pg.sql(dirtests.PG_SCHEMA)
    pg.sql("INSERT INTO domain (domain) VALUES ('late.example'), "
           "('cached.example');\nINSERT INTO alias_domain (alias_domain, "
           "target_domain) VALUES ('onlyalias.example', 'active.example');\n"
           "CHECKPOINT;", db="postfix")  # the fixture runs with fsync off
    active, alias = os.path.join(WORK, "active.cf"), os.path.join(WORK, "alias.cf")
    write_cf(active, pg, ACTIVE_Q)
    write_cf(alias, pg, ALIAS_Q)
    backup = os.path.join(WORK, "backup.cf")
    write_cf(backup, pg, BACKUP_Q)
    pfdir = os.path.join(WORK, "postfix")
    os.makedirs(pfdir)
    with open(os.path.join(pfdir, "main.cf"), "w") as f:
        f.write("compatibility_level = 3.6\nmydestination =\n"
                f"relay_domains = proxy:pgsql:{backup}\n"
                f"virtual_alias_domains = proxy:pgsql:{alias}\n"
                f"virtual_mailbox_domains = proxy:pgsql:{active}\n")
    rl = Relaylock(cl, WORK, binary=BINARY, hosted=("static.example",),
                   socket_group="",
                   extra_conf=f'hosted_domains_from = {{ "pgsql:{active}", '
                              f'"postfix:{pfdir}" }}\nlookup_timeout = 2\n'
                              "directory_cache_ttl = 300\n"
                              f'metrics_listen = "127.0.0.1:{METRICS_PORT}"\n')
    # The direct source alone: no other source can hide its answers.
    direct = Relaylock(cl, os.path.join(WORK, "direct"), binary=BINARY,
                       hosted=("static.example",), socket_group="",
                       extra_conf=f'hosted_domains_from = {{ "pgsql:{active}" }}\n')
    os.chmod(os.path.join(WORK, "direct"), 0o755)
    # Started while the directory is down: it must start and serve.
    boot = Relaylock(cl, os.path.join(WORK, "boot"), binary=BINARY,
                     hosted=("static.example",), socket_group="",
                     extra_conf=f'hosted_domains_from = {{ "pgsql:{active}" }}\n')
    os.chmod(os.path.join(WORK, "boot"), 0o755)
    return pg, rl, direct, boot


def answers(rl, domains):
    return {d: rcpt(rl.socket, d)[0] for d in domains}


def relaylock_cmd(rl, *args):
    p = subprocess.run([BINARY, "-c", rl.conf, *args], capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def directory_metrics(cf):
    """{family: value} of the directory CF's samples on /metrics."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{METRICS_PORT}/metrics",
                                  timeout=10).read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("relaylock_directory_") and f'{cf}"}}' in line:
            out[line.split("{")[0][len("relaylock_directory_"):]] = int(line.split()[-1])
    return out


# ---------------------------------------------------------------- checks
def direct_only(direct, when, want):
    got = answers(direct, want)
    check(f"direct pgsql: source alone, {when}", got == want, f"got {got}")


def served(rl):
    want = {"active.example": "250", "onlyalias.example": "250",
            "cached.example": "250", "static.example": "250",
            "inactive.example": "550", "unknown.example": "550",
            "mx.backup.example": "250", "backup.example": "250",
            "sub.active.example": "550"}
    got = answers(rl, want)
    check("daemon: postfixadmin's domains through pgsql: and proxy:pgsql: "
          "(active, alias domain accepted; inactive, unknown 550; backup MX "
          "domain and its subdomains by relay_domains' parent lookups; no "
          "parent lookups in virtual_mailbox_domains)",
          got == want, f"got {got}")
    m = directory_metrics("active.cf")
    # active.cf: one query per domain not in hosted_domains (8), then the
    # postfix source's proxy:pgsql: lookups of the same slot hit the cache
    # (7: all but the domain alias.cf hosts, asked first); 2 hosted, 6 not.
    check("metrics: per directory: up, queries, cache hits, entries (active.cf"
          " shared by the pgsql: and proxy:pgsql: sources)",
          m == {"up": 1, "queries_total": 8, "cache_hits_total": 7,
                "errors_total": 0, "cached_hosted": 2, "cached_not_hosted": 6},
          str(m))
    rc, out = relaylock_cmd(rl, "-q", "user@onlyalias.example", "--explain")
    check("-q --explain names the directory that answered",
          rc == 0 and "virtual_alias_domains pgsql:" in out and "alias.cf" in out,
          f"rc {rc}: {out}")
    rc, out = relaylock_cmd(rl, "-t")
    check("-t: connects and probes each directory",
          rc == 0 and "connected, answered" in out and "WARNING" not in out,
          f"rc {rc}: {out}")
    open_cf = os.path.join(WORK, "open.cf")
    shutil.copy(os.path.join(WORK, "active.cf"), open_cf)
    os.chmod(open_cf, 0o644)
    conf = os.path.join(WORK, "open.conf")
    with open(conf, "w") as f:
        f.write(f'hosted_domains_from = {{ "pgsql:{open_cf}" }}\n')
    p = subprocess.run([BINARY, "-t", "-c", conf], capture_output=True, text=True,
                       timeout=60)
    check("a .cf with a password others can read: exit 78, naming relaylock.conf"
          ":line and the .cf", p.returncode == 78 and f"{conf}:1:" in p.stderr
          and open_cf in p.stderr, f"rc {p.returncode}: {p.stderr}")


def outage(pg, rl, direct, boot):
    pid = rl.pid
    pg.crash()
    boot.start()
    got = answers(boot, ["static.example", "active.example"])
    check("started while the directory is down: serves, its domains 451",
          boot.alive() and got == {"static.example": "250", "active.example": "451"},
          f"alive {boot.alive()}, got {got}")
    direct_only(direct, "server down: cached kept, uncached 451",
                {"active.example": "250", "inactive.example": "550",
                 "late.example": "451", "never.example": "451"})
    t = time.monotonic()
    got = answers(rl, ["active.example", "cached.example", "onlyalias.example"])
    check("outage: cached domains still accepted",
          set(got.values()) == {"250"}, f"got {got}")
    rl.reload()  # a reload during the outage: the cache must survive it
    reloaded = wait_until(lambda: "reloaded" in rl.log_text(), 10)
    got = answers(rl, ["active.example", "onlyalias.example"])
    check("outage: a reload keeps the cache (cached domains still accepted)",
          reloaded and set(got.values()) == {"250"}, f"reloaded {reloaded}, got {got}")
    code, took = rcpt(rl.socket, "late.example")
    check("outage: an uncached hosted domain gets 451 within lookup_timeout",
          code == "451" and took < 4, f"{code} after {took:.1f}s")
    got = answers(rl, ["late.example", "never.example", "other.example"])
    check("outage: nothing uncached is 550 while the directory is down (451)",
          set(got.values()) == {"451"}, f"got {got}")
    code = rcpt(rl.socket, "inactive.example")[0]
    check("outage: a cached negative keeps its answer (550)", code == "550", code)
    decisions = [d for d in rl.decisions() if "late.example" in d["rcpt"]]
    check("outage: the 451 says reason=source_unavailable",
          decisions and decisions[-1]["reason"] == "source_unavailable",
          str(decisions[-1:]))
    m = directory_metrics("active.cf")
    check("metrics: the directory is down, its errors counted",
          m.get("up") == 0 and m.get("errors_total", 0) >= 1, str(m))
    rc, out = relaylock_cmd(rl, "-t")
    check("-t while the directory is down: a WARNING, exit 0",
          rc == 0 and "WARNING cannot answer now" in out, f"rc {rc}: {out}")
    lines = [ln for ln in rl.log_text().splitlines() if "cannot answer:" in ln]
    check("outage logged once per directory (active.cf, alias.cf)",
          [sum("active.cf" in ln for ln in lines),
           sum("alias.cf" in ln for ln in lines)] == [1, 1], "\n".join(lines))
    pg.start()
    ok, code = False, None
    while time.monotonic() - t < 60 and not ok:
        code = rcpt(rl.socket, "late.example")[0]
        ok = code == "250"
        time.sleep(0.5)
    check("recovery: the uncached domain accepted within a minute of the "
          "outage, relaylock untouched", ok and rl.pid == pid and rl.alive(),
          f"last {code}, after {time.monotonic() - t:.0f}s")
    check("recovery logged", "answers again" in rl.log_text(), "")
    code = rcpt(boot.socket, "active.example")[0]
    check("recovery: the daemon started during the outage now accepts",
          code == "250", code)


# ---------------------------------------------------------------- LDAP, MySQL
LDAP_FILTER = ("(&(objectClass=domainRelatedObject)(associatedDomain=%s)"
               "(businessCategory=active))")
MYSQL_Q = ("SELECT domain FROM domain WHERE domain='%s' AND backupmx = '0' "
           "AND active = '1'")


def ldap_server():
    ld = servers.Slapd(WORK, dirtests.ldif())
    ld.start()
    return ld, (f"server_host = ldap://127.0.0.1:{ld.port}\n"
                "search_base = ou=domains,dc=example,dc=com\nscope = one\n"
                f"query_filter = {LDAP_FILTER}\nresult_attribute = associatedDomain\n"
                "bind = yes\nbind_dn = cn=reader,dc=example,dc=com\n"
                "bind_pw = readerpw\nversion = 3\n")


def mysql_server():
    my = servers.Mariadb(WORK)
    my.start()
    my.sql(dirtests.MY_SCHEMA)
    return my, (f"hosts = unix:{my.sock}\nuser = postfix\npassword = pfpw\n"
                f"dbname = postfix\nquery = {MYSQL_Q}\n")


def backend_run(cl, kind, start_server):
    """A KIND: source alone (ldap: an iRedMail-shaped tree in slapd, mysql:
    postfixadmin in MariaDB): answers, then the server killed (SIGKILL) and
    restarted."""
    server, text = start_server()
    cl.push(kind, server.stop)
    cf = os.path.join(WORK, f"{kind}.cf")
    with open(cf, "w") as f:
        f.write(text)
    shutil.chown(cf, "root", "nogroup")
    os.chmod(cf, 0o640)
    rl = Relaylock(cl, os.path.join(WORK, kind), binary=BINARY,
                   hosted=("static.example",), socket_group="",
                   extra_conf=f'hosted_domains_from = {{ "{kind}:{cf}" }}\n'
                              "lookup_timeout = 2\n")
    os.chmod(os.path.join(WORK, kind), 0o755)
    rl.start()
    want = {"active.example": "250", "inactive.example": "550",
            "backup.example": "550", "unknown.example": "550"}
    got = answers(rl, want)
    check(f"{kind}: active accepted; inactive, backup MX, unknown 550",
          got == want, f"got {got}")
    server.crash()
    got = answers(rl, ["active.example", "inactive.example", "active2.example"])
    check(f"{kind} down: cached answers kept, uncached 451, no new 550",
          got == {"active.example": "250", "inactive.example": "550",
                  "active2.example": "451"}, f"got {got}")
    server.start()
    ok = wait_until(lambda: rcpt(rl.socket, "active2.example")[0] == "250", 60, 0.5)
    check(f"{kind}: recovery after restart, relaylock untouched",
          ok and rl.alive(), "")


def wide_refused(cl, pg):
    """A .cf whose query ignores the domain finds anything: it would host
    every domain. The directory is refused (logged at err), its rows too;
    relaylock.conf's own domains still pass."""
    wide = os.path.join(WORK, "wide.cf")
    write_cf(wide, pg, "SELECT domain FROM domain LIMIT 1")
    w = Relaylock(cl, os.path.join(WORK, "wide"), binary=BINARY,
                  hosted=("static.example",), socket_group="",
                  extra_conf=f'hosted_domains_from = {{ "pgsql:{wide}" }}\n')
    os.chmod(os.path.join(WORK, "wide"), 0o755)
    w.start()
    got = answers(w, ["random-1.example", "active.example", "static.example"])
    check("a query that matches every domain: the directory is refused "
          "(random and listed domains 550, static domain 250)",
          got == {"random-1.example": "550", "active.example": "550",
                  "static.example": "250"}, f"got {got}")
    check("  and the refusal is logged, naming the directory",
          "directory pgsql:%s refused" % wide in w.log_text(), w.log_text()[-400:])
    w.stop(timeout=1)


def main():
    t0 = time.monotonic()
    with Cleanup() as cl:
        try:
            pg, rl, direct, boot = setup(cl)
            rl.start()
            direct.start()
            served(rl)
            direct_only(direct, "server up", {"active.example": "250",
                                              "inactive.example": "550",
                                              "backup.example": "550",
                                              "onlyalias.example": "550"})
            wide_refused(cl, pg)
            outage(pg, rl, direct, boot)
            backend_run(cl, "ldap", ldap_server)
            backend_run(cl, "mysql", mysql_server)
        except Exception as e:  # a harness error is a failure, never a skip
            check("daemon directory test ran to the end", False, repr(e))
    print(f"directory daemon: {dirtests.checks} checks, {len(dirtests.failures)} "
          f"failures, {time.monotonic() - t0:.1f}s")
    return 1 if dirtests.failures else 0


if __name__ == "__main__":
    sys.exit(main())
