# The CUDA kernel library, shared by the top-level build (-DVLLM_CPP_CUDA=ON) and the
# standalone tests/cuda project. Expects VLLM_CPP_ROOT (the checkout) to be set.
#
# sm_90a only (H100/H200): "90a-real" is -gencode arch=compute_90a,code=sm_90a; -arch=sm_90a
# would also run a plain compute_90 pass that rejects wgmma/setmaxnreg (CUDA_BACKEND.md §3).
# -Xptxas --warn-on-spills with --warning-as-error: a kernel whose registers spill to local
# memory fails the build (spills in a dequant loop cost more than the kernel's arithmetic).
if(NOT CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 90a-real)
endif()
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CUDA_COMPILER_LAUNCHER)
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
enable_language(CUDA)
# CMake 3.25 does not know nvcc's C++20 flag (and CUDA_STANDARD falls back to the project's
# CXX_STANDARD 20, failing at generate time): name it.
if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
  set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
  set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
endif()
set(CMAKE_CUDA_STANDARD 20)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
set(CMAKE_CUDA_EXTENSIONS OFF)
# Not find_package(CUDAToolkit): CMake 3.25's module looks for libcudart.so, which the pip
# runtime wheel does not ship (only libcudart.so.13 and the static library used here).
get_filename_component(VLLM_CUDA_ROOT ${CMAKE_CUDA_COMPILER} DIRECTORY)
get_filename_component(VLLM_CUDA_ROOT ${VLLM_CUDA_ROOT} DIRECTORY)
find_library(VLLM_CUDART_STATIC NAMES cudart_static REQUIRED
             HINTS ${VLLM_CUDA_ROOT}/lib ${VLLM_CUDA_ROOT}/lib64 ${CMAKE_CUDA_IMPLICIT_LINK_DIRECTORIES})
find_package(Threads REQUIRED)

file(GLOB VLLM_CUDA_SOURCES CONFIGURE_DEPENDS ${VLLM_CPP_ROOT}/src/kernels/cuda/*.cu)
# The backend class (host code over the kernels and the CPU sampler) builds with vllm_core
# (top-level CMakeLists.txt): the kernel library itself needs nothing of the server.
list(FILTER VLLM_CUDA_SOURCES EXCLUDE REGEX ".*/cuda_backend\\.cu$")
add_library(vllm_cuda STATIC ${VLLM_CUDA_SOURCES})
target_include_directories(vllm_cuda PUBLIC ${VLLM_CPP_ROOT}/src)
target_compile_options(vllm_cuda PRIVATE
  $<$<COMPILE_LANGUAGE:CUDA>:-lineinfo -Xptxas=--warn-on-spills,--warning-as-error>)
# Host code (g++) that calls the runtime sees the toolkit headers too.
target_include_directories(vllm_cuda SYSTEM PUBLIC ${CMAKE_CUDA_TOOLKIT_INCLUDE_DIRECTORIES})
# The binary then needs only the driver (libcuda, loaded at run time), no CUDA runtime install.
target_link_libraries(vllm_cuda PUBLIC ${VLLM_CUDART_STATIC} Threads::Threads ${CMAKE_DL_LIBS} rt)
