# tests/directory/: the SQL and LDAP directory library (issue 18).
#   make check-directory-unit   cmocka tests of the .cf parser, quoting, cache
#   make check-directory-fuzz   the .cf parser's fuzz corpus, replayed
#   make check-directory        both, then real PostgreSQL, MariaDB and slapd
#                               started in $(SCRATCH), answers compared with
#                               a real Postfix's postmap -q, and outages

DIR_UNIT_TESTS := dir_cf dir_quote dir_cache
DIR_UNIT_BINS  := $(patsubst %,$(BUILD)/tests/unit/%_test,$(DIR_UNIT_TESTS))
DIRQ           := $(BUILD)/tests/directory/dirq

$(BUILD)/tests/unit/dir_%.o: ALL_CPPFLAGS += -Idirectory $(DIR_CLIENT_CFLAGS)
$(BUILD)/tests/directory/%.o: ALL_CPPFLAGS += -Idirectory $(DIR_CLIENT_CFLAGS)
$(BUILD)/tests/fuzz/dir_%.o: ALL_CPPFLAGS += -Idirectory $(DIR_CLIENT_CFLAGS)

$(BUILD)/tests/unit/dir_%_test: $(BUILD)/tests/unit/dir_%_test.o $(DIR_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(DIR_LIBS) $(CMOCKA_LIBS)

$(DIRQ): $(BUILD)/tests/directory/dirq.o $(DIR_LIB) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(DIR_LIBS)

.PHONY: check-directory check-directory-unit check-directory-fuzz \
	check-directory-servers
check-directory-unit: $(DIR_UNIT_BINS)
	@for t in $(DIR_UNIT_BINS); do echo "== $$t"; $$t || exit 1; done

check-directory: check-directory-unit

CHECK_TARGETS += check-directory
