// `gr2 info`: versions, build and the device gr2 would use (a first check after installing).
#include <iostream>

#include "gr2/cli/command.h"
#include "gr2/core/device.h"

namespace gr2::cli {
namespace {

void add_info_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Show the gr2 version, the LibTorch build and the selected device");
  auto device = std::make_shared<std::string>("auto");
  add_device_option(*cmd, *device);
  cmd->callback([device] {
    c10::Device d = resolve_device(*device);
    std::cout << "gr2 0.1.0\n"
              << "device: " << describe_device(d) << "\n";
  });
}

}  // namespace
GR2_REGISTER_COMMAND(900, add_info_command);
}  // namespace gr2::cli
