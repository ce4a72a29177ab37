package supplychain

import (
	"github.com/palisade-sec/palisade/internal/cluster"
)

// kind names a container for messages: "container", "init container" or
// "ephemeral container".
func kind(ref cluster.ContainerRef) string {
	switch {
	case ref.Init:
		return "init container"
	case ref.Ephemeral:
		return "ephemeral container"
	}
	return "container"
}
