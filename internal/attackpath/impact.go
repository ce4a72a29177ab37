package attackpath

import (
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/rbac"
)

// minerImages are image names (the last part of the repository, before
// the tag) of crypto-currency miners.
var minerImages = []string{"xmrig", "xmr-stak", "xmr-stak-cpu", "minerd", "cpuminer", "cpuminer-multi", "cgminer", "bfgminer", "ccminer",
	"ethminer", "nbminer", "t-rex", "lolminer", "phoenixminer", "nanominer", "teamredminer", "gminer", "srbminer", "xmrig-proxy"}

// minerArgs are words of a miner's command line: a mining pool's URL.
var minerArgs = []string{"stratum+tcp://", "stratum+ssl://", "stratum+tls://", "stratum2+tcp://"}

// miner returns the evidence that a pod template runs a crypto-miner: an
// image known as one, or a command line that names a mining pool.
func miner(pt *cluster.PodTemplate, obj string) []Evidence {
	var out []Evidence
	for _, c := range pt.Containers() {
		img := c.Container.Image
		name := img[strings.LastIndex(img, "/")+1:]
		if i := strings.IndexAny(name, ":@"); i >= 0 {
			name = name[:i]
		}
		for _, m := range minerImages {
			if strings.EqualFold(name, m) {
				out = append(out, Evidence{Object: obj, Field: c.Field("image"), Detail: "the miner image " + img, Container: c.Container.Name})
				break
			}
		}
		words := append(append([]string{}, c.Container.Command...), c.Container.Args...)
		for i, w := range words {
			lw := strings.ToLower(w)
			for _, a := range minerArgs {
				if strings.Contains(lw, a) {
					field := c.Field(fmt.Sprintf("command[%d]", i))
					if n := i - len(c.Container.Command); n >= 0 {
						field = c.Field(fmt.Sprintf("args[%d]", n))
					}
					out = append(out, Evidence{Object: obj, Field: field, Detail: "a mining pool: " + w, Container: c.Container.Name})
					break
				}
			}
		}
	}
	return out
}

// impacts adds, for every workload that runs a crypto-miner, an impact
// node and the edges that lead to it from the targets that let an
// attacker run it: cluster-admin creates it in any namespace, and root on
// a node runs its image there. Targets end paths, so these edges are not
// walked: the search hangs them on every path that ends at their source
// (Path.Impact), as the harm done once there.
func (b *builder) impacts() {
	for _, p := range b.eng.Pods() {
		obj := p.String()
		ev := miner(p.Template, obj)
		if len(ev) == 0 {
			continue
		}
		n := b.g.node(Node{Key: "impact:" + obj, Kind: KindImpact, Label: "crypto-miner " + obj, Namespace: p.Namespace, Object: obj,
			Note: "the attacker's workload: it mines crypto-currency on the cluster's nodes, at the owner's expense"})
		admin := b.principal(rbac.ClusterAdmin)
		b.g.edge(Edge{From: admin, To: n, Kind: EdgeImpact,
			Text:     fmt.Sprintf("holding cluster-admin, the attacker runs the crypto-miner %s (resource hijacking)", obj),
			Evidence: ev,
			Fix:      fmt.Sprintf("delete %s and rotate every credential on the paths that lead here", obj)})
		b.g.edge(Edge{From: b.nodeRoot, To: n, Kind: EdgeImpact,
			Text:     fmt.Sprintf("root on a node runs the image of the crypto-miner %s there (resource hijacking)", obj),
			Evidence: ev,
			Fix:      fmt.Sprintf("delete %s and rebuild the nodes it ran on", obj)})
	}
}
