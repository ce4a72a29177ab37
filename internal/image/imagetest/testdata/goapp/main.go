// Command goapp is a tiny program built by imagetest so that test images
// carry a real Go binary with build info and one module dependency.
package main

import (
	"fmt"

	"golang.org/x/sync/errgroup"
)

func main() {
	var g errgroup.Group
	g.Go(func() error { fmt.Println("hello from goapp"); return nil })
	_ = g.Wait()
}
