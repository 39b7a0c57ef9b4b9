// Scalar decoders of the GGUF block formats (the layouts are in util/block_quant.h). One
// function per format, each over one block; DequantBlockRow walks a row. The order of every
// f32 operation follows ggml's dequantize_row_* (and gguf.quants), so results match bit for bit.
#include "kernels/cpu/block_dequant.h"

#include <cstring>

#include "util/check.h"
#include "util/half.h"

namespace vllm::cpu {

namespace {

float Half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return F16ToF32(h);
}

// Q4_0 / Q4_1: low nibbles are values 0..15, high nibbles 16..31.
void Q4_0(const uint8_t* b, float* y) {
  const float d = Half(b);
  const uint8_t* qs = b + 2;
  for (int j = 0; j < 16; ++j) {
    y[j] = static_cast<float>((qs[j] & 0xF) - 8) * d;
    y[j + 16] = static_cast<float>((qs[j] >> 4) - 8) * d;
  }
}

void Q4_1(const uint8_t* b, float* y) {
  const float d = Half(b), m = Half(b + 2);
  const uint8_t* qs = b + 4;
  for (int j = 0; j < 16; ++j) {
    y[j] = static_cast<float>(qs[j] & 0xF) * d + m;
    y[j + 16] = static_cast<float>(qs[j] >> 4) * d + m;
  }
}

// Q5_0 / Q5_1: bit j of qh is value j's 5th bit, bit j+16 value j+16's.
void Q5(const uint8_t* b, bool with_min, float* y) {
  const float d = Half(b), m = with_min ? Half(b + 2) : 0.f;
  const uint8_t* p = b + (with_min ? 4 : 2);
  uint32_t qh;
  std::memcpy(&qh, p, 4);
  const uint8_t* qs = p + 4;
  for (int j = 0; j < 16; ++j) {
    const int lo = (qs[j] & 0xF) | static_cast<int>(((qh >> j) << 4) & 0x10);
    const int hi = (qs[j] >> 4) | static_cast<int>((qh >> (j + 12)) & 0x10);
    if (with_min) {
      y[j] = static_cast<float>(lo) * d + m;
      y[j + 16] = static_cast<float>(hi) * d + m;
    } else {
      y[j] = static_cast<float>(lo - 16) * d;
      y[j + 16] = static_cast<float>(hi - 16) * d;
    }
  }
}

void Q8_0(const uint8_t* b, float* y) {
  const float d = Half(b);
  const int8_t* qs = reinterpret_cast<const int8_t*>(b + 2);
  for (int j = 0; j < 32; ++j) y[j] = static_cast<float>(qs[j]) * d;
}

// Q2_K: 16 sub-blocks of 16; qs holds four 2-bit planes per 32-byte run.
void Q2_K(const uint8_t* b, float* y) {
  const uint8_t* scales = b;
  const uint8_t* q = b + 16;
  const float d = Half(b + 80), dmin = Half(b + 82);
  int is = 0;
  for (int n = 0; n < 256; n += 128) {
    for (int shift = 0; shift < 8; shift += 2) {
      for (int half = 0; half < 2; ++half) {
        const uint8_t sc = scales[is++];
        const float dl = d * static_cast<float>(sc & 0xF), ml = dmin * static_cast<float>(sc >> 4);
        for (int l = 0; l < 16; ++l) *y++ = dl * static_cast<float>((q[l + 16 * half] >> shift) & 3) - ml;
      }
    }
    q += 32;
  }
}

// Q3_K: 2-bit planes in qs, the high bit (inverted: set means +0, clear means -4) in hmask,
// 16 six-bit scales packed into 12 bytes.
void Q3_K(const uint8_t* b, float* y) {
  const uint8_t* hm = b;
  const uint8_t* q = b + 32;
  const uint8_t* packed = b + 96;
  const float d_all = Half(b + 108);
  int8_t scales[16];
  for (int i = 0; i < 16; ++i) {
    const int low = i < 8 ? (packed[i] & 0xF) : (packed[i - 8] >> 4);
    const int high = (packed[8 + i % 4] >> (2 * (i / 4))) & 3;
    scales[i] = static_cast<int8_t>((low | (high << 4)) - 32);
  }
  int is = 0;
  uint8_t m = 1;
  for (int n = 0; n < 256; n += 128) {
    for (int shift = 0; shift < 8; shift += 2) {
      for (int half = 0; half < 2; ++half) {
        const float dl = d_all * static_cast<float>(scales[is++]);
        for (int l = 0; l < 16; ++l) {
          const int idx = l + 16 * half;
          const int v = ((q[idx] >> shift) & 3) - ((hm[idx] & m) ? 0 : 4);
          *y++ = dl * static_cast<float>(v);
        }
      }
      m = static_cast<uint8_t>(m << 1);
    }
    q += 32;
  }
}

// Q4_K / Q5_K: 8 sub-blocks of 32, each with a 6-bit scale and min.
void Q45_K(const uint8_t* b, bool five, float* y) {
  const float d = Half(b), dmin = Half(b + 2);
  const uint8_t* sc = b + 4;
  const uint8_t* qh = b + 16;
  const uint8_t* ql = b + (five ? 48 : 16);
  uint8_t u1 = 1, u2 = 2;
  for (int j = 0; j < 8; j += 2) {
    uint8_t s, mn;
    KQuantScaleMin(j, sc, &s, &mn);
    const float d1 = d * static_cast<float>(s), m1 = dmin * static_cast<float>(mn);
    KQuantScaleMin(j + 1, sc, &s, &mn);
    const float d2 = d * static_cast<float>(s), m2 = dmin * static_cast<float>(mn);
    for (int l = 0; l < 32; ++l) {
      const int v = (ql[l] & 0xF) + (five && (qh[l] & u1) ? 16 : 0);
      *y++ = d1 * static_cast<float>(v) - m1;
    }
    for (int l = 0; l < 32; ++l) {
      const int v = (ql[l] >> 4) + (five && (qh[l] & u2) ? 16 : 0);
      *y++ = d2 * static_cast<float>(v) - m2;
    }
    ql += 32;
    u1 = static_cast<uint8_t>(u1 << 2);
    u2 = static_cast<uint8_t>(u2 << 2);
  }
}

// Q6_K: 4 low bits in ql, 2 high bits in qh, 16 int8 scales of 16 values.
void Q6_K(const uint8_t* b, float* y) {
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
  const float d = Half(b + 208);
  for (int n = 0; n < 256; n += 128) {
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * static_cast<float>(sc[is]) * static_cast<float>(q1);
      y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
      y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
      y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
    }
    y += 128;
    ql += 64;
    qh += 32;
    sc += 8;
  }
}

}  // namespace

void DequantBlockRow(BlockQuant q, const uint8_t* row, int64_t cols, float* out) {
  const int64_t elems = BlockElems(q), bytes = BlockBytes(q);
  CHECK(elems > 0 && cols % elems == 0) << BlockQuantName(q) << " row of " << cols << " values";
  for (int64_t i = 0; i < cols / elems; ++i) {
    const uint8_t* b = row + i * bytes;
    float* y = out + i * elems;
    switch (q) {
      case BlockQuant::kQ4_0: Q4_0(b, y); break;
      case BlockQuant::kQ4_1: Q4_1(b, y); break;
      case BlockQuant::kQ5_0: Q5(b, false, y); break;
      case BlockQuant::kQ5_1: Q5(b, true, y); break;
      case BlockQuant::kQ8_0: Q8_0(b, y); break;
      case BlockQuant::kQ2_K: Q2_K(b, y); break;
      case BlockQuant::kQ3_K: Q3_K(b, y); break;
      case BlockQuant::kQ4_K: Q45_K(b, false, y); break;
      case BlockQuant::kQ5_K: Q45_K(b, true, y); break;
      case BlockQuant::kQ6_K: Q6_K(b, y); break;
      case BlockQuant::kNone: CHECK(false) << "not a block format";
    }
  }
}

}  // namespace vllm::cpu
