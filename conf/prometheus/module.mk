# conf/prometheus/: the scrape config and alerting rules shipped as
# examples. make check runs promtool on them: the config and the rules
# parse, and every alert fires on the series of relaylock.rules.test.yml
# meant to fire it and on no other.

PROM_EXAMPLES := conf/prometheus/prometheus.yml conf/prometheus/relaylock.rules.yml \
	conf/prometheus/relaylock.rules.test.yml

.PHONY: check-prometheus-rules
check-prometheus-rules:
	@echo "== prometheus examples: promtool check config/rules, test rules"
	@cd conf/prometheus && promtool check config --syntax-only prometheus.yml > /dev/null \
		&& promtool check rules relaylock.rules.yml > /dev/null \
		&& promtool test rules relaylock.rules.test.yml

CHECK_TARGETS += check-prometheus-rules
# promtool; the package's own service never starts here (policy-rc.d).
DEB_PACKAGES  += prometheus
