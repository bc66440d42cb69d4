// The test control plane's API server: kube-apiserver exactly as its release builds it, from the
// k8s.io/kubernetes module (go.mod pins the release and its staging modules).
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
