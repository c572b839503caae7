"""servers.py - private PostgreSQL 15, MariaDB and OpenLDAP slapd for the
directory tests, each in a scratch directory on 127.0.0.1 and a unix socket,
stopped by PID. No system service is used or touched."""

import os
import shutil
import signal
import socket
import subprocess
import time

PGBIN = "/usr/lib/postgresql/15/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_user(user, argv):
    return ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups"] + argv


def run(argv, **kw):
    kw.setdefault("stdout", subprocess.DEVNULL)
    return subprocess.run(argv, check=True, **kw)


def descendants(pid):
    """PID and every process below it (postgres forks a backend per client)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def wait_for(what, test, seconds=60):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if test():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready after {seconds}s")


def quiet_ok(argv):
    return subprocess.run(argv, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def make_certs(d):
    """A private CA and a server certificate for 127.0.0.1 (IP SAN)."""
    ca, key, crt = (os.path.join(d, n) for n in ("ca.pem", "server.key", "server.pem"))
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=relaylock test CA", "-keyout", os.path.join(d, "ca.key"),
         "-out", ca], stderr=subprocess.DEVNULL)
    run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-keyout", key, "-out", os.path.join(d, "server.csr")], stderr=subprocess.DEVNULL)
    ext = os.path.join(d, "san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName = IP:127.0.0.1\n")
    run(["openssl", "x509", "-req", "-in", os.path.join(d, "server.csr"), "-CA", ca,
         "-CAkey", os.path.join(d, "ca.key"), "-CAcreateserial", "-days", "2",
         "-extfile", ext, "-out", crt], stderr=subprocess.DEVNULL)
    return ca, key, crt


class Server:
    name = "server"
    proc = None
    log = None

    def pid(self):
        return self.proc.pid if self.proc and self.proc.poll() is None else None

    def kill_with(self, sig):
        """SIGQUIT/SIGKILL: a crash, for outage tests. Waits for the exit."""
        if not self.pid():
            return
        os.kill(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def stop(self):
        self.kill_with(signal.SIGTERM)

    def freeze(self, sig=signal.SIGSTOP):
        for p in descendants(self.proc.pid):
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass
        if sig == signal.SIGSTOP:
            wait_for(f"{self.name} stopped", self.stopped, 10)

    def stopped(self):
        """Every thread of every process of the server is in state T: a
        SIGSTOP takes a moment to reach threads running on another CPU."""
        for p in descendants(self.proc.pid):
            try:
                for t in os.listdir(f"/proc/{p}/task"):
                    with open(f"/proc/{p}/task/{t}/stat") as f:
                        if f.read().rsplit(")", 1)[1].split()[0] not in "Tt":
                            return False
            except OSError:
                pass
        return True

    def thaw(self):
        self.freeze(signal.SIGCONT)

    def spawn(self, argv):
        self.log = open(os.path.join(self.dir, f"{self.name}.log"), "ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL)


class Postgres(Server):
    name = "postgres"

    def __init__(self, base):
        self.dir = os.path.join(base, "pg")
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        self.port = free_port()
        os.makedirs(self.sock)
        shutil.chown(self.dir, "postgres", "postgres")
        shutil.chown(self.sock, "postgres", "postgres")
        run(as_user("postgres", [f"{PGBIN}/initdb", "-D", self.data, "-U", "postgres",
                                 "--auth-local=peer", "--auth-host=scram-sha-256",
                                 "-E", "UTF8", "--locale=C.UTF-8"]))
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                    f"unix_socket_directories = '{self.sock}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        hba = os.path.join(self.data, "pg_hba.conf")
        with open(hba) as f:
            rest = f.read()
        with open(hba, "w") as f:
            f.write("local all postgres peer\nlocal all all scram-sha-256\n"
                    "host all all 127.0.0.1/32 scram-sha-256\n" + rest)
        # Postfix's "unix:/dir" always means .s.PGSQL.5432 in that directory.
        os.symlink(f".s.PGSQL.{self.port}", os.path.join(self.sock, ".s.PGSQL.5432"))

    def start(self):
        self.spawn(as_user("postgres", [f"{PGBIN}/postgres", "-D", self.data]))
        wait_for("postgres", lambda: quiet_ok(
            [f"{PGBIN}/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)]))

    def sql(self, text, db="postgres"):
        run(as_user("postgres", ["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1",
                                 "-h", self.sock, "-p", str(self.port), "-U", "postgres",
                                 "-d", db]), input=text.encode())

    def crash(self):
        self.kill_with(signal.SIGQUIT)


class Mariadb(Server):
    name = "mariadb"

    def __init__(self, base):
        self.dir = os.path.join(base, "mariadb")
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "mysqld.sock")
        self.port = free_port()
        os.makedirs(self.dir)
        shutil.chown(self.dir, "mysql", "mysql")
        self.ca, self.key, self.crt = make_certs(self.dir)
        for f in (self.key, self.crt, self.ca):
            shutil.chown(f, "mysql", "mysql")
        run(["mariadb-install-db", "--no-defaults", "--user=mysql",
             f"--datadir={self.data}", "--skip-test-db",
             "--auth-root-authentication-method=socket"],
            stderr=subprocess.DEVNULL)

    def start(self):
        self.spawn(["mariadbd", "--no-defaults", "--user=mysql",
                    f"--datadir={self.data}", f"--socket={self.sock}",
                    f"--port={self.port}", "--bind-address=127.0.0.1",
                    f"--pid-file={self.dir}/mariadbd.pid", "--skip-name-resolve",
                    "--skip-log-bin", "--innodb-buffer-pool-size=16M",
                    f"--ssl-ca={self.ca}", f"--ssl-cert={self.crt}",
                    f"--ssl-key={self.key}"])
        wait_for("mariadb", lambda: quiet_ok(
            ["mariadb", "--no-defaults", f"--socket={self.sock}", "-u", "root",
             "-e", "SELECT 1"]))

    def sql(self, text, db=None):
        argv = ["mariadb", "--no-defaults", f"--socket={self.sock}", "-u", "root"]
        run(argv + ([db] if db else []), input=text.encode())

    def query(self, text):
        """The rows of one query, tab-separated, without headers."""
        return subprocess.run(["mariadb", "--no-defaults", f"--socket={self.sock}",
                               "-u", "root", "-N", "-B", "-e", text], check=True,
                              capture_output=True, text=True).stdout

    def crash(self):
        self.kill_with(signal.SIGKILL)


class Slapd(Server):
    name = "slapd"

    def __init__(self, base, ldif):
        self.dir = os.path.join(base, "slapd")
        self.db = os.path.join(self.dir, "db")
        self.conf = os.path.join(self.dir, "slapd.conf")
        self.sock = os.path.join(self.dir, "ldapi")
        self.port = free_port()
        self.tls_port = free_port()
        os.makedirs(self.db)
        self.ca, key, crt = make_certs(self.dir)
        with open(self.conf, "w") as f:
            f.write(f"TLSCACertificateFile {self.ca}\nTLSCertificateFile {crt}\n"
                    f"TLSCertificateKeyFile {key}\n")
            f.write("include /etc/ldap/schema/core.schema\n"
                    "include /etc/ldap/schema/cosine.schema\n"
                    "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
                    f"pidfile {self.dir}/slapd.pid\nargsfile {self.dir}/slapd.args\n"
                    "database mdb\nmaxsize 10485760\n"
                    'suffix "dc=example,dc=com"\n'
                    'rootdn "cn=admin,dc=example,dc=com"\nrootpw adminpw\n'
                    f"directory {self.db}\n")
        path = os.path.join(self.dir, "tree.ldif")
        with open(path, "w") as f:
            f.write(ldif)
        run(["slapadd", "-q", "-f", self.conf, "-l", path])

    def url_ldapi(self):
        return "ldapi://" + self.sock.replace("/", "%2F")

    def start(self):
        if os.path.exists(self.sock):  # left by a SIGKILL
            os.unlink(self.sock)
        self.spawn(["slapd", "-d", "0", "-f", self.conf, "-h",
                    f"ldap://127.0.0.1:{self.port}/ ldaps://127.0.0.1:{self.tls_port}/ "
                    f"{self.url_ldapi()}/"])
        wait_for("slapd", lambda: quiet_ok(
            ["ldapsearch", "-x", "-H", f"ldap://127.0.0.1:{self.port}", "-b", "",
             "-s", "base"]))

    def crash(self):
        self.kill_with(signal.SIGKILL)
