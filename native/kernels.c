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
#ifdef DFER_RELAXED
/* f32x4.relaxed_madd: a * b + c, one fused multiply-add on x86-64 and arm64 (clang 16, -mrelaxed-simd). */
static inline f4 madd(f4 a, f4 b, f4 c) { return __builtin_wasm_relaxed_madd_f32x4(a, b, c); }
#else
static inline f4 madd(f4 a, f4 b, f4 c) { return add(c, mul(a, b)); }
#endif

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
        a0 = madd(x0, g0, a0);
        if (NCI > 1) a1 = madd(splat(xp[1]), g0, a1);
        if (NCI > 2) a2 = madd(splat(xp[2]), g0, a2);
        if (NCI > 3) a3 = madd(splat(xp[3]), g0, a3);
        if (CO8) {
          const f4 g1 = load(gp + 4);
          b0 = madd(x0, g1, b0);
          if (NCI > 1) b1 = madd(splat(xp[1]), g1, b1);
          if (NCI > 2) b2 = madd(splat(xp[2]), g1, b2);
          if (NCI > 3) b3 = madd(splat(xp[3]), g1, b3);
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

/*
 * One register tile of the input gradient: NP output pixels (1 or 4, consecutive ow) x 8 input channels
 * (CI8) or 4, at tap (kh, kw): acc[p] = sum_co dy[pixel p, co] * w^T[tap, co, ci..], added into dx at
 * the pixels' input positions (column stride xStep floats).
 */
static inline __attribute__((always_inline)) void input_grad_tile(
    const float *g, const float *wt, float *d, int32_t Co, int32_t Ci, int32_t xStep, const int NP, const int CI8) {
  f4 a0 = splat(0.f), a1 = splat(0.f), a2 = splat(0.f), a3 = splat(0.f);
  f4 b0 = splat(0.f), b1 = splat(0.f), b2 = splat(0.f), b3 = splat(0.f);
  for (int32_t co = 0; co < Co; co++, wt += Ci) {
    const f4 w0 = load(wt);
    const f4 w1 = CI8 ? load(wt + 4) : splat(0.f);
    const f4 g0 = splat(g[co]);
    a0 = madd(g0, w0, a0);
    if (CI8) b0 = madd(g0, w1, b0);
    if (NP > 1) {
      const f4 g1 = splat(g[Co + co]), g2 = splat(g[2 * Co + co]), g3 = splat(g[3 * Co + co]);
      a1 = madd(g1, w0, a1);
      a2 = madd(g2, w0, a2);
      a3 = madd(g3, w0, a3);
      if (CI8) {
        b1 = madd(g1, w1, b1);
        b2 = madd(g2, w1, b2);
        b3 = madd(g3, w1, b3);
      }
    }
  }
  store(d, add(load(d), a0));
  if (CI8) store(d + 4, add(load(d + 4), b0));
  if (NP > 1) {
    float *d1 = d + xStep, *d2 = d + 2 * xStep, *d3 = d + 3 * xStep;
    store(d1, add(load(d1), a1));
    store(d2, add(load(d2), a2));
    store(d3, add(load(d3), a3));
    if (CI8) {
      store(d1 + 4, add(load(d1 + 4), b1));
      store(d2 + 4, add(load(d2 + 4), b2));
      store(d3 + 4, add(load(d3 + 4), b3));
    }
  }
}

/*
 * Conv2DBackpropInput: dx[b, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl, ci] += sum_co dy[b,oh,ow,co] * w[kh,kw,ci,co]
 * for the batch range [b0, b1) of dx (zeroed first), so threads can split the batch. `wt` is the filter
 * with its channel axes swapped, [KH,KW,Co,Ci], so that a tap's row for one co is contiguous over ci.
 * Ci must be a multiple of 4. Each (pixel tile, tap) is a small GEMM with its accumulators in registers.
 */
EXPORT(conv2d_input_grad)
void conv2d_input_grad(const float *dy, const float *wt, float *dx,
                       int32_t H, int32_t W, int32_t Ci, int32_t OH, int32_t OW, int32_t Co,
                       int32_t KH, int32_t KW, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
                       int32_t pt, int32_t pl, int32_t b0, int32_t b1) {
  const int64_t imageSize = (int64_t)H * W * Ci;
  for (int64_t i = (int64_t)b0 * imageSize; i < (int64_t)b1 * imageSize; i += 4) store(dx + i, splat(0.f));
  const int32_t ci8 = Ci % 8 == 0;
  const int32_t ciStep = ci8 ? 8 : 4;
  const int32_t xStep = sw * Ci;
  for (int32_t b = b0; b < b1; b++) {
    for (int32_t oh = 0; oh < OH; oh++) {
      const float *grow = dy + ((int64_t)(b * OH + oh) * OW) * Co;
      for (int32_t kh = 0; kh < KH; kh++) {
        const int32_t ih = oh * sh + kh * dh - pt;
        if (ih < 0 || ih >= H) continue;
        float *drow = dx + ((int64_t)(b * H + ih) * W) * Ci;
        for (int32_t kw = 0; kw < KW; kw++) {
          const int32_t off = kw * dw - pl;
          int32_t owLo = off >= 0 ? 0 : (-off + sw - 1) / sw;
          int32_t owHi = (W - 1 - off) >= 0 ? (W - 1 - off) / sw + 1 : 0;
          if (owHi > OW) owHi = OW;
          const float *wtap = wt + (int64_t)(kh * KW + kw) * Co * Ci;
          int32_t ow = owLo;
          for (; ow + 4 <= owHi; ow += 4) {
            const float *g = grow + (int64_t)ow * Co;
            float *d = drow + (int64_t)(ow * sw + off) * Ci;
            for (int32_t ci = 0; ci < Ci; ci += ciStep) {
              if (ci8) input_grad_tile(g, wtap + ci, d + ci, Co, Ci, xStep, 4, 1);
              else input_grad_tile(g, wtap + ci, d + ci, Co, Ci, xStep, 4, 0);
            }
          }
          for (; ow < owHi; ow++) {
            const float *g = grow + (int64_t)ow * Co;
            float *d = drow + (int64_t)(ow * sw + off) * Ci;
            for (int32_t ci = 0; ci < Ci; ci += ciStep) {
              if (ci8) input_grad_tile(g, wtap + ci, d + ci, Co, Ci, xStep, 1, 1);
              else input_grad_tile(g, wtap + ci, d + ci, Co, Ci, xStep, 1, 0);
            }
          }
        }
      }
    }
  }
}

/* The taps one forward tile sums over: rows of the filter, and runs of contiguous (kw, ci) values in each. */
typedef struct {
  int32_t rows, runs, runLen;       /* filter rows, runs per row, values per run */
  int32_t xRow, xRun, wRow, wRun;   /* strides: input floats per filter row / run; filter taps (k) likewise */
} Taps;

/* Width of the packed filter block that starts at output channel cb: 16 while 16 remain, then 8, then 4. */
static inline int32_t block_width(int32_t cb, int32_t Co) { return cb + 16 <= Co ? 16 : cb + 8 <= Co ? 8 : 4; }

/*
 * Filter packing for the forward convolution: w [K, Co] (K = KH*KW*Ci, Co a multiple of 4) into blocks of
 * 16 output channels (then one of 8 and one of 4 for what remains), each [K, width] contiguous, the block
 * of channel cb starting at p + cb*K. One block (K*64 bytes: 36 KiB for 3x3x64) is read sequentially by
 * every pixel tile of a chunk of rows, instead of strided rows of the whole filter.
 */
EXPORT(conv2d_pack_filter)
void conv2d_pack_filter(const float *w, float *p, int32_t K, int32_t Co) {
  for (int32_t cb = 0; cb < Co;) {
    const int32_t bw = block_width(cb, Co);
    float *blk = p + (int64_t)cb * K;
    for (int32_t k = 0; k < K; k++)
      for (int32_t q = 0; q < bw; q += 4) store(blk + (int64_t)bw * k + q, load(w + (int64_t)k * Co + cb + q));
    cb += bw;
  }
}

/*
 * One register tile of the forward convolution: NP output pixels (1..4, consecutive ow, input column
 * stride pStep floats) x one packed block of 8 (CO8) or 4 output channels. x points at pixel 0's first
 * tap, w at the block's row of that tap (BW floats per tap). With dilation 1 a run covers every valid tap
 * of a filter row (KW*Ci values), so the inner loop is long even for 3 input channels. The sums are
 * stored (not accumulated) to y (pixel stride Co).
 */
/* The fused epilogue of the forward convolution: + bias (per channel, may be null), then ReLU if asked. */
static inline f4 conv_out(f4 v, const float *bias, int32_t relu) {
  if (bias) v = add(v, load(bias));
  return relu ? wasm_f32x4_max(v, splat(0.f)) : v;
}

static inline __attribute__((always_inline)) void conv_tile_strided(
    const float *x, const float *w, float *y, const Taps *t, int32_t Co, int32_t pStep, int32_t wStep, const float *bias,
    int32_t relu, const int NP, const int CO8) {
  const int32_t BW = wStep;
  f4 a0 = splat(0.f), a1 = splat(0.f), a2 = splat(0.f), a3 = splat(0.f);
  f4 b0 = splat(0.f), b1 = splat(0.f), b2 = splat(0.f), b3 = splat(0.f);
  for (int32_t r = 0; r < t->rows; r++) {
    for (int32_t u = 0; u < t->runs; u++) {
      const float *xp = x + (int64_t)r * t->xRow + (int64_t)u * t->xRun;
      const float *wp = w + ((int64_t)r * t->wRow + (int64_t)u * t->wRun) * BW;
      for (int32_t j = 0; j < t->runLen; j++, xp++, wp += BW) {
        const f4 w0 = load(wp);
        const f4 w1 = CO8 ? load(wp + 4) : splat(0.f);
        const f4 x0 = splat(xp[0]);
        a0 = madd(x0, w0, a0);
        if (CO8) b0 = madd(x0, w1, b0);
        if (NP > 1) { const f4 v = splat(xp[pStep]); a1 = madd(v, w0, a1); if (CO8) b1 = madd(v, w1, b1); }
        if (NP > 2) { const f4 v = splat(xp[2 * pStep]); a2 = madd(v, w0, a2); if (CO8) b2 = madd(v, w1, b2); }
        if (NP > 3) { const f4 v = splat(xp[3 * pStep]); a3 = madd(v, w0, a3); if (CO8) b3 = madd(v, w1, b3); }
      }
    }
  }
  const float *bias4 = bias ? bias + 4 : 0;
  store(y, conv_out(a0, bias, relu));
  if (CO8) store(y + 4, conv_out(b0, bias4, relu));
  if (NP > 1) { store(y + Co, conv_out(a1, bias, relu)); if (CO8) store(y + Co + 4, conv_out(b1, bias4, relu)); }
  if (NP > 2) { store(y + 2 * Co, conv_out(a2, bias, relu)); if (CO8) store(y + 2 * Co + 4, conv_out(b2, bias4, relu)); }
  if (NP > 3) { store(y + 3 * Co, conv_out(a3, bias, relu)); if (CO8) store(y + 3 * Co + 4, conv_out(b3, bias4, relu)); }
}

/* The tile on a packed filter block: BW = 8 (CO8) or 4 floats per tap. */
static inline __attribute__((always_inline)) void conv_tile(
    const float *x, const float *w, float *y, const Taps *t, int32_t Co, int32_t pStep, const float *bias, int32_t relu,
    const int NP, const int CO8) {
  conv_tile_strided(x, w, y, t, Co, pStep, CO8 ? 8 : 4, bias, relu, NP, CO8);
}

/*
 * 1 or 2 output pixels x a 16-channel packed block: 4 filter loads and 1-2 broadcasts per 4-8 fused
 * multiply-adds. On x86 a broadcast costs a shuffle-port micro-op next to the FMAs, so sharing each
 * broadcast across 16 channels instead of 8 measured 1.4-1.7x faster than 4 pixels x 8 channels here.
 */
static inline __attribute__((always_inline)) void conv_tile16(
    const float *x, const float *w, float *y, const Taps *t, int32_t Co, int32_t pStep, const float *bias, int32_t relu, const int NP) {
  f4 a0 = splat(0.f), a1 = splat(0.f), a2 = splat(0.f), a3 = splat(0.f);
  f4 b0 = splat(0.f), b1 = splat(0.f), b2 = splat(0.f), b3 = splat(0.f);
  for (int32_t r = 0; r < t->rows; r++) {
    for (int32_t u = 0; u < t->runs; u++) {
      const float *xp = x + (int64_t)r * t->xRow + (int64_t)u * t->xRun;
      const float *wp = w + ((int64_t)r * t->wRow + (int64_t)u * t->wRun) * 16;
      for (int32_t j = 0; j < t->runLen; j++, xp++, wp += 16) {
        const f4 w0 = load(wp), w1 = load(wp + 4), w2 = load(wp + 8), w3 = load(wp + 12);
        const f4 x0 = splat(xp[0]);
        a0 = madd(x0, w0, a0);
        a1 = madd(x0, w1, a1);
        a2 = madd(x0, w2, a2);
        a3 = madd(x0, w3, a3);
        if (NP > 1) {
          const f4 x1 = splat(xp[pStep]);
          b0 = madd(x1, w0, b0);
          b1 = madd(x1, w1, b1);
          b2 = madd(x1, w2, b2);
          b3 = madd(x1, w3, b3);
        }
      }
    }
  }
  const float *c4 = bias ? bias + 4 : 0, *c8 = bias ? bias + 8 : 0, *c12 = bias ? bias + 12 : 0;
  store(y, conv_out(a0, bias, relu));
  store(y + 4, conv_out(a1, c4, relu));
  store(y + 8, conv_out(a2, c8, relu));
  store(y + 12, conv_out(a3, c12, relu));
  if (NP > 1) {
    store(y + Co, conv_out(b0, bias, relu));
    store(y + Co + 4, conv_out(b1, c4, relu));
    store(y + Co + 8, conv_out(b2, c8, relu));
    store(y + Co + 12, conv_out(b3, c12, relu));
  }
}

/* One block's tiles over output columns [ow0, ow1) that share one tap list: 4 pixels at a time, then the rest
   (CO8: 0 = 4-channel block, 1 = 8, 2 = 16 with 2-pixel tiles). */
static inline __attribute__((always_inline)) void conv_columns(
    const float *x, const float *w, float *y, const Taps *t, int32_t Co, int32_t pStep, const float *bias, int32_t relu,
    int32_t ow0, int32_t ow1, const int CO8) {
  int32_t ow = ow0;
  if (CO8 == 2) { // 16-channel block: 2 pixels at a time
    for (; ow + 2 <= ow1; ow += 2) conv_tile16(x + (int64_t)ow * pStep, w, y + (int64_t)ow * Co, t, Co, pStep, bias, relu, 2);
    if (ow < ow1) conv_tile16(x + (int64_t)ow * pStep, w, y + (int64_t)ow * Co, t, Co, pStep, bias, relu, 1);
    return;
  }
  for (; ow + 4 <= ow1; ow += 4) conv_tile(x + (int64_t)ow * pStep, w, y + (int64_t)ow * Co, t, Co, pStep, bias, relu, 4, CO8);
  switch (ow1 - ow) {
    case 3: conv_tile(x + (int64_t)ow * pStep, w, y + (int64_t)ow * Co, t, Co, pStep, bias, relu, 3, CO8); break;
    case 2: conv_tile(x + (int64_t)ow * pStep, w, y + (int64_t)ow * Co, t, Co, pStep, bias, relu, 2, CO8); break;
    case 1: conv_tile(x + (int64_t)ow * pStep, w, y + (int64_t)ow * Co, t, Co, pStep, bias, relu, 1, CO8); break;
    default: break;
  }
}

/*
 * Conv2D, forward: y[b,oh,ow,co] = sum_{kh,kw,ci} x[b, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl, ci] * w[kh,kw,ci,co]
 * (taps outside the image read zero), for output rows [row0, row1) of the flattened (b, oh) range, so
 * threads can split the rows. Co must be a multiple of 4; `p` is the filter packed by conv2d_pack_filter.
 * Fused epilogue (FusedConv2D): + bias[co] when `bias` is non-null, then max(0, .) when `relu`.
 *
 * Rows are taken in chunks whose input fits in L2; within a chunk, one packed channel block at a time
 * goes over every row (16-channel blocks in 2-pixel tiles, 8- and 4-channel ones in 4-pixel tiles). Per output column the valid taps are a rectangle [khLo, khHi) x
 * [kwLo, kwHi): interior columns (all KW taps) share one tap list and go through 4-pixel tiles; border
 * columns get their own.
 */
EXPORT(conv2d_forward)
void conv2d_forward(const float *x, const float *p, float *y,
                    int32_t H, int32_t W, int32_t Ci, int32_t OH, int32_t OW, int32_t Co,
                    int32_t KH, int32_t KW, int32_t sh, int32_t sw, int32_t dh, int32_t dw,
                    int32_t pt, int32_t pl, const float *bias, int32_t relu, int32_t row0, int32_t row1) {
  const int32_t pStep = sw * Ci;
  const int32_t K = KH * KW * Ci;
  // Interior columns: every kw tap inside the image, i.e. ow*sw - pl >= 0 and ow*sw + (KW-1)*dw - pl <= W-1.
  int32_t inLo = (pl + sw - 1) / sw;
  const int32_t lastTap = (KW - 1) * dw - pl;
  int32_t inHi = (W - 1 - lastTap) >= 0 ? (W - 1 - lastTap) / sw + 1 : 0;
  if (inHi > OW) inHi = OW;
  if (inLo > inHi) inLo = inHi;
  // Output rows per chunk: about 64 KiB of input rows.
  int32_t chunk = (64 * 1024) / ((sh > KH ? sh : KH) * W * Ci * 4 + 1);
  if (chunk < 1) chunk = 1;
  for (int32_t c0 = row0; c0 < row1; c0 += chunk) {
    const int32_t c1 = (c0 + chunk < row1) ? c0 + chunk : row1;
    for (int32_t cb = 0, BW = 0; cb < Co; cb += BW) {
      BW = block_width(cb, Co);
      const float *blk = p + (int64_t)cb * K;
      const float *bb = bias ? bias + cb : 0;
      for (int32_t row = c0; row < c1; row++) {
        const int32_t b = row / OH, oh = row - b * OH;
        // Valid kh: 0 <= oh*sh + kh*dh - pt < H.
        const int32_t top = oh * sh - pt;
        int32_t khLo = top >= 0 ? 0 : (-top + dh - 1) / dh;
        int32_t khHi = (H - 1 - top) >= 0 ? (H - 1 - top) / dh + 1 : 0;
        if (khHi > KH) khHi = KH;
        float *yrow = y + (int64_t)row * OW * Co + cb;
        if (khLo >= khHi) {
          // No valid tap: the output is the epilogue of 0.
          for (int32_t ow = 0; ow < OW; ow++)
            for (int32_t q = 0; q < BW; q += 4) store(yrow + (int64_t)ow * Co + q, conv_out(splat(0.f), bb ? bb + q : 0, relu));
          continue;
        }
        const float *xTop = x + ((int64_t)b * H + top + khLo * dh) * W * Ci; // input row of the first valid kh
        const float *wTop = blk + (int64_t)khLo * KW * Ci * BW;
        // Interior: all KW taps; with dilation 1 one run of KW*Ci values per filter row.
        const Taps inner = {khHi - khLo, dw == 1 ? 1 : KW, dw == 1 ? KW * Ci : Ci, dh * W * Ci, dw * Ci, KW * Ci, Ci};
        const float *xIn = xTop - (int64_t)pl * Ci; // column ow starts at xIn + ow*pStep
        if (BW == 16) conv_columns(xIn, wTop, yrow, &inner, Co, pStep, bb, relu, inLo, inHi, 2);
        else if (BW == 8) conv_columns(xIn, wTop, yrow, &inner, Co, pStep, bb, relu, inLo, inHi, 1);
        else conv_columns(xIn, wTop, yrow, &inner, Co, pStep, bb, relu, inLo, inHi, 0);
        // Border columns: valid kw with 0 <= left + kw*dw < W.
        for (int32_t ow = 0; ow < OW; ow++) {
          if (ow == inLo) ow = inHi;
          if (ow >= OW) break;
          const int32_t left = ow * sw - pl;
          int32_t kwLo = left >= 0 ? 0 : (-left + dw - 1) / dw;
          int32_t kwHi = (W - 1 - left) >= 0 ? (W - 1 - left) / dw + 1 : 0;
          if (kwHi > KW) kwHi = KW;
          float *yp = yrow + (int64_t)ow * Co;
          if (kwLo >= kwHi) {
            for (int32_t q = 0; q < BW; q += 4) store(yp + q, conv_out(splat(0.f), bb ? bb + q : 0, relu));
            continue;
          }
          const int32_t nkw = kwHi - kwLo;
          const Taps edge = {khHi - khLo, dw == 1 ? 1 : nkw, dw == 1 ? nkw * Ci : Ci, dh * W * Ci, dw * Ci, KW * Ci, Ci};
          const float *xp = xTop + (int64_t)(left + kwLo * dw) * Ci;
          const float *wp = wTop + (int64_t)kwLo * Ci * BW;
          if (BW == 16) conv_tile16(xp, wp, yp, &edge, Co, pStep, bb, relu, 1);
          else if (BW == 8) conv_tile(xp, wp, yp, &edge, Co, pStep, bb, relu, 1, 1);
          else conv_tile(xp, wp, yp, &edge, Co, pStep, bb, relu, 1, 0);
        }
      }
    }
  }
}

/*
 * Batched matrix product c[i] = a[i] (m x k) * b[i] (k x n), all row-major and contiguous, for batch entries
 * [b0, b1) (threads split the batch); aStride/bStride are the floats between entries (0 broadcasts one
 * matrix). The forward convolution's register tiles with 1x1 "pixels": 4 rows of a x 8 columns of b,
 * then 4-column tiles and a scalar tail for n % 4.
 */
/* `rows` (1..4) rows of a x 8 (CO8) or 4 columns of b, into c (row stride n). */
static inline __attribute__((always_inline)) void mm_tile(const float *a, const float *b, float *c, const Taps *t, int32_t k, int32_t n,
                                                         int32_t rows, const int CO8) {
  switch (rows) {
    case 4: conv_tile_strided(a, b, c, t, n, k, n, 0, 0, 4, CO8); break;
    case 3: conv_tile_strided(a, b, c, t, n, k, n, 0, 0, 3, CO8); break;
    case 2: conv_tile_strided(a, b, c, t, n, k, n, 0, 0, 2, CO8); break;
    default: conv_tile_strided(a, b, c, t, n, k, n, 0, 0, 1, CO8);
  }
}

EXPORT(batch_matmul)
void batch_matmul(const float *a, const float *b, float *c, int32_t m, int32_t k, int32_t n, int32_t aStride,
                  int32_t bStride, int32_t b0, int32_t b1) {
  const Taps t = {1, 1, k, 0, 0, 0, 0};
  for (int32_t e = b0; e < b1; e++) {
    const float *A = a + (int64_t)e * aStride, *B = b + (int64_t)e * bStride;
    float *C = c + (int64_t)e * m * n;
    for (int32_t i = 0; i < m; i += 4) {
      const int32_t rows = m - i < 4 ? m - i : 4;
      const float *Ai = A + (int64_t)i * k;
      float *Ci = C + (int64_t)i * n;
      int32_t j = 0;
      for (; j + 8 <= n; j += 8) mm_tile(Ai, B + j, Ci + j, &t, k, n, rows, 1);
      for (; j + 4 <= n; j += 4) mm_tile(Ai, B + j, Ci + j, &t, k, n, rows, 0);
      for (; j < n; j++) {
        for (int32_t r = 0; r < rows; r++) {
          float sum = 0.f;
          const float *ar = Ai + (int64_t)r * k;
          for (int32_t q = 0; q < k; q++) sum += ar[q] * B[(int64_t)q * n + j];
          Ci[(int64_t)r * n + j] = sum;
        }
      }
    }
  }
}

/*
 * MaxPoolGrad: dx[argmax of each window] += dy, the first maximum in row-major window order winning and NaN
 * never selected (as on the cpu backend), for the images [b0, b1) of dx (zeroed first), so threads split
 * the batch. Channels 4 at a time: a running max and its flat offset per lane (compare + select), then a
 * scalar scatter of the 4 lanes; a channel tail (C % 4) runs scalar. NHWC.
 */
EXPORT(max_pool_grad)
void max_pool_grad(const float *x, const float *dy, float *dx, int32_t H, int32_t W, int32_t C, int32_t OH, int32_t OW,
                   int32_t KH, int32_t KW, int32_t sh, int32_t sw, int32_t pt, int32_t pl, int32_t b0, int32_t b1) {
  const int64_t image = (int64_t)H * W * C;
  for (int64_t i = (int64_t)b0 * image; i < (int64_t)b1 * image; i++) dx[i] = 0.f;
  const v128_t lane = wasm_i32x4_make(0, 1, 2, 3);
  for (int32_t b = b0; b < b1; b++) {
    const int32_t base = b * H * W * C;
    for (int32_t oh = 0; oh < OH; oh++) {
      const int32_t r0 = oh * sh - pt;
      const int32_t h0 = r0 > 0 ? r0 : 0, h1 = r0 + KH < H ? r0 + KH : H;
      for (int32_t ow = 0; ow < OW; ow++) {
        const int32_t c0 = ow * sw - pl;
        const int32_t w0 = c0 > 0 ? c0 : 0, w1 = c0 + KW < W ? c0 + KW : W;
        const float *g = dy + (((int64_t)b * OH + oh) * OW + ow) * C;
        int32_t c = 0;
        for (; c + 4 <= C; c += 4) {
          f4 best = splat(-__builtin_inff());
          v128_t at = wasm_i32x4_splat(-1);
          for (int32_t h = h0; h < h1; h++) {
            for (int32_t w = w0; w < w1; w++) {
              const int32_t off = base + (h * W + w) * C + c;
              const f4 v = load(x + off);
              const v128_t gt = wasm_f32x4_gt(v, best); // strict: first maximum kept, NaN never taken
              best = wasm_v128_bitselect(v, best, gt);
              at = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(off), lane), at, gt);
            }
          }
          const int32_t a0 = wasm_i32x4_extract_lane(at, 0), a1 = wasm_i32x4_extract_lane(at, 1);
          const int32_t a2 = wasm_i32x4_extract_lane(at, 2), a3 = wasm_i32x4_extract_lane(at, 3);
          if (a0 >= 0) dx[a0] += g[c];
          if (a1 >= 0) dx[a1] += g[c + 1];
          if (a2 >= 0) dx[a2] += g[c + 2];
          if (a3 >= 0) dx[a3] += g[c + 3];
        }
        for (; c < C; c++) {
          float best = -__builtin_inff();
          int32_t at = -1;
          for (int32_t h = h0; h < h1; h++) {
            for (int32_t w = w0; w < w1; w++) {
              const int32_t off = base + (h * W + w) * C + c;
              if (x[off] > best) { best = x[off]; at = off; }
            }
          }
          if (at >= 0) dx[at] += g[c];
        }
      }
    }
  }
}

/*
 * Batch normalisation over the channel axis of a [M, C] matrix (C a multiple of 4), in row ranges
 * [r0, r1) so that threads can split the rows. Sums run in float32 over chunks of CHUNK rows, and the
 * chunk sums are added in float64 into `acc` (caller-provided, C doubles): the result does not drift
 * with M (401,408 rows for small's first layer at batch 8).
 */
#define CHUNK 256

/* acc[c] += sum_r (x[r,c] - centre[c])^P for P = 1 or 2 (centre may be null: 0). */
static inline __attribute__((always_inline)) void channel_power_sums(
    const float *x, const float *centre, double *acc, int32_t C, int32_t r0, int32_t r1, const int P) {
  for (int32_t c0 = r0; c0 < r1; c0 += CHUNK) {
    const int32_t c1 = (c0 + CHUNK < r1) ? c0 + CHUNK : r1;
    for (int32_t c = 0; c < C; c += 16) {
      const int32_t n = (C - c < 16) ? (C - c) / 4 : 4;
      f4 m0 = splat(0.f), m1 = splat(0.f), m2 = splat(0.f), m3 = splat(0.f);
      if (centre) {
        m0 = load(centre + c);
        if (n > 1) m1 = load(centre + c + 4);
        if (n > 2) m2 = load(centre + c + 8);
        if (n > 3) m3 = load(centre + c + 12);
      }
      f4 s0 = splat(0.f), s1 = splat(0.f), s2 = splat(0.f), s3 = splat(0.f);
      const float *row = x + (int64_t)c0 * C + c;
      for (int32_t r = c0; r < c1; r++, row += C) {
        f4 v0 = wasm_f32x4_sub(load(row), m0);
        s0 = add(s0, P == 2 ? mul(v0, v0) : v0);
        if (n > 1) { f4 v = wasm_f32x4_sub(load(row + 4), m1); s1 = add(s1, P == 2 ? mul(v, v) : v); }
        if (n > 2) { f4 v = wasm_f32x4_sub(load(row + 8), m2); s2 = add(s2, P == 2 ? mul(v, v) : v); }
        if (n > 3) { f4 v = wasm_f32x4_sub(load(row + 12), m3); s3 = add(s3, P == 2 ? mul(v, v) : v); }
      }
      double *a = acc + c;
      a[0] += wasm_f32x4_extract_lane(s0, 0); a[1] += wasm_f32x4_extract_lane(s0, 1);
      a[2] += wasm_f32x4_extract_lane(s0, 2); a[3] += wasm_f32x4_extract_lane(s0, 3);
      if (n > 1) { a[4] += wasm_f32x4_extract_lane(s1, 0); a[5] += wasm_f32x4_extract_lane(s1, 1); a[6] += wasm_f32x4_extract_lane(s1, 2); a[7] += wasm_f32x4_extract_lane(s1, 3); }
      if (n > 2) { a[8] += wasm_f32x4_extract_lane(s2, 0); a[9] += wasm_f32x4_extract_lane(s2, 1); a[10] += wasm_f32x4_extract_lane(s2, 2); a[11] += wasm_f32x4_extract_lane(s2, 3); }
      if (n > 3) { a[12] += wasm_f32x4_extract_lane(s3, 0); a[13] += wasm_f32x4_extract_lane(s3, 1); a[14] += wasm_f32x4_extract_lane(s3, 2); a[15] += wasm_f32x4_extract_lane(s3, 3); }
    }
  }
}

/*
 * acc[c] = sum over rows [r0, r1) of (x[r, c] - shift[c]) (acc: C doubles, overwritten). A shift near the
 * mean (e.g. the first row) keeps the float32 chunk sums small, hence exact enough, for activations far
 * from 0.
 */
EXPORT(channel_sums)
void channel_sums(const float *x, const float *shift, double *acc, int32_t C, int32_t r0, int32_t r1) {
  for (int32_t c = 0; c < C; c++) acc[c] = 0;
  channel_power_sums(x, shift, acc, C, r0, r1, 1);
}

/* acc[c] = sum over rows [r0, r1) of (x[r, c] - mean[c])^2 (acc: C doubles, overwritten). */
EXPORT(channel_centred_squares)
void channel_centred_squares(const float *x, const float *mean, double *acc, int32_t C, int32_t r0, int32_t r1) {
  for (int32_t c = 0; c < C; c++) acc[c] = 0;
  channel_power_sums(x, mean, acc, C, r0, r1, 2);
}

/*
 * The batch-norm output before a fused ReLU, k*(x - m) + b: one expression for the forward (channel_affine
 * with relu) and for the gate its gradient recomputes, so both see exactly the same value.
 */
static inline f4 affine4(f4 x, f4 m, f4 k, f4 b) { return add(mul(k, wasm_f32x4_sub(x, m)), b); }

/* dy where the gate is open (k*(x - m) + b > 0, the ReLU that followed the forward), else 0. */
static inline f4 gated(f4 dy, f4 x, f4 m, f4 k, f4 b) {
  return wasm_v128_and(dy, wasm_f32x4_gt(affine4(x, m, k, b), splat(0.f)));
}

/*
 * The two sums of the batch-norm gradient over rows [r0, r1), overwritten into acc (2C doubles):
 * acc[c] = sum_r g[r,c], acc[C + c] = sum_r g[r,c] * (x[r,c] - mean[c]), where
 * g = dy, or with a gate (gk, gb non-null) g = dy where gk*(x - mean) + gb > 0 and 0 elsewhere: the
 * gradient through a ReLU fused after the batch norm, without materialising it.
 */
EXPORT(channel_grad_sums)
void channel_grad_sums(const float *dy, const float *x, const float *mean, const float *gk, const float *gb, double *acc,
                       int32_t C, int32_t r0, int32_t r1) {
  for (int32_t c = 0; c < 2 * C; c++) acc[c] = 0;
  for (int32_t c0 = r0; c0 < r1; c0 += CHUNK) {
    const int32_t c1 = (c0 + CHUNK < r1) ? c0 + CHUNK : r1;
    for (int32_t c = 0; c < C; c += 8) {
      const int32_t two = C - c >= 8;
      const f4 m0 = load(mean + c), m1 = two ? load(mean + c + 4) : splat(0.f);
      const f4 k0 = gk ? load(gk + c) : splat(0.f), k1 = gk && two ? load(gk + c + 4) : splat(0.f);
      const f4 b0 = gk ? load(gb + c) : splat(0.f), b1 = gk && two ? load(gb + c + 4) : splat(0.f);
      f4 g0 = splat(0.f), g1 = splat(0.f), h0 = splat(0.f), h1 = splat(0.f);
      const float *gr = dy + (int64_t)c0 * C + c, *xr = x + (int64_t)c0 * C + c;
      for (int32_t r = c0; r < c1; r++, gr += C, xr += C) {
        const f4 x0 = load(xr);
        const f4 d0 = gk ? gated(load(gr), x0, m0, k0, b0) : load(gr);
        g0 = add(g0, d0);
        h0 = add(h0, mul(d0, wasm_f32x4_sub(x0, m0)));
        if (two) {
          const f4 x1 = load(xr + 4);
          const f4 d1 = gk ? gated(load(gr + 4), x1, m1, k1, b1) : load(gr + 4);
          g1 = add(g1, d1);
          h1 = add(h1, mul(d1, wasm_f32x4_sub(x1, m1)));
        }
      }
      double *a = acc + c, *b = acc + C + c;
      a[0] += wasm_f32x4_extract_lane(g0, 0); a[1] += wasm_f32x4_extract_lane(g0, 1); a[2] += wasm_f32x4_extract_lane(g0, 2); a[3] += wasm_f32x4_extract_lane(g0, 3);
      b[0] += wasm_f32x4_extract_lane(h0, 0); b[1] += wasm_f32x4_extract_lane(h0, 1); b[2] += wasm_f32x4_extract_lane(h0, 2); b[3] += wasm_f32x4_extract_lane(h0, 3);
      if (two) {
        a[4] += wasm_f32x4_extract_lane(g1, 0); a[5] += wasm_f32x4_extract_lane(g1, 1); a[6] += wasm_f32x4_extract_lane(g1, 2); a[7] += wasm_f32x4_extract_lane(g1, 3);
        b[4] += wasm_f32x4_extract_lane(h1, 0); b[5] += wasm_f32x4_extract_lane(h1, 1); b[6] += wasm_f32x4_extract_lane(h1, 2); b[7] += wasm_f32x4_extract_lane(h1, 3);
      }
    }
  }
}

/*
 * out[r,c] = a[c] * u[r,c] + k[c] * (v[r,c] - m[c]) + b[c] over rows [r0, r1); u or v may be null (term
 * dropped). Centring v before scaling keeps precision when activations sit far from 0. The batch-norm
 * forward (v = x, m = mean, k = gamma / std, b = beta) and its input gradient (u = dy, v = x) are both this.
 * Fused ReLU: `relu` clamps the output at 0 (forward); a gate (gk, gb non-null, v and m given) zeroes u
 * where gk*(v - m) + gb <= 0 (the gradient: u = dy through the ReLU of the forward with k = gk, b = gb).
 */
EXPORT(channel_affine)
void channel_affine(const float *u, const float *v, const float *m, const float *a, const float *k, const float *b,
                    const float *gk, const float *gb, int32_t relu, float *out, int32_t C, int32_t r0, int32_t r1) {
  const f4 zero = splat(0.f);
  for (int32_t r = r0; r < r1; r++) {
    float *orow = out + (int64_t)r * C;
    const float *ur = u + (int64_t)r * C, *vr = v + (int64_t)r * C;
    if (u && v) {
      for (int32_t c = 0; c < C; c += 4) {
        const f4 vv = load(vr + c), mm = load(m + c);
        const f4 uu = gk ? gated(load(ur + c), vv, mm, load(gk + c), load(gb + c)) : load(ur + c);
        const f4 y = add(add(mul(load(a + c), uu), mul(load(k + c), wasm_f32x4_sub(vv, mm))), load(b + c));
        store(orow + c, relu ? wasm_f32x4_max(y, zero) : y);
      }
    } else if (v) {
      for (int32_t c = 0; c < C; c += 4) {
        const f4 y = affine4(load(vr + c), load(m + c), load(k + c), load(b + c));
        store(orow + c, relu ? wasm_f32x4_max(y, zero) : y);
      }
    } else {
      for (int32_t c = 0; c < C; c += 4) {
        const f4 y = add(mul(load(a + c), load(ur + c)), load(b + c));
        store(orow + c, relu ? wasm_f32x4_max(y, zero) : y);
      }
    }
  }
}

/* out[i] += a[i] for n floats (n a multiple of 4): sums the per-thread partial gradients. */
EXPORT(add_into)
void add_into(float *out, const float *a, int32_t n) {
  for (int32_t i = 0; i < n; i += 4) store(out + i, add(load(out + i), load(a + i)));
}
