// The headers a forwarded request carries between replicas, beside the client's own.
#pragma once

namespace moat::replicas {

inline constexpr const char* kRouteHeader = "X-Moat-Replica-Route";
inline constexpr const char* kSubjectHeader = "X-Moat-Replica-Subject";  // JSON string; absent when nobody authenticated
inline constexpr const char* kTimeHeader = "X-Moat-Replica-Time";        // Unix seconds
inline constexpr const char* kSignatureHeader = "X-Moat-Replica-Signature";

}  // namespace moat::replicas
