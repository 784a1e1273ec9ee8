#include <cstdio>
#include <exception>

#include "cli/app.hpp"

int main(int argc, char** argv) {
  try {
    return ofsck::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ofsck: internal error: %s\n", e.what());
    return 70;
  }
}
