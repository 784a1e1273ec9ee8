#include "cli/app.hpp"

#include <cstdio>

namespace ofsck::cli {
int run(int, char**) {
  std::puts("ofsck: not yet");
  return 0;
}
}  // namespace ofsck::cli
