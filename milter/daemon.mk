# milter/daemon.mk: `make run` runs the daemon in the foreground with the
# sample config (hosting example.com instead of the MTA's domains where no
# MTA is configured), on a fresh Debian 12 as root: it creates the unprivileged
# user, the runtime directory and the socket directory when they are
# missing, as relaylock.service does.

RUN_USER ?= relaylock
RUN_DIR  ?= $(RUNSTATEDIR)/relaylock

.PHONY: run-daemon
run-daemon: $(DAEMON)
	@id -u $(RUN_USER) >/dev/null 2>&1 || \
	  useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin $(RUN_USER)
	@install -d -o $(RUN_USER) -g $(RUN_USER) -m 0755 $(RUN_DIR)
	@init/relaylock-socket-dir $(SOCKET_DIR) $(RUN_USER)
	@conf=conf/relaylock.conf; \
	if [ ! -e /etc/postfix/main.cf ] && [ ! -e /etc/mail/sendmail.cf ]; then \
	  mkdir -p $(BUILD)/run; conf=$(BUILD)/run/relaylock.conf; \
	  sed 's/^hosted_domains_from = .*/hosted_domains = { "example.com" }/' \
	    conf/relaylock.conf > $$conf; \
	  echo "run: no MTA configured here (no main.cf, no sendmail.cf): hosting"; \
	  echo "run: example.com instead of the MTA's domains, in $$conf"; fi; \
	echo "run: $(DAEMON) -f -c $$conf (Ctrl-C stops it)"; \
	exec $(DAEMON) -f -c $$conf
