#include <cstdio>
#include <exception>

#include "cli/app.hpp"
#include "report/escape.hpp"

int main(int argc, char** argv) {
  try {
    return ofsck::cli::run(argc, argv);
  } catch (const std::exception& e) {
    // what() may quote bytes from the input: escaped like every other string we print.
    std::fprintf(stderr, "ofsck: internal error: %s\n", ofsck::report::escape(e.what()).c_str());
    return 70;
  }
}
