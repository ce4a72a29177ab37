// Command palisade finds, explains and blocks the ways into a Kubernetes
// cluster.
package main

import (
	"os"

	"github.com/palisade-sec/palisade/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
