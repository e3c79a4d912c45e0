// gr2 command-line entry point: builds the CLI from registered subcommands and maps failures to
// exit statuses (2 = bad input or usage, 1 = internal failure) with one "gr2: error: ..." line.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <utility>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/error.h"
#include "gr2/core/heap_retention.h"
#include "gr2/core/log.h"

namespace gr2::cli {
namespace {
std::vector<std::pair<int, CommandSetup>>& registry() {
  static std::vector<std::pair<int, CommandSetup>> commands;
  return commands;
}
}  // namespace

CommandRegistration::CommandRegistration(int order, CommandSetup setup) {
  registry().emplace_back(order, setup);
}

void add_device_option(CLI::App& command, std::string& value) {
  command.add_option("--device", value, "Device: auto (CUDA if available), cpu, cuda or cuda:N")
      ->capture_default_str();
}

}  // namespace gr2::cli

int main(int argc, char** argv) {
  gr2::retain_freed_heap();  // training steps reuse their buffers instead of faulting them in again
  CLI::App app{
      "gr2: the Generative Reasoning Re-ranker. Trains a language model to re-rank the K candidates\n"
      "an upstream ranker chose, and evaluates it against the incoming order and baselines.\n"
      "Run 'gr2 <command> --help' for each command; docs/usage.md has the whole guide.",
      "gr2"};
  gr2::set_log_sink(gr2::stderr_log_sink);  // library messages: one line each on stderr
  app.require_subcommand(1);
  app.set_version_flag("--version", "gr2 0.1.0");
  auto& commands = gr2::cli::registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& entry : commands) entry.second(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "gr2: error: " << e.what() << "\n";
    std::cerr << "Run with --help for usage.\n";
    return 2;
  } catch (const gr2::Error& e) {
    std::cout.flush();
    std::cerr << "gr2: error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::cerr << "gr2: error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "gr2: error: internal failure: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
