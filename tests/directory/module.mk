# tests/directory/: the SQL and LDAP directory library (issue 18).
#   make check-directory-unit   cmocka tests of the .cf parser, quoting, cache
#   make check-directory-fuzz   the .cf parser's fuzz corpus, replayed
#   make check-directory        both, then real PostgreSQL, MariaDB and slapd
#                               started in $(SCRATCH), answers compared with
#                               a real Postfix's postmap -q, and outages
#   make check-directory-daemon the real daemon end to end: a private
#                               PostgreSQL as its pgsql: and proxy:pgsql:
#                               sources, RCPTs over the milter protocol,
#                               the server killed and restarted

DIR_UNIT_TESTS := dir_cf dir_quote dir_cache dir_open dir_registry
DIR_UNIT_BINS  := $(patsubst %,$(BUILD)/tests/unit/%_test,$(DIR_UNIT_TESTS))
DIRQ           := $(BUILD)/tests/directory/dirq

$(BUILD)/tests/unit/dir_%.o: ALL_CPPFLAGS += -Idirectory $(DIR_CLIENT_CFLAGS)
$(BUILD)/tests/directory/%.o: ALL_CPPFLAGS += -Idirectory $(DIR_CLIENT_CFLAGS)
$(BUILD)/tests/fuzz/dir_%.o: ALL_CPPFLAGS += -Idirectory $(DIR_CLIENT_CFLAGS)

$(BUILD)/tests/unit/dir_%_test: $(BUILD)/tests/unit/dir_%_test.o $(DIR_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(DIR_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/fuzz/dir_cf_replay: $(BUILD)/tests/fuzz/dir_cf_fuzz.o \
		$(BUILD)/tests/fuzz/replay_main.o $(DIR_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(DIR_LIBS)

check-directory-fuzz: $(BUILD)/tests/fuzz/dir_cf_replay
	@$(BUILD)/tests/fuzz/dir_cf_replay tests/fuzz/corpus/dir_cf

# make fuzz: the parser under libFuzzer (rules in tests/fuzz/module.mk).
DIR_LIBFUZZER_OBJS := $(patsubst %.c,$(BUILD)/libfuzzer/%.o,directory/dir_cf.c \
	directory/dir_quote.c tests/fuzz/dir_cf_fuzz.c)
$(BUILD)/libfuzzer/directory/%.o $(BUILD)/libfuzzer/tests/fuzz/dir_%.o: \
	ALL_CPPFLAGS += -Idirectory
$(BUILD)/libfuzzer/dir_cf_fuzzer: $(DIR_LIBFUZZER_OBJS) $(CORE_LIB)
	$(QUIET_LD)$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ $(CONFUSE_LIBS)

.PHONY: fuzz-directory
fuzz-directory: $(BUILD)/libfuzzer/dir_cf_fuzzer
	@work=$(BUILD)/libfuzzer/corpus/dir_cf; mkdir -p $$work; \
	cp -n tests/fuzz/corpus/dir_cf/* $$work/; \
	$< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -max_len=4096 \
	  -artifact_prefix=$(BUILD)/libfuzzer/dir_cf- $$work 2>$(BUILD)/libfuzzer/dir_cf.log \
	  || { tail -40 $(BUILD)/libfuzzer/dir_cf.log; exit 1; }; \
	grep -E '^stat::number_of_executed_units|cov:' $(BUILD)/libfuzzer/dir_cf.log | tail -2

FUZZ_TARGETS += fuzz-directory

$(DIRQ): $(BUILD)/tests/directory/dirq.o $(DIR_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(DIR_LIBS)

.PHONY: check-directory check-directory-unit check-directory-fuzz \
	check-directory-servers check-directory-daemon
check-directory-unit: $(DIR_UNIT_BINS)
	@for t in $(DIR_UNIT_BINS); do echo "== $$t"; $$t || exit 1; done

check-directory-servers: $(DIRQ) $(SCRATCH)/.made
	@echo "== directory: real PostgreSQL, MariaDB and slapd against postmap -q"
	@DIRQ=$(abspath $(DIRQ)) RELAYLOCK_DIR_WORKDIR=$(SCRATCH)/directory \
	  python3 tests/directory/run.py

check-directory-daemon: $(DAEMON) $(SCRATCH)/.made
	@echo "== directory: the daemon with a real PostgreSQL, killed mid-run"
	@RELAYLOCK=$(abspath $(DAEMON)) RELAYLOCK_DIR_WORKDIR=$(SCRATCH)/directory-daemon \
	  python3 tests/directory/daemon_test.py

check-directory: check-directory-unit check-directory-fuzz check-directory-servers \
	check-directory-daemon

CHECK_TARGETS += check-directory

# The servers the tests start (never the system services) and Postfix's
# clients for the same .cf files. postgresql-15: initdb, postgres, psql.
DIR_SERVER_PACKAGES := mariadb-server slapd ldap-utils postfix-pgsql \
	postfix-mysql postfix-ldap
DEB_PACKAGES += $(DIR_SERVER_PACKAGES) postgresql-15 postgresql-client-15 \
	postfix python3 util-linux

# Installed before the generic deps recipe: slapd asks debconf questions,
# and no system service should start while installing (a policy-rc.d that
# exits 101, removed afterwards when this rule put it there).
.PHONY: deps-directory-servers
deps: deps-directory-servers
deps-directory-servers:
	@missing=; for p in $(DIR_SERVER_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q ' installed$$' \
	    || missing="$$missing $$p"; done; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" != 0 ]; then echo "deps: run as root to install$$missing" >&2; exit 1; fi; \
	echo "deps: installing$$missing"; \
	printf '%s\n' "slapd slapd/no_configuration boolean true" \
	  "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
	made=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
	  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
	  chmod 0755 /usr/sbin/policy-rc.d; made=1; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y -q --no-install-recommends $$missing \
	  || { apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; }; \
	st=$$?; [ -z "$$made" ] || rm -f /usr/sbin/policy-rc.d; exit $$st

# make bench: 1M domains in PostgreSQL; one uncached lookup (median, p99),
# cached lookups per second, RSS with the cache full.
.PHONY: bench-directory
bench-directory: $(DIRQ) $(SCRATCH)/.made
	@DIRQ=$(abspath $(DIRQ)) RELAYLOCK_DIR_WORKDIR=$(SCRATCH)/directory-bench \
	  python3 tests/directory/bench.py | tee -a $(BENCH_LOG)

BENCH_TARGETS += bench-directory
