// Manual pages from the command table (cli/manpage.hpp). Every sentence comes from the CLI11
// app: its description, option lines as CLI11's Formatter writes them for --help, its footer.
#include "cli/manpage.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <vector>

namespace ofsck::cli {

namespace {

/// One line of text as roff: backslashes and hyphens escaped (\- copies as '-'), a leading
/// control character ('.' or '\'') made literal.
std::string roff(std::string_view s) {
  std::string out;
  if (!s.empty() && (s[0] == '.' || s[0] == '\'')) out += "\\&";
  for (char c : s) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, nl - pos);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
      line.remove_suffix(1);
    out.push_back(line);
    pos = nl + 1;
  }
  return out;
}

/// Filled text; a blank line starts a new paragraph with `para` (".PP", or ".IP" in a list).
void prose(std::string& out, std::string_view text, std::string_view para = ".PP") {
  bool pending = false;
  for (std::string_view line : lines_of(text)) {
    if (line.empty()) {
      pending = true;
      continue;
    }
    if (pending) out.append(para).append("\n");
    pending = false;
    out += roff(line) + "\n";
  }
}

/// "EXIT STATUS": a footer line that is a section heading.
bool is_heading(std::string_view line) {
  if (line.size() < 2) return false;
  for (char c : line)
    if (!(std::isupper(static_cast<unsigned char>(c)) || c == ' ')) return false;
  return true;
}

/// The --help footer: headings become sections, indented lines stay as printed (.nf), other
/// lines are paragraphs.
void footer(std::string& out, std::string_view text) {
  bool nofill = false;
  auto fill = [&] {
    if (nofill) out += ".fi\n";
    nofill = false;
  };
  for (std::string_view line : lines_of(text)) {
    if (line.empty()) {
      fill();
    } else if (is_heading(line)) {
      fill();
      out += ".SH " + roff(line) + "\n";
    } else if (line[0] == ' ') {
      if (!nofill) out += ".nf\n";
      nofill = true;
      out += roff(line) + "\n";
    } else {
      fill();
      out += ".PP\n" + roff(line) + "\n";
    }
  }
  fill();
}

/// One option as --help prints it: the name column in bold, its value and default, then the
/// description.
void option_item(std::string& out, const CLI::Formatter& f, const CLI::Option* o, bool positional) {
  out += ".TP\n\\fB" + roff(f.make_option_name(o, positional)) + "\\fR" +
         roff(f.make_option_opts(o)) + "\n";
  prose(out, f.make_option_desc(o), ".IP");
}

/// Positionals, then every option group in the order --help lists them.
void option_sections(std::string& out, const CLI::App& app) {
  CLI::Formatter f;
  auto positionals = app.get_options([](const CLI::Option* o) {
    return o->get_positional() && !o->nonpositional() && !o->get_group().empty();
  });
  if (!positionals.empty()) {
    out += ".SH ARGUMENTS\n";
    for (const CLI::Option* o : positionals) option_item(out, f, o, true);
  }
  for (const std::string& group : app.get_groups()) {
    if (group.empty()) continue;
    auto opts = app.get_options(
        [&group](const CLI::Option* o) { return o->nonpositional() && o->get_group() == group; });
    if (opts.empty()) continue;
    std::string title;
    for (char c : group) title += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out += ".SH " + roff(title) + "\n";
    for (const CLI::Option* o : opts) option_item(out, f, o, false);
  }
}

std::vector<const CLI::App*> commands_of(const CLI::App& app) {
  return app.get_subcommands(
      [](const CLI::App* s) { return !s->get_name().empty() && !s->get_disabled(); });
}

/// "ofsck" for the top page, "ofsck check" for a subcommand.
std::string full_name(const CLI::App& app, const CLI::App* sub) {
  return sub ? app.get_name() + " " + sub->get_name() : app.get_name();
}

/// The usage line of --help without its "Usage:" label, the command name in bold.
void synopsis(std::string& out, const CLI::App& page, const std::string& name) {
  std::string usage = CLI::Formatter().make_usage(&page, name);
  const std::string label = "Usage: " + name;
  if (usage.rfind(label, 0) == 0) usage.erase(0, label.size());
  while (!usage.empty() && std::isspace(static_cast<unsigned char>(usage.back()))) usage.pop_back();
  out += ".SH SYNOPSIS\n\\fB" + roff(name) + "\\fR" + roff(usage) + "\n";
}

void see_also(std::string& out, const CLI::App& app, const CLI::App* sub) {
  std::vector<std::string> refs;
  if (sub) refs.push_back(app.get_name());
  for (const CLI::App* s : commands_of(app))
    if (s != sub) refs.push_back(app.get_name() + "-" + s->get_name());
  for (const char* tool : {"depmod", "modprobe", "modinfo"}) refs.emplace_back(tool);
  out += ".SH SEE ALSO\n";
  for (size_t i = 0; i < refs.size(); ++i)
    out += ".BR " + roff(refs[i]) + " (8)" + (i + 1 < refs.size() ? "," : "") + "\n";
}

/// The top page's list of subcommands, each with its one-line help and its own page.
void command_list(std::string& out, const CLI::App& app) {
  out += ".SH COMMANDS\n";
  for (const CLI::App* s : commands_of(app)) {
    out += ".TP\n\\fB" + roff(s->get_name()) + "\\fR\n";
    prose(out, s->get_description(), ".IP");
    out += ".br\nSee\n.BR " + roff(app.get_name() + "-" + s->get_name()) + " (8).\n";
  }
}

}  // namespace

std::string man_page(const CLI::App& app, const CLI::App* sub, std::string_view version) {
  const CLI::App& page = sub ? *sub : app;
  const std::string name = full_name(app, sub);
  std::string title = sub ? app.get_name() + "-" + sub->get_name() : app.get_name();
  std::string upper;
  for (char c : title) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string out = ".TH " + roff(upper) + R"( 8 "" ")" + roff(app.get_name()) + " " +
                    roff(version) + "\" \"System Administration\"\n.nh\n";
  // The top description's first line is "ofsck - summary": the NAME line; the rest follows.
  const std::string description = page.get_description();  // CLI11 returns a copy
  std::string_view desc = description;
  std::string_view summary = desc.substr(0, std::min(desc.find('\n'), desc.size()));
  const std::string lead = app.get_name() + " - ";
  if (!sub && summary.rfind(lead, 0) == 0) {
    desc.remove_prefix(std::min(desc.size(), summary.size() + 1));
    summary.remove_prefix(lead.size());
  } else {
    summary = {};
  }
  out += ".SH NAME\n" + roff(title) + " \\- " + roff(sub ? sub->get_description() : summary) + "\n";
  synopsis(out, page, name);
  out += ".SH DESCRIPTION\n";
  prose(out, desc);
  if (!sub) command_list(out, app);
  option_sections(out, page);
  footer(out, page.get_footer());
  see_also(out, app, sub);
  return out;
}

std::string write_man_pages(const CLI::App& app, const std::string& dir, std::string_view version) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::vector<const CLI::App*> pages{nullptr};
  for (const CLI::App* s : commands_of(app)) pages.push_back(s);
  for (const CLI::App* sub : pages) {
    std::string path = dir + "/" + app.get_name() + (sub ? "-" + sub->get_name() : "") + ".8";
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << man_page(app, sub, version);
    f.close();
    if (!f) return path + ": cannot write";
  }
  return {};
}

}  // namespace ofsck::cli
