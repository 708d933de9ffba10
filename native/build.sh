#!/usr/bin/env bash
# Builds native/kernels.c into two WebAssembly SIMD modules that import the tfjs wasm backend's memory:
#   resources/wasm/dfer-kernels.wasm         (for the stock single-threaded backend: plain memory)
#   resources/wasm/dfer-kernels-shared.wasm  (for the threaded backend: shared memory, atomics)
# Needs clang and wasm-ld (Debian: clang-14 lld-14) and wabt's wasm-objdump for the checks below.
# The outputs are committed so that `npm install` needs no C toolchain; .ci/run rebuilds them and
# fails if they differ from the committed ones.
set -euo pipefail
OBJDUMP="$(command -v wasm-objdump)"
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../resources/wasm}"
mkdir -p "$out"
CLANG="${CLANG:-$(command -v clang-14 || command -v clang)}"
WASM_LD="$(command -v wasm-ld-14 || command -v wasm-ld)"
# Compile and link separately: clang's own link step would also run binaryen's wasm-opt when one is
# installed (Debian's rejects SIMD unless told), and the build does not need it.
obj="$(mktemp --suffix=.o)"; trap 'rm -f "$obj"' EXIT
link=(--no-entry --import-memory --initial-memory=131072 --max-memory=4294967296 -z stack-size=1024 --strip-all)
"$CLANG" --target=wasm32 -O3 -msimd128 -ffreestanding -fno-builtin -Wall -Wextra -Werror -c -o "$obj" "$here/kernels.c"
"$WASM_LD" "${link[@]}" -o "$out/dfer-kernels.wasm" "$obj"
"$CLANG" --target=wasm32 -O3 -msimd128 -matomics -mbulk-memory -ffreestanding -fno-builtin -Wall -Wextra -Werror -c -o "$obj" "$here/kernels.c"
"$WASM_LD" "${link[@]}" --shared-memory -o "$out/dfer-kernels-shared.wasm" "$obj"

# The modules must not write to memory they do not own: no data segments, no start function, and no use of
# the C stack pointer (global 0) in code.
for f in "$out/dfer-kernels.wasm" "$out/dfer-kernels-shared.wasm"; do
  headers="$("$OBJDUMP" -h "$f")"
  if grep -qE '^ *(Data|Start|DataCount) ' <<<"$headers"; then echo "build.sh: $f has a data or start section" >&2; exit 1; fi
  if "$OBJDUMP" -d "$f" | grep -qE 'global\.(get|set) 0\b'; then echo "build.sh: $f uses the C stack" >&2; exit 1; fi
done
echo "built $(cd "$out" && ls -l dfer-kernels*.wasm | awk '{print $5" "$9}' | tr '\n' ' ')"
