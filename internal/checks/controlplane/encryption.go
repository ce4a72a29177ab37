package controlplane

import (
	"fmt"
	"strconv"
	"strings"

	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// judgeEncryption judges how an EncryptionConfiguration stores Secrets.
// The API server takes the first resource entry that names secrets ("secrets",
// "*." for the core group, "*.*" for everything), and writes with that
// entry's first provider; the others only decrypt what older providers
// wrote. Violations are about obj, the configuration's object.
func judgeEncryption(obj *cluster.Object, cfg *apiserverv1.EncryptionConfiguration) []check.Violation {
	entry := -1
	for i, r := range cfg.Resources {
		for _, name := range r.Resources {
			if coversSecrets(name) {
				entry = i
				break
			}
		}
		if entry >= 0 {
			break
		}
	}
	v := func(field string, sev check.Severity, format string, args ...any) []check.Violation {
		return []check.Violation{graded(check.Violation{Object: obj, Field: field, Message: fmt.Sprintf(format, args...)}, sev)}
	}
	if entry < 0 {
		return v("resources", check.SeverityHigh, "no resource entry covers secrets (CIS 1.2.28): Secrets are stored in etcd in plain text")
	}
	r := cfg.Resources[entry]
	at := "resources[" + strconv.Itoa(entry) + "]"
	if len(r.Providers) == 0 {
		return v(at+".providers", check.SeverityHigh, "the entry for secrets lists no provider (CIS 1.2.28): kube-apiserver refuses to start")
	}
	p := r.Providers[0]
	field := at + ".providers[0]"
	switch {
	case p.Identity != nil:
		msg := "the first provider for secrets is identity (CIS 1.2.28): new and updated Secrets are written to etcd in plain text"
		if len(r.Providers) > 1 {
			msg += "; the providers after it only decrypt what they once wrote"
		}
		return v(field+".identity", check.SeverityHigh, "%s", msg)
	case p.AESCBC != nil:
		return v(field+".aescbc", check.SeverityMedium, "secrets are encrypted with aescbc (CIS 1.2.28): upstream no longer recommends it "+
			"(CBC is open to padding-oracle attacks), and its key sits in this file on the node; use kms v2, or secretbox")
	case p.KMS != nil && (p.KMS.APIVersion == "" || p.KMS.APIVersion == "v1"):
		ver := p.KMS.APIVersion
		if ver == "" {
			ver = "v1 (the default when apiVersion is not set)"
		}
		return v(field+".kms", check.SeverityMedium, "KMS provider %q uses apiVersion %s (CIS 1.2.28): KMS v1 is deprecated and disabled "+
			"by default since Kubernetes v1.29 (feature gate KMSv1); move to apiVersion v2", p.KMS.Name, ver)
	case p.AESGCM != nil:
		return v(field+".aesgcm", check.SeverityInfo, "secrets are encrypted with aesgcm: strong, but a key must be rotated before "+
			"about 200,000 writes or its nonces may repeat; rotate the key regularly, or use kms v2")
	}
	return nil // kms v2, secretbox
}

// coversSecrets reports whether a resource name of an
// EncryptionConfiguration covers core-group secrets.
func coversSecrets(name string) bool {
	name = strings.TrimSpace(name)
	return name == "secrets" || name == "secrets." || name == "*." || name == "*.*"
}
