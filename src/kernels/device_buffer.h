// DeviceBuffer: owned, move-only bytes on one device (host memory for the CPU backend, GPU
// memory for CUDA). BufferView: the non-owning (pointer, bytes) pair that weights, KV layers
// and kernels see, so an expert slice or a tensor-parallel shard is a view too.
// Only the backend that made a buffer reads or writes through its pointer (a CUDA pointer
// is not dereferenceable on the host).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

namespace vllm {

enum class Device : uint8_t { kCpu, kCuda };

struct BufferView {
  const std::byte* ptr = nullptr;
  size_t bytes = 0;

  template <typename T = std::byte>
  const T* data() const { return reinterpret_cast<const T*>(ptr); }
  size_t size() const { return bytes; }
  bool empty() const { return bytes == 0; }
  // Bytes [offset, offset + n) of this view. Precondition: offset + n <= bytes.
  BufferView Slice(size_t offset, size_t n) const { return {ptr + offset, n}; }
};

class DeviceBuffer {
 public:
  using FreeFn = void (*)(void*);
  static constexpr size_t kHostAlign = 64;  // cache line and AVX-512 friendly

  DeviceBuffer() = default;
  DeviceBuffer(void* ptr, size_t bytes, Device device, FreeFn free_fn)
      : ptr_(static_cast<std::byte*>(ptr)), bytes_(bytes), device_(device), free_(free_fn) {}
  // Uninitialised host memory, 64-byte aligned.
  static DeviceBuffer Host(size_t bytes) {
    if (bytes == 0) return DeviceBuffer(nullptr, 0, Device::kCpu, nullptr);
    void* p = std::aligned_alloc(kHostAlign, (bytes + kHostAlign - 1) / kHostAlign * kHostAlign);
    if (!p) throw std::bad_alloc();
    return DeviceBuffer(p, bytes, Device::kCpu, &std::free);
  }
  DeviceBuffer(DeviceBuffer&& o) noexcept { Swap(o); }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    Swap(o);
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() {
    if (ptr_ && free_) free_(ptr_);
  }

  template <typename T = std::byte>
  T* data() { return reinterpret_cast<T*>(ptr_); }
  template <typename T = std::byte>
  const T* data() const { return reinterpret_cast<const T*>(ptr_); }
  size_t size() const { return bytes_; }
  bool empty() const { return bytes_ == 0; }
  Device device() const { return device_; }
  BufferView view() const { return {ptr_, bytes_}; }

 private:
  void Swap(DeviceBuffer& o) {
    std::swap(ptr_, o.ptr_);
    std::swap(bytes_, o.bytes_);
    std::swap(device_, o.device_);
    std::swap(free_, o.free_);
  }
  std::byte* ptr_ = nullptr;
  size_t bytes_ = 0;
  Device device_ = Device::kCpu;
  FreeFn free_ = nullptr;
};

}  // namespace vllm
