# tenet — top-level build. Plain GNU make, out of tree into build/.
#
#   make            build everything into build/
#   make test       install deps, build normal + ASan/UBSan + TSan, run all tests
#   make demo       install deps, build, run examples/demo.yaml (no root, no NIC)
#   make SAN=asan   sanitizer build into build/asan (SAN=tsan: build/tsan)
#   make format     apply .clang-format
#   make install    install under PREFIX (default /usr/local; DESTDIR for staging);
#                   make uninstall removes what it installed. Layout: README "Install"
#
# Sources are found by directory, so a new module needs no Makefile edit:
#   lib/*.c            -> build/libtenet.a        (NF library + shared core)
#   mgr/ ports/ cli/   -> build/libtenet-mgr.a    (manager; cli/tenet.c holds main)
#   bench/*.c          -> build/tenet-bench       (benchmarks; bench/main.c holds main,
#                                                 the rest is build/libtenet-bench.a)
#   bench/tools/*.c    -> build/bench/<name>      (stand-alone measurement programs)
#   nf/*.c             -> build/nf/<name>         (example NFs)
#   tests/unit/test_*.c-> build/tests/test_*      (cmocka, links both libraries)
#   bpf/*.bpf.c        -> build/bpf/*.bpf.o       (XDP programs, clang -target bpf)
#   lib/*.c again      -> build/libtenet.so.*     (-fPIC; exports include/tenet/ only:
#                                                 lib/libtenet.map; nothing in the tree links it)

SAN ?=
ifeq ($(SAN),)
BUILD ?= build
SANFLAGS :=
else ifeq ($(SAN),asan)
BUILD ?= build/asan
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else ifeq ($(SAN),tsan)
BUILD ?= build/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
else
$(error SAN must be empty, asan or tsan)
endif

CC ?= gcc
CLANG ?= clang
OPT ?= -O2
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual \
	-Wformat=2 -Wno-format-nonliteral
ifneq ($(CI),)
WARN += -Werror
endif

PKGS := libbpf libxdp libpcap libhs yaml-0.1
# -isystem: third-party headers are not ours to keep warning-free
PKG_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(PKGS) 2>/dev/null))
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
# libmicrohttpd serves /metrics (mgr/metrics.c): what links libtenet-mgr.a links it, NFs do not.
MHD_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags libmicrohttpd 2>/dev/null))
MHD_LIBS := $(shell pkg-config --libs libmicrohttpd 2>/dev/null)

# DPDK is used by one benchmark only (rte_ring side by side with ours): tenet-bench
# links it, tenet does not.
HAVE_DPDK := $(shell pkg-config --exists libdpdk 2>/dev/null && echo 1)
ifeq ($(HAVE_DPDK),1)
DPDK_CFLAGS := -DHAVE_DPDK $(patsubst -I%,-isystem %,$(filter -I%,$(shell pkg-config --cflags libdpdk))) \
	-include rte_config.h
DPDK_LIBS := -lrte_ring -lrte_eal
endif

CFLAGS := -std=gnu11 -g $(OPT) -pthread -D_GNU_SOURCE $(WARN) $(SANFLAGS) -Iinclude -I. \
	$(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := -pthread $(SANFLAGS) $(EXTRA_LDFLAGS)
LDLIBS := $(PKG_LIBS) -lm

LIB_SRC := $(wildcard lib/*.c)
MGR_SRC := $(filter-out cli/tenet.c,$(wildcard mgr/*.c ports/*.c cli/*.c))
BENCH_SRC := $(filter-out bench/main.c,$(wildcard bench/*.c))
BENCH_TOOL_SRC := $(wildcard bench/tools/*.c)
NF_SRC := $(wildcard nf/*.c)
PUB_HDR := $(wildcard include/tenet/*.h)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
HELPER_SRC := $(wildcard tests/unit/helper_*.c tests/sys/*.c)
BPF_SRC := $(wildcard bpf/*.bpf.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB_PIC_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj-pic/%.o)
MGR_OBJ := $(MGR_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_TOOL_BIN := $(BENCH_TOOL_SRC:bench/tools/%.c=$(BUILD)/bench/%)
NF_BIN := $(NF_SRC:nf/%.c=$(BUILD)/nf/%)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_BIN := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(HELPER_SRC)))
BPF_OBJ := $(BPF_SRC:bpf/%.c=$(BUILD)/bpf/%.o)
TENET := $(BUILD)/tenet
TENET_BENCH := $(BUILD)/tenet-bench

# libtenet.so: version and soname. Bump SOVERSION when the ABI of include/tenet/ breaks.
VERSION := 0.1.0
SOVERSION := 0
LIBTENET_SO := $(BUILD)/libtenet.so.$(VERSION)
SO_LIBS := $(shell pkg-config --libs libbpf libxdp libhs yaml-0.1 2>/dev/null)

# Files that need DPDK's headers.
$(BUILD)/obj/bench/ring.o: CFLAGS += $(DPDK_CFLAGS)
$(BUILD)/obj/mgr/metrics.o: CFLAGS += $(MHD_CFLAGS)

.PHONY: all tests tsan-tests test demo deps format clean install uninstall
all: $(BUILD)/libtenet.a $(BUILD)/libtenet-mgr.a $(TENET) $(TENET_BENCH) $(BENCH_TOOL_BIN) \
	$(NF_BIN) $(UNIT_BIN) $(HELPER_BIN) $(BPF_OBJ) $(if $(SAN),,$(LIBTENET_SO))
tests: $(UNIT_BIN) $(HELPER_BIN) $(TENET) $(TENET_BENCH) $(NF_BIN)
# ThreadSanitizer runs the concurrency tests of the lock-free core (and the tap ring) only.
tsan-tests: $(filter $(BUILD)/tests/test_ring% $(BUILD)/tests/test_pool% $(BUILD)/tests/test_sink% \
	$(BUILD)/tests/test_tap%,$(UNIT_BIN))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libtenet.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/obj-pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -MMD -MP -c $< -o $@

$(LIBTENET_SO): $(LIB_PIC_OBJ) lib/libtenet.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libtenet.so.$(SOVERSION) \
		-Wl,--version-script=lib/libtenet.map -Wl,--no-undefined -o $@ $(LIB_PIC_OBJ) $(SO_LIBS)

$(BUILD)/libtenet-mgr.a: $(MGR_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libtenet-bench.a: $(BENCH_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(TENET): $(BUILD)/obj/cli/tenet.o $(BUILD)/libtenet-mgr.a $(BUILD)/libtenet.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(MHD_LIBS)

$(TENET_BENCH): $(BUILD)/obj/bench/main.o $(BUILD)/libtenet-bench.a $(BUILD)/libtenet-mgr.a \
		$(BUILD)/libtenet.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(MHD_LIBS) $(DPDK_LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/tools/%.o $(BUILD)/libtenet.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/nf/%: $(BUILD)/obj/nf/%.o $(BUILD)/libtenet.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libtenet-bench.a $(BUILD)/libtenet-mgr.a \
		$(BUILD)/libtenet.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(MHD_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/sys/%.o $(BUILD)/libtenet-mgr.a $(BUILD)/libtenet.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(MHD_LIBS) $(CMOCKA_LIBS)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) include/tenet/scan.h
	@mkdir -p $(dir $@)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Iinclude -Ibpf -I/usr/include/$(shell $(CC) -dumpmachine) -c $< -o $@

deps:
	@sh scripts/install-deps.sh

test: deps
	$(MAKE) all
	$(MAKE) SAN=asan tests
	$(MAKE) SAN=tsan tsan-tests
	sh scripts/run-tests.sh

demo: deps
	$(MAKE) all
	$(TENET) run examples/demo.yaml --duration 10
	@echo "demo: 50000 packets/s, within what the chains sustain. Overload: set rate: 0 in"
	@echo "examples/demo.yaml (the generator at full speed), or $(TENET_BENCH) chain."

# ---------------------------------------------------------------- install
# The installed tenet finds PREFIX/lib/tenet/bpf and PREFIX/lib/tenet/nf from
# PREFIX/bin/tenet (lib/paths.h), so those two stay fixed under PREFIX; the
# other directories may be moved. DESTDIR stages the whole tree elsewhere.
PREFIX ?= /usr/local
BINDIR := $(PREFIX)/bin
PKGLIBDIR := $(PREFIX)/lib/tenet
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
DATADIR ?= $(PREFIX)/share/tenet
DOCDIR ?= $(PREFIX)/share/doc/tenet
INSTALL ?= install

DOC_SRC := README.md $(wildcard docs/*.md)
DOC_IMG := $(wildcard docs/img/*)
EX_SRC := $(wildcard examples/*)
# Every file install writes, and the directories that are tenet's alone
# (deepest first): what uninstall removes.
INST_FILES := $(BINDIR)/tenet $(BINDIR)/tenet-bench \
	$(NF_BIN:$(BUILD)/nf/%=$(PKGLIBDIR)/nf/%) $(BPF_OBJ:$(BUILD)/bpf/%=$(PKGLIBDIR)/bpf/%) \
	$(LIBDIR)/libtenet.a $(LIBDIR)/libtenet.so.$(VERSION) $(LIBDIR)/libtenet.so.$(SOVERSION) \
	$(LIBDIR)/libtenet.so $(PUB_HDR:include/tenet/%=$(INCLUDEDIR)/tenet/%) \
	$(PKGCONFIGDIR)/libtenet.pc $(SYSTEMDUNITDIR)/tenet@.service \
	$(DOC_SRC:%=$(DOCDIR)/%) $(DOC_IMG:%=$(DOCDIR)/%) $(EX_SRC:examples/%=$(DATADIR)/examples/%)
INST_DIRS := $(PKGLIBDIR)/nf $(PKGLIBDIR)/bpf $(PKGLIBDIR) $(INCLUDEDIR)/tenet \
	$(DOCDIR)/docs/img $(DOCDIR)/docs $(DOCDIR) $(DATADIR)/examples $(DATADIR)
# @VAR@ in dist/*.in (in libtenet.pc, under ${prefix} where they are: pkg-config
# --define-prefix relocates them); in the example configs, build-tree paths
# become installed ones
SUBST := sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	-e 's|@LIBDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))|g' \
	-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' -e 's|@VERSION@|$(VERSION)|g'
EX_SUBST := sed -e 's|build/nf/||g' -e 's|build/tenet |tenet |g' \
	-e 's|examples/|$(DATADIR)/examples/|g'

install: $(TENET) $(TENET_BENCH) $(NF_BIN) $(BPF_OBJ) $(BUILD)/libtenet.a $(LIBTENET_SO)
	$(INSTALL) -d $(addprefix $(DESTDIR),$(BINDIR) $(PKGLIBDIR)/nf $(PKGLIBDIR)/bpf $(LIBDIR) \
		$(INCLUDEDIR)/tenet $(PKGCONFIGDIR) $(SYSTEMDUNITDIR) $(DOCDIR)/docs/img \
		$(DATADIR)/examples)
	$(INSTALL) -m 755 $(TENET) $(TENET_BENCH) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 755 $(NF_BIN) $(DESTDIR)$(PKGLIBDIR)/nf/
	$(INSTALL) -m 644 $(BPF_OBJ) $(DESTDIR)$(PKGLIBDIR)/bpf/
	$(INSTALL) -m 644 $(BUILD)/libtenet.a $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 755 $(LIBTENET_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libtenet.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libtenet.so.$(SOVERSION)
	ln -sf libtenet.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libtenet.so
	$(INSTALL) -m 644 $(PUB_HDR) $(DESTDIR)$(INCLUDEDIR)/tenet/
	$(SUBST) dist/libtenet.pc.in >$(DESTDIR)$(PKGCONFIGDIR)/libtenet.pc
	$(SUBST) dist/tenet@.service.in >$(DESTDIR)$(SYSTEMDUNITDIR)/tenet@.service
	$(INSTALL) -m 644 README.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 644 $(wildcard docs/*.md) $(DESTDIR)$(DOCDIR)/docs/
	$(if $(DOC_IMG),$(INSTALL) -m 644 $(DOC_IMG) $(DESTDIR)$(DOCDIR)/docs/img/)
	for f in $(EX_SRC); do \
		case $$f in \
		*.yaml) $(EX_SUBST) $$f >$(DESTDIR)$(DATADIR)/$$f ;; \
		*) $(INSTALL) -m 644 $$f $(DESTDIR)$(DATADIR)/$$f ;; \
		esac || exit 1; \
	done
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/libtenet.pc $(DESTDIR)$(SYSTEMDUNITDIR)/tenet@.service \
		$(addprefix $(DESTDIR)$(DATADIR)/,$(filter %.yaml,$(EX_SRC)))
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INST_FILES))
	for d in $(addprefix $(DESTDIR),$(INST_DIRS)); do \
		if [ -d $$d ]; then rmdir $$d 2>/dev/null || echo "uninstall: kept $$d (not empty)"; fi; \
	done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj $(BUILD)/obj-pic -name '*.d' 2>/dev/null)
