// Command gendocs writes docs/checks.md from the check registry.
//
//	go run ./hack/gendocs
package main

import (
	"log"
	"os"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks"
)

func main() {
	if err := os.WriteFile("docs/checks.md", checks.CatalogMarkdown(check.Default()), 0o644); err != nil {
		log.Fatal(err)
	}
}
