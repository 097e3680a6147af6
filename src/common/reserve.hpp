// reserve_more: room for `more` elements beyond a container's size, growing geometrically (an
// exact reserve per call would reallocate every time). Afterwards, appending `more` elements
// allocates nothing: code that must not fail half-way makes its room this way first, so that
// a bad_alloc comes before it has changed anything.
#pragma once

#include <algorithm>
#include <cstddef>

namespace whistle {

template <class Container>
void reserve_more(Container& c, size_t more) {
  if (c.capacity() - c.size() < more) c.reserve(std::max(c.size() + more, 2 * c.capacity()));
}

}  // namespace whistle
