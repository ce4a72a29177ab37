package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadConfigKeepsOtherCommandsSections(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "cfg.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := LoadConfig(write("allowedRegistries: [registry.example.com]\naudit:\n  learn: 1h\n  rules: [{id: custom/x, severity: high, match: 'verb == \"delete\"'}]\n"))
	if err != nil {
		t.Fatalf("a config with an audit section: %v", err)
	}
	if !strings.Contains(string(c.Audit), "custom/x") || len(c.AllowedRegistries) != 1 {
		t.Errorf("config read as %+v, audit %s", c, c.Audit)
	}
	if _, err := LoadConfig(write("audti:\n  learn: 1h\n")); err == nil || !strings.Contains(err.Error(), "audti") {
		t.Errorf("a misspelt section must still be an error, got %v", err)
	}
}
