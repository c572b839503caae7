"""mta_setup.py - the main run's MTA: sinks, relaylock and an open Postfix
or Sendmail hosting HOSTED, NEWHOSTED and the IDN domain.
"""

import os
import time

from postfix_mta import Postfix
from procs import wait_until
from relaylock_proc import Relaylock
from sendmail_mta import Sendmail
from sinks import FileSink, SmtpSink
from suites.common import (HOSTED, HOSTNAME, IDN_A, IDN_U, NEWHOSTED,
                           SASL_PASS, SASL_USER, TRUSTED_IP)


def start(s):
    wd = s.workdir
    s.relaylock = Relaylock(s.cl, wd, hosted=(HOSTED, IDN_A),
                            trusted=(TRUSTED_IP + '/32',))
    if s.kind == 'postfix':
        s.outside = SmtpSink(s.cl, wd, 'outside').start()
        s.hosted_sink = SmtpSink(s.cl, wd, 'hosted').start()
        if not s.baseline:
            s.relaylock.start()
        # Postfix 3.7 does not map U-labels for its own tables: its
        # admin lists both forms (relaylock has the A-label alone).
        s.mta = Postfix(s.cl, wd, s.outside, s.hosted_sink,
                        milter=s.relaylock.milter,
                        hosted_domains=(HOSTED, NEWHOSTED, IDN_A,
                                        IDN_U),
                        **idn_pipe(s, wd),
                        port=2525, open_port=2526,
                        sasl_users={SASL_USER: SASL_PASS},
                        hostname=HOSTNAME)
    else:
        s.outside = SmtpSink(s.cl, wd, 'outside', host='127.0.0.2',
                             port=2600).start()
        s.hosted_sink = FileSink(os.path.join(wd, 'hosted-mailbox'))
        if not s.baseline:
            s.relaylock.start()
        # Sendmail (no EAI here) knows no IDNA: its admin lists both
        # forms; relaylock still has the A-label alone.
        s.mta = Sendmail(s.cl, wd, s.outside, s.hosted_sink,
                         milter=s.relaylock.milter,
                         hosted_domains=(HOSTED, NEWHOSTED, IDN_A,
                                         IDN_U),
                         port=2527, open_port=2528,
                         hostname=HOSTNAME)
    if not s.baseline:
        check_privileges(s)
    t = time.monotonic()
    s.mta.start()
    s.check('%s starts (open relay, milter on port %d, none on %d)'
            % (s.kind, s.mta.port, s.mta.open_port), True,
            '%.2f s' % (time.monotonic() - t))


def idn_pipe(s, wd):
    """Postfix settings that deliver IDN_U to the hosted sink's dump
    with a pipe(8) script, in smtp-sink's dump format: smtp-sink has no
    SMTPUTF8, which a UTF-8 envelope needs."""
    script = os.path.join(wd, 'hosted-pipe.sh')
    with open(script, 'w') as f:
        f.write('#!/bin/sh\n# hosted-pipe.sh RCPT: append like smtp-sink -D\n'
                '{ printf "X-Client-Addr: pipe\\nX-Rcpt-Args: %%s\\n" "$1"; '
                'cat; echo; } >> "%s"\n' % s.hosted_sink.dump)
    os.chmod(script, 0o755)
    transport = ', '.join(['%s=smtp:[127.0.0.1]:%d'
                           % (d, s.hosted_sink.port)
                           for d in (HOSTED, NEWHOSTED, IDN_A)] +
                          ['%s=hostedpipe:' % IDN_U])
    return {'extra_main': {'transport_maps': 'inline:{ %s }' % transport},
            'extra_master': 'hostedpipe unix - n n - - pipe user=nobody '
            'argv=%s ${recipient}\n' % script}


def check_privileges(s):
    """Started as root with -u nobody: it must run as nobody, and its
    socket must be connectable by the postfix group only."""
    import grp
    import pwd
    nobody = pwd.getpwnam('nobody')
    want = [str(nobody.pw_uid)] * 4
    ids = {}

    def dropped():
        with open('/proc/%d/status' % s.relaylock.pid) as f:
            for line in f:
                k, _, v = line.partition(':')
                if k in ('Uid', 'Gid', 'Groups'):
                    ids[k] = v.split()
        return ids.get('Uid') == want
    # The socket accepts before the daemon has dropped privileges.
    wait_until(dropped, 5)
    st = os.stat(s.relaylock.socket)
    s.check('relaylock runs as nobody (started as root with -u)',
            ids.get('Uid') == want and
            ids.get('Gid') == [str(nobody.pw_gid)] * 4 and
            not set(ids.get('Groups', [])) - {str(nobody.pw_gid)},
            'Uid %s Gid %s Groups %s' % (ids.get('Uid'), ids.get('Gid'),
                                         ids.get('Groups')))
    s.check('milter socket: group postfix, mode 0660',
            st.st_gid == grp.getgrnam('postfix').gr_gid
            and (st.st_mode & 0o777) == 0o660,
            'gid %d mode %o' % (st.st_gid, st.st_mode & 0o777))
