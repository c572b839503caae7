"""routing_sendmail.py - the routing run's Sendmail: hosted.example is its
own (LOCAL_DOMAIN) with FEATURE(virtusertable) forwards (plain, +detail,
to a local user) and an aliases-file forward, alias.example a catch-all
virtual domain (%1 to the outside), backup.example a backup MX that
FEATURE(mailertable) sends to an internal primary (a sink on 127.0.0.3).
Sendmail resolves virtusertable and mailertable before the milter sees
RCPT: {rcpt_addr} is already the forward target, {rcpt_mailer} relay or
esmtp.
"""

import os

from relaylock_proc import Relaylock
from sendmail_mta import Sendmail
from sinks import FileSink, SmtpSink
from suites.common import HOSTED, HOSTNAME, TRUSTED_IP
from suites import routing
from suites.routing import OUT, trick_table

ALIAS = 'alias.example'
BACKUP = 'backup.example'
SINK_PORT = 2601          # the outside sink and the primary, two addresses

MC = """\
FEATURE(`virtusertable', `hash -o {dir}/virtusertable')dnl
VIRTUSER_DOMAIN(`alias.example')dnl
FEATURE(`mailertable', `hash -o {dir}/mailertable')dnl
RELAY_DOMAIN(`backup.example')dnl
"""
MAPS = {
    'virtusertable': ('fwd@%s nobody@%s\n'
                      'local@%s alice\n'
                      '@%s %%1@%s\n' % (HOSTED, OUT, HOSTED, ALIAS, OUT)),
    # The internal primary of the backup-MX domain.
    'mailertable': '%s esmtp:[127.0.0.3]\n' % BACKUP,
}
ALIASES = 'afwd: aliased@%s\n' % OUT

LEGIT = [
    ('plain mailbox', '<alice@%s>' % HOSTED, 'hosted', 'alice'),
    ('virtusertable forward', '<fwd@%s>' % HOSTED, 'outside',
     'nobody@' + OUT),
    ('virtusertable forward with +detail', '<fwd+news@%s>' % HOSTED,
     'outside', 'nobody@' + OUT),
    ('virtusertable forward to a local user', '<local@%s>' % HOSTED,
     'hosted', 'alice'),
    ('virtusertable catch-all', '<anyone@%s>' % ALIAS, 'outside',
     'anyone@' + OUT),
    ('mailertable backup MX', '<user@%s>' % BACKUP, 'primary',
     'user@' + BACKUP),
    ('aliases-file forward', '<afwd@%s>' % HOSTED, 'outside',
     'aliased@' + OUT),
]
FORWARDS = ('virtusertable forward', 'virtusertable forward with +detail',
            'virtusertable catch-all')

TRICKS = trick_table((('fwd', HOSTED), ('nobody', ALIAS), ('nobody', BACKUP)),
                     HOSTED)


def sendmail(s, name, port, open_relay, milter):
    return Sendmail(s.cl, s.workdir, s.sinks['outside'], s.sinks['hosted'],
                    milter=milter, hosted_domains=(HOSTED,), port=port,
                    open_port=port + 1, hostname=HOSTNAME,
                    open_relay=open_relay, name=name, extra_mc=MC,
                    maps=MAPS, aliases=ALIASES)


def start(s):
    wd = s.workdir
    s.sinks = {
        'outside': SmtpSink(s.cl, wd, 'outside', host='127.0.0.2',
                            port=SINK_PORT).start(),
        'primary': SmtpSink(s.cl, wd, 'primary', host='127.0.0.3',
                            port=SINK_PORT).start(),
        'hosted': FileSink(os.path.join(wd, 'hosted-mailbox')),
    }
    s.outside, s.hosted_sink = s.sinks['outside'], s.sinks['hosted']
    s.relaylock = Relaylock(s.cl, wd, hosted=(HOSTED, ALIAS, BACKUP),
                            trusted=(TRUSTED_IP + '/32',))
    if not s.baseline:
        routing.start_relaylock(s)
    s.legit, s.tricks, s.forward_log = LEGIT, TRICKS, FORWARDS
    s.mta = sendmail(s, 'sendmail', 2531, True, s.relaylock.milter).start()

    def own_rules():
        strict = sendmail(s, 'sendmail-strict', 2533, False, None).start()
        return strict.open_port, lambda: (s.settle_mta(strict),
                                          strict.stop())
    s.own_rules = own_rules
