# milter/: the policy core (pure, no I/O), the config loader, the daemon.

# The core and the loader form a library that the daemon, the self-test
# probe, the tests and the benchmarks link.
CORE_SRCS   := milter/address.c milter/domain_set.c milter/net_set.c \
	milter/policy.c
CONFIG_SRCS := milter/config.c
CORE_LIB    := $(BUILD)/librelaylock.a
CORE_LIBS   := $(CORE_LIB) $(CONFUSE_LIBS)

# Every other .c file in milter/ belongs to the daemon.
DAEMON_SRCS := $(filter-out $(CORE_SRCS) $(CONFIG_SRCS),$(wildcard milter/*.c))
DAEMON      := $(BUILD)/relaylock

$(CORE_LIB): $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRCS) $(CONFIG_SRCS))
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(DAEMON): $(patsubst %.c,$(BUILD)/%.o,$(DAEMON_SRCS)) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CONFUSE_LIBS) $(MILTER_LIBS)

ALL_TARGETS += $(CORE_LIB) $(DAEMON)
