// tunnel-ssh: a reverse SSH forward to a server the user names.
#include "SshTunnel.h"

MOAT_TUNNEL_PLUGIN("tunnel-ssh", "1.0.0", "publishes the gateway through a reverse SSH forward (ssh -R), reconnecting with backoff",
                   moat::tunnel::SshTunnel)
