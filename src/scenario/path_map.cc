// PathMap (scenario/path_map.hpp).
#include "scenario/path_map.hpp"

namespace ofsck::scenario {

void PathMap::operator()(check::CheckResult& r) const {
  (*this)(r.findings);
  for (auto& m : r.modules) (*this)(m.file);
  for (std::string* s : {&r.inputs.root, &r.inputs.module_dir, &r.inputs.config_source})
    (*this)(*s);
}

void PathMap::operator()(Error& e) const {
  (*this)(e.message);
  (*this)(e.where.path);
}

}  // namespace ofsck::scenario
