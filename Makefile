# mamori — two commands for people: `make run` and `make test`.
#   make          build (build/mamori)
#   make run      install missing Debian packages, build, start the demo instance var/demo
#   make test     install missing packages, build normally and with ASan+UBSan, run every test
#   make lint     clang-format check, clang-tidy, cppcheck
#   make fuzz     build libFuzzer targets with clang and fuzz each for FUZZ_SECONDS
#   make bench    run the benchmarks in bench/ (figures go to bench/RESULTS.md by hand)

BUILD        ?= build
BUILD_ASAN   ?= build-asan
BUILD_FUZZ   ?= build-fuzz
DEMO         ?= var/demo
FUZZ_SECONDS ?= 60

.PHONY: all deps run test lint fuzz bench clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

$(BUILD_ASAN)/build.ninja:
	meson setup $(BUILD_ASAN) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

$(BUILD_FUZZ)/build.ninja:
	CC=clang meson setup $(BUILD_FUZZ) --buildtype=debugoptimized -Dfuzz=true \
	    -Db_sanitize=address,undefined -Db_lundef=false

deps:
	@scripts/install-deps

run: deps all
	scripts/demo $(DEMO)

test: deps $(BUILD)/build.ninja $(BUILD_ASAN)/build.ninja tests/browser/node_modules
	tests/run-all $(BUILD) $(BUILD_ASAN)

# playwright-core, pinned in tests/browser/package-lock.json; it drives Debian's Chromium.
tests/browser/node_modules: tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund
	touch $@

lint: deps $(BUILD)/build.ninja
	scripts/lint $(BUILD)

fuzz: deps $(BUILD_FUZZ)/build.ninja
	ninja -C $(BUILD_FUZZ)
	scripts/fuzz $(BUILD_FUZZ) $(FUZZ_SECONDS)

bench: deps all
	ninja -C $(BUILD) bench/bench_auditlog bench/bench_mail
	$(BUILD)/bench/bench_auditlog
	bench/run-mail $(BUILD) 4
	bench/run-milter $(BUILD) 400
	bench/run-console $(BUILD) 10
	bench/run-cdr $(BUILD) 20
	bench/run-asset $(BUILD) 10

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
