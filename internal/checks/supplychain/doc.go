// Package supplychain holds the checks on where the images a cluster runs
// come from and whether a reference always pulls the same bytes: mutable
// tags, references without a digest, registries outside the allow list and
// pull policies that let a node run a stale cached image.
//
// Every check reads container images through imageref.Parse, which
// normalizes a reference the way container runtimes resolve it
// ("nginx" is docker.io/library/nginx), so "docker.io/nginx" and "nginx"
// are judged alike.
package supplychain
