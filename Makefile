# wfcd - build, test, run.  `make help` lists the targets.

CC       ?= cc
BUILD    ?= build
PKGS     := libpng expat libcjson
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
OPT      ?= -O2
CFLAGS   ?= -g $(OPT)
SAN      ?=
# project flags stay even when CFLAGS is given on the command line
ALL_CFLAGS = -std=c17 -D_POSIX_C_SOURCE=200809L $(WARN) -MMD -MP $(CFLAGS) $(SAN)
LDLIBS   += -lm -lpthread
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SHARED   ?= ../shared

ENGINE_SRC := $(wildcard engine/*.c)
API_SRC    := $(wildcard api/*.c)
CLI_SRC    := $(wildcard cli/*.c)
TEST_SRC   := $(wildcard tests/*.c tests/validator/*.c)
BENCH_SRC  := $(wildcard bench/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

DEPS_OK := $(BUILD)/.deps-ok
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

.PHONY: all test test-unit test-asan run bench clean format deps help corpus
all: $(BUILD)/wfc

help:
	@echo "make            build $(BUILD)/wfc (the CLI)"
	@echo "make test       unit + golden tests, then the same under ASan+UBSan"
	@echo "make run        demo: generate a level to out/demo.png"
	@echo "make bench      engine benchmarks (figures in docs/PERFORMANCE.md)"
	@echo "make corpus     run the whole reference corpus into out/corpus"
	@echo "make format     clang-format every C file"
	@echo "make clean      remove build outputs"

deps: $(DEPS_OK)
$(DEPS_OK): scripts/deps.sh
	@mkdir -p $(@D)
	@sh scripts/deps.sh
	@touch $@

$(BUILD)/obj/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/libwfc.a: $(call obj,$(ENGINE_SRC))
	$(AR) rcs $@ $^
$(BUILD)/libwfcapi.a: $(call obj,$(API_SRC))
	$(AR) rcs $@ $^

$(BUILD)/wfc: $(call obj,$(CLI_SRC)) $(BUILD)/libwfcapi.a $(BUILD)/libwfc.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/tests: $(call obj,$(TEST_SRC)) $(BUILD)/libwfcapi.a $(BUILD)/libwfc.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion $(LDLIBS)

$(BUILD)/bench: $(call obj,$(BENCH_SRC)) $(BUILD)/libwfcapi.a $(BUILD)/libwfc.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

# Tests find the reference corpus through WFC_SHARED; without it they skip.
test: test-unit test-asan

test-unit: $(BUILD)/tests $(BUILD)/wfc
	WFC_SHARED=$(SHARED) WFC_CLI=$(BUILD)/wfc $(BUILD)/tests -j2

# Same suite, sanitized; the slowest golden entries are left to test-unit.
test-asan:
	$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 SAN="$(SANITIZE)" \
		build-asan/tests build-asan/wfc
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		WFC_SHARED=$(SHARED) WFC_CLI=build-asan/wfc WFC_QUICK=1 build-asan/tests -j2

run: $(BUILD)/wfc
	@mkdir -p out
	$(BUILD)/wfc demo -o out/demo.png

corpus: $(BUILD)/wfc
	$(BUILD)/wfc corpus $(SHARED)/corpus/samples.xml -o out/corpus

bench: $(BUILD)/bench
	$(BUILD)/bench $(SHARED)

format:
	clang-format -i $(ENGINE_SRC) $(API_SRC) $(CLI_SRC) $(TEST_SRC) $(BENCH_SRC) \
		$(wildcard engine/*.h api/*.h cli/*.h tests/*.h tests/validator/*.h bench/*.h)

clean:
	rm -rf build build-asan out

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
