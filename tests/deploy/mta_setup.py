"""The two stock MTAs of the deployment test, as Debian installs them.

Each class knows only what differs between Postfix and Sendmail:
  open_relay(c)     make the stock MTA deliberately open, with its relay
                    path pointed at the outside sink (the test's only edit
                    of the MTA beyond the admin steps)
  admin_steps(c)    exactly what relaylock(8) tells the admin to do
  ordered_unit      the unit that runs the MTA daemon (relaylock must be
                    ordered before it)
"""

SINK_ADDR = '127.0.0.9'
SINK_PORT = 2525
SNIPPETS = '/usr/share/doc/relaylock/examples'


class Postfix:
    name = 'postfix'
    group = 'postfix'   # relaylock joins it: .cf files with passwords
    ordered_unit = 'postfix@-.service'
    # Debian's postinst puts $myhostname, the mailname and localhost there.
    sender = 'tester@outside.example'

    def open_relay(self, c):
        with open(c.path('/etc/postfix/main.cf'), 'a') as f:
            f.write('\n# deployment test: open on purpose; relayed mail goes '
                    'to the outside sink\n'
                    'mynetworks = 0.0.0.0/0 [::]/0\n'
                    'relayhost = [%s]:%d\n' % (SINK_ADDR, SINK_PORT))
        self.reload(c)

    def admin_steps(self, c):
        # relaylock(8): append the snippet's non-comment lines to main.cf
        c.sh("grep -v -e '^#' -e '^$' %s/postfix-main.cf >> /etc/postfix/main.cf"
             % SNIPPETS)
        self.reload(c)

    def add_domain(self, c, domain):
        c.sh('postconf -e "mydestination = $(postconf -h mydestination), %s"'
             % domain)
        self.reload(c)

    @staticmethod
    def reload(c):
        c.sh('postfix reload 2>/dev/null && sleep 1')


class Sendmail:
    name = 'sendmail'
    group = 'smmsp'     # relaylock joins it: access.db is 0640 root:smmsp
    ordered_unit = 'sendmail.service'
    # Sendmail refuses senders whose domain does not resolve, and the
    # container has no DNS: the sender is at the hosted domain.
    sender = 'tester@mail.relaylock.test'

    def open_relay(self, c):
        # nocanonify: no DNS here, so no canonical-name lookups either
        lines = ["FEATURE(`promiscuous_relay')dnl", "FEATURE(`nocanonify')dnl",
                 "define(`SMART_HOST', `[%s]')dnl" % SINK_ADDR,
                 "define(`RELAY_MAILER_ARGS', `TCP $h %d')dnl" % SINK_PORT,
                 "define(`ESMTP_MAILER_ARGS', `TCP $h %d')dnl" % SINK_PORT]
        self.insert_before_mailer(c, lines)
        self.rebuild(c)

    def admin_steps(self, c):
        # relaylock(8): the snippet's non-dnl lines before the first MAILER(
        snippet = c.read(SNIPPETS + '/sendmail.mc').splitlines()
        self.insert_before_mailer(
            c, [ln for ln in snippet if ln.strip() and not ln.startswith('dnl')])
        self.rebuild(c)

    def add_domain(self, c, domain):
        c.sh('echo %s >> /etc/mail/local-host-names' % domain)
        c.sh('systemctl restart sendmail', timeout=180)

    @staticmethod
    def insert_before_mailer(c, lines):
        mc = c.read('/etc/mail/sendmail.mc').splitlines()
        at = next(i for i, ln in enumerate(mc) if ln.startswith('MAILER('))
        c.write('/etc/mail/sendmail.mc', '\n'.join(mc[:at] + lines + mc[at:]) + '\n')

    @staticmethod
    def rebuild(c):
        c.sh('make -C /etc/mail >/dev/null 2>&1 && systemctl restart sendmail',
             timeout=180)


MTAS = {'postfix': Postfix, 'sendmail': Sendmail}
