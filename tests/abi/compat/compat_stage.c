/* A stage built against a frozen copy of an old moat/abi.h (the include path picks which), so
 * that every build proves the current host still loads and serves a plugin of that minor. It
 * uses each host service its minor offers and reports through upstream headers what it saw:
 *   X-Compat-Minor     the minor it was built for
 *   X-Compat-Host-Abi  the host's abi_version as the plugin reads it
 *   X-Compat-Resource  (1.1+) the request's resource URL
 *   X-Compat-Credential (1.2+) a credential it set and read back
 *   X-Compat-Instance  (1.3+) its instance's name
 * COMPAT_NAME is the plugin's name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/abi.h"

static const moat_host_api* host;

static moat_str view(const char* s) { moat_str v = {s, strlen(s)}; return v; }

typedef struct instance {
  moat_host_context* ctx;
} instance;

static void* create(moat_host_context* ctx, moat_str config, moat_sink* error) {
  instance* self = (instance*)malloc(sizeof *self);
  (void)config;
  if (!self) {
    error->write(error->ctx, "out of memory", 13);
    return NULL;
  }
  self->ctx = ctx;
  return self;
}

static void destroy(void* self) { free(self); }

static void set_number(moat_request* req, const char* name, unsigned long value) {
  char text[32];
  snprintf(text, sizeof text, "%lu", value);
  host->request_header_set(req, view(name), view(text));
}

static moat_status on_request(void* opaque, moat_request* req, moat_sink* error) {
  instance* self = (instance*)opaque;
  (void)error;
  host->counter_add(self->ctx, view("calls"), 1);
  host->identity_set(req, view("compat-user"), view("{}"));
  set_number(req, "X-Compat-Minor", MOAT_ABI_VERSION_MINOR);
  set_number(req, "X-Compat-Host-Abi", host->abi_version);
#if MOAT_ABI_VERSION_MINOR >= 1
  host->request_header_set(req, view("X-Compat-Resource"), host->request_resource_url(req));
#endif
#if MOAT_ABI_VERSION_MINOR >= 2
  {
    moat_str back = {NULL, 0};
    host->request_credential_set(req, view("compat"), view("handed-on"));
    if (host->request_credential_get(req, view("compat"), &back)) host->request_header_set(req, view("X-Compat-Credential"), back);
  }
#endif
#if MOAT_ABI_VERSION_MINOR >= 3
  host->request_header_set(req, view("X-Compat-Instance"), host->instance_name(self->ctx));
#endif
  return MOAT_STATUS_CONTINUE;
}

static moat_status on_response(void* opaque, moat_request* req, moat_sink* error) {
  (void)opaque; (void)error;
  host->response_header_set(req, view("X-Compat-Seen"), view("yes"));
  return MOAT_STATUS_CONTINUE;
}

/* Designated, so the hooks later minors added stay zero in every build of this file. */
static const moat_filter_hooks hooks = {.struct_size = sizeof(moat_filter_hooks), .on_request = on_request, .on_response = on_response};
static moat_plugin_descriptor descriptor;

MOAT_EXPORT uint32_t moat_plugin_abi_version(void) { return MOAT_ABI_VERSION; }

MOAT_EXPORT int moat_plugin_init(const moat_host_api* api, moat_host_context* ctx, const moat_plugin_descriptor** out,
                                 moat_sink* error) {
  (void)ctx; (void)error;
  host = api;
  descriptor.struct_size = sizeof descriptor;
  descriptor.abi_version = MOAT_ABI_VERSION;
  descriptor.name = view(COMPAT_NAME);
  descriptor.version = view("1.0");
  descriptor.description = view("fixture: a stage built against a frozen older ABI header");
  descriptor.kind = MOAT_KIND_STAGE;
  descriptor.instance_create = create;
  descriptor.instance_destroy = destroy;
  descriptor.filter = &hooks;
  *out = &descriptor;
  return 1;
}
