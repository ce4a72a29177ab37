package vulndb

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// maxRecordBytes bounds one OSV record (one zip entry or .json file); the
// largest real records are a few MiB.
const maxRecordBytes = 32 << 20

// batchRecords is how many records are written per write transaction of
// the new store file.
const batchRecords = 2000

// ImportOptions tune Import.
type ImportOptions struct {
	// Replace starts from an empty store instead of keeping the records of
	// the old one. Without it, imported records are added to the old
	// store's, replacing records with the same id, and a withdrawn record
	// removes the stored record with its id.
	Replace bool
	// Now returns the time recorded for the import; time.Now when nil.
	Now func() time.Time

	// names are the source names recorded instead of the file paths
	// (Update records the URLs it downloaded); updated marks an update.
	names   []string
	updated bool
}

// RecordError is one OSV record that could not be imported.
type RecordError struct {
	// Source is the file the record came from; Entry the zip entry or the
	// file inside a directory, empty for a single .json file.
	Source string `json:"source"`
	Entry  string `json:"entry,omitempty"`
	// Err says what was wrong.
	Err string `json:"error"`
}

// Error returns "SOURCE: ENTRY: what was wrong".
func (e RecordError) Error() string {
	if e.Entry == "" {
		return e.Source + ": " + e.Err
	}
	return e.Source + ": " + e.Entry + ": " + e.Err
}

// ImportResult says what an import did.
type ImportResult struct {
	// Dir is the store directory written.
	Dir string `json:"dir"`
	// Imported counts the records stored by this import; Skipped those that
	// were not: Withdrawn ones, records no package can match (GIT-only),
	// and the invalid ones listed in Errors.
	Imported  int `json:"imported"`
	Skipped   int `json:"skipped"`
	Withdrawn int `json:"withdrawn"`
	// Ecosystems counts the records imported per ecosystem.
	Ecosystems map[string]int `json:"ecosystems"`
	// Errors are the records that could not be imported; the rest were.
	Errors []RecordError `json:"errors,omitempty"`
	// Sources are the exports read.
	Sources []Source `json:"sources"`
	// Records is the number of advisories in the store after the import.
	Records int `json:"records"`
}

// Import reads OSV exports and writes them into the store in dir, creating
// it when needed. Each file is an OSV zip (one JSON record per entry, as
// OSV publishes <Ecosystem>/all.zip), a directory of .json records (read
// recursively), or a single .json record.
//
// A record that cannot be imported (not JSON, no id, an unknown range
// type, a version its ecosystem cannot parse) is listed in the result's
// Errors, and the rest are imported. A file that cannot be read at all (a
// missing file, a file that is not a zip, a truncated zip) fails the
// import. The new store is built in a new file and renamed over the old
// one, so a failed import leaves the old store as it was.
func Import(dir string, files []string, opts ImportOptions) (*ImportResult, error) {
	if len(files) == 0 {
		return nil, errors.New("no OSV export to import: name zip files, directories of .json records or .json files")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	at := now().UTC()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the vulnerability database directory: %w", err)
	}
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()

	tmp, err := os.CreateTemp(dir, "vulndb-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("creating the new store file: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpPath)
		}
	}()
	db, err := bolt.Open(tmpPath, 0o644, &bolt.Options{NoSync: true, NoFreelistSync: true, Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("creating the new store file: %w", err)
	}
	w := &writer{db: db, seen: map[string]struct{}{}, withdrawn: map[string]struct{}{}}
	closed := false
	defer func() {
		if w.tx != nil {
			w.tx.Rollback()
		}
		if !closed {
			db.Close()
		}
	}()
	res := &ImportResult{Dir: dir, Ecosystems: map[string]int{}}
	for i, f := range files {
		name := f
		if i < len(opts.names) {
			name = opts.names[i]
		} else if abs, err := filepath.Abs(f); err == nil {
			name = abs
		}
		src := Source{Name: name, ImportedAt: at}
		err := readSource(f, &src, func(entry string, data []byte, readErr error) error {
			if readErr == nil {
				stored, withdrawn, err := w.add(data, res)
				switch {
				case err != nil && !isRecordError(err):
					return err
				case err != nil:
					readErr = err
				case stored:
					src.Records++
					return nil
				case withdrawn:
					res.Withdrawn++
				}
			}
			src.Skipped++
			res.Skipped++
			if readErr != nil {
				res.Errors = append(res.Errors, RecordError{Source: displayName(f, name), Entry: entry, Err: readErr.Error()})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		res.Sources = append(res.Sources, src)
	}
	if err := w.flush(); err != nil {
		return nil, err
	}
	res.Imported = len(w.seen)

	old := &meta{}
	if !opts.Replace {
		if old, err = w.copyOld(filepath.Join(dir, FileName)); err != nil {
			return nil, err
		}
	}
	m := &meta{Schema: schemaVersion, ImportedAt: at, UpdatedAt: old.UpdatedAt}
	if opts.updated {
		m.UpdatedAt = at
	}
	for _, s := range old.Sources {
		if !slices.ContainsFunc(res.Sources, func(n Source) bool { return n.Name == s.Name }) {
			m.Sources = append(m.Sources, s)
		}
	}
	m.Sources = append(m.Sources, res.Sources...)
	if err := writeMeta(db, m); err != nil {
		return nil, err
	}
	res.Records = m.Records
	if err := db.Sync(); err != nil {
		return nil, fmt.Errorf("writing the new store file: %w", err)
	}
	closed = true
	if err := db.Close(); err != nil {
		return nil, fmt.Errorf("writing the new store file: %w", err)
	}
	if err := os.Chmod(tmpPath, 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmpPath, filepath.Join(dir, FileName)); err != nil {
		return nil, fmt.Errorf("replacing the store file: %w", err)
	}
	done = true
	syncDir(dir)
	return res, nil
}

// displayName is how a source is named in errors: the name given, or the
// recorded name when that is a URL.
func displayName(path, name string) string {
	if strings.Contains(name, "://") {
		return name
	}
	return path
}

// recordError marks an error as being about one record.
type recordError struct{ err error }

func (e recordError) Error() string { return e.err.Error() }

func isRecordError(err error) bool {
	var re recordError
	return errors.As(err, &re)
}

// lockDir serializes imports into one directory. It takes bbolt's file lock
// on a small lock file, which works on every platform bbolt supports.
func lockDir(dir string) (func(), error) {
	l, err := bolt.Open(filepath.Join(dir, "vulndb.lock"), 0o644, &bolt.Options{Timeout: 2 * time.Minute})
	if err != nil {
		return nil, fmt.Errorf("waiting for another import into %s to finish: %w", dir, err)
	}
	return func() { l.Close() }, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// writer writes records into the new store file in batches.
type writer struct {
	db        *bolt.DB
	tx        *bolt.Tx
	pending   int
	seen      map[string]struct{} // ids stored by this import
	withdrawn map[string]struct{} // ids withdrawn by this import
}

func (w *writer) begin() error {
	if w.tx != nil {
		return nil
	}
	tx, err := w.db.Begin(true)
	if err != nil {
		return fmt.Errorf("writing the new store file: %w", err)
	}
	for _, b := range [][]byte{bucketMeta, bucketAdv, bucketAff} {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			tx.Rollback()
			return fmt.Errorf("writing the new store file: %w", err)
		}
	}
	w.tx = tx
	return nil
}

func (w *writer) flush() error {
	if w.tx == nil {
		// Nothing pending; begin anyway so that the buckets exist.
		if err := w.begin(); err != nil {
			return err
		}
	}
	err := w.tx.Commit()
	w.tx, w.pending = nil, 0
	if err != nil {
		return fmt.Errorf("writing the new store file: %w", err)
	}
	return nil
}

func (w *writer) step() error {
	w.pending++
	if w.pending >= batchRecords {
		return w.flush()
	}
	return nil
}

// add decodes one record and stores it. Errors about the record are
// recordErrors; others are store failures.
func (w *writer) add(data []byte, res *ImportResult) (stored, withdrawn bool, err error) {
	c, wd, err := decodeRecord(data)
	if err != nil {
		return false, false, recordError{err}
	}
	if err := w.begin(); err != nil {
		return false, false, err
	}
	if _, dup := w.seen[c.id]; dup {
		// A later record with the same id replaces the earlier one.
		if err := w.remove(c.id, res); err != nil {
			return false, false, err
		}
	}
	if wd {
		w.withdrawn[c.id] = struct{}{}
		return false, true, w.step()
	}
	if len(c.keys) == 0 {
		return false, false, w.step()
	}
	delete(w.withdrawn, c.id)
	advJSON, err := json.Marshal(&c.adv)
	if err != nil {
		return false, false, err
	}
	aff := w.tx.Bucket(bucketAff)
	for _, k := range c.keys {
		v, err := json.Marshal(c.byKey[k])
		if err != nil {
			return false, false, err
		}
		if err := aff.Put([]byte(k+c.id), v); err != nil {
			return false, false, fmt.Errorf("writing the new store file: %w", err)
		}
	}
	if err := w.tx.Bucket(bucketAdv).Put([]byte(c.id), advJSON); err != nil {
		return false, false, fmt.Errorf("writing the new store file: %w", err)
	}
	w.seen[c.id] = struct{}{}
	for _, eco := range c.adv.Ecosystems {
		res.Ecosystems[eco]++
	}
	return true, false, w.step()
}

// remove deletes a record stored earlier in this import.
func (w *writer) remove(id string, res *ImportResult) error {
	advB := w.tx.Bucket(bucketAdv)
	raw := advB.Get([]byte(id))
	if raw == nil {
		return nil
	}
	var a advisory
	if err := json.Unmarshal(raw, &a); err != nil {
		return err
	}
	for _, k := range a.Keys {
		if err := w.tx.Bucket(bucketAff).Delete([]byte(k + id)); err != nil {
			return err
		}
	}
	for _, eco := range a.Ecosystems {
		if res.Ecosystems[eco]--; res.Ecosystems[eco] <= 0 {
			delete(res.Ecosystems, eco)
		}
	}
	delete(w.seen, id)
	return advB.Delete([]byte(id))
}

// copyOld copies the old store's records that this import neither replaced
// nor withdrew, and returns the old store's metadata (empty when there was
// no old store).
func (w *writer) copyOld(path string) (*meta, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return &meta{}, nil
	}
	old, err := bolt.Open(path, 0o444, &bolt.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("reading the old store %s to keep its records: %w (import with --replace to start afresh)", path, err)
	}
	defer old.Close()
	var m *meta
	err = old.View(func(otx *bolt.Tx) error {
		var err error
		if m, err = readMeta(otx); err != nil {
			return err
		}
		oadv, oaff := otx.Bucket(bucketAdv), otx.Bucket(bucketAff)
		if oadv == nil || oaff == nil {
			return errors.New("store has no advisories bucket")
		}
		c := oadv.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			id := string(k)
			if _, ok := w.seen[id]; ok {
				continue
			}
			if _, ok := w.withdrawn[id]; ok {
				continue
			}
			var a advisory
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("advisory %s: %w", id, err)
			}
			if err := w.begin(); err != nil {
				return err
			}
			if err := w.tx.Bucket(bucketAdv).Put(bytes.Clone(k), bytes.Clone(v)); err != nil {
				return err
			}
			for _, p := range a.Keys {
				key := []byte(p + id)
				if av := oaff.Get(key); av != nil {
					if err := w.tx.Bucket(bucketAff).Put(key, bytes.Clone(av)); err != nil {
						return err
					}
				}
			}
			if err := w.step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if w.tx != nil {
			w.tx.Rollback()
			w.tx = nil
		}
		return nil, fmt.Errorf("reading the old store %s to keep its records: %w (import with --replace to start afresh)", path, err)
	}
	return m, w.flush()
}

// writeMeta counts the records per ecosystem and writes the metadata.
func writeMeta(db *bolt.DB, m *meta) error {
	m.Ecosystems = map[string]int{}
	err := db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAdv).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var a struct {
				Ecosystems []string `json:"e"`
			}
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("advisory %s: %w", k, err)
			}
			m.Records++
			for _, e := range a.Ecosystems {
				m.Ecosystems[e]++
			}
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(metaKey, raw)
	})
	if err != nil {
		return fmt.Errorf("writing the new store file: %w", err)
	}
	return nil
}

// readSource calls fn with every record of one export, filling in src's
// checksum and size. fn's readErr is set when a record could not be read.
// The error returned is about the whole file (or from fn).
func readSource(path string, src *Source, fn func(entry string, data []byte, readErr error) error) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	if fi.IsDir() {
		return readDir(path, src, fn)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("%s: reading: %w", path, err)
	}
	src.SHA256, src.Size = hex.EncodeToString(h.Sum(nil)), size
	var magic [4]byte
	n, _ := f.ReadAt(magic[:], 0)
	isZip := n == 4 && (string(magic[:]) == "PK\x03\x04" || string(magic[:]) == "PK\x05\x06")
	if !isZip && !strings.EqualFold(filepath.Ext(path), ".zip") {
		data, err := readLimited(f, 0)
		return fn("", data, err)
	}
	zr, err := zip.NewReader(f, size)
	if err != nil {
		if !isZip {
			return fmt.Errorf("%s: not a zip file (want an OSV export such as Debian/all.zip): %v", path, err)
		}
		return fmt.Errorf("%s: unreadable zip (truncated or corrupt; download it again): %v", path, err)
	}
	for _, e := range zr.File {
		if e.FileInfo().IsDir() || !strings.EqualFold(filepath.Ext(e.Name), ".json") {
			continue
		}
		data, err := readZipEntry(e)
		if err := fn(e.Name, data, err); err != nil {
			return err
		}
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func readZipEntry(e *zip.File) ([]byte, error) {
	if e.UncompressedSize64 > maxRecordBytes {
		return nil, fmt.Errorf("record is %d bytes, more than the %d allowed", e.UncompressedSize64, maxRecordBytes)
	}
	r, err := e.Open()
	if err != nil {
		return nil, fmt.Errorf("reading zip entry: %v", err)
	}
	defer r.Close()
	data, err := readLimited(r, -1)
	if err != nil {
		return nil, fmt.Errorf("reading zip entry: %v", err)
	}
	return data, nil
}

// readLimited reads r up to maxRecordBytes; from offset 0 of a file when
// offset is 0.
func readLimited(r io.Reader, offset int64) ([]byte, error) {
	if f, ok := r.(*os.File); ok && offset == 0 {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
	}
	data, err := io.ReadAll(io.LimitReader(r, maxRecordBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxRecordBytes {
		return nil, fmt.Errorf("record is more than the %d bytes allowed", maxRecordBytes)
	}
	return data, nil
}

func readDir(root string, src *Source, fn func(entry string, data []byte, readErr error) error) error {
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".json") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", root, err)
	}
	sort.Strings(files)
	for _, p := range files {
		rel, _ := filepath.Rel(root, p)
		var data []byte
		f, err := os.Open(p)
		if err == nil {
			var fi os.FileInfo
			if fi, err = f.Stat(); err == nil {
				src.Size += fi.Size()
			}
			data, err = readLimited(f, 0)
			f.Close()
		}
		if err := fn(filepath.ToSlash(rel), data, err); err != nil {
			return err
		}
	}
	return nil
}
