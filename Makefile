# Front door. `make run` and `make test` are the two commands a fresh machine needs.
BUILD ?= build
JOBS ?= 2
ASAN_BUILD ?= build-asan
SETUP_STAMP := .venv/.requirements.sha

.PHONY: setup build test unit conformance test-asan run clean

setup:
	./scripts/setup.sh

$(SETUP_STAMP): scripts/requirements-test.txt scripts/setup.sh
	./scripts/setup.sh

build: $(SETUP_STAMP)
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

conformance: build
	VLLM_CPP_BIN=$(abspath $(BUILD))/vllm-cpp .venv/bin/python -m pytest -q tests

# Unit tests under AddressSanitizer + UBSan (proves the parsers never read out of bounds).
# -O1 keeps the model-running engine tests fast enough; DCHECKs stay on (no NDEBUG). It is
# also the portable build (no -march=native): the SIMD kernels are reached only through
# run-time dispatch, and the kernel tests run every target this CPU supports.
test-asan: $(SETUP_STAMP)
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
	  -DVLLM_CPP_SANITIZE=ON -DVLLM_CPP_NATIVE=OFF >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS) --target vllm_tests
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

test: unit conformance test-asan

# The server on the embedded default model (mlx-community/Qwen3-0.6B-8bit shapes, random
# weights, real Qwen3 tokenizer): http://127.0.0.1:8000/v1 (OpenAI) and /v1/messages (Anthropic).
run: build
	./$(BUILD)/vllm-cpp serve

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
