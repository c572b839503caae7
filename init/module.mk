# init/: systemd units, the self-test timer and its settings, the system
# user; and `make install` / `make uninstall` for the whole project.
#
#   make install DESTDIR=/tmp/x PREFIX=/usr SYSCONFDIR=/etc
#   make uninstall DESTDIR=/tmp/x PREFIX=/usr SYSCONFDIR=/etc
# The admin's files (relaylock.conf, default/relaylock-selftest) are
# installed only when missing and never removed.

UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
EXAMPLESDIR ?= $(DOCDIR)/examples
INSTALL     ?= install

INIT_IN    := relaylock.service relaylock-selftest.service relaylock-selftest.default
INIT_GEN   := $(addprefix $(BUILD)/init/,$(INIT_IN))
INIT_UNITS := $(BUILD)/init/relaylock.service $(BUILD)/init/relaylock-selftest.service \
	init/relaylock-selftest.timer

# Paths of the installed system go into the units at build time; they are
# made again whenever PREFIX, SBINDIR, SYSCONFDIR... change.
INIT_PATHS_STAMP := $(BUILD)/init/.paths
INIT_PATHS_TEXT  := $(SBINDIR) $(SYSCONFDIR) $(RUNSTATEDIR) $(LIBEXECDIR)
$(INIT_PATHS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(INIT_PATHS_TEXT)' | cmp -s - $@ || echo '$(INIT_PATHS_TEXT)' > $@

$(BUILD)/init/%: init/%.in $(INIT_PATHS_STAMP) init/module.mk
	@mkdir -p $(@D)
	$(Q)sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		-e 's|@RUNSTATEDIR@|$(RUNSTATEDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
		$< > $@.tmp && mv $@.tmp $@

ALL_TARGETS += $(INIT_GEN)

# What gets installed, with the optional pieces other modules provide.
INSTALL_BINS     = $(DAEMON) $(REPORT) $(SELFTEST)
INSTALL_MAN5     = $(wildcard man/*.5)
INSTALL_MAN8     = $(wildcard man/*.8)
INSTALL_EXAMPLES = $(wildcard conf/postfix-main.cf conf/sendmail.mc)
INSTALL_F2B      = $(wildcard conf/fail2ban/*.conf conf/fail2ban/*.local)
INSTALL_PROM     = $(wildcard conf/prometheus/*.yml)

.PHONY: install-files uninstall-files
install-files: $(INIT_GEN)
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/relaylock \
		$(DESTDIR)$(SYSCONFDIR)/default $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
		$(DESTDIR)$(EXAMPLESDIR)/fail2ban $(DESTDIR)$(EXAMPLESDIR)/prometheus \
		$(DESTDIR)$(LIBEXECDIR)
	$(INSTALL) -m 0755 $(INSTALL_BINS) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 0755 init/relaylock-socket-dir $(DESTDIR)$(LIBEXECDIR)/
	@# the admin's configuration: only when there is none yet
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/relaylock/relaylock.conf ]; then \
	  echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/relaylock/relaylock.conf"; \
	else \
	  echo "$(INSTALL) -m 0644 conf/relaylock.conf $(DESTDIR)$(SYSCONFDIR)/relaylock/relaylock.conf"; \
	  $(INSTALL) -m 0644 conf/relaylock.conf $(DESTDIR)$(SYSCONFDIR)/relaylock/relaylock.conf; \
	fi
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/default/relaylock-selftest ]; then \
	  echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/default/relaylock-selftest"; \
	else \
	  echo "$(INSTALL) -m 0644 $(BUILD)/init/relaylock-selftest.default $(DESTDIR)$(SYSCONFDIR)/default/relaylock-selftest"; \
	  $(INSTALL) -m 0644 $(BUILD)/init/relaylock-selftest.default $(DESTDIR)$(SYSCONFDIR)/default/relaylock-selftest; \
	fi
	$(INSTALL) -m 0644 conf/relaylock.conf $(DESTDIR)$(EXAMPLESDIR)/relaylock.conf
	$(if $(INSTALL_EXAMPLES),$(INSTALL) -m 0644 $(INSTALL_EXAMPLES) $(DESTDIR)$(EXAMPLESDIR)/)
	$(if $(INSTALL_F2B),$(INSTALL) -m 0644 $(INSTALL_F2B) $(DESTDIR)$(EXAMPLESDIR)/fail2ban/)
	$(if $(INSTALL_PROM),$(INSTALL) -m 0644 $(INSTALL_PROM) $(DESTDIR)$(EXAMPLESDIR)/prometheus/)
	$(if $(INSTALL_MAN5),$(INSTALL) -m 0644 $(INSTALL_MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(INSTALL_MAN8),$(INSTALL) -m 0644 $(INSTALL_MAN8) $(DESTDIR)$(MANDIR)/man8/)
	$(INSTALL) -m 0644 $(INIT_UNITS) $(DESTDIR)$(UNITDIR)/
	$(INSTALL) -m 0644 init/relaylock.sysusers $(DESTDIR)$(SYSUSERSDIR)/relaylock.conf
	$(if $(wildcard README.md),$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/)
	@echo "install: done. Create the user (systemd-sysusers), edit" \
	  "$(SYSCONFDIR)/relaylock/relaylock.conf, then: systemctl enable --now relaylock"

uninstall-files:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,relaylock relaylock-report relaylock-selftest)
	rm -f $(DESTDIR)$(LIBEXECDIR)/relaylock-socket-dir
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(INSTALL_MAN5)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(INSTALL_MAN8)))
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(INIT_UNITS)))
	rm -f $(DESTDIR)$(SYSUSERSDIR)/relaylock.conf
	rm -f $(addprefix $(DESTDIR)$(EXAMPLESDIR)/,relaylock.conf postfix-main.cf sendmail.mc)
	rm -f $(addprefix $(DESTDIR)$(EXAMPLESDIR)/fail2ban/,$(notdir $(INSTALL_F2B)))
	rm -f $(addprefix $(DESTDIR)$(EXAMPLESDIR)/prometheus/,$(notdir $(INSTALL_PROM)))
	-rmdir $(DESTDIR)$(EXAMPLESDIR)/fail2ban $(DESTDIR)$(EXAMPLESDIR)/prometheus \
		$(DESTDIR)$(EXAMPLESDIR) 2>/dev/null
	rm -f $(DESTDIR)$(DOCDIR)/README.md
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null
	@echo "uninstall: left $(DESTDIR)$(SYSCONFDIR)/relaylock/ and" \
	  "$(DESTDIR)$(SYSCONFDIR)/default/relaylock-selftest (your configuration)"

INSTALL_TARGETS   += install-files
UNINSTALL_TARGETS += uninstall-files
DEB_PACKAGES      += systemd procps
