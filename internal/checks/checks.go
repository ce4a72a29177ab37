// Package checks imports every check package so that their init functions
// register them. Import it for its side effect.
package checks

import (
	_ "github.com/palisade-sec/palisade/internal/checks/exposure"    // Services, Ingresses, dashboard, namespaces
	_ "github.com/palisade-sec/palisade/internal/checks/pss"         // Pod Security Standards
	_ "github.com/palisade-sec/palisade/internal/checks/supplychain" // image references
	_ "github.com/palisade-sec/palisade/internal/checks/workload"    // pod hardening beyond PSS
)
