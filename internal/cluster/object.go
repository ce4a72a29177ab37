// Package cluster holds the Snapshot: the one typed, indexed picture of a
// cluster that every analysis reads, with where each object came from.
package cluster

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ObjectID names an object the way the API server does.
type ObjectID struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// String names the object like kubectl: "deployment.apps/web -n shop".
func (id ObjectID) String() string {
	var b strings.Builder
	b.WriteString(strings.ToLower(id.Kind))
	if g := id.Group(); g != "" {
		b.WriteString(".")
		b.WriteString(g)
	}
	b.WriteString("/")
	b.WriteString(id.Name)
	if id.Namespace != "" {
		fmt.Fprintf(&b, " -n %s", id.Namespace)
	}
	return b.String()
}

// Group is the API group of the object ("" for the core group).
func (id ObjectID) Group() string {
	if i := strings.LastIndex(id.APIVersion, "/"); i >= 0 {
		return id.APIVersion[:i]
	}
	return ""
}

// Object is one Kubernetes object with its origin.
type Object struct {
	ID ObjectID
	// Typed is the decoded object: a k8s.io/api type (*appsv1.Deployment, ...)
	// for the kinds Palisade knows, *unstructured.Unstructured for the rest
	// (CRDs, unknown kinds), which checks skip.
	Typed runtime.Object
	// Meta is the object's metadata, shared with Typed.
	Meta metav1.Object
	// Origin says where the object was read from.
	Origin Origin
}

// Labels returns the object's labels (never nil-safe-mutated; read only).
func (o *Object) Labels() map[string]string { return o.Meta.GetLabels() }

// Annotations returns the object's annotations.
func (o *Object) Annotations() map[string]string { return o.Meta.GetAnnotations() }

// Origin says where an object came from: a document in a file (with the
// document's bytes kept so a field's line and column can be found when a
// finding needs it), or a live cluster (File and Doc empty; Cluster,
// Server and ResourceVersion set).
type Origin struct {
	// File is the path as the user named it, "-" for stdin, or the template
	// path inside a Helm chart. Empty for objects read from a cluster.
	File string
	// Doc is the YAML/JSON document the object was decoded from; nil for
	// objects that did not come from a file.
	Doc *Document
	// Path is the object's own path inside the document: empty for a
	// document holding one object, "items[3]" for an item of a kind: List.
	Path string

	// Cluster names the cluster the object was read from: the kubeconfig
	// context, or what the caller called it. Empty for objects from files.
	Cluster string
	// Server is the API server's URL the object was read from.
	Server string
	// ResourceVersion is the object's metadata.resourceVersion when it was
	// read, so a finding names the exact version that was judged.
	ResourceVersion string
}

// IsLive reports whether the object was read from a live cluster.
func (o Origin) IsLive() bool { return o.Cluster != "" || o.Server != "" }

// Position resolves a field path of this object to its place in the source.
// The zero Position means "unknown" (not read from a file).
func (o Origin) Position(field string) Position {
	if o.Doc == nil {
		return Position{}
	}
	return o.Doc.Positions([]string{joinPath(o.Path, field)})[0]
}

// DocPath turns a field path of this object into a path inside its document.
func (o Origin) DocPath(field string) string { return joinPath(o.Path, field) }

func joinPath(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	default:
		return prefix + "." + field
	}
}
