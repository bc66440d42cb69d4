// The Open Policy Agent server the authz-http tests ask for decisions: OPA's own command line,
// built from its Go module at the version go.mod pins (scripts/opa builds and caches it).
package main

import (
	"os"

	"github.com/open-policy-agent/opa/cmd"
)

func main() {
	if err := cmd.RootCommand.Execute(); err != nil {
		os.Exit(1)
	}
}
