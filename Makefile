# tenet — top-level build. Plain GNU make, out of tree into build/.
#
#   make            build everything into build/
#   make test       install deps, build normal + ASan/UBSan + TSan, run all tests
#   make demo       install deps, build, run examples/demo.yaml (no root, no NIC)
#   make SAN=asan   sanitizer build into build/asan (SAN=tsan: build/tsan)
#   make format     apply .clang-format
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
UNIT_SRC := $(wildcard tests/unit/test_*.c)
HELPER_SRC := $(wildcard tests/unit/helper_*.c tests/sys/*.c)
BPF_SRC := $(wildcard bpf/*.bpf.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MGR_OBJ := $(MGR_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_TOOL_BIN := $(BENCH_TOOL_SRC:bench/tools/%.c=$(BUILD)/bench/%)
NF_BIN := $(NF_SRC:nf/%.c=$(BUILD)/nf/%)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_BIN := $(patsubst %.c,$(BUILD)/tests/%,$(notdir $(HELPER_SRC)))
BPF_OBJ := $(BPF_SRC:bpf/%.c=$(BUILD)/bpf/%.o)
TENET := $(BUILD)/tenet
TENET_BENCH := $(BUILD)/tenet-bench

# Files that need DPDK's headers.
$(BUILD)/obj/bench/ring.o: CFLAGS += $(DPDK_CFLAGS)
$(BUILD)/obj/mgr/metrics.o: CFLAGS += $(MHD_CFLAGS)

.PHONY: all tests tsan-tests test demo deps format clean
all: $(BUILD)/libtenet.a $(BUILD)/libtenet-mgr.a $(TENET) $(TENET_BENCH) $(BENCH_TOOL_BIN) \
	$(NF_BIN) $(UNIT_BIN) $(HELPER_BIN) $(BPF_OBJ)
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

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h)
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

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
