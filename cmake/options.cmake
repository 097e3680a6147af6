# Build options. Developer mode (on when whistle is the top-level project) adds tests, fuzz
# targets and benchmarks; a consumer that adds whistle as a subdirectory gets only the library.
option(WHISTLE_DEVELOPER_MODE "Build tests, fuzzers and benchmarks" ${PROJECT_IS_TOP_LEVEL})
option(WHISTLE_BUILD_BENCH "Build the Google Benchmark suite (developer mode)" ON)
option(WHISTLE_FUZZ "Build fuzz targets with libFuzzer (clang only)" OFF)
option(WHISTLE_SANITIZE_ADDRESS "Build with AddressSanitizer + UndefinedBehaviorSanitizer" OFF)
option(WHISTLE_SANITIZE_THREAD "Build with ThreadSanitizer" OFF)
# On in the presets (so in CI): a warning fails the build there. Off by default, so that a
# consumer's newer compiler, with warnings ours has not met, still builds the library.
option(WHISTLE_WARNINGS_AS_ERRORS "Treat compiler warnings in whistle's own code as errors" OFF)

set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_C_STANDARD 99)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_CXX_VISIBILITY_PRESET hidden)
set(CMAKE_VISIBILITY_INLINES_HIDDEN ON)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

find_program(WHISTLE_CCACHE ccache)
if(WHISTLE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${WHISTLE_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${WHISTLE_CCACHE})
endif()

# Sanitizers are an interface target every whistle target links, never global flags.
add_library(whistle_sanitizers INTERFACE)
if(WHISTLE_SANITIZE_ADDRESS)
  target_compile_options(whistle_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(whistle_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(WHISTLE_SANITIZE_THREAD)
  # GCC warns (-Wtsan) at every std::atomic_thread_fence, Boost.Asio's and ours: TSan does not
  # model fences, so it could only report races that are not there, never miss one. Ours (the
  # event log's hand-over of callback delivery) order no data: that is under the merge lock.
  target_compile_options(whistle_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer
    $<$<CXX_COMPILER_ID:GNU>:-Wno-tsan>)
  target_link_options(whistle_sanitizers INTERFACE -fsanitize=thread)
endif()
if(WHISTLE_FUZZ)
  # Coverage for libFuzzer in every whistle target, the library included, not only in the fuzz
  # harnesses (which add -fsanitize=fuzzer): without it a fuzzer sees nothing of the decoder it
  # drives and mutates blind. (The sanitizer runtime has the hooks for the other binaries.)
  target_compile_options(whistle_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
endif()
if(WHISTLE_SANITIZE_ADDRESS OR WHISTLE_SANITIZE_THREAD)
  # For the few tests that cannot run under a sanitizer (an address-space cap, say).
  target_compile_definitions(whistle_sanitizers INTERFACE WHISTLE_SANITIZED=1)
endif()
