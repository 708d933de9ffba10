#!/usr/bin/env bash
# Builds native/kernels.c into four WebAssembly modules that import the tfjs wasm backend's memory:
#   resources/wasm/dfer-kernels.wasm                 SIMD128, plain memory (the stock single-threaded backend)
#   resources/wasm/dfer-kernels-shared.wasm          SIMD128, shared memory (the threaded backend)
#   resources/wasm/dfer-kernels-relaxed.wasm         the same with relaxed-SIMD fused multiply-add
#   resources/wasm/dfer-kernels-shared-relaxed.wasm
# The outputs are committed so that `npm install` needs no C toolchain; .ci/run rebuilds them and fails if
# they differ from the committed ones by a single byte. Another compiler version emits other bytes, so the
# toolchain is pinned and checked first:
#   clang and wasm-ld 16.0.6   (Debian bookworm: apt-get install clang-16 lld-16)
#   wabt 1.0.32 or newer       (apt-get install wabt; only for the checks at the end, not the output)
# clang 16 emits relaxed SIMD itself (-mrelaxed-simd, __builtin_wasm_relaxed_madd_f32x4, final opcodes).
# DFER_NATIVE_ANY_TOOLCHAIN=1 builds with whatever clang is found (for trying one; the result will not
# match the committed modules).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../resources/wasm}"
CLANG_VERSION=16.0.6
WABT_MIN=1.0.32
CLANG="${CLANG:-$(command -v clang-16 || command -v clang || true)}"
WASM_LD="${WASM_LD:-$(command -v wasm-ld-16 || command -v wasm-ld || true)}"
fail() { echo "build.sh: $*" >&2; exit 1; }
[ -n "$CLANG" ] || fail "clang $CLANG_VERSION not found (Debian bookworm: apt-get install clang-16 lld-16)"
[ -n "$WASM_LD" ] || fail "wasm-ld $CLANG_VERSION not found (Debian bookworm: apt-get install lld-16)"
for tool in wasm-objdump; do command -v "$tool" >/dev/null || fail "$tool not found (apt-get install wabt, $WABT_MIN or newer)"; done
clang_found="$("$CLANG" --version | sed -n 's/.*clang version \([0-9][0-9.]*\).*/\1/p' | head -1)"
ld_found="$("$WASM_LD" --version | sed -n 's/.*LLD \([0-9][0-9.]*\).*/\1/p' | head -1)"
wabt_found="$(wasm-objdump --version | head -1)"
echo "toolchain: clang $clang_found ($CLANG), wasm-ld $ld_found ($WASM_LD), wabt $wabt_found; needs clang and wasm-ld $CLANG_VERSION, wabt >= $WABT_MIN"
if [ "${DFER_NATIVE_ANY_TOOLCHAIN:-0}" != 1 ]; then
  [ "$clang_found" = "$CLANG_VERSION" ] || fail "needs clang $CLANG_VERSION, found '$clang_found' at $CLANG: another version emits other bytes than the committed modules (apt-get install clang-16, or set CLANG=/path/to/clang-$CLANG_VERSION; DFER_NATIVE_ANY_TOOLCHAIN=1 builds anyway)"
  [ "$ld_found" = "$CLANG_VERSION" ] || fail "needs wasm-ld $CLANG_VERSION, found '$ld_found' at $WASM_LD (apt-get install lld-16, or set WASM_LD=...)"
fi
# wabt only reads the modules; older ones do not know the relaxed-SIMD opcodes.
[ "$(printf '%s\n%s\n' "$WABT_MIN" "$wabt_found" | sort -V | head -1)" = "$WABT_MIN" ] || fail "needs wabt $WABT_MIN or newer (to decode relaxed SIMD), found $wabt_found"

mkdir -p "$out"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
cflags=(--target=wasm32 -O3 -msimd128 -ffreestanding -fno-builtin -Wall -Wextra -Werror)
link=(--no-entry --import-memory --initial-memory=131072 --max-memory=4294967296 -z stack-size=1024 --strip-all)

# Compile and link separately: clang's own link step would also run binaryen's wasm-opt when one is
# installed (Debian's rejects SIMD unless told), and the build does not need it.
build() { # name, shared(0|1), relaxed(0|1)
  local name="$1" shared="$2" relaxed="$3" cf=("${cflags[@]}") lf=("${link[@]}")
  if [ "$shared" = 1 ]; then cf+=(-matomics -mbulk-memory); lf+=(--shared-memory); fi
  if [ "$relaxed" = 1 ]; then cf+=(-mrelaxed-simd -DDFER_RELAXED); fi
  "$CLANG" "${cf[@]}" -c -o "$tmp/k.o" "$here/kernels.c"
  "$WASM_LD" "${lf[@]}" -o "$out/$name" "$tmp/k.o"
}
build dfer-kernels.wasm 0 0
build dfer-kernels-shared.wasm 1 0
build dfer-kernels-relaxed.wasm 0 1
build dfer-kernels-shared-relaxed.wasm 1 1

# The modules must not write to memory they do not own: no data segments, no start function, and no use of
# the C stack pointer (global 0) in code. The relaxed ones must hold the fused multiply-adds, and no import
# other than the memory.
for f in "$out"/dfer-kernels*.wasm; do
  headers="$(wasm-objdump -h "$f")"
  if grep -qE '^ *(Data|Start|DataCount) ' <<<"$headers"; then fail "$f has a data or start section"; fi
  code="$(wasm-objdump -d "$f")"
  if grep -qE 'global\.(get|set) 0\b' <<<"$code"; then fail "$f uses the C stack"; fi
  imports="$(wasm-objdump -j Import -x "$f" | grep -E '^ - ' || true)"
  if grep -qv 'memory\[' <<<"$imports"; then fail "$f imports more than its memory: $imports"; fi
  case "$f" in *relaxed.wasm) grep -q 'f32x4.relaxed_madd' <<<"$code" || fail "$f has no relaxed_madd" ;; esac
done
echo "built $(cd "$out" && ls -l dfer-kernels*.wasm | awk '{print $5" "$9}' | tr '\n' ' ')"
