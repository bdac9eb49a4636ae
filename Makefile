# Needlewatch: build, test, install.
#   make            build bin/needlewatchd, bin/needlewatchctl
#   make run        deps + build + private PostgreSQL + migrate + demo data + daemon (foreground)
#   make check      deps + build + include-circle check + every unit, integration, schema test
#   make check SANITIZE=1   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make SANITIZE=thread    ThreadSanitizer build in build/tsan (see .ci/run for what runs under it)
#   make bench      benchmarks (scripts/bench.sh)
#   make install PREFIX=/usr [DESTDIR=...]   programs, schema, units, man pages, completion;
#                   never overwrites a file under SYSCONFDIR (a new version goes beside it as *.dist)

CC      ?= gcc
PREFIX  ?= /usr/local
SYSCONFDIR ?= /etc/needlewatch
# Where `make install` puts things; every path a program, unit or cron file
# names is derived from these, at build time (see paths.stamp below).
BINDIR      ?= $(PREFIX)/bin
LIBEXECDIR  ?= $(PREFIX)/lib/needlewatch
DATADIR     ?= $(PREFIX)/share/needlewatch
DOCDIR      ?= $(PREFIX)/share/doc/needlewatch
MANDIR      ?= $(PREFIX)/share/man
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
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
else ifeq ($(SANITIZE),thread)
BUILD   := build/tsan
SAN     := -fsanitize=thread -fno-omit-frame-pointer
OPT     := -O1 -g
else
BUILD   := build/release
SAN     :=
endif
BIN     := $(BUILD)/bin

CFLAGS  += $(CSTD) $(WARN) $(OPT) $(SAN) -pthread $(PKG_CFLAGS) \
           -DNW_SCHEMA_DIR='"$(DATADIR)/schema"' -DNW_WEB_DIR='"$(DATADIR)/web"' -DNW_VERSION='"$(VERSION)"'
LDFLAGS += $(SAN) -pthread
# -lglpk: the summary refresh's disclosure audit (daemon/core/disclosure.c)
LIBS    := $(PKG_LIBS) -lm -lglpk

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

.PHONY: all deps run check unit integration clean install lint format fuzz bench man FORCE

# The installation paths compiled into the programs and written into the
# units: rewritten only when they change, and every object depends on it,
# so `make install PREFIX=/usr` after a plain `make` rebuilds with /usr.
PATHS_STAMP := $(BUILD)/paths.stamp
PATHS_LINE  := $(PREFIX)|$(SYSCONFDIR)|$(BINDIR)|$(LIBEXECDIR)|$(DATADIR)|$(DOCDIR)|$(VERSION)
$(PATHS_STAMP): FORCE
	@mkdir -p $(dir $@)
	@[ "$$(cat $@ 2>/dev/null)" = '$(PATHS_LINE)' ] || echo '$(PATHS_LINE)' >$@
FORCE:

PROGRAMS   := $(BIN)/needlewatchd $(BIN)/needlewatchctl $(if $(UPLOAD_SRC),$(BIN)/needlewatch-upload)

all: $(PROGRAMS)
	@mkdir -p bin && for p in $(PROGRAMS); do ln -sf ../$$p bin/; done

# Boundaries: each folder sees only the headers it may use, so a wrong
# #include fails to compile. core is pure logic (no libmicrohttpd, no
# libcurl; libpq only in alerts, alerts_load, alerts_store, refresh_audit)
# and sees core; server sees core and server; client (libcurl) sees core;
# ctl and upload
# see core and client, never server. `private` keeps a target's paths from
# leaking into the objects it depends on (make would otherwise hand a unit
# test's paths down to the core objects it links).
$(CORE_OBJ): private CFLAGS += -Idaemon/core
$(SERVER_OBJ): private CFLAGS += -Idaemon/core -Idaemon/server
$(CLIENT_OBJ): private CFLAGS += -Idaemon/core -Idaemon/client
$(CTL_OBJ) $(UPLOAD_OBJ): private CFLAGS += -Idaemon/core -Idaemon/client
# Unit tests reach into every layer they exercise.
$(UNIT_BIN): private CFLAGS += -Idaemon/core -Idaemon/server -Idaemon/client

$(BUILD)/%.o: %.c $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# sd_notify (readiness, reload, watchdog): needlewatchd only.
$(BIN)/needlewatchd: $(SERVER_OBJ) $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lsystemd

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
$(BUILD)/tests/test_retry: $(BUILD)/daemon/client/retry.o
$(BUILD)/tests/test_answer: $(BUILD)/daemon/upload/answer.o $(BUILD)/daemon/client/retry.o
$(BUILD)/tests/test_payload: $(BUILD)/daemon/upload/payload.o

# The export's pure modules are needlewatchctl objects: their tests link them here.
$(BUILD)/tests/test_export_files: $(BUILD)/daemon/ctl/export_files.o
$(BUILD)/tests/test_export_html: $(BUILD)/daemon/ctl/export_html.o $(BUILD)/daemon/ctl/export_svg.o \
	$(BUILD)/daemon/ctl/export_chart.o \
	$(BUILD)/daemon/ctl/export_files.o
$(BUILD)/tests/test_export_deliver: $(BUILD)/daemon/ctl/deliver.o $(BUILD)/daemon/client/https_client.o \
	$(BUILD)/daemon/client/retry.o
$(BUILD)/tests/test_export_deliver: LIBS += -lcurl

# Out of memory while recording an issue: issues_add() is made to fail.
$(BUILD)/tests/test_summary_query_oom: LDFLAGS += -Wl,--wrap=issues_add

# The daemon-only machinery (ingest memory budget, rate limits, token cache)
# lives in server/; their tests link them here.
$(BUILD)/tests/test_admission: $(BUILD)/daemon/server/admission.o
$(BUILD)/tests/test_ratelimit: $(BUILD)/daemon/server/ratelimit.o
$(BUILD)/tests/test_tokencache: $(BUILD)/daemon/server/tokencache.o

# The daemon's request-head judge is a server object; its test links it here.
$(BUILD)/tests/test_framing: $(BUILD)/daemon/server/framing.o
# So is the dashboard's file-name check (with the responses it answers through).
$(BUILD)/tests/test_dashboard: $(BUILD)/daemon/server/dashboard.o $(BUILD)/daemon/server/respond.o \
	$(BUILD)/daemon/server/fhir_outcome.o
# The reload snapshot is a server object; freeing one drops its TLS credentials.
$(BUILD)/tests/test_snapshot: $(BUILD)/daemon/server/snapshot.o $(BUILD)/daemon/server/tls.o

# The HTTPS client is not a core object either (core stays free of libcurl).
$(BUILD)/tests/test_https_client: $(BUILD)/daemon/client/https_client.o
$(BUILD)/tests/test_https_client: LIBS += -lcurl

# The local HTTPS receiver the alert webhook tests deliver to (127.0.0.1 only).
$(BUILD)/tests/webhook_receiver: tests/integration/webhook_receiver.c tests/integration/receiver.c \
		tests/integration/receiver.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^) $(LDFLAGS) $(LIBS)

# The local HTTPS receiver the export tests deliver to (127.0.0.1 only).
$(BUILD)/tests/export_receiver: tests/integration/export_receiver.c tests/integration/receiver.c \
		tests/integration/receiver.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^) $(LDFLAGS) $(LIBS)

# The allocator shim the out-of-memory test preloads into needlewatchd. Built
# without $(SAN): a sanitizer's allocator and this one cannot both own malloc
# (test_oom.sh skips under asan and tsan).
$(BUILD)/tests/failmalloc.so: tests/integration/failmalloc.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT) -fPIC -shared -o $@ $< -ldl

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

# Failover on loopback (tests/ha/run.sh): pg_auto_failover, two daemons,
# HAProxy; kills the primary mid-stream. Needs scripts/deps.sh's packages.
.PHONY: ha-check
ha-check: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/ha/run.sh

run: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/run-dev.sh

# libFuzzer targets (clang): FUZZ_SECONDS each, default 30.
fuzz: deps
	@scripts/fuzz.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/bench.sh

# Units, cron file and tmpfiles entry name installed paths: made from their
# .in templates with this PREFIX (and remade when it changes).
TEMPLATES := $(patsubst config/%.in,$(BUILD)/config/%,$(wildcard config/*.in)) \
             $(patsubst man/%.in,$(BUILD)/man/%,$(wildcard man/*.in))
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
	-e 's|@DOCDIR@|$(DOCDIR)|g' -e 's|@VERSION@|$(VERSION)|g'
$(BUILD)/config/%: config/%.in $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(SUBST) $< >$@
$(BUILD)/man/%: man/%.in $(PATHS_STAMP)
	@mkdir -p $(dir $@)
	$(SUBST) $< >$@

man: $(filter $(BUILD)/man/%,$(TEMPLATES))

# Files under SYSCONFDIR (and the operator's copies in general) are never
# overwritten: scripts/install-conf installs a changed one beside the
# existing file as NAME.dist, and says so.
INSTALL_CONF = scripts/install-conf
install: all $(TEMPLATES)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/schema $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) \
		$(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -m 0644 schema/*.sql $(DESTDIR)$(DATADIR)/schema/
	install -d $(DESTDIR)$(DATADIR)/web
	install -m 0644 web/*.html web/*.css web/*.js $(DESTDIR)$(DATADIR)/web/
	install -m 0755 scripts/weekly-export $(DESTDIR)$(LIBEXECDIR)/
	install -m 0644 README.md CHANGELOG.md config/needlewatchd.conf.example $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(BUILD)/config/needlewatchd.service $(BUILD)/config/needlewatch-export.service \
		config/needlewatch-export.timer $(BUILD)/config/needlewatch-upload.service \
		config/needlewatch-upload.timer $(DESTDIR)$(UNITDIR)/
	install -m 0644 config/sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/needlewatch.conf
	install -m 0644 $(BUILD)/config/tmpfiles.conf $(DESTDIR)$(TMPFILESDIR)/needlewatch.conf
	for p in needlewatchd needlewatchctl needlewatch-upload; do \
		install -m 0644 config/needlewatch.bash-completion $(DESTDIR)$(COMPLETIONDIR)/$$p || exit 1; done
	install -m 0644 $(BUILD)/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(BUILD)/man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(BUILD)/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL_CONF) 0644 config/vocabulary.json $(DESTDIR)$(SYSCONFDIR)/vocabulary.json
	$(INSTALL_CONF) 0644 config/postcode-regions.tsv $(DESTDIR)$(SYSCONFDIR)/postcode-regions.tsv
	$(INSTALL_CONF) 0640 config/needlewatchd.conf.example $(DESTDIR)$(SYSCONFDIR)/needlewatchd.conf
	$(INSTALL_CONF) 0644 $(BUILD)/config/needlewatch.cron $(DESTDIR)$(SYSCONFDIR)/needlewatch.cron
	$(INSTALL_CONF) 0644 config/weekly-export.env $(DESTDIR)$(SYSCONFDIR)/weekly-export.env
	$(INSTALL_CONF) 0644 config/upload.env $(DESTDIR)$(SYSCONFDIR)/upload.env

lint:
	scripts/include-cycles.py
	clang-tidy $(CORE_SRC) $(SERVER_SRC) $(CTL_SRC) $(UPLOAD_SRC) $(CLIENT_SRC) -- $(CSTD) -Idaemon/core -Idaemon/server \
		-Idaemon/client $(PKG_CFLAGS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--suppress=missingIncludeSystem -Idaemon/core -Idaemon/client daemon

format:
	clang-format -i daemon/*/*.c daemon/*/*.h tests/unit/*.c

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
