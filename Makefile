# relaylock - relay-protection milter for Postfix and Sendmail.
#
#   make run      install missing Debian packages, build, run the daemon
#   make check    install missing Debian packages, build, run every test
#   make check SANITIZE=address,undefined
#   make install DESTDIR=... PREFIX=/usr SYSCONFDIR=/etc
#
# Each directory adds its own rules in *.mk files; this file holds what
# they share. Build output goes to build/.

PREFIX      ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
BINDIR      ?= $(EXEC_PREFIX)/bin
SBINDIR     ?= $(EXEC_PREFIX)/sbin
# Programs that only relaylock.service runs.
LIBEXECDIR  ?= $(EXEC_PREFIX)/libexec/relaylock
SYSCONFDIR  ?= $(PREFIX)/etc
DATAROOTDIR ?= $(PREFIX)/share
MANDIR      ?= $(DATAROOTDIR)/man
DOCDIR      ?= $(DATAROOTDIR)/doc/relaylock
RUNSTATEDIR ?= /run
# Inside Postfix's queue directory, so that a chrooted smtpd reaches it
# (relaylock(8), DEPLOYMENT); Sendmail uses the full path.
SOCKET_DIR  ?= /var/spool/postfix/relaylock
DESTDIR     ?=

# Plain `make` builds the programs, whatever rule a module defines first.
.DEFAULT_GOAL := all

VERSION := 0.1.0
BUILD   := build

CC       ?= cc
CFLAGS   ?= -O2 -g
CPPFLAGS ?=
LDFLAGS  ?=
WERROR   ?= -Werror
SANITIZE ?=
V        ?= 0

# Quiet build lines unless V=1.
ifeq ($(V),0)
Q := @
QUIET_CC = @echo "  CC      $@";
QUIET_LD = @echo "  LD      $@";
else
Q :=
endif

WARNINGS := -std=c11 -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla -fno-common $(WERROR)
HARDEN_CFLAGS  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
endif

PKG_CONFIG ?= pkg-config
CONFUSE_CFLAGS := $(shell $(PKG_CONFIG) --cflags libconfuse 2>/dev/null)
CONFUSE_LIBS   := $(shell $(PKG_CONFIG) --libs libconfuse 2>/dev/null || echo -lconfuse)
CMOCKA_CFLAGS  := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS    := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
MILTER_LIBS    := -lmilter -pthread

ALL_CPPFLAGS := -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-DRELAYLOCK_VERSION='"$(VERSION)"' \
	-DRELAYLOCK_SYSCONFDIR='"$(SYSCONFDIR)"' \
	-DRELAYLOCK_RUNSTATEDIR='"$(RUNSTATEDIR)"' \
	-DRELAYLOCK_DEFAULT_SOCKET='"unix:$(SOCKET_DIR)/relaylock.sock"' \
	-Imilter $(CONFUSE_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS  := $(WARNINGS) $(HARDEN_CFLAGS) $(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS := $(HARDEN_LDFLAGS) $(SAN_FLAGS) $(LDFLAGS)

# Scratch space of the tests that real MTAs and unprivileged daemons read:
# outside the checkout, which may sit in a home directory they cannot
# enter (root's, mode 0700). One per checkout, made on first use.
SCRATCH ?= /var/tmp/relaylock-check$(subst /,-,$(abspath $(BUILD)))
$(SCRATCH)/.made:
	@install -d -m 0755 $(SCRATCH)
	@[ "$$(stat -c %u $(SCRATCH))" = "$$(id -u)" ] || \
	  { echo "$(SCRATCH) belongs to another user" >&2; exit 1; }
	@touch $@

# Debian packages the build, the tests and `make run` need; modules add more.
DEB_PACKAGES := gcc make pkg-config libc6-dev libconfuse-dev libcmocka-dev \
	libmilter-dev

# Filled by the modules.
ALL_TARGETS       :=
CHECK_TARGETS     :=
INSTALL_TARGETS   :=
UNINSTALL_TARGETS :=
BENCH_TARGETS     :=
STRESS_TARGETS    :=
FUZZ_TARGETS      :=

# Keep intermediate objects: rebuilding them each run wastes time.
.SECONDARY:

.PHONY: all check check-all deps run run-daemon bench-run install uninstall bench stress fuzz \
	clean FORCE
all:

# Objects are rebuilt whenever the compiler flags change (SANITIZE=...).
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_TEXT  := $(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS)
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(FLAGS_TEXT)' | cmp -s - $@ || echo '$(FLAGS_TEXT)' > $@

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

include $(sort $(wildcard */*.mk */*/*.mk))

all: $(ALL_TARGETS)

# Installs only what is missing; a no-op when everything is present.
deps:
	@missing=; for p in $(sort $(DEB_PACKAGES)); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q ' installed$$' \
	    || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	if [ "$$(id -u)" != 0 ]; then echo "deps: run as root to install$$missing" >&2; exit 1; fi; \
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
	export DEBIAN_FRONTEND=noninteractive; dpkg --configure -a; \
	apt-get install -y -q --no-install-recommends $$missing \
	  || { apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; }

# run-daemon is defined next to the daemon (milter/daemon.mk).
run:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory run-daemon

check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory check-all

check-all: all $(SCRATCH)/.made $(CHECK_TARGETS)
	@echo "check: all test suites passed"

# Each bench target appends its "bench: NAME VALUE UNIT" lines to
# $(BUILD)/bench.txt; the figures end up in $(BUILD)/bench.json.
bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(BUILD) && rm -f $(BUILD)/bench.txt
	@$(MAKE) --no-print-directory bench-run
	@tests/bench/to_json.sh $(BUILD)/bench.txt > $(BUILD)/bench.json
	@echo "bench: figures in $(BUILD)/bench.json"
bench-run: $(SCRATCH)/.made $(BENCH_TARGETS)
stress: all $(SCRATCH)/.made $(STRESS_TARGETS)
fuzz: $(FUZZ_TARGETS)

install: all $(INSTALL_TARGETS)
uninstall: $(UNINSTALL_TARGETS)

clean:
	rm -rf $(BUILD) $(SCRATCH)

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
