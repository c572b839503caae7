"""The metrics steps of the deployment test (Postfix container: its root has
Debian's prometheus and prometheus-node-exporter).

Metrics(d, milter_load) works on a Deployment d after the self-audit step:
  endpoint()    metrics_listen as the packaged relaylock.conf shows it
  security()    systemd-analyze security relaylock.service <= 2.0
  prometheus()  the shipped scrape config and rules, in Debian's Prometheus
  textfile()    the self-audit recipe of relaylock-selftest(8), read from
                the installed man page, feeding node_exporter
  decisions()   sessions through Postfix; counters from /metrics and from
                Prometheus' HTTP API equal the decision lines in the journal
  rules()       /api/v1/rules: every shipped rule loaded and healthy
  burst()       > 10,000 decisions in under 30 s: journald keeps every line
                (and, as a control, drops lines under its default limit)
"""
import gzip
import json
import re
import time
import urllib.parse

from checks import CONF, HOSTED, OUTSIDER, TOOLS, wait_for

PORT = 9098
EXAMPLES = '/usr/share/doc/relaylock/examples/prometheus'
PROM = 'http://127.0.0.1:9090'
BURST = 12000


def parse(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith('#'):
            series, _, v = line.rpartition(' ')
            out[series] = float(v)
    return out


def label_pairs(series):
    inner = series[series.index('{') + 1:-1]
    return dict((k, v.strip('"')) for k, v in
                (kv.split('=', 1) for kv in inner.split(',')))


class Metrics:
    def __init__(self, d, milter_load):
        self.d, self.c, self.r = d, d.c, d.r
        self.milter_load = milter_load

    def get(self, url):
        """(status, body) of a GET from inside the container."""
        r = self.c.sh("python3 - '%s' <<'EOF'\n"
                      "import sys, urllib.request, urllib.error\n"
                      "try:\n"
                      "    r = urllib.request.urlopen(sys.argv[1], timeout=10)\n"
                      "    print(r.status); print(r.read().decode())\n"
                      "except urllib.error.HTTPError as e:\n"
                      "    print(e.code)\n"
                      "except OSError as e:\n"
                      "    print(0); print(e)\n"
                      "EOF" % url, check=False)
        status, _, body = r.stdout.partition('\n')
        return int(status or 0), body

    def scrape(self):
        status, body = self.get('http://127.0.0.1:%d/metrics' % PORT)
        return parse(body) if status == 200 else {}

    def query(self, expr):
        """Prometheus' answer to EXPR: {labels as a tuple: value}."""
        status, body = self.get('%s/api/v1/query?query=%s'
                                % (PROM, urllib.parse.quote(expr)))
        try:
            res = json.loads(body)['data']['result']
        except (ValueError, KeyError):
            return None
        return {tuple(sorted((k, v) for k, v in x['metric'].items()
                             if k != '__name__')):
                float(x['value'][1]) for x in res}

    # ------------------------------------------------------------ steps

    def endpoint(self):
        conf = self.c.read(CONF)
        shown = re.search(r'(?m)^#(metrics_listen = "127\.0\.0\.1:(\d+)")$', conf)
        self.r.check('relaylock.conf shows metrics_listen = "127.0.0.1:%d", '
                     'commented' % PORT, shown and shown.group(2) == str(PORT))
        if shown:
            conf = conf.replace('#' + shown.group(1), shown.group(1))
        # Accepts logged too: the counters must equal the log line for line.
        self.c.write(CONF, re.sub(r'(?m)^accept_log_level = .*$',
                                  'accept_log_level = notice', conf))
        self.c.sh('systemctl restart relaylock', timeout=60)
        up = wait_for(lambda: self.scrape().get(
            'relaylock_build_info{version="0.1.0"}') == 1, 20)
        self.r.check('metrics_listen set: /metrics answers under systemd', up,
                     self.c.sh('journalctl -u relaylock --no-pager | tail -5',
                               check=False).stdout)

    def security(self):
        r = self.c.sh('systemd-analyze security relaylock.service --no-pager',
                      check=False)
        m = re.search(r'Overall exposure level for relaylock.service: ([0-9.]+)',
                      r.stdout)
        score = float(m.group(1)) if m else 99
        self.r.check('systemd-analyze security relaylock.service: %s <= 2.0'
                     % (m.group(1) if m else '?'), score <= 2.0, r.stdout[-600:])

    def prometheus(self):
        """Debian's Prometheus with the shipped examples, faster intervals."""
        cfg = self.c.read(EXAMPLES + '/prometheus.yml')
        cfg = cfg.replace('scrape_interval: 15s', 'scrape_interval: 2s') \
                 .replace('evaluation_interval: 15s', 'evaluation_interval: 2s')
        self.c.write('/etc/prometheus/prometheus.yml', cfg)
        self.c.sh('cp %s/relaylock.rules.yml /etc/prometheus/' % EXAMPLES)
        r = self.c.sh('promtool check config /etc/prometheus/prometheus.yml',
                      check=False)
        self.r.check('promtool check config: the shipped scrape config and rules',
                     r.returncode == 0, r.stdout + r.stderr)
        self.c.sh('systemctl restart prometheus prometheus-node-exporter',
                  timeout=60)
        up = wait_for(lambda: self.query('up{job=~"relaylock|node"} == 1')
                      and len(self.query('up{job=~"relaylock|node"} == 1')) == 2, 60)
        self.r.check('Prometheus scrapes relaylock and node_exporter (up == 1)',
                     up, self.get(PROM + '/api/v1/targets')[1][-800:])

    def textfile(self):
        """The drop-in of relaylock-selftest(8), EXAMPLES, as printed there."""
        man = gzip.decompress(open(self.c.path(
            '/usr/share/man/man8/relaylock-selftest.8.gz'), 'rb').read()).decode()
        m = re.search(r'relaylock\\-selftest\.service"\nand add:\n\.PP\n\.RS\n\.nf\n'
                      r'(.*?)\n\.fi', man, re.S)
        self.r.check('relaylock-selftest(8) holds the textfile drop-in', m)
        if not m:
            return
        dropin = (m.group(1).replace('\\-', '-').replace('\\e', '\\')
                  .replace('\\(aq', "'") + '\n')
        self.c.write('/etc/systemd/system/relaylock-selftest.service.d/'
                     'textfile.conf', dropin)
        self.c.sh('systemctl daemon-reload')
        r = self.c.sh('systemctl start relaylock-selftest.service', check=False,
                      timeout=300)
        self.r.check('self-audit with the drop-in passes and writes the .prom file',
                     r.returncode == 0 and self.c.sh(
                         'test -s /var/lib/prometheus/node-exporter/'
                         'relaylock-selftest.prom', check=False).returncode == 0,
                     self.c.sh('journalctl -u relaylock-selftest --no-pager | '
                               'tail -8', check=False).stdout)
        got = wait_for(lambda: self.query('relaylock_selftest_exit_code'), 30)
        errors = self.query('node_textfile_scrape_error')
        self.r.check('node_exporter carries relaylock_selftest_exit_code 0 to '
                     'Prometheus, no textfile error',
                     got and set(got.values()) == {0.0} and errors
                     and set(errors.values()) == {0.0},
                     'exit_code %s, textfile errors %s' % (got, errors))

    def journal_counts(self, pid):
        """{(action, reason): lines} of PID's decision lines in the journal."""
        r = self.c.sh("journalctl _PID=%s -o cat --no-pager | grep ' action='"
                      % pid, check=False, timeout=300)
        counts = {}
        for line in r.stdout.splitlines():
            m = re.search(r' action=(\S+) reason=(\S+) ', line)
            if m:
                counts[m.groups()] = counts.get(m.groups(), 0) + 1
        return counts

    def decisions(self):
        cases = self.d.trick_cases() + [
            {'from': self.d.mta.sender, 'rcpt': 'alice@%s' % HOSTED,
             'data': self.d.token('metrics')}]
        self.d.session(cases)
        pid = self.d.main_pid()
        seen = {}

        def agree():
            seen['journal'] = self.journal_counts(pid)
            seen['direct'] = {(label_pairs(k)['action'], label_pairs(k)['reason']): v
                              for k, v in self.scrape().items()
                              if k.startswith('relaylock_decisions_total{') and v}
            return seen['journal'] == seen['direct'] and \
                sum(seen['journal'].values()) >= len(cases)
        # The journal may lag the counters by a moment: wait (bounded).
        self.r.check('/metrics: decisions_total == decision lines in the journal, '
                     'for every action and reason', wait_for(agree, 20),
                     'journal %s, /metrics %s' % (seen.get('journal'), seen.get('direct')))
        logged = seen.get('journal')

        def through_prometheus():
            q = self.query('relaylock_decisions_total > 0') or {}
            return {(dict(k)['action'], dict(k)['reason']): v
                    for k, v in q.items()} == logged and q
        self.r.check('Prometheus /api/v1/query: relaylock_decisions_total equals '
                     'the journal, for every action and reason',
                     wait_for(through_prometheus, 30),
                     'prometheus %s, journal %s'
                     % (self.query('relaylock_decisions_total > 0'), logged))

    def rules(self):
        def loaded():
            status, body = self.get(PROM + '/api/v1/rules')
            try:
                groups = json.loads(body)['data']['groups']
            except (ValueError, KeyError):
                return None
            return [(r['name'], r['health']) for g in groups for r in g['rules']]
        rules = wait_for(loaded, 30) or []
        shipped = re.findall(r'(?m)^\s+- alert: (\S+)$',
                             self.c.read('/etc/prometheus/relaylock.rules.yml'))
        self.r.check('Prometheus /api/v1/rules: the %d shipped rules loaded, '
                     'all healthy' % len(shipped),
                     shipped and sorted(n for n, _ in rules) == sorted(shipped)
                     and all(h == 'ok' for _, h in rules), rules)

    def burst_once(self):
        """Restart (counters from 0), BURST decisions through the milter
        socket: (seconds, counted, journal lines, load line)."""
        self.c.sh('systemctl restart relaylock', timeout=60)
        wait_for(lambda: self.scrape().get('relaylock_sessions_total') == 0, 20)
        pid = self.d.main_pid()
        t = time.monotonic()
        r = self.c.sh('%s/milter_load -s /var/spool/postfix/relaylock/relaylock.sock'
                      ' -c 8 -n %d -H %s' % (TOOLS, BURST, HOSTED), check=False,
                      timeout=120)
        secs = time.monotonic() - t
        counted = sum(v for k, v in self.scrape().items()
                      if k.startswith('relaylock_decisions_total{'))
        # journald may lag: give it time to catch up (a lost line never comes)
        lines = wait_for(lambda: (lambda n: n if n >= counted else 0)(
            sum(self.journal_counts(pid).values())), 15) or \
            sum(self.journal_counts(pid).values())
        return secs, counted, lines, r.stdout.strip() + r.stderr.strip()[-300:]

    def burst(self):
        self.c.copy_in(self.milter_load, TOOLS + '/milter_load', 0o755)
        dropin = '/etc/systemd/system/relaylock.service.d/ratelimit.conf'
        # Control: with a rate limit (journald scales the burst with the
        # free disk space, so a small one) the journal loses lines.
        self.c.write(dropin, '[Service]\nLogRateLimitIntervalSec=30s\n'
                     'LogRateLimitBurst=1000\n')
        self.c.sh('systemctl daemon-reload')
        secs, counted, lines, out = self.burst_once()
        self.r.check('control: with a journald rate limit a burst of %d '
                     'decisions loses lines (%d logged)' % (counted, lines),
                     counted >= BURST and lines < counted, out)
        self.c.sh('rm -f %s && systemctl daemon-reload' % dropin)
        secs, counted, lines, out = self.burst_once()
        self.r.check('burst: %d decisions in %.1f s, %d lines in the journal '
                     '(LogRateLimitIntervalSec=0)' % (counted, secs, lines),
                     counted >= BURST and secs < 30 and lines == counted, out)
        self.c.sh('systemctl restart relaylock', timeout=60)

    def run(self):
        self.endpoint()
        self.security()
        self.prometheus()
        self.textfile()
        self.decisions()
        self.rules()
        self.burst()
