// How subcommands plug into the CLI: each cli/<name>_command.cpp registers a setup function that
// adds its CLI11 subcommand (options, help text, callback). main.cpp only dispatches.
#pragma once

#include <CLI/CLI.hpp>

namespace gr2::cli {

using CommandSetup = void (*)(CLI::App& app);

// Registers `setup` at static-initialisation time; `order` sorts commands in --help (pipeline order).
struct CommandRegistration {
  CommandRegistration(int order, CommandSetup setup);
};

// Adds the standard --device option (auto|cpu|cuda[:N]) bound to `value` (default "auto").
void add_device_option(CLI::App& command, std::string& value);

}  // namespace gr2::cli

#define GR2_CLI_CONCAT_(a, b) a##b
#define GR2_CLI_CONCAT(a, b) GR2_CLI_CONCAT_(a, b)
// Usage at namespace scope: GR2_REGISTER_COMMAND(30, add_eval_command);
#define GR2_REGISTER_COMMAND(order, setup) \
  static ::gr2::cli::CommandRegistration GR2_CLI_CONCAT(gr2_command_registration_, __LINE__)(order, setup)
