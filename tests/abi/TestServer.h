// A server configuration with the given stages, as the YAML loader would build it, for tests
// that run pipelines over the fixture plugins. Every stage is located at test.yaml:7:3.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/Config.h"

namespace moat::testing {

inline config::ServerConfig serverWith(std::vector<std::pair<std::string, std::string>> stages, std::string name = "test") {
  config::ServerConfig server;
  server.name = name;
  for (auto& [plugin, json] : stages) {
    config::StageConfig stage;
    stage.plugin = plugin;
    stage.configJson = json;
    stage.where = config::Location{"test.yaml", 7, 3, "servers." + name + ".pipeline[0]"};
    server.pipeline.push_back(stage);
  }
  return server;
}

}  // namespace moat::testing
