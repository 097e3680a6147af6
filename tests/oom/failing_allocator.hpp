// Out of memory on demand. The binary that links failing_allocator.cpp replaces the global
// operator new (every form), so that a thread's allocations can be made to fail: they then
// throw std::bad_alloc (the nothrow forms return null). Other threads are never affected.
#pragma once

#include <cstddef>
#include <functional>
#include <new>

namespace whistle::test {

// Inside the scope, the calling thread's first `allowed` allocations succeed and every later
// one fails, as when memory has run short and stays short.
class FailAllocationsAfter {
 public:
  explicit FailAllocationsAfter(std::size_t allowed);
  // The same, and at the first refusal `before_refusing` (unless empty) runs first (its own
  // allocations succeed): for a test to act at that point of the code under test, say on
  // another thread.
  FailAllocationsAfter(std::size_t allowed, const std::function<void()>& before_refusing);
  ~FailAllocationsAfter();  // allocations succeed again
  FailAllocationsAfter(const FailAllocationsAfter&) = delete;
  FailAllocationsAfter& operator=(const FailAllocationsAfter&) = delete;
  // True once an allocation has been refused in this scope.
  bool refused() const;
};

// What running f with allocations failing came to.
struct Attempt {
  bool threw = false;    // f threw std::bad_alloc
  bool refused = false;  // an allocation was refused (f may have got over it)
};

// Runs f with the calling thread's allocations failing after `allowed`, and `before_refusing`
// (if any) at the first refusal, as FailAllocationsAfter does.
template <class F>
Attempt attempt(std::size_t allowed, F&& f, const std::function<void()>& before_refusing = {}) {
  Attempt out;
  FailAllocationsAfter limit(allowed, before_refusing);
  try {
    f();
  } catch (const std::bad_alloc&) {
    out.threw = true;
  }
  out.refused = limit.refused();
  return out;
}

// Runs f with the calling thread's allocations failing after `allowed`; true when f threw
// std::bad_alloc.
template <class F>
bool runs_out(std::size_t allowed, F&& f) {
  return attempt(allowed, f).threw;
}

// The calling thread's next `count` allocations fail, the ones after succeed again: for code
// on a thread the test does not control, set from a callback that runs there.
void fail_next_allocations(std::size_t count);

// Allocations the calling thread has made so far (through operator new, every form).
std::size_t allocations_made();
// Allocations every thread of the process has made so far: for code on threads the test does
// not run (the realtime clock's).
std::size_t allocations_made_by_every_thread();

}  // namespace whistle::test
