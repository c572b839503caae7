# milter/daemon.mk: `make run` runs the daemon in the foreground with the
# sample config, on a fresh Debian 12 as root: it creates the unprivileged
# user and the runtime directory when they are missing.

RUN_USER ?= relaylock
RUN_DIR  ?= $(RUNSTATEDIR)/relaylock

.PHONY: run-daemon
run-daemon: $(DAEMON)
	@id -u $(RUN_USER) >/dev/null 2>&1 || \
	  useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin $(RUN_USER)
	@install -d -o $(RUN_USER) -g $(RUN_USER) -m 0755 $(RUN_DIR)
	@echo "run: $(DAEMON) -f -c conf/relaylock.conf (Ctrl-C stops it)"
	$(DAEMON) -f -c conf/relaylock.conf
