# report/: relaylock-report, the decision-log summariser (C, zlib).

REPORT_SRCS := report/report.c report/parse.c report/table.c report/output.c
REPORT      := $(BUILD)/relaylock-report
ZLIB_LIBS   := $(shell $(PKG_CONFIG) --libs zlib 2>/dev/null || echo -lz)

$(REPORT): $(patsubst %.c,$(BUILD)/%.o,$(REPORT_SRCS)) $(CORE_LIB)
	$(QUIET_LD)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(ZLIB_LIBS) $(IDN2_LIBS)

$(BUILD)/report/%.o: ALL_CPPFLAGS += -Ireport

ALL_TARGETS  += $(REPORT)
DEB_PACKAGES += zlib1g-dev
