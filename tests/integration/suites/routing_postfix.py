"""routing_postfix.py - the routing run's Postfix: hosted.example in
mydestination (allow_percent_hack at its default), virtual.example and
alias.example virtual alias domains (virtual_alias_maps: plain forwards,
+detail, a forward to a local user, a regexp: catch-all), backup.example in
relay_domains with transport_maps to an internal primary (a sink).
The milter sees trivial-rewrite's answer, before virtual alias expansion.
"""

import os

from postfix_mta import Postfix
from procs import run
from relaylock_proc import Relaylock
from sinks import SmtpSink
from suites.common import HOSTED, HOSTNAME, TRUSTED_IP
from suites import routing
from suites.routing import OUT, trick_table

VIRTUAL = 'virtual.example'
ALIAS = 'alias.example'
BACKUP = 'backup.example'

LEGIT = [
    ('mydestination mailbox', '<alice@%s>' % HOSTED, 'hosted',
     'alice@' + HOSTED),
    ('virtual alias forward at a mydestination domain', '<fwd@%s>' % HOSTED,
     'outside', 'nobody@' + OUT),
    ('virtual alias forward with +detail', '<fwd+news@%s>' % HOSTED,
     'outside', 'nobody+news@' + OUT),
    ('virtual alias domain forward', '<fwd@%s>' % VIRTUAL, 'outside',
     'nobody@' + OUT),
    ('virtual alias forward to a local user', '<local@%s>' % VIRTUAL,
     'hosted', 'alice@' + HOSTED),
    ('regexp catch-all', '<anyone@%s>' % ALIAS, 'outside',
     'anyone@' + OUT),
    ('relay_domains backup MX', '<user@%s>' % BACKUP, 'primary',
     'user@' + BACKUP),
]
TRICKS = trick_table((('fwd', HOSTED), ('fwd', VIRTUAL), ('nobody', ALIAS),
                      ('nobody', BACKUP)), HOSTED)


def start(s):
    wd = s.workdir
    s.sinks = {n: SmtpSink(s.cl, wd, n).start()
               for n in ('outside', 'primary', 'hosted')}
    s.outside, s.hosted_sink = s.sinks['outside'], s.sinks['hosted']
    s.relaylock = Relaylock(s.cl, wd, hosted=(HOSTED, VIRTUAL, ALIAS, BACKUP),
                            trusted=(TRUSTED_IP + '/32',))
    if not s.baseline:
        routing.start_relaylock(s)
    s.legit, s.tricks, s.forward_log = LEGIT, TRICKS, ()
    catchall = os.path.join(wd, 'catchall.regexp')
    with open(catchall, 'w') as f:
        f.write('/^(.+)@alias\\.example$/ ${1}@%s\n' % OUT)
    aliases = ('inline:{ fwd@%s=nobody@%s, fwd@%s=nobody@%s, '
               'local@%s=alice@%s }, regexp:%s'
               % (HOSTED, OUT, VIRTUAL, OUT, VIRTUAL, HOSTED, catchall))
    # hosted_domains become relay_domains, sent to the primary sink.
    s.mta = Postfix(s.cl, wd, s.outside, s.sinks['primary'],
                    milter=s.relaylock.milter, hosted_domains=(BACKUP,),
                    port=2535, open_port=2536, hostname=HOSTNAME,
                    extra_main={
                        'mydestination': HOSTED,
                        'local_transport': 'smtp:[127.0.0.1]:%d'
                                           % s.hosted_sink.port,
                        'virtual_alias_domains': '%s, %s' % (VIRTUAL, ALIAS),
                        'virtual_alias_maps': aliases,
                        'recipient_delimiter': '+'}).start()
    s.own_rules = lambda: (s.mta.strict_port, lambda: None)


def percent_hack_default(s):
    """allow_percent_hack is at its default (yes): Postfix itself turns
    user%ext@hosted into user@ext, and relaylock alone refuses it."""
    v = run(['postconf', '-c', s.mta.conf, '-h', 'allow_percent_hack'],
            check=False).strip()
    d = run(['postconf', '-c', s.mta.conf, '-n', 'allow_percent_hack'],
            check=False).strip()
    s.check('allow_percent_hack at its default (yes, not set in main.cf)',
            v == 'yes' and d == '', 'value %r, main.cf %r' % (v, d))
