// The estimate follows glibc's posix/regcomp.c for RE_SYNTAX_POSIX_EXTENDED (what regcomp()
// with REG_EXTENDED uses): parse_reg_exp → parse_branch → parse_expression → parse_dup_op, and
// peek_token_bracket/parse_bracket_symbol for the end of a bracket expression. Where glibc would
// report an error it stops parsing, and so does the estimate; where we are unsure what glibc
// does, the estimate takes the costlier reading, so it stays an upper bound.
#include "read/text/ere_cost.hpp"

#include <algorithm>
#include <limits>

namespace ofsck::read {
namespace {

constexpr uint64_t kCap = uint64_t{1} << 62;
constexpr uint64_t kAtomNodes = 3;   // \b becomes ALT(anchor, anchor): the largest atom
constexpr uint64_t kGroupNodes = 3;  // SUBEXP, and OP_OPEN/CLOSE_SUBEXP from lower_subexps()
constexpr uint64_t kTopNodes = 2;    // CONCAT(tree, END_OF_RE)
constexpr int kReDupMax = 0x7fff;    // RE_DUP_MAX: larger counts are REG_ESIZE
constexpr int kBracketNameMax = 32;  // BRACKET_NAME_BUF_SIZE

uint64_t sat_add(uint64_t a, uint64_t b) { return std::min(kCap, a + b); }
uint64_t sat_mul(uint64_t a, uint64_t b) {
  if (a == 0 || b == 0) return 0;
  return a > kCap / b ? kCap : std::min(kCap, a * b);
}

struct Size {
  uint64_t nodes = 0, backrefs = 0;
};

class Estimator {
 public:
  explicit Estimator(std::string_view p) : p_(p) {}

  EreCost run() {
    Size s = reg_exp();
    while (!stop_ && i_ < p_.size()) {  // cannot happen at depth 0, kept as a guard
      ++i_;
      s.nodes = sat_add(s.nodes, 1);
    }
    return {sat_add(s.nodes, kTopNodes), s.backrefs, max_depth_, max_stacked_};
  }

 private:
  bool at_end() const { return stop_ || i_ >= p_.size(); }

  Size reg_exp() {
    Size s = branch();
    while (!at_end() && p_[i_] == '|') {
      ++i_;
      Size b = branch();
      s = {sat_add(sat_add(s.nodes, b.nodes), 1), sat_add(s.backrefs, b.backrefs)};
    }
    return s;
  }

  Size branch() {
    Size s;
    while (!at_end() && p_[i_] != '|' && !(p_[i_] == ')' && depth_ > 0)) {
      Size e = expression();
      s = {sat_add(sat_add(s.nodes, e.nodes), 1), sat_add(s.backrefs, e.backrefs)};
    }
    return s;
  }

  Size expression() {
    Size s = atom();
    uint32_t stacked = 0;  // postfix operators on this atom: glibc's epsilon closure over
                           // stacked nullable ones (x+?+?…) grows exponentially in their count
    while (!at_end()) {
      char c = p_[i_];
      if (c == '*' || c == '?' || c == '+' || c == '{')
        max_stacked_ = std::max(max_stacked_, ++stacked);
      if (c == '*' || c == '?') {
        ++i_;
        s.nodes = sat_add(s.nodes, 1);
      } else if (c == '+') {  // e e*
        ++i_;
        s = repeat(s, 2);
      } else if (c == '{') {
        if (!interval(s)) break;
      } else {
        break;
      }
    }
    return s;
  }

  /// `mult` copies of `s`, each with its CONCAT/ALT node.
  static Size repeat(Size s, uint64_t mult) {
    return {sat_mul(mult, sat_add(s.nodes, 2)), sat_mul(mult, s.backrefs)};
  }

  /// "{m}", "{m,}", "{m,n}", "{,n}" at i_. False when it is not one (then '{' is read as a
  /// literal by the next atom(): the costlier reading); stops on counts glibc rejects.
  bool interval(Size& s) {
    size_t j = i_ + 1;
    auto number = [&](int& out) {
      out = -1;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
        out = std::min(kReDupMax + 1, (out < 0 ? 0 : out * 10) + (p_[j] - '0'));
        ++j;
      }
    };
    int m = -1, n = -1;
    number(m);
    bool comma = j < p_.size() && p_[j] == ',';
    if (comma) {
      ++j;
      number(n);
    } else {
      n = m;
    }
    if (j >= p_.size() || p_[j] != '}' || (m < 0 && !comma)) return false;
    i_ = j + 1;
    if (m < 0) m = 0;
    if (m > kReDupMax || n > kReDupMax || (n >= 0 && m > n)) {  // REG_ESIZE / REG_BADBR
      stop_ = true;
      return true;
    }
    if (n == 0) return true;  // e{0} / e{0,0}: glibc drops the element
    s = repeat(s, n < 0 ? static_cast<uint64_t>(m) + 1 : static_cast<uint64_t>(n));
    return true;
  }

  Size atom() {
    char c = p_[i_];
    if (c == '(') {
      ++i_;
      if (++depth_ > max_depth_) max_depth_ = depth_;
      if (depth_ > kEreMaxDepth) {  // glibc recurses per level; we refuse instead
        stop_ = true;
        return {kCap, 0};
      }
      Size s = reg_exp();
      if (!at_end() && p_[i_] == ')') ++i_;
      --depth_;
      s.nodes = sat_add(s.nodes, kGroupNodes);
      return s;
    }
    if (c == '[') {
      bracket();
      return {kAtomNodes, 0};
    }
    if (c == '\\') {
      if (i_ + 1 >= p_.size()) {  // REG_EESCAPE
        stop_ = true;
        return {};
      }
      char d = p_[i_ + 1];
      i_ += 2;
      return {kAtomNodes, static_cast<uint64_t>(d >= '1' && d <= '9')};
    }
    ++i_;  // any other byte, including a leading '*', '+', '?', '{' or a stray ')'
    return {kAtomNodes, 0};
  }

  /// Moves i_ past a bracket expression the way glibc finds its end; stops at REG_EBRACK.
  void bracket() {
    size_t j = i_ + 1;
    if (j < p_.size() && p_[j] == '^') ++j;
    bool first = true;
    while (true) {
      if (j >= p_.size()) {
        stop_ = true;
        i_ = j;
        return;
      }
      char c = p_[j];
      if (c == ']' && !first) {
        i_ = j + 1;
        return;
      }
      first = false;
      if (c == '[' && j + 1 < p_.size() &&
          (p_[j + 1] == ':' || p_[j + 1] == '=' || p_[j + 1] == '.')) {
        char delim = p_[j + 1];
        size_t k = j + 2;
        int len = 0;
        while (true) {  // parse_bracket_symbol(): "X]" ends it, within 32 bytes
          if (len >= kBracketNameMax || k + 1 >= p_.size()) {
            stop_ = true;
            i_ = p_.size();
            return;
          }
          if (p_[k] == delim && p_[k + 1] == ']') break;
          ++k;
          ++len;
        }
        j = k + 2;
        continue;
      }
      ++j;
    }
  }

  std::string_view p_;
  size_t i_ = 0;
  uint32_t depth_ = 0, max_depth_ = 0, max_stacked_ = 0;
  bool stop_ = false;
};

}  // namespace

EreCost estimate_ere_cost(std::string_view pattern) { return Estimator(pattern).run(); }

}  // namespace ofsck::read
