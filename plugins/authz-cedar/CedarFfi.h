// The C entry points of cedar-ffi/ (Rust, over the cedar-policy crate). Strings written to
// `error` are freed with moat_cedar_string_free.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
struct MoatCedarPolicies;
struct MoatCedarEntities;
MoatCedarPolicies* moat_cedar_policies_parse(const char* text, size_t len, char** error);
size_t moat_cedar_policies_count(const MoatCedarPolicies* policies);
void moat_cedar_policies_free(MoatCedarPolicies* policies);
MoatCedarEntities* moat_cedar_entities_parse(const char* json, size_t len, char** error);
void moat_cedar_entities_free(MoatCedarEntities* entities);
int32_t moat_cedar_authorize(const MoatCedarPolicies* policies, const MoatCedarEntities* fixed, const char* request, size_t len,
                             char** error);
void moat_cedar_string_free(char* text);
}
