/*
 * DFER Workbench: training kernels compiled to WebAssembly SIMD128 (see native/README.md).
 *
 * The module owns no memory. It imports the tfjs wasm backend's linear memory and works on tensors in place,
 * given their byte offsets, so nothing is copied in or out. Rules that keep it from touching the backend's
 * own data (checked by native/build.sh after every build):
 *   - no data segments and no static variables;
 *   - no use of the C stack in linear memory (no arrays or address-taken locals: locals stay in wasm
 *     locals);
 *   - no memory growth and no libc.
 * All layouts are NHWC (channels last) like tfjs.
 */
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef v128_t f4;

static inline f4 add(f4 a, f4 b) { return wasm_f32x4_add(a, b); }
static inline f4 mul(f4 a, f4 b) { return wasm_f32x4_mul(a, b); }
static inline f4 load(const float *p) { return wasm_v128_load(p); }
static inline void store(float *p, f4 v) { wasm_v128_store(p, v); }
static inline f4 splat(float v) { return wasm_f32x4_splat(v); }

/* Geometry of one filter-gradient problem (see conv2d_filter_grad). */
typedef struct {
  const float *x, *dy;
  int32_t H, W, Ci, OH, OW, Co, sh, sw, dh, dw, pt, pl;
} FilterGrad;

/*
 * One register tile: NCI input channels (1..4) x (CO8 ? 8 : 4) output channels at filter tap (kh, kw),
 * accumulated over the output rows [r0, r1) and columns [owLo, owHi), added into `o` (row stride Co).
 * Always inlined with constant NCI/CO8, so each combination is its own branch-free loop.
 */
static inline __attribute__((always_inline)) void filter_grad_tile(
    const FilterGrad *p, float *o, int32_t r0, int32_t r1, int32_t kh, int32_t off, int32_t owLo, int32_t owHi,
    int32_t ci, int32_t co, const int32_t NCI, const int32_t CO8) {
  f4 a0 = splat(0.f), a1 = splat(0.f), a2 = splat(0.f), a3 = splat(0.f);
  f4 b0 = splat(0.f), b1 = splat(0.f), b2 = splat(0.f), b3 = splat(0.f);
  const int32_t Ci = p->Ci, Co = p->Co, sw = p->sw;
  int32_t b = r0 / p->OH, oh = r0 - b * p->OH;
  for (int32_t r = r0; r < r1; r++) {
    const int32_t ih = oh * p->sh + kh * p->dh - p->pt;
    if (ih >= 0 && ih < p->H) {
      const float *xp = p->x + ((int64_t)(b * p->H + ih) * p->W) * Ci + ci + (int64_t)(owLo * sw + off) * Ci;
      const float *gp = p->dy + ((int64_t)r * p->OW) * Co + co + (int64_t)owLo * Co;
      const int32_t xStep = sw * Ci;
      for (int32_t ow = owLo; ow < owHi; ow++, xp += xStep, gp += Co) {
        const f4 g0 = load(gp);
        const f4 x0 = splat(xp[0]);
        a0 = add(a0, mul(x0, g0));
        if (NCI > 1) a1 = add(a1, mul(splat(xp[1]), g0));
        if (NCI > 2) a2 = add(a2, mul(splat(xp[2]), g0));
        if (NCI > 3) a3 = add(a3, mul(splat(xp[3]), g0));
        if (CO8) {
          const f4 g1 = load(gp + 4);
          b0 = add(b0, mul(x0, g1));
          if (NCI > 1) b1 = add(b1, mul(splat(xp[1]), g1));
          if (NCI > 2) b2 = add(b2, mul(splat(xp[2]), g1));
          if (NCI > 3) b3 = add(b3, mul(splat(xp[3]), g1));
        }
      }
    }
    if (++oh == p->OH) { oh = 0; b++; }
  }
  store(o, add(load(o), a0));
  if (NCI > 1) store(o + Co, add(load(o + Co), a1));
  if (NCI > 2) store(o + 2 * Co, add(load(o + 2 * Co), a2));
  if (NCI > 3) store(o + 3 * Co, add(load(o + 3 * Co), a3));
  if (CO8) {
    store(o + 4, add(load(o + 4), b0));
    if (NCI > 1) store(o + Co + 4, add(load(o + Co + 4), b1));
    if (NCI > 2) store(o + 2 * Co + 4, add(load(o + 2 * Co + 4), b2));
    if (NCI > 3) store(o + 3 * Co + 4, add(load(o + 3 * Co + 4), b3));
  }
}

/*
 * Conv2DBackpropFilter: dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl, ci] * dy[b,oh,ow,co]
 * over output rows [row0, row1) of the flattened (b, oh) range, written (not accumulated) into `out`
 * [KH,KW,Ci,Co]. Co must be a multiple of 4. Splitting the row range across threads gives partial sums.
 *
 * The (b, oh) rows are walked in chunks whose dy fits in L1/L2; within a chunk, every (kh, kw, 4-channel
 * block of ci, 8- or 4-channel block of co) tile keeps its accumulators in registers across the chunk's
 * pixels, so dW is read and written once per chunk, and dy/x once per tile from cache.
 */
EXPORT(conv2d_filter_grad)
void conv2d_filter_grad(const float *x, const float *dy, float *out,
                        int32_t H, int32_t W, int32_t Ci, int32_t OH, int32_t OW, int32_t Co,
                        int32_t KH, int32_t KW, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
                        int32_t pt, int32_t pl, int32_t row0, int32_t row1) {
  const FilterGrad p = {x, dy, H, W, Ci, OH, OW, Co, sh, sw, dh, dw, pt, pl};
  const int32_t total = KH * KW * Ci * Co;
  for (int32_t i = 0; i < total; i += 4) store(out + i, splat(0.f));
  // Rows per chunk: about 32 KiB of dy.
  int32_t chunk = (32 * 1024) / (OW * Co * 4);
  if (chunk < 1) chunk = 1;
  const int32_t co8 = Co % 8 == 0;
  const int32_t coStep = co8 ? 8 : 4;
  for (int32_t c0 = row0; c0 < row1; c0 += chunk) {
    const int32_t c1 = (c0 + chunk < row1) ? c0 + chunk : row1;
    for (int32_t kh = 0; kh < KH; kh++) {
      for (int32_t kw = 0; kw < KW; kw++) {
        // Output columns whose input column is inside the image: ow*sw + kw*dw - pl in [0, W).
        const int32_t off = kw * dw - pl;
        int32_t owLo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        int32_t owHi = (W - 1 - off) >= 0 ? (W - 1 - off) / sw + 1 : 0;
        if (owHi > OW) owHi = OW;
        if (owLo >= owHi) continue;
        for (int32_t ci = 0; ci < Ci; ci += 4) {
          const int32_t nci = (Ci - ci < 4) ? Ci - ci : 4;
          float *o = out + ((int64_t)((kh * KW + kw) * Ci + ci)) * Co;
          for (int32_t co = 0; co < Co; co += coStep) {
#define TILE(N, C8) filter_grad_tile(&p, o + co, c0, c1, kh, off, owLo, owHi, ci, co, N, C8)
            if (co8) {
              switch (nci) { case 4: TILE(4, 1); break; case 3: TILE(3, 1); break; case 2: TILE(2, 1); break; default: TILE(1, 1); }
            } else {
              switch (nci) { case 4: TILE(4, 0); break; case 3: TILE(3, 0); break; case 2: TILE(2, 0); break; default: TILE(1, 0); }
            }
#undef TILE
          }
        }
      }
    }
  }
}

/* out[i] += a[i] for n floats (n a multiple of 4): sums the per-thread partial gradients. */
EXPORT(add_into)
void add_into(float *out, const float *a, int32_t n) {
  for (int32_t i = 0; i < n; i += 4) store(out + i, add(load(out + i), load(a + i)));
}
