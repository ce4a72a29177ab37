// Package checks imports every check package so that their init functions
// register them. Import it for its side effect.
package checks

import (
	_ "github.com/palisade-sec/palisade/internal/checks/controlplane" // API server, etcd, controller manager, scheduler (CIS 1.2-1.4, 2, 3.2)
	_ "github.com/palisade-sec/palisade/internal/checks/exposure"     // Services, Ingresses, dashboard, namespaces
	_ "github.com/palisade-sec/palisade/internal/checks/network"      // NetworkPolicy isolation and reachability
	_ "github.com/palisade-sec/palisade/internal/checks/node"         // kubelet, kube-proxy, node files (CIS 1.1, 4)
	_ "github.com/palisade-sec/palisade/internal/checks/pss"          // Pod Security Standards
	_ "github.com/palisade-sec/palisade/internal/checks/rbac"         // dangerous permissions and escalation
	_ "github.com/palisade-sec/palisade/internal/checks/supplychain"  // image references
	_ "github.com/palisade-sec/palisade/internal/checks/workload"     // pod hardening beyond PSS
)
