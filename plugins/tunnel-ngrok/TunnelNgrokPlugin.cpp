// tunnel-ngrok: the ngrok agent the user has installed, driven from its command line and log.
#include "NgrokTunnel.h"

MOAT_TUNNEL_PLUGIN("tunnel-ngrok", "1.0.0", "publishes the gateway through the ngrok agent (ngrok http), reading back the public URL",
                   moat::tunnel::NgrokTunnel)
