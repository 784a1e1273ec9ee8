// ImageView (scenario/image_view.hpp).
#include "scenario/image_view.hpp"

namespace ofsck::check {

namespace {

std::vector<std::string> split(const std::string& p) {
  std::vector<std::string> v;
  size_t s = 0;
  while (s <= p.size()) {
    size_t e = p.find('/', s);
    if (e == std::string::npos) e = p.size();
    if (e > s) v.push_back(p.substr(s, e - s));
    s = e + 1;
  }
  return v;
}
std::string join(const std::vector<std::string>& v) {
  std::string r;
  for (const auto& c : v) r += (r.empty() ? "" : "/") + c;
  return r;
}

}  // namespace

ImageView::ImageView(const read::Initramfs& img) : img_(img) {
  for (size_t i = 0; i < img.entries.size(); ++i) by_path_[img.entries[i].path] = i;
}

std::string ImageView::canonical(const std::string& p) const {
  std::vector<std::string> todo = split(p), done;
  int hops = 0;
  while (!todo.empty()) {
    std::string c = todo.front();
    todo.erase(todo.begin());
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(c);
    std::string cur = join(done);
    auto it = by_path_.find(cur);
    if (it == by_path_.end()) return {};
    const read::InitramfsEntry& e = img_.entries[it->second];
    if (!e.is_symlink()) continue;
    if (++hops > 40) return {};
    done.pop_back();
    if (e.symlink.starts_with("/")) done.clear();
    std::vector<std::string> t = split(e.symlink);
    todo.insert(todo.begin(), t.begin(), t.end());
  }
  return join(done);
}

const read::InitramfsEntry* ImageView::file(const std::string& p) const {
  std::string c = canonical(p);
  if (c.empty()) return nullptr;
  auto it = by_path_.find(c);
  if (it == by_path_.end() || !img_.entries[it->second].is_regular()) return nullptr;
  return &img_.entries[it->second];
}

std::map<std::string, const read::InitramfsEntry*> ImageView::files_under(
    const std::string& dir) const {
  std::map<std::string, const read::InitramfsEntry*> out;
  std::string cdir = canonical(dir);
  if (cdir.empty()) return out;
  for (const auto& [path, idx] : by_path_) {
    const read::InitramfsEntry& e = img_.entries[idx];
    if (!e.is_regular()) continue;
    std::string parent = path.find('/') == std::string::npos ? "" : path.substr(0, path.rfind('/'));
    std::string cparent = parent.empty() ? "" : canonical(parent);
    if (!parent.empty() && cparent.empty()) continue;
    std::string cpath =
        (cparent.empty() ? "" : cparent + "/") + path.substr(parent.size() + !parent.empty());
    if (cpath.size() > cdir.size() && cpath.compare(0, cdir.size(), cdir) == 0 &&
        cpath[cdir.size()] == '/')
      out[cpath] = &e;
  }
  return out;
}

std::set<std::string> ImageView::subdirs(const std::string& dir) const {
  std::set<std::string> out;
  std::string cdir = canonical(dir);
  if (cdir.empty()) return out;
  for (const auto& [path, idx] : by_path_) {
    if (path.size() <= cdir.size() + 1 || path.compare(0, cdir.size(), cdir) != 0 ||
        path[cdir.size()] != '/')
      continue;
    std::string rest = path.substr(cdir.size() + 1);
    if (rest.find('/') != std::string::npos) rest.resize(rest.find('/'));
    if (!canonical(cdir + "/" + rest).empty()) out.insert(rest);
  }
  return out;
}

}  // namespace ofsck::check
