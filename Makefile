# thidua: PostgreSQL extension (PGXS) and its command-line client.
#
#   make            build the extension library and the CLI
#   make install    the extension the PGXS way; the client into /usr/local/bin (bindir=, prefix=, DESTDIR=)
#   make test       fresh-machine test run: deps, build, install, throwaway cluster, all suites
#   make test-citus the Citus suite alone (Citus built from ../shared/vendor/ or CITUS_SOURCE)
#   make demo       fresh-machine demo on a throwaway cluster
#   make bench      benchmarks (ratios against baselines measured in the same run)

EXTENSION = thidua
EXTVERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" thidua.control)

MODULE_big = thidua
OBJS = \
	extension/consensus.o \
	extension/criteria_cache.o \
	extension/fixed_point.o \
	extension/judgments.o \
	extension/rules.o \
	extension/score.o \
	extension/score_state.o \
	extension/state_format.o \
	extension/streak.o \
	extension/text_file.o \
	extension/thidua.o \
	extension/trimmed_mean.o \
	extension/version.o

# The current definition: one file per concept, concatenated in name order
# into the install script of the current version. Released scripts (the first
# install script and every update) are kept byte for byte in sql/releases/.
SQL_SOURCES = $(sort $(wildcard sql/[0-9]*.sql))
DATA_built = sql/thidua--$(EXTVERSION).sql
DATA = $(wildcard sql/releases/thidua--*.sql)

PG_CPPFLAGS = -DTHIDUA_VERSION=\"$(EXTVERSION)\" -Iextension
# PostgreSQL's headers trip these -Wextra warnings; everything else is an error.
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wno-sign-compare -Wno-clobbered -Wno-cast-function-type

REGRESS = existing_database upgrade catalog_drift version scoring criteria criteria_defaults ranking trimmed_mean_state standings standings_rules guarantees concurrency draft_edges criteria_structure vietnamese_text rule_shapes csv_files records rulebooks nominations ballot
REGRESS_OPTS = --inputdir=test --outputdir=test

# Prefer the versioned pg_config: Debian's /usr/bin/pg_config belongs to libpq-dev.
PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)

ifneq ($(wildcard $(PGXS)),)
include $(PGXS)

all: cli-all
install: cli-install rulebooks-install
uninstall: cli-uninstall rulebooks-uninstall
clean: cli-clean
installcheck: install
else
all install installcheck:
	@echo "thidua: PostgreSQL server development files not found (PGXS)." >&2
	@echo "thidua: run 'make deps' (as root) or see README.md." >&2
	@exit 1
endif

.PHONY: cli-all cli-install cli-uninstall cli-clean rulebooks-install rulebooks-uninstall deps test test-citus demo bench sanitize valgrind
cli-all:
	$(MAKE) -C cli PG_CONFIG=$(PG_CONFIG) EXTVERSION=$(EXTVERSION)
cli-install:
	$(MAKE) -C cli install PG_CONFIG=$(PG_CONFIG) EXTVERSION=$(EXTVERSION)
cli-uninstall:
	$(MAKE) -C cli uninstall PG_CONFIG=$(PG_CONFIG) EXTVERSION=$(EXTVERSION)
cli-clean:
	$(MAKE) -C cli clean PG_CONFIG=$(PG_CONFIG)

# The shipped rulebooks (data, imported with thidua rulebook import) go beside
# the extension's scripts: $(datadir)/extension/thidua-rulebooks/.
RULEBOOKS = $(wildcard rulebooks/*.json)
rulebooks-install:
	$(MKDIR_P) '$(DESTDIR)$(datadir)/extension/thidua-rulebooks'
	$(INSTALL_DATA) $(RULEBOOKS) '$(DESTDIR)$(datadir)/extension/thidua-rulebooks/'
rulebooks-uninstall:
	rm -rf '$(DESTDIR)$(datadir)/extension/thidua-rulebooks'

deps:
	scripts/ensure-deps

test:
	scripts/run-tests

# The distributed suite alone: Citus built from ../shared/vendor/ or CITUS_SOURCE.
test-citus:
	scripts/test-citus

demo:
	scripts/demo

bench:
	scripts/bench

# The schema file's library check must name the version being built.
sql/thidua--$(EXTVERSION).sql: $(SQL_SOURCES) thidua.control
	@grep -q "^SELECT thidua._require_library('$(EXTVERSION)');" sql/00_schema.sql || \
		{ echo "sql/00_schema.sql: _require_library must name $(EXTVERSION)" >&2; exit 1; }
	cat $(SQL_SOURCES) > $@

# PGXS tracks no header dependencies.
$(OBJS): $(wildcard extension/*.h) thidua.control
