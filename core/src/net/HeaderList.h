// Header fields in arrival order with case-insensitive names: what POCO's NameValueCollection
// offers, at the cost a proxy can pay on every request. NameValueCollection keeps its fields
// sorted by an insertion that compares names case-insensitively a character at a time, so each
// add, get or has scans the list; here an add is a push_back and a lookup compares lengths first.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::net {

class HeaderList {
 public:
  using Field = std::pair<std::string, std::string>;
  using const_iterator = std::vector<Field>::const_iterator;

  // Appends a field, keeping any others of the same name.
  void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }
  // Replaces the first field of this name and drops the rest, or appends one.
  void set(std::string_view name, std::string value);
  void erase(std::string_view name);
  void clear() { fields_.clear(); }

  bool has(std::string_view name) const { return find(name) != end(); }
  // The first value of `name`; throws Poco::NotFoundException when there is none.
  const std::string& get(std::string_view name) const;
  const std::string& get(std::string_view name, const std::string& fallback) const;
  const_iterator find(std::string_view name) const;

  const_iterator begin() const { return fields_.begin(); }
  const_iterator end() const { return fields_.end(); }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  const Field& operator[](size_t index) const { return fields_[index]; }
  // The last field, for a folded continuation line to extend.
  Field& back() { return fields_.back(); }

 private:
  std::vector<Field> fields_;
};

// Equal header names (ASCII case-insensitive).
bool sameName(std::string_view a, std::string_view b);

}  // namespace moat::net
