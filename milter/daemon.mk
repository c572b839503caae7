# milter/daemon.mk: `make run` runs the daemon in the foreground with the
# sample config, on a fresh Debian 12 as root: it creates the unprivileged
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
	@echo "run: $(DAEMON) -f -c conf/relaylock.conf (Ctrl-C stops it)"
	$(DAEMON) -f -c conf/relaylock.conf
