#include "operator/EventRecorder.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>

#include "log/Log.h"
#include "operator/ApiTypes.h"
#include "operator/JsonBuild.h"

namespace moat::op {

using namespace build;

void EventRecorder::normal(const ObjectRef& object, const std::string& reason, const std::string& message) const {
  record(object, "Normal", reason, message);
}

void EventRecorder::warning(const ObjectRef& object, const std::string& reason, const std::string& message) const {
  record(object, "Warning", reason, message);
}

void EventRecorder::record(const ObjectRef& target, const std::string& type, const std::string& reason, const std::string& message) const {
  const std::string now = Poco::DateTimeFormatter::format(Poco::DateTime(), "%Y-%m-%dT%H:%M:%SZ");
  json::Value event = object({{"apiVersion", str("v1")},
                              {"kind", str("Event")},
                              {"metadata", build::object({{"generateName", str(target.name + ".")}, {"namespace", str(target.ns)}})},
                              {"involvedObject", build::object({{"apiVersion", str(target.apiVersion)},
                                                               {"kind", str(target.kind)},
                                                               {"namespace", str(target.ns)},
                                                               {"name", str(target.name)},
                                                               {"uid", str(target.uid)}})},
                              {"type", str(type)},
                              {"reason", str(reason)},
                              {"message", str(message)},
                              {"source", build::object({{"component", str(kFieldManager)}})},
                              {"reportingComponent", str(kFieldManager)},
                              {"firstTimestamp", str(now)},
                              {"lastTimestamp", str(now)},
                              {"count", num(1)}});
  try {
    api_.create(kEvents.path(target.ns), event);
  } catch (const std::exception& e) {
    log::warn("operator", "cannot record an event", {{"object", target.ns + "/" + target.name}, {"reason", reason}, {"error", e.what()}});
  }
}

}  // namespace moat::op
