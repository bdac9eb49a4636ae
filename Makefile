# Needlewatch: build, test, install.
#   make            build bin/needlewatchd, bin/needlewatchctl
#   make run        deps + build + private PostgreSQL + migrate + demo data + daemon (foreground)
#   make check      deps + build + every unit, integration and schema test
#   make check SANITIZE=1   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench      benchmarks (scripts/bench.sh)

CC      ?= gcc
PREFIX  ?= /usr/local
SYSCONFDIR ?= /etc/needlewatch
SANITIZE ?= 0
VERSION := 0.1.0

PKGS    := libmicrohttpd libcjson gnutls libpq
CSTD    := -std=c11 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wno-format-nonliteral -Wvla
OPT     := -O2 -g
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ifeq ($(SANITIZE),1)
BUILD   := build/asan
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1 -g
else
BUILD   := build/release
SAN     :=
endif
BIN     := $(BUILD)/bin

CFLAGS  += $(CSTD) $(WARN) $(OPT) $(SAN) -pthread -Idaemon/core -Idaemon/server $(PKG_CFLAGS) \
           -DNW_SCHEMA_DIR='"$(PREFIX)/share/needlewatch/schema"' -DNW_VERSION='"$(VERSION)"'
LDFLAGS += $(SAN) -pthread
LIBS    := $(PKG_LIBS) -lm

CORE_SRC   := $(wildcard daemon/core/*.c)
SERVER_SRC := $(wildcard daemon/server/*.c)
CTL_SRC    := $(wildcard daemon/ctl/*.c)
UPLOAD_SRC := $(wildcard daemon/upload/*.c)
# The HTTPS client (libcurl): linked into needlewatchctl and needlewatch-upload,
# never into needlewatchd.
CLIENT_SRC := $(wildcard daemon/client/*.c)
UNIT_SRC   := $(wildcard tests/unit/test_*.c)

CORE_OBJ   := $(CORE_SRC:%.c=$(BUILD)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o)
CTL_OBJ    := $(CTL_SRC:%.c=$(BUILD)/%.o)
UPLOAD_OBJ := $(UPLOAD_SRC:%.c=$(BUILD)/%.o)
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run check unit integration clean install lint format fuzz bench

PROGRAMS   := $(BIN)/needlewatchd $(BIN)/needlewatchctl $(if $(UPLOAD_SRC),$(BIN)/needlewatch-upload)

all: $(PROGRAMS)
	@mkdir -p bin && for p in $(PROGRAMS); do ln -sf ../$$p bin/; done

$(CTL_OBJ) $(UPLOAD_OBJ) $(CLIENT_OBJ) $(UNIT_BIN): CFLAGS += -Idaemon/client

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BIN)/needlewatchd: $(SERVER_OBJ) $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BIN)/needlewatchctl: $(CTL_OBJ) $(CLIENT_OBJ) $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcurl

$(BIN)/needlewatch-upload: $(UPLOAD_OBJ) $(CLIENT_OBJ) $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcurl

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/helpers.h $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -o $@ $(filter-out %.h,$^) $(LDFLAGS) $(LIBS) -lcmocka

# The uploader's pure modules are not core objects: their tests link them here.
$(BUILD)/tests/test_outbox: $(BUILD)/daemon/upload/outbox.o
$(BUILD)/tests/test_retry: $(BUILD)/daemon/upload/retry.o
$(BUILD)/tests/test_answer: $(BUILD)/daemon/upload/answer.o $(BUILD)/daemon/upload/retry.o
$(BUILD)/tests/test_payload: $(BUILD)/daemon/upload/payload.o

# The export's pure modules are needlewatchctl objects: their tests link them here.
$(BUILD)/tests/test_export_files: $(BUILD)/daemon/ctl/export_files.o
$(BUILD)/tests/test_export_html: $(BUILD)/daemon/ctl/export_html.o $(BUILD)/daemon/ctl/export_svg.o \
	$(BUILD)/daemon/ctl/export_files.o
$(BUILD)/tests/test_export_deliver: $(BUILD)/daemon/ctl/deliver.o $(BUILD)/daemon/client/https_client.o
$(BUILD)/tests/test_export_deliver: LIBS += -lcurl

# The daemon's request-head judge is a server object; its test links it here.
$(BUILD)/tests/test_framing: $(BUILD)/daemon/server/framing.o

# The HTTPS client is not a core object either (core stays free of libcurl).
$(BUILD)/tests/test_https_client: $(BUILD)/daemon/client/https_client.o
$(BUILD)/tests/test_https_client: LIBS += -lcurl

# The local HTTPS receiver the alert webhook tests deliver to (127.0.0.1 only).
$(BUILD)/tests/webhook_receiver: tests/integration/webhook_receiver.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $(LIBS)

# The local HTTPS receiver the export tests deliver to (127.0.0.1 only).
$(BUILD)/tests/export_receiver: tests/integration/export_receiver.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $(LIBS)

deps:
	@scripts/deps.sh

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

# The whole suite: dependencies, build, unit tests, then integration tests
# against a private PostgreSQL and a real needlewatchd; one total at the end.
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@BUILD=$(BUILD) tests/run-all.sh $(UNIT_BIN)

integration: all
	@BUILD=$(BUILD) tests/integration/run.sh

run: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/run-dev.sh

# libFuzzer targets (clang): FUZZ_SECONDS each, default 30.
fuzz: deps
	@scripts/fuzz.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/bench.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(PREFIX)/share/needlewatch/schema
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 schema/*.sql $(DESTDIR)$(PREFIX)/share/needlewatch/schema/
	install -m 0644 config/vocabulary.json config/postcode-regions.tsv $(DESTDIR)$(SYSCONFDIR)/
	install -d $(DESTDIR)$(PREFIX)/lib/needlewatch
	install -m 0755 scripts/weekly-export $(DESTDIR)$(PREFIX)/lib/needlewatch/
	install -m 0644 config/needlewatch.cron $(DESTDIR)$(SYSCONFDIR)/
	test -e $(DESTDIR)$(SYSCONFDIR)/needlewatchd.conf || \
		install -m 0640 config/needlewatchd.conf.example $(DESTDIR)$(SYSCONFDIR)/needlewatchd.conf
	install -d $(DESTDIR)/lib/systemd/system
	install -m 0644 config/needlewatchd.service $(DESTDIR)/lib/systemd/system/

lint:
	clang-tidy $(CORE_SRC) $(SERVER_SRC) $(CTL_SRC) $(UPLOAD_SRC) $(CLIENT_SRC) -- $(CSTD) -Idaemon/core -Idaemon/server \
		-Idaemon/client $(PKG_CFLAGS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--suppress=missingIncludeSystem -Idaemon/core -Idaemon/client daemon

format:
	clang-format -i daemon/*/*.c daemon/*/*.h tests/unit/*.c

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
