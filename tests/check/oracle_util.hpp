#pragma once
/// The real kernel as the judge, shared by the oracle tests: runs scripts/qemu-oracle.sh, parses
/// its marker blocks (format in tests/fixtures/README.md) and compares them, module by module,
/// with `ofsck check --format json` verdicts.
#include <gtest/gtest.h>

#include "scenario/scenario_util.hpp"

namespace ofsck::scn::oracle {

const std::string kBootCmdline = "console=ttyS0 panic=-1 quiet loglevel=7 tsc=unstable";

struct Block {
  std::string base;
  int rc = -1;
  std::string ename;
  std::vector<std::string> lines;
};

inline std::vector<Block> parse_oracle(const std::string& out) {
  std::vector<Block> v;
  std::istringstream in(out);
  std::string line;
  Block* cur = nullptr;
  auto starts = [](const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; };
  while (std::getline(in, line)) {
    if (starts(line, "OFSCK-BEGIN ")) {
      v.push_back(Block{line.substr(12)});
      cur = &v.back();
    } else if (!cur) {
      continue;
    } else if (starts(line, "OFSCK-RC ")) {
      cur->rc = std::stoi(line.substr(line.rfind(' ') + 1));
    } else if (starts(line, "OFSCK-ERR ")) {
      std::string rest = line.substr(10 + cur->base.size() + 1);
      cur->ename = rest.substr(0, rest.find(' '));
    } else if (starts(line, "OFSCK-END ")) {
      cur = nullptr;
    } else {
      cur->lines.push_back(line);
    }
  }
  return v;
}

/// Kernel lines ofsck models: "<mod>: ..." loader lines (not the test modules' own "<mod>: loaded"
/// init output, "<mod>: loaded (v1)", "<mod>: loaded 7"), "Loading of ..." signature lines and
/// the lockdep taint line.
inline bool modelled(const std::string& mod, const std::string& l,
                     const std::vector<std::string>& init_output = {}) {
  for (const auto& io : init_output)
    if (l.rfind(io, 0) == 0) return false;
  std::string p = mod + ": ";
  if (l.rfind(p, 0) == 0) {
    std::string rest = l.substr(p.size());
    return !(rest == "loaded" || rest.rfind("loaded ", 0) == 0);
  }
  return l.rfind("Loading of ", 0) == 0 || l == "Disabling lock debugging due to kernel taint";
}

inline std::string once_key(const std::string& mod, const std::string& l) {
  std::string p = mod + ": ";
  return l.rfind(p, 0) == 0 ? l.substr(p.size()) : l;
}

struct Boot {
  std::string name;
  std::string cmdline_extra;
  std::vector<std::string> order;  // module names, in the order to try them
  std::vector<std::string> extra_args;
};

struct Tally {
  int compared = 0, matched = 0, skipped = 0;
  std::vector<std::string> disagreed;  // "<boot>: <module>: <why>" of known-disagreeing rows
};

/// What a judge run may excuse. known_disagree: rows "<boot name>: <module>" whose kernel result
/// ofsck is known to predict wrongly today (reported, not failed; such a row that agrees fails,
/// so the list only shrinks). init_output: line prefixes printed by module init functions, not by
/// the loader.
struct JudgeOpts {
  std::set<std::string> known_disagree;
  std::vector<std::string> init_output;
};

/// Predicts with ofsck, boots the kernel, compares. Returns the tally; adds gtest failures.
inline Tally judge(const Boot& boot, const Out& pred, const std::string& oracle_out,
                   int oracle_status, const std::vector<std::string>& listed,
                   const JudgeOpts& opts = {}) {
  Tally t;
  EXPECT_EQ(oracle_status, 0) << boot.name << ": qemu-oracle did not finish\n" << oracle_out;
  std::vector<Block> blocks = parse_oracle(oracle_out);
  EXPECT_EQ(blocks.size(), listed.size()) << boot.name << "\n" << oracle_out;
  std::set<std::string> seen_once;
  for (size_t i = 0; i < blocks.size() && i < listed.size(); ++i) {
    const std::string& name = listed[i];
    const Block& b = blocks[i];
    const json* m = module(pred.doc, name);
    if (!m) {
      ADD_FAILURE() << boot.name << ": no verdict for " << name;
      continue;
    }
    ++t.compared;
    bool ok = true;
    std::ostringstream why;
    bool loads = (*m)["loads"].get<bool>();
    if (loads != (b.rc == 0)) {
      ok = false;
      why << " loads: predicted " << loads << ", kernel rc " << b.rc << ";";
    }
    if (errno_of(*m) != b.ename) {
      ok = false;
      why << " errno: predicted '" << errno_of(*m) << "', kernel '" << b.ename << "';";
    }
    std::vector<std::string> p_once = msgs(*m, true), p_nonce = msgs(*m, false);
    std::vector<std::string> k_once, k_nonce, exp_once;
    for (const auto& l : b.lines) {
      if (!modelled(name, l, opts.init_output)) continue;
      (contains(p_once, l) ? k_once : k_nonce).push_back(l);
    }
    for (const auto& l : p_once)
      if (!seen_once.count(once_key(name, l))) exp_once.push_back(l);
    for (const auto& l : b.lines) seen_once.insert(once_key(name, l));
    if (k_nonce != p_nonce) {
      ok = false;
      why << " lines: predicted [" << join(p_nonce, " | ") << "], kernel [" << join(k_nonce, " | ")
          << "];";
    }
    if (k_once != exp_once) {
      ok = false;
      why << " once-per-boot lines: expected here [" << join(exp_once, " | ") << "], kernel ["
          << join(k_once, " | ") << "];";
    }
    if (ok) ++t.matched;
    if (opts.known_disagree.count(boot.name + ": " + name)) {
      EXPECT_FALSE(ok) << boot.name << ": " << name << " now agrees with the kernel: remove it "
                       << "from the known-disagreeing rows";
      std::string w = why.str();
      if (w.size() > 400) w = w.substr(0, 400) + "...";
      if (!ok) t.disagreed.push_back(boot.name + ": " + name + ":" + w);
      continue;
    }
    EXPECT_TRUE(ok) << boot.name << ": " << name << " (" << (*m)["file"]
                    << ") mismatch:" << why.str() << "\n  kernel block: [" << join(b.lines, " | ")
                    << "]";
  }
  return t;
}

/// Oracle list: each module of `order` after its predicted load_order, the winning files, skipping
/// modules whose prediction is a failed dependency (modprobe would not insert them).
inline std::vector<std::string> make_list(const Root& root, const Out& pred, const Boot& boot,
                                          std::vector<std::string>* names, int* skipped) {
  std::vector<std::string> files;
  std::set<std::string> done;
  auto push = [&](const std::string& n) {
    if (done.count(n)) return;
    const json* m = module(pred.doc, n);
    if (!m) {
      ADD_FAILURE() << boot.name << ": no verdict for " << n;
      return;
    }
    done.insert(n);
    if (!(*m)["failed_dependency"].is_null()) {
      ++*skipped;
      return;
    }
    names->push_back(n);
    files.push_back(root.mod_dir() + "/" + (*m)["file"].get<std::string>());
  };
  for (const auto& n : boot.order) {
    const json* m = module(pred.doc, n);
    if (m)
      for (const auto& d : (*m)["load_order"]) push(d.get<std::string>());
    push(n);
  }
  return files;
}

/// True when qemu-system-x86_64 is installed.
inline bool have_qemu() {
  int st = 0;
  td::run("command -v qemu-system-x86_64 >/dev/null 2>&1", &st);
  return st == 0;
}

/// Runs scripts/qemu-oracle.sh KVER TREE LIST [EXTRA]; stderr goes to LIST.err.
inline std::string boot(const std::string& kver, const std::string& tree, const std::string& list,
                        const std::string& extra, int* status) {
  std::string cmd = shq(td::source_dir() + "/scripts/qemu-oracle.sh") + " " + shq(kver) + " " +
                    shq(tree) + " " + shq(list);
  if (!extra.empty()) cmd += " " + shq(extra);
  return td::run(cmd + " 2>" + shq(list + ".err"), status);
}

/// boot(), run a second time when the guest printed no block at all (it never reached /init:
/// seen once on the loaded 2-core machine). A guest that ran part of the list is not retried.
inline std::string boot_once_more(const std::string& kver, const std::string& tree,
                                  const std::string& list, const std::string& extra, int* status) {
  std::string out = boot(kver, tree, list, extra, status);
  if (*status != 3 || !parse_oracle(out).empty()) return out;
  std::printf("[oracle] %s: the guest did not reach /init, booting again; first attempt:\n%s\n",
              list.c_str(), read_file(list + ".err").c_str());
  return boot(kver, tree, list, extra, status);
}

}  // namespace ofsck::scn::oracle
