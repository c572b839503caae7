"""harness.py - real Postfix, real Sendmail, smtp sinks and relaylock for
tests: one name for the modules below (old callers `import harness as h`).

Python 3, standard library only. Needs root (Postfix, Sendmail, namespaces).
Nothing here touches the system Postfix (/etc/postfix) or installs Sendmail:
Sendmail is unpacked from its Debian packages into a cache and runs only
inside a private network namespace. The API, by job (each module's
docstring documents its part):

  procs.py           HarnessError, Cleanup, wait_until, free_port, stop_pid,
                     run, the private namespace (reexec_in_namespace,
                     setup_namespace, fresh_workdir, in_private_namespace)
  smtp.py            SmtpClient, wait_banner, message
  sinks.py           SmtpSink (smtp-sink), FileSink (a mailbox file)
  relaylock_proc.py  Relaylock (the daemon), parse_decision,
                     escape_log_value, DECISION_KEYS
  mta_base.py        Mta: what both MTA wrappers share
  postfix_mta.py     Postfix: an isolated, open instance
  sendmail_mta.py    Sendmail, sendmail_root: an unpacked, open Sendmail

New code imports the module it needs (`from smtp import SmtpClient`);
this file keeps `import harness as h` working for the older callers
(tests/selftest, tests/bench, tests/stress, limits.py).

Every start() raises HarnessError with the relevant log tail when a program
does not come up: a test that cannot start an MTA fails, it never skips.

Example (an open and a protected Postfix for a probe; run as root):

    import sys; sys.path.insert(0, 'tests/integration'); import harness as h
    if not h.in_private_namespace():
        sys.exit(h.reexec_in_namespace('mx.relaylock.test'))
    wd = 'build/mytest'                  # must exist, mode 0755
    h.setup_namespace('mx.relaylock.test', wd)
    with h.Cleanup() as cl:
        out = h.SmtpSink(cl, wd, 'outside').start()
        hosted = h.SmtpSink(cl, wd, 'hosted').start()
        rl = h.Relaylock(cl, wd, hosted=('hosted.example',),
                         trusted=('127.0.0.10/32',)).start()
        pf = h.Postfix(cl, wd, out, hosted, milter=rl.milter).start()
        # probe 127.0.0.1:pf.open_port (open relay) and 127.0.0.1:pf.port
        # (protected) from source 127.0.0.2; subprocesses share the namespace.
        subprocess.run(['probe', '--source', '127.0.0.2',
                        '127.0.0.1:%d' % pf.port])
        pf.wait_queue_empty(); print(out.count(), 'messages relayed')

Outside a namespace Postfix, the sinks and relaylock work too (free ports on
the host's 127.0.0.1); Sendmail does not.
"""

# Re-exported: every public name of the harness modules.
from mta_base import Mta  # noqa: F401
from postfix_mta import POSTFIX_MASTER_CF, Postfix  # noqa: F401
from procs import (HERE, NS_ENV, REPO, Cleanup, HarnessError,  # noqa: F401
                   free_port, fresh_workdir, in_private_namespace, log,
                   pid_alive, reexec_in_namespace, run, setup_namespace,
                   stop_pid, tail, wait_until)
from relaylock_proc import (DECISION_KEYS, Relaylock,  # noqa: F401
                            escape_log_value, parse_decision)
from sendmail_mta import (MAILBOX_SH, SENDMAIL_MC,  # noqa: F401
                          SENDMAIL_PACKAGES, Sendmail, sendmail_root)
from sinks import FileSink, SmtpSink  # noqa: F401
from smtp import SmtpClient, message, wait_banner  # noqa: F401
