# wfcd - build, test, run.  `make help` lists the targets.

CC       ?= cc
BUILD    ?= build
PKGS     := libpng expat libcjson libmicrohttpd openblas hiredis
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
OPT      ?= -O2
CFLAGS   ?= -g $(OPT)
SAN      ?=
# project flags stay even when CFLAGS is given on the command line
ALL_CFLAGS = -std=c17 -D_POSIX_C_SOURCE=200809L $(WARN) -MMD -MP $(CFLAGS) $(SAN) $(NN_CUDA_CFLAGS)
LDLIBS   += -lm -lpthread
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SHARED   ?= ../shared

ENGINE_SRC := $(wildcard engine/*.c)
API_SRC    := $(wildcard api/*.c)
CLI_SRC    := $(wildcard cli/*.c)
TEST_SRC   := $(wildcard tests/*.c tests/validator/*.c)
# CUDA (issue 6): sets NN_CUDA_OBJS, NN_CUDA_LIBS and NN_CUDA_CFLAGS when
# nvcc is found and CUDA is not 0; empty otherwise.
-include nn/cuda/cuda.mk
BENCH_SRC  := $(wildcard bench/*.c)
SERVER_SRC := $(wildcard server/*.c)
NN_SRC     := $(wildcard nn/*.c)
# everything but main.c, so the unit tests can link the server's modules
SERVER_LIB_SRC := $(filter-out server/main.c,$(SERVER_SRC))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

DEPS_OK := $(BUILD)/.deps-ok
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

.PHONY: all test test-unit test-asan run demo bench clean format deps help corpus
all: $(BUILD)/wfc $(BUILD)/wfcd

help:
	@echo "make            build $(BUILD)/wfc (the CLI) and $(BUILD)/wfcd (the HTTP service)"
	@echo "make test       unit + golden tests, then the same under ASan+UBSan"
	@echo "make test-redis wfcd on Redis: API + workers, one killed mid-run (scripts/test-redis.sh)"
	@echo "make run        start wfcd on http://127.0.0.1:8080 with the built-in library"
	@echo "make demo       generate a demo level to out/demo.png"
	@echo "make bench      engine benchmarks (figures in docs/PERFORMANCE.md)"
	@echo "make corpus     run the whole reference corpus into out/corpus"
	@echo "make fuzz       libFuzzer targets for every parser, FUZZ_SECONDS (60) each; fuzz-ci: 10 s"
	@echo "make stress     abuse, load and fault tests against wfcd (docs/RELIABILITY.md); stress-ci: < 2 min"
	@echo "make valgrind   the unit suites and the CLI under Valgrind's memcheck (~10 min)"
	@echo "make container-test  build docker/Dockerfile with podman and check the image (root, minutes)"
	@echo "make model      retrain and calibrate the shipped generator models/terrain-islands.safetensors (docs/NEURAL.md, ~4.3 h)"
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
# nn/ and, when nvcc is found, its CUDA objects (nn/cuda/cuda.mk).
$(BUILD)/libwfcnn.a: $(call obj,$(NN_SRC)) $(NN_CUDA_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/wfc: $(call obj,$(CLI_SRC)) $(BUILD)/libwfcsrv.a $(BUILD)/libwfcnn.a $(BUILD)/libwfcapi.a $(BUILD)/libwfc.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NN_CUDA_LIBS) $(LDLIBS)

$(BUILD)/libwfcsrv.a: $(call obj,$(SERVER_LIB_SRC))
	$(AR) rcs $@ $^

$(BUILD)/wfcd: $(call obj,server/main.c) $(BUILD)/libwfcsrv.a $(BUILD)/libwfcnn.a $(BUILD)/libwfcapi.a $(BUILD)/libwfc.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NN_CUDA_LIBS) $(LDLIBS)

$(BUILD)/tests: $(call obj,$(TEST_SRC)) $(BUILD)/libwfcsrv.a $(BUILD)/libwfcnn.a $(BUILD)/libwfcapi.a $(BUILD)/libwfc.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion $(NN_CUDA_LIBS) $(LDLIBS)

$(BUILD)/bench: $(call obj,$(BENCH_SRC)) $(BUILD)/libwfcnn.a $(BUILD)/libwfcapi.a $(BUILD)/libwfc.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NN_CUDA_LIBS) $(LDLIBS)

# Tests find the reference corpus through WFC_SHARED; without it they skip.
test: test-unit test-asan

# nngrids: nn_cli tries scripts/gpu-terrain.sh on the CPU with it
test-unit: $(BUILD)/tests $(BUILD)/wfc $(BUILD)/wfcd $(BUILD)/mklibrary $(BUILD)/nngrids
	WFC_SHARED=$(SHARED) WFC_CLI=$(BUILD)/wfc WFC_MKLIBRARY=$(BUILD)/mklibrary $(BUILD)/tests -j2

# Same suite, sanitized; the slowest golden entries are left to test-unit.
# CUDA=0: the CUDA objects are built (and their CPU fallback tested) by
# test-unit; compiling them a second time would only cost CI minutes.
test-asan:
	$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 SAN="$(SANITIZE)" CUDA=0 \
		build-asan/tests build-asan/wfc build-asan/wfcd build-asan/mklibrary
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		WFC_SHARED=$(SHARED) WFC_CLI=build-asan/wfc WFC_MKLIBRARY=build-asan/mklibrary \
		WFC_QUICK=1 build-asan/tests -j2

# wfcd on Redis (docs/DEPLOY.md): two worker processes and an API process
# share a redis-server on a Unix socket; one worker is killed mid-run and
# every job must still succeed exactly once. Installs redis-server if
# missing (scripts/deps.sh).
# tests/test_srv_redis_store.c needs redis-server too (it skips without it,
# except where CI is set).
.PHONY: test-redis redis-server-dep
test: test-redis
test-unit test-asan test-redis: redis-server-dep
redis-server-dep:
	@command -v redis-server >/dev/null || sh scripts/deps.sh redis-server
test-redis: $(BUILD)/wfcd
	bash scripts/test-redis.sh $(BUILD)/wfcd

# The service on http://127.0.0.1:8080, built-in library, data in ./data.
run: $(BUILD)/wfcd
	$(BUILD)/wfcd --port 8080 --bind 127.0.0.1

demo: $(BUILD)/wfc
	@mkdir -p out
	$(BUILD)/wfc demo -o out/demo.png

corpus: $(BUILD)/wfc
	$(BUILD)/wfc corpus $(SHARED)/corpus/samples.xml -o out/corpus

bench: $(BUILD)/bench $(BUILD)/wfcd $(BUILD)/nn-bench $(BUILD)/nngrids
	bash bench/compare.sh $(SHARED)
	bash bench/server.sh
	bash bench/nn.sh $(BUILD)
	bash bench/guided.sh $(BUILD)

format:
	clang-format -i $(ENGINE_SRC) $(API_SRC) $(CLI_SRC) $(TEST_SRC) $(BENCH_SRC) $(SERVER_SRC) \
		$(LIBRARY_SRC) \
		$(NN_SRC) $(wildcard nn/*.h engine/*.h api/*.h cli/*.h tests/*.h tests/validator/*.h bench/*.h server/*.h)

clean:
	rm -rf build build-asan out

# The built-in library: library/ is drawn by tools/mklibrary.c, the
# project's own art. `make library` redraws it; tests/test_library.c checks
# that the committed files are what the generator draws (WFC_MKLIBRARY).
LIBRARY_SRC := tools/mklibrary.c
.PHONY: library
$(BUILD)/mklibrary: $(call obj,$(LIBRARY_SRC)) $(BUILD)/libwfcapi.a $(BUILD)/libwfc.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

library: $(BUILD)/mklibrary
	$(BUILD)/mklibrary -o library

# The shipped generator (docs/NEURAL.md): models/terrain-islands.safetensors,
# trained on the built-in Terrain-Islands tileset (about 4.3 hours on one
# CPU core; the shipped file's last 15,300 steps ran on a GPU). `make model-eval` scores it with `wfc eval` (tools/nngrids.c
# draws the raw and guided grids).
.PHONY: model model-eval
$(BUILD)/nngrids: $(call obj,tools/nngrids.c) $(BUILD)/libwfcsrv.a $(BUILD)/libwfcnn.a $(BUILD)/libwfcapi.a $(BUILD)/libwfc.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NN_CUDA_LIBS) $(LDLIBS)
model: $(BUILD)/wfc
	sh scripts/make-model.sh $(BUILD)/wfc
model-eval: $(BUILD)/wfc $(BUILD)/nngrids
	sh scripts/make-model.sh $(BUILD)/wfc eval

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- HTTP contract: openapi.yaml lint and the integration tests ----
# scripts/contract-tools.sh installs the pinned npm tools (tools/contract/)
# when missing; without node/npm both targets say so and skip. The
# integration tests run real wfcd processes behind `prism proxy --errors`.
IT_SRC := $(wildcard tests/server/*.c)
PRISM  := tools/contract/node_modules/.bin/prism
.PHONY: test-contract test-server contract-tools format-server-tests
test: test-contract test-server

contract-tools:
	@sh scripts/contract-tools.sh

test-contract:
	@sh scripts/contract-lint.sh openapi.yaml

# test_models.c checks guided outputs with the independent validator and
# trains its tiny checkpoints with the CLI (WFC_CLI).
$(BUILD)/server-tests: $(call obj,$(IT_SRC) tests/validator/validator.c)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcriterion $(LDLIBS)

test-server: $(BUILD)/server-tests $(BUILD)/wfcd $(BUILD)/wfc contract-tools
	WFC_SHARED=$(SHARED) WFCD_BIN=$(BUILD)/wfcd WFCD_PRISM=$(PRISM) WFCD_OPENAPI=openapi.yaml \
		WFC_CLI=$(BUILD)/wfc \
		$(BUILD)/server-tests -j2

format: format-server-tests
format-server-tests:
	clang-format -i $(IT_SRC) $(wildcard tests/server/*.h)

# ---- fuzzing: a libFuzzer target for every parser of untrusted input ----
# tests/fuzz/fuzz_<name>.c, seeds in tests/fuzz/corpus/<name>/. `make fuzz`
# runs each for FUZZ_SECONDS on a scratch copy of its corpus (the committed
# one never changes) and fails on any crash, leak, sanitizer report or
# timeout; `make fuzz-ci` is the same for 10 s each. The api/, engine/ and
# server/ objects are built with clang into build-fuzz/ with
# -fsanitize=fuzzer-no-link,address,undefined, the targets with
# -fsanitize=fuzzer,address,undefined. Reproduce a finding with
# build-fuzz/fuzz_<name> <file>; one target: make fuzz FUZZ_TARGETS=png.
# `make fuzz-seeds` redraws the generated seeds.
FUZZ_BUILD   := build-fuzz
FUZZ_CC      := clang
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := json_spec tileset_xml samples_xml png base64 job_request http_headers safetensors
# UBSan must abort, or libFuzzer would count a report as a passing input.
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BINS    := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))
# Longest input per target: room for the nasty cases (inline PNGs, deep
# nesting), small enough that each input stays fast under ASan.
FUZZ_MAX_LEN_json_spec    := 16384
FUZZ_MAX_LEN_tileset_xml  := 8192
FUZZ_MAX_LEN_samples_xml  := 4096
FUZZ_MAX_LEN_png          := 32768
FUZZ_MAX_LEN_base64       := 4096
FUZZ_MAX_LEN_job_request  := 16384
FUZZ_MAX_LEN_http_headers := 2048
FUZZ_MAX_LEN_safetensors  := 4096
FUZZ_DICT_json_spec   := tests/fuzz/json.dict
FUZZ_DICT_job_request := tests/fuzz/json.dict
FUZZ_DICT_tileset_xml := tests/fuzz/xml.dict
FUZZ_DICT_samples_xml := tests/fuzz/xml.dict
FUZZ_DICT_safetensors := tests/fuzz/safetensors.dict
.PHONY: fuzz fuzz-ci fuzz-build fuzz-bins fuzz-seeds clean-fuzz format-fuzz

$(FUZZ_BUILD)/.fuzz-deps-ok: scripts/deps.sh
	@mkdir -p $(@D)
	@sh scripts/deps.sh clang libclang-rt-14-dev
	@touch $@

fuzz-build: $(FUZZ_BUILD)/.fuzz-deps-ok
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) OPT=-O1 CUDA=0 \
		SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-bins

# Only meaningful inside fuzz-build, where BUILD is $(FUZZ_BUILD).
fuzz-bins: $(FUZZ_BINS)
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_util.o \
		$(FUZZ_BUILD)/libwfcsrv.a $(FUZZ_BUILD)/libwfcnn.a $(FUZZ_BUILD)/libwfcapi.a \
		$(FUZZ_BUILD)/libwfc.a
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -fsanitize=fuzzer -o $@ $(filter %.c %.o %.a,$^) \
		$(PKG_LIBS) $(LDLIBS)

# The targets' own header dependencies (written by -MMD next to them).
-include $(wildcard $(FUZZ_BUILD)/fuzz_*.d)

fuzz: fuzz-build
	@sh scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) \
		$(foreach t,$(FUZZ_TARGETS),$(t):$(FUZZ_MAX_LEN_$(t)):$(FUZZ_DICT_$(t)))

fuzz-ci:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

# The generated seeds (PNGs in every colour type, specs with inline images):
# drawn with libpng and the project's encoder, committed as bytes.
$(BUILD)/mkseeds: tests/fuzz/mkseeds.c $(BUILD)/libwfcapi.a $(BUILD)/libwfc.a
	$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lz $(LDLIBS)
fuzz-seeds: $(BUILD)/mkseeds
	$(BUILD)/mkseeds tests/fuzz/corpus

clean: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_BUILD)

format: format-fuzz
format-fuzz:
	clang-format -i $(wildcard tests/fuzz/*.c tests/fuzz/*.h)

# ---- containers: docker/Dockerfile built and run with podman ----
# Not part of `make test`: minutes, and root. scripts/container-test.sh says
# what it checks; CONTAINER_CONTEXT=HEAD builds the last commit instead of
# the working tree.
.PHONY: container-test
container-test:
	bash scripts/container-test.sh $(CONTAINER_CONTEXT)

# ---- stress: abuse, load and faults (issue 9; figures in docs/RELIABILITY.md) ----
# scripts/stress/stress.py runs every test against real wfcd processes (its
# own ports and data dirs under /tmp) and fails on any FAIL; `make stress`
# takes the full figures (wrk for STRESS_SECONDS, default 60; 100,000 jobs
# for the RSS check), `make stress-ci` a few seconds per test (under 2
# minutes). The client-abort test runs an ASan build of wfcd
# ($(STRESS_ASAN_BUILD)/wfcd); the disk-full test needs root (tmpfs) and
# skips otherwise. One test: make stress STRESS_ONLY=limits,abuse
STRESS_ASAN_BUILD ?= build-asan
STRESS_ONLY ?=
STRESS_ARGS = --wfcd $(BUILD)/wfcd --asan-wfcd $(STRESS_ASAN_BUILD)/wfcd \
	$(if $(STRESS_ONLY),--only $(STRESS_ONLY)) --summary out/stress/summary$(1).txt
# Valgrind's memcheck over the unit suites and the CLI they start
# (scripts/valgrind.sh; VG_SUITES="png xml" or all); not in CI: too slow.
.PHONY: valgrind
valgrind: $(BUILD)/tests $(BUILD)/wfc $(BUILD)/mklibrary
	@sh scripts/deps.sh valgrind
	WFC_SHARED=$(SHARED) sh scripts/valgrind.sh $(BUILD)

.PHONY: stress stress-ci stress-bins
stress-bins: $(BUILD)/wfcd
	@sh scripts/deps.sh wrk || echo "stress: no wrk, the load test will skip"
	@$(MAKE) --no-print-directory BUILD=$(STRESS_ASAN_BUILD) OPT=-O1 SAN="$(SANITIZE)" \
		$(STRESS_ASAN_BUILD)/wfcd

stress: stress-bins
	python3 scripts/stress/stress.py $(call STRESS_ARGS,)

stress-ci: stress-bins
	python3 scripts/stress/stress.py --ci $(call STRESS_ARGS,-ci)
