package supplychain

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// scannedImages pairs each container of the pod with what the image scan
// learned about its image, skipping containers whose image was not
// scanned. It returns nothing when images were not scanned at all, so the
// checks that read image facts are silent on a scan without --images.
func scannedImages(ctx *check.Context, pod *cluster.PodTemplate) []scannedContainer {
	if ctx.Images == nil {
		return nil
	}
	var out []scannedContainer
	for _, c := range pod.Containers() {
		if f := ctx.Images.ImageFacts(c.Container.Image); f != nil {
			out = append(out, scannedContainer{ContainerRef: c, facts: f})
		}
	}
	return out
}

// scannedContainer is a container with the facts about its image.
type scannedContainer struct {
	cluster.ContainerRef
	facts *imagefacts.Facts
}
