// expand(): parsing a folded node set (ClusterShell's ParsingEngine._scan_string and
// RangeSet._parse, without groups, operators or wildcards), then ordering the names as
// `nodeset -e` iterates a NodeSet: patterns in key order, each folded vector as a product.
#include <deque>
#include <string>

#include "model/nodeset.hpp"
#include "model/nodeset_detail.hpp"

namespace ofsck::model::nodeset {
namespace {

using detail::is_digit;

// A dimension-rich pattern with more scattered points than this is listed in plain order.
constexpr size_t kPlainAbove = 200'000;
constexpr size_t kMaxDigits = 100;  // RangeSet._parse: "invalid values" above 1e100
constexpr size_t kU64Digits = 18;   // fits uint64_t with room for + step

/// One comma-separated element: literal pieces around fields, each field a list of digit strings.
struct Element {
  std::vector<std::string> literals{std::string()};
  std::vector<std::vector<std::string>> fields;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

tl::unexpected<Error> bad(std::string_view what, std::string_view where) {
  return make_error(ErrorCode::kMalformed,
                    "node set: " + std::string(what) + " in '" + std::string(where) + "'");
}

// The digits of a bound without leading zeros ("0" for zero); ClusterShell takes up to 1e100.
Result<std::string_view> number(std::string_view s, std::string_view range) {
  if (s.empty()) return bad("empty range bound", range);
  for (char c : s) {
    if (c == '-') return bad("negative indexes are not supported", range);
    if (!is_digit(c)) return bad("'" + std::string(s) + "' is not a number", range);
  }
  size_t nz = s.find_first_not_of('0');
  std::string_view v = nz == std::string_view::npos ? s.substr(s.size() - 1) : s.substr(nz);
  if (v.size() > kMaxDigits) return bad("index of more than 100 digits", range);
  return v;
}

uint64_t to_u64(std::string_view digits) {
  uint64_t n = 0;
  for (char c : digits) n = n * 10 + static_cast<uint64_t>(c - '0');
  return n;
}

std::string padded(std::string s, size_t pad) {
  if (s.size() < pad) s.insert(0, pad - s.size(), '0');
  return s;
}

tl::unexpected<Error> too_large(std::string_view sub) {
  return make_error(ErrorCode::kTooLarge, "node set: range '" + std::string(sub) +
                                              "' expands to more than the cap of names");
}

// a..b (stripped digits, a <= b) on indexes too long for uint64_t, counting in decimal strings.
Result<size_t> long_range(std::string_view a, std::string_view b, size_t pad, std::string_view sub,
                          size_t budget, std::vector<std::string>& out) {
  std::string cur(a);
  for (size_t count = 1;; ++count) {
    if (count > budget) return too_large(sub);
    out.push_back(padded(cur, pad));
    if (cur == b) return count;
    size_t i = cur.size();
    while (i > 0 && cur[i - 1] == '9') cur[--i] = '0';
    if (i == 0) cur.insert(cur.begin(), '1');
    else ++cur[i - 1];
  }
}

// One "a", "a-b" or "a-b/step" of a bracket (RangeSet._parse, non-negative part).
Result<size_t> parse_range(std::string_view sub, size_t budget, std::vector<std::string>& out) {
  sub = trim(sub);
  if (sub.empty()) return bad("empty range", sub);
  uint64_t step = 1;
  std::string_view base = sub;
  if (size_t slash = sub.find('/'); slash != std::string_view::npos) {
    auto step_or = number(trim(sub.substr(slash + 1)), sub);
    if (!step_or) return tl::unexpected(step_or.error());
    if (step_or->size() > kU64Digits) return bad("step of more than 18 digits", sub);
    step = to_u64(*step_or);
    if (step == 0) return bad("step 0", sub);
    base = sub.substr(0, slash);
  }
  size_t dash = base.find('-');
  if (dash != std::string_view::npos &&
      (trim(base.substr(0, dash)).empty() || base.find('-', dash + 1) != std::string_view::npos)) {
    return bad("negative indexes are not supported", sub);
  }
  if (dash == std::string_view::npos && step != 1) return bad("a step without a range", sub);
  std::string_view first = trim(base.substr(0, dash));
  std::string_view last = dash == std::string_view::npos ? first : trim(base.substr(dash + 1));
  auto a_or = number(first, sub);
  if (!a_or) return tl::unexpected(a_or.error());
  auto b_or = number(last, sub);
  if (!b_or) return tl::unexpected(b_or.error());
  std::string_view a = *a_or, b = *b_or;
  // Zero padding comes from the first bound; an explicitly padded bound needs both the same
  // length ("01-10" yes, "1-010" and "01-100" no).
  size_t pad = first.size() > 1 && first[0] == '0' ? first.size() : 0;
  bool last_padded = last.size() > 1 && last[0] == '0' && b != "0";
  if ((pad > 0 || last_padded) && first.size() != last.size()) {
    return bad("padding length mismatch", sub);
  }
  if (a.size() > b.size() || (a.size() == b.size() && a > b)) return bad("reversed range", sub);
  if (b.size() > kU64Digits) {
    if (step != 1) return bad("a step on indexes of more than 18 digits is not supported", sub);
    return long_range(a, b, pad, sub, budget, out);
  }
  uint64_t lo = to_u64(a), hi = to_u64(b);
  uint64_t count = (hi - lo) / step + 1;
  if (count > budget) return too_large(sub);
  for (uint64_t n = lo; n <= hi; n += step) out.push_back(padded(std::to_string(n), pad));
  return static_cast<size_t>(count);
}

Result<std::vector<std::string>> parse_bracket(std::string_view body, size_t budget) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = body.find(',', start);
    auto n_or =
        parse_range(body.substr(start, comma == std::string_view::npos ? body.npos : comma - start),
                    budget, out);
    if (!n_or) return tl::unexpected(n_or.error());
    budget -= *n_or;
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

Result<void> check_char(char c, std::string_view elem, size_t i) {
  if (c == '!' || c == '&' || c == '^') {
    return bad(std::string("set operator '") + c + "' is not supported", elem);
  }
  if (c == '*' || c == '?') return bad("wildcards are not supported", elem);
  if (c == '@' && i == 0) return bad("node groups (@) are not supported", elem);
  if (c == ']') return bad("']' without '['", elem);
  if (is_space(c)) return bad("white space inside a node name", elem);
  return {};
}

Result<Element> parse_element(std::string_view e, size_t budget) {
  Element el;
  for (size_t i = 0; i < e.size();) {
    char c = e[i];
    if (c == '[') {
      if (i > 0 && is_digit(e[i - 1])) return bad("digits right before '[' are not supported", e);
      size_t close = e.find_first_of("[]", i + 1);
      if (close == std::string_view::npos) return bad("missing ']'", e);
      if (e[close] == '[') return bad("nested '['", e);
      auto f_or = parse_bracket(e.substr(i + 1, close - i - 1), budget);
      if (!f_or) return tl::unexpected(f_or.error());
      el.fields.push_back(std::move(*f_or));
      el.literals.emplace_back();
      i = close + 1;
      if (i < e.size() && e[i] == '[') return bad("'[' right after ']'", e);
      if (i < e.size() && is_digit(e[i])) return bad("digits right after ']' are not supported", e);
      continue;
    }
    if (is_digit(c)) {  // a digit run outside brackets is a one-value field, kept as written
      size_t start = i;
      while (i < e.size() && is_digit(e[i])) ++i;
      auto n_or = number(e.substr(start, i - start), e);  // only the 100-digit limit can fail
      if (!n_or) return tl::unexpected(n_or.error());
      el.fields.push_back({std::string(e.substr(start, i - start))});
      el.literals.emplace_back();
      continue;
    }
    if (auto ok = check_char(c, e, i); !ok) return tl::unexpected(ok.error());
    el.literals.back() += c;
    ++i;
  }
  return el;
}

// Every name of the element (the product of its fields) into its pattern's group.
void add_product(const Element& el, detail::Groups& groups) {
  std::vector<std::string_view> lits(el.literals.begin(), el.literals.end());
  detail::Group& g = detail::group_for(groups, lits);
  size_t dims = el.fields.size();
  if (dims == 0) return;
  std::vector<size_t> at(dims, 0);
  for (;;) {
    for (size_t d = 0; d < dims; ++d) g.cells.push_back(el.fields[d][at[d]]);
    size_t d = dims;
    while (d > 0 && ++at[d - 1] == el.fields[d - 1].size()) at[--d] = 0;
    if (d == 0) return;
  }
}

void emit_name(const detail::Group& g, const detail::Folded& f, const uint32_t* ranks,
               std::vector<std::string>& out) {
  std::string name = g.literals[0];
  for (size_t d = 0; d < g.dims; ++d) {
    name += f.axes[d].strs[ranks[d]];
    name += g.literals[d + 1];
  }
  out.push_back(std::move(name));
}

// NodeSetBase.__iter__: each vector's product, first field slowest, values in rank order.
void emit_group(const detail::Group& g, const detail::Folded& f, std::vector<std::string>& out) {
  for (size_t i = 0; i < f.plain.size(); i += g.dims) emit_name(g, f, &f.plain[i], out);
  std::vector<uint32_t> ranks(g.dims);
  for (const detail::Vec& v : f.vecs) {
    std::vector<size_t> at(g.dims, 0);
    for (;;) {
      for (size_t d = 0; d < g.dims; ++d) ranks[d] = v[d][at[d]];
      emit_name(g, f, ranks.data(), out);
      size_t d = g.dims;
      while (d > 0 && ++at[d - 1] == v[d - 1].size()) at[--d] = 0;
      if (d == 0) break;
    }
  }
}

}  // namespace

Result<std::vector<std::string>> expand(std::string_view set, size_t max_nodes) {
  std::deque<Element> elements;  // owns the digit strings the groups view
  detail::Groups groups;
  size_t total = 0;
  std::string_view rest = trim(set);
  while (!rest.empty()) {
    // Elements end at a comma outside brackets; an unclosed '[' leaves the rest to the element.
    size_t end = 0;
    for (bool open = false; end < rest.size(); ++end) {
      if (rest[end] == '[') open = true;
      else if (rest[end] == ']') open = false;
      else if (rest[end] == ',' && !open) break;
    }
    std::string_view text = trim(rest.substr(0, end));
    if (text.empty()) return bad("empty element", set);
    auto el_or = parse_element(text, max_nodes - total);
    if (!el_or) return tl::unexpected(el_or.error());
    uint64_t count = 1;
    for (const auto& f : el_or->fields) {
      if (__builtin_mul_overflow(count, f.size(), &count)) count = UINT64_MAX;
    }
    if (count > max_nodes - total) {
      return make_error(ErrorCode::kTooLarge, "node set: '" + std::string(text) +
                                                  "' expands to more than " +
                                                  std::to_string(max_nodes) + " names");
    }
    total += count;
    elements.push_back(std::move(*el_or));
    add_product(elements.back(), groups);
    if (end == rest.size()) break;
    rest = rest.substr(end + 1);
    if (trim(rest).empty()) return bad("empty element after the last ','", set);
  }
  std::vector<std::string> out;
  for (const auto& [key, g] : groups) emit_group(g, detail::fold_group(g, kPlainAbove), out);
  return out;
}

}  // namespace ofsck::model::nodeset
