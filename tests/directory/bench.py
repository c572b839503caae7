#!/usr/bin/env python3
"""bench.py - make bench figures of the directory library: a private
PostgreSQL 15 with DIR_BENCH_DOMAINS (1M) postfixadmin domains; dirq looks
each up once uncached (median and 99th percentile of one lookup), then again
from the warm cache (lookups per second), and reports its RSS with the
cache full. Prints "bench: NAME VALUE UNIT" lines. Asserts nothing."""

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import servers  # noqa: E402

N = int(os.environ.get("DIR_BENCH_DOMAINS", "1000000"))


def main():
    work = os.environ["RELAYLOCK_DIR_WORKDIR"]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work, mode=0o755)
    pg = servers.Postgres(work)
    pg.start()
    try:
        t0 = time.monotonic()
        pg.sql("CREATE ROLE postfix LOGIN PASSWORD 'pfpw';\n"
               "CREATE DATABASE postfix OWNER postfix;\n")
        pg.sql("CREATE TABLE domain (domain varchar(255) PRIMARY KEY, backupmx boolean "
               "NOT NULL DEFAULT false, active boolean NOT NULL DEFAULT true);\n"
               "INSERT INTO domain (domain) SELECT 'd' || g || '.example' "
               f"FROM generate_series(0, {N - 1}) g;\nANALYZE domain;\n"
               "GRANT SELECT ON domain TO postfix;\n", db="postfix")
        print(f"bench: directory_pgsql_load_s {time.monotonic() - t0:.1f} s", flush=True)
        cf = os.path.join(work, "domains.cf")
        with open(cf, "w") as f:
            f.write(f"hosts = unix:{pg.sock}\nuser = postfix\npassword = pfpw\n"
                    "dbname = postfix\nquery = SELECT domain FROM domain WHERE "
                    "domain='%s' and backupmx = false and active = true\n")
        os.chmod(cf, 0o640)
        out = subprocess.run([os.environ["DIRQ"], "-b", str(N), f"pgsql:{cf}", "d", ".example"],
                             capture_output=True, text=True, check=True).stdout
        f = dict(zip(out.split()[::2], out.split()[1::2]))
        print(f"bench: directory_domains {N} domains")
        print(f"bench: directory_uncached_found {f['found']} domains")
        print(f"bench: directory_uncached_median_ms {f['median_ms']} ms")
        print(f"bench: directory_uncached_p99_ms {f['p99_ms']} ms")
        print(f"bench: directory_cached_lookups_per_s {f['cached_lookups_per_s']} lookups/s")
        print(f"bench: directory_rss_cache_full_mb {int(f['rss_kb']) / 1024:.1f} MB")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
