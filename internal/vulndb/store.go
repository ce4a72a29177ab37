// Package vulndb is Palisade's offline vulnerability database: it imports
// OSV (https://osv.dev) advisory exports into a file-backed store and
// matches image packages against them.
//
// The store is one bbolt file, vulndb.bolt, in a directory (DefaultDir, or
// PALISADE_VULNDB_DIR, or a directory the caller names). Advisories are kept
// in a compact form (id, aliases, summary, severity, and per package the
// affected versions and ranges) indexed by ecosystem and package name, so
// matching a package is one index seek. Imports and updates build a new file
// and rename it over the old one: a failed import leaves the old store as it
// was, and readers keep reading the file they opened.
//
// Version ordering comes from github.com/google/osv-scalibr/semantic, which
// implements each ecosystem's own rules (Debian, Alpine, RPM, SemVer, PEP
// 440, Maven, ...); OSV JSON is decoded with OSV's own schema bindings.
package vulndb

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// EnvDir is the environment variable that overrides DefaultDir.
const EnvDir = "PALISADE_VULNDB_DIR"

// FileName is the name of the store file inside a store directory.
const FileName = "vulndb.bolt"

// schemaVersion is the layout of the store file; a store written with
// another layout must be imported again.
const schemaVersion = 1

// Bucket and key names inside the store file.
var (
	bucketMeta = []byte("meta")     // metaKey -> JSON meta
	bucketAdv  = []byte("advisory") // id -> JSON advisory
	bucketAff  = []byte("affected") // base \0 name \0 id -> JSON []affected
	metaKey    = []byte("meta")
)

// ErrNoDatabase is returned (wrapped, with the directory and what to run)
// by Open and Status when a directory holds no store.
var ErrNoDatabase = errors.New("no vulnerability database")

// DefaultDir returns the store directory used when none is named: the
// value of PALISADE_VULNDB_DIR when set, else palisade/vulndb under the
// user's cache directory (os.UserCacheDir).
func DefaultDir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the vulnerability database directory: %w (set %s or pass --db DIR)", err, EnvDir)
	}
	return filepath.Join(cache, "palisade", "vulndb"), nil
}

// ResolveDir returns dir when it is not empty, else DefaultDir().
func ResolveDir(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	return DefaultDir()
}

// Store is an open, read-only vulnerability database. It is safe for
// concurrent use. Close it when done.
type Store struct {
	dir  string
	path string
	db   *bolt.DB
}

// Open opens the store in dir for reading. When dir holds no store the
// error wraps ErrNoDatabase and says how to create one.
func Open(dir string) (*Store, error) {
	path := filepath.Join(dir, FileName)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, noDatabase(dir)
		}
		return nil, fmt.Errorf("opening vulnerability database: %w", err)
	}
	db, err := bolt.Open(path, 0o444, &bolt.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("opening vulnerability database %s: %w", path, err)
	}
	s := &Store{dir: dir, path: path, db: db}
	if _, err := s.meta(); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func noDatabase(dir string) error {
	return fmt.Errorf("%w at %s; run 'palisade db import <OSV zip>' or 'palisade db update --from URL'", ErrNoDatabase, dir)
}

// Close closes the store file.
func (s *Store) Close() error { return s.db.Close() }

// Dir returns the directory the store was opened from.
func (s *Store) Dir() string { return s.dir }

// meta is what the store records about its contents and imports.
type meta struct {
	Schema     int            `json:"schema"`
	Records    int            `json:"records"`
	Ecosystems map[string]int `json:"ecosystems"`
	ImportedAt time.Time      `json:"importedAt"`
	UpdatedAt  time.Time      `json:"updatedAt,omitzero"`
	Sources    []Source       `json:"sources"`
}

func (s *Store) meta() (*meta, error) {
	var m *meta
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		m, err = readMeta(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	return m, nil
}

func readMeta(tx *bolt.Tx) (*meta, error) {
	b := tx.Bucket(bucketMeta)
	if b == nil {
		return nil, errors.New("not a Palisade vulnerability database (no metadata); import the OSV exports again")
	}
	raw := b.Get(metaKey)
	if raw == nil {
		return nil, errors.New("not a Palisade vulnerability database (no metadata); import the OSV exports again")
	}
	var m meta
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("reading store metadata: %w; import the OSV exports again", err)
	}
	if m.Schema != schemaVersion {
		return nil, fmt.Errorf("store layout %d is not the layout this Palisade reads (%d); import the OSV exports again", m.Schema, schemaVersion)
	}
	return &m, nil
}

// Source is one OSV export that went into the store.
type Source struct {
	// Name is the file path or URL the export was read from.
	Name string `json:"name"`
	// SHA256 is the hex digest of the file; empty for a directory.
	SHA256 string `json:"sha256,omitempty"`
	// Size is the file's size in bytes.
	Size int64 `json:"size"`
	// Records is how many records of it were imported; Skipped how many
	// were not (withdrawn, nothing a package can match, or invalid).
	Records int `json:"records"`
	Skipped int `json:"skipped"`
	// ImportedAt is when it was imported.
	ImportedAt time.Time `json:"importedAt"`
}

// EcosystemCount is the number of advisories in the store that affect
// packages of one ecosystem ("Debian:12", "Go").
type EcosystemCount struct {
	Ecosystem string `json:"ecosystem"`
	Records   int    `json:"records"`
}

// Status describes a store: what it holds and where it came from.
type Status struct {
	// Dir and Path are the store directory and file.
	Dir  string `json:"dir"`
	Path string `json:"path"`
	// Size is the store file's size in bytes.
	Size int64 `json:"size"`
	// Records is the number of advisories stored.
	Records int `json:"records"`
	// Ecosystems counts advisories per ecosystem, by name. An advisory that
	// affects several ecosystems is counted in each.
	Ecosystems []EcosystemCount `json:"ecosystems"`
	// ImportedAt is the time of the last import or update; UpdatedAt of the
	// last update (download), zero when there was none.
	ImportedAt time.Time `json:"importedAt"`
	UpdatedAt  time.Time `json:"updatedAt,omitzero"`
	// Sources are the exports imported, most recent last.
	Sources []Source `json:"sources"`
}

// Status reports what the store holds.
func (s *Store) Status() (*Status, error) {
	m, err := s.meta()
	if err != nil {
		return nil, err
	}
	st := &Status{Dir: s.dir, Path: s.path, Records: m.Records, ImportedAt: m.ImportedAt, UpdatedAt: m.UpdatedAt, Sources: m.Sources}
	if fi, err := os.Stat(s.path); err == nil {
		st.Size = fi.Size()
	}
	for eco, n := range m.Ecosystems {
		st.Ecosystems = append(st.Ecosystems, EcosystemCount{Ecosystem: eco, Records: n})
	}
	sort.Slice(st.Ecosystems, func(i, j int) bool { return st.Ecosystems[i].Ecosystem < st.Ecosystems[j].Ecosystem })
	return st, nil
}

// ReadStatus opens the store in dir and returns its Status.
func ReadStatus(dir string) (*Status, error) {
	s, err := Open(dir)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.Status()
}
