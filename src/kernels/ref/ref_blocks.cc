#include "kernels/ref/ref_blocks.h"

#include <cstring>

#include "util/check.h"
#include "util/half.h"

namespace vllm::ref {

namespace {

double Half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return F16ToF32(h);
}

int Bit(const uint8_t* bytes, int i) { return (bytes[i / 8] >> (i % 8)) & 1; }

// 4-bit code j of a 32-value block's qs[16]: value j < 16 is byte j's low nibble, j >= 16 byte
// j - 16's high nibble.
int Nibble32(const uint8_t* qs, int j) { return j < 16 ? qs[j] & 15 : qs[j - 16] >> 4; }

// Q4_K / Q5_K: 6-bit scale and min of sub-block s (0..7) from scales[12]: bytes 0-3 hold
// scales 0-3 (low 6 bits), bytes 4-7 mins 0-3; scales/mins 4-7 take their low 4 bits from
// bytes 8-11 (scale: low nibble, min: high nibble) and their top 2 bits from the top bits of
// bytes 0-3 (scale) / 4-7 (min).
void SubScaleMin(const uint8_t* sc, int s, int* scale, int* min) {
  if (s < 4) {
    *scale = sc[s] % 64;
    *min = sc[s + 4] % 64;
  } else {
    *scale = (sc[s + 4] % 16) + (sc[s - 4] / 64) * 16;
    *min = (sc[s + 4] / 16) + (sc[s] / 64) * 16;
  }
}

}  // namespace

double BlockValue(BlockQuant q, const uint8_t* b, int j) {
  switch (q) {
    case BlockQuant::kQ4_0: return Half(b) * (Nibble32(b + 2, j) - 8);
    case BlockQuant::kQ4_1: return Half(b) * Nibble32(b + 4, j) + Half(b + 2);
    case BlockQuant::kQ5_0: return Half(b) * (Nibble32(b + 6, j) + 16 * Bit(b + 2, j) - 16);
    case BlockQuant::kQ5_1: return Half(b) * (Nibble32(b + 8, j) + 16 * Bit(b + 4, j)) + Half(b + 2);
    case BlockQuant::kQ8_0: return Half(b) * static_cast<int8_t>(b[2 + j]);
    case BlockQuant::kQ2_K:
    case BlockQuant::kQ3_K: {
      // Two halves of 128; in each, 4 planes of 32 values share qs[32*half .. +32], plane p in
      // bits 2p..2p+1; a sub-block is 16 consecutive values.
      const int half = j / 128, plane = (j % 128) / 32, l = j % 32;
      const uint8_t* qs = b + (q == BlockQuant::kQ2_K ? 16 : 32);
      const int code = (qs[32 * half + l] >> (2 * plane)) & 3;
      const int sub = j / 16;
      if (q == BlockQuant::kQ2_K) {
        const int sc = b[sub];
        return Half(b + 80) * (sc % 16) * code - Half(b + 82) * (sc / 16);
      }
      const uint8_t* packed = b + 96;
      const int low = sub < 8 ? packed[sub] % 16 : packed[sub - 8] / 16;
      const int high = (packed[8 + sub % 4] >> (2 * (sub / 4))) & 3;
      const int hbit = Bit(b + l, 4 * half + plane);  // hmask[l], bit 4*half + plane
      return Half(b + 108) * (low + 16 * high - 32) * (code - (hbit ? 0 : 4));
    }
    case BlockQuant::kQ4_K:
    case BlockQuant::kQ5_K: {
      // Four chunks of 64: sub-block 2c is the low nibbles of qs[32c .. 32c+32], 2c+1 the high.
      const bool five = q == BlockQuant::kQ5_K;
      const int chunk = j / 64, hi = (j % 64) / 32, l = j % 32, sub = 2 * chunk + hi;
      const uint8_t* qs = b + (five ? 48 : 16);
      int code = hi ? qs[32 * chunk + l] / 16 : qs[32 * chunk + l] % 16;
      if (five) code += 16 * Bit(b + 16 + l, sub);  // qh[l], bit sub
      int scale, min;
      SubScaleMin(b + 4, sub, &scale, &min);
      return Half(b) * scale * code - Half(b + 2) * min;
    }
    case BlockQuant::kQ6_K: {
      // Two halves of 128 (ql 64 bytes, qh 32 bytes, 8 scales each); quarter k of a half takes
      // ql[l + 32 (k % 2)]'s low (k < 2) or high nibble and bits 2k..2k+1 of qh[l].
      const int half = j / 128, quarter = (j % 128) / 32, l = j % 32;
      const uint8_t ql = b[64 * half + l + 32 * (quarter % 2)];
      const int low = quarter < 2 ? ql % 16 : ql / 16;
      const int high = (b[128 + 32 * half + l] >> (2 * quarter)) & 3;
      const int sc = static_cast<int8_t>(b[192 + 8 * half + l / 16 + 2 * quarter]);
      return Half(b + 208) * sc * (low + 16 * high - 32);
    }
    case BlockQuant::kNone: break;
  }
  CHECK(false) << "not a block format";
  return 0;
}

}  // namespace vllm::ref
