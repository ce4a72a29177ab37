package controlplane

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source/node"
)

// referencedConfig finds the decoded config file a component's flag names
// (which must be given) among the node facts. When it cannot, it returns
// a not-assessed violation that says why: the scan did not read a node,
// the path is not on a hostPath volume of the container, the file is
// missing under the root, or it did not decode.
func referencedConfig(ctx *check.Context, c *node.Component, f node.Flag) (*cluster.Object, *check.Violation) {
	notAssessed := func(format string, args ...any) (*cluster.Object, *check.Violation) {
		v := check.NotAssessed(nil, f.Arg.Field, fmt.Sprintf(format, args...))
		return nil, &v
	}
	nodePath, ok := c.NodePath(f.Value)
	if !ok {
		return notAssessed("%s is not on a hostPath volume of container %q, so the file is not on the node's filesystem", f, c.Container.Container.Name)
	}
	facts := ctx.Snapshot.Node()
	if facts == nil {
		return notAssessed("%s names %s on the control-plane node; scan the node with palisade node --root to judge it", f, nodePath)
	}
	o := ctx.Snapshot.NodeFile(nodePath)
	if o == nil {
		return notAssessed("%s names %s, which is missing under --root %s", f, nodePath, facts.Root)
	}
	nf := o.Typed.(*cluster.NodeFile)
	switch {
	case nf.Error != "":
		return notAssessed("%s names %s, which could not be read: %s", f, nodePath, nf.Error)
	case nf.ContentError != "":
		return notAssessed("%s names %s, which could not be read: %s", f, nodePath, nf.ContentError)
	case nf.Content == nil:
		return notAssessed("%s names %s, which was not decoded", f, nodePath)
	}
	return nf.Content, nil
}
