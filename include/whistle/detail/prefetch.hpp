// Internal to whistle (public only because the timer wheel's inline arm() and prefetch() use it).
// prefetch_for_write: asks for the line at p in the state a write needs, without waiting.
//
// `__builtin_prefetch(p, 1)` is not that on x86-64: without -mprfchw (which Debian's baseline
// and the default target lack) GCC and Clang compile it to `prefetcht0`, a read. A line
// another core wrote last then arrives shared, and the write that follows asks that core a
// second time to drop its copy. `prefetchw` asks once. It is a no-op on x86 cores that lack it
// (Intel before Broadwell), so it is issued through asm rather than by changing the target.
#pragma once

namespace whistle::detail {

inline void prefetch_for_write(const void* p) noexcept {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetchw %0" ::"m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p, 1);
#endif
}

}  // namespace whistle::detail
