// A server entry's fields written in each format's syntax.
#pragma once

#include <string>

#include "clients/ServerTable.h"

namespace moat::clients {

// A JSON object over several lines: its members at indent + unit, its '}' at indent.
std::string jsonObjectText(const Fields& fields, const std::string& indent, const std::string& unit);
// The same on one line, for a file written on one line.
std::string jsonInlineText(const Fields& fields);
// A scalar or a flow list; strings double-quoted, which YAML and TOML read as JSON does.
std::string scalarText(const Field& field);
// A YAML or TOML key: bare when it can be, else double-quoted.
std::string keyText(const std::string& key);

}  // namespace moat::clients
