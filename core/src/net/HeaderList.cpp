#include "net/HeaderList.h"

#include <Poco/Exception.h>
#include <strings.h>

#include <algorithm>

namespace moat::net {

bool sameName(std::string_view a, std::string_view b) { return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0; }

HeaderList::const_iterator HeaderList::find(std::string_view name) const {
  return std::find_if(fields_.begin(), fields_.end(), [&](const Field& field) { return sameName(field.first, name); });
}

void HeaderList::set(std::string_view name, std::string value) {
  auto first = std::find_if(fields_.begin(), fields_.end(), [&](const Field& field) { return sameName(field.first, name); });
  if (first == fields_.end()) {
    fields_.emplace_back(std::string(name), std::move(value));
    return;
  }
  first->second = std::move(value);
  fields_.erase(std::remove_if(first + 1, fields_.end(), [&](const Field& field) { return sameName(field.first, name); }), fields_.end());
}

void HeaderList::erase(std::string_view name) {
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(), [&](const Field& field) { return sameName(field.first, name); }), fields_.end());
}

const std::string& HeaderList::get(std::string_view name) const {
  auto it = find(name);
  if (it == end()) throw Poco::NotFoundException(std::string(name));
  return it->second;
}

const std::string& HeaderList::get(std::string_view name, const std::string& fallback) const {
  auto it = find(name);
  return it == end() ? fallback : it->second;
}

}  // namespace moat::net
