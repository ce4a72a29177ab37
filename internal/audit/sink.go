package audit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/palisade-sec/palisade/internal/source"
)

// DefaultMaxBodyBytes bounds one webhook batch. The API server's webhook
// backend sends at most --audit-webhook-batch-max-size events (400 by
// default) per batch, and truncates batches over 10 MiB when truncation is
// enabled.
const DefaultMaxBodyBytes = 64 << 20

// Sink is the receiving end of the API server's audit webhook backend
// (--audit-webhook-config-file): an HTTP handler for POSTs of an
// audit.k8s.io/v1 EventList, which hands every event to Handle. Batches
// are handled one at a time, so Handle needs no lock of its own. GET
// /healthz answers "ok".
type Sink struct {
	// Name is what events received are said to be read from; the batch
	// number is added ("webhook (batch 12)").
	Name string
	// Handle judges one event; it is called with the sink's lock held.
	Handle func(*Event)
	// Limits bound each event, and the malformed events listed.
	Limits Limits
	// MaxBodyBytes bounds a batch; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64

	mu      sync.Mutex
	in      *interner
	batches int
	res     ReadResult
	dropped int
}

// Received is what the sink has received so far: events, malformed
// events and, up to Limits.MaxErrors, what was wrong with them.
func (s *Sink) Received() (batches int, res ReadResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	res = s.res
	res.Errors = append([]source.InputError(nil), s.res.Errors...)
	if s.dropped > 0 {
		res.Errors = append(res.Errors, source.InputError{File: s.Name, Message: fmt.Sprintf("%d more malformed events are not listed", s.dropped)})
	}
	return s.batches, res
}

func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST an audit.k8s.io/v1 EventList", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			http.Error(w, "the audit webhook sink reads application/json", http.StatusUnsupportedMediaType)
			return
		}
	}
	limit := s.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	body := http.MaxBytesReader(w, r.Body, limit)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.in == nil {
		s.in = newInterner(defaultInterned)
	}
	s.batches++
	name := fmt.Sprintf("%s (batch %d)", s.Name, s.batches)
	res, err := read(name, body, s.Limits, s.in, func(e *Event) error {
		s.Handle(e)
		return nil
	})
	s.res.Events += res.Events
	s.res.Malformed += res.Malformed
	max := s.Limits.withDefaults().MaxErrors
	for _, e := range res.Errors {
		if len(s.res.Errors) < max {
			s.res.Errors = append(s.res.Errors, e)
		} else {
			s.dropped++
		}
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.res.Malformed++
		s.addError(source.InputError{File: name, Message: fmt.Sprintf("batch is larger than the %s limit; the rest of it was dropped", byteSize(int(limit)))})
		http.Error(w, "batch too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "reading the batch: "+err.Error(), http.StatusBadRequest)
		return
	case res.Events == 0 && res.Malformed > 0:
		http.Error(w, "no audit event could be read from the batch", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, "{}")
}

func (s *Sink) addError(e source.InputError) {
	if len(s.res.Errors) < s.Limits.withDefaults().MaxErrors {
		s.res.Errors = append(s.res.Errors, e)
	} else {
		s.dropped++
	}
}

// TLSFiles name the sink's certificate and key, and optionally the CA that
// signs the API server's client certificates (mutual TLS).
type TLSFiles struct {
	CertFile, KeyFile string
	ClientCAFile      string
}

// Config loads the files into a TLS server configuration.
func (f TLSFiles) Config() (*tls.Config, error) {
	if f.CertFile == "" || f.KeyFile == "" {
		return nil, errors.New("the sink serves TLS only: name its certificate and key")
	}
	cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("loading the TLS certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if f.ClientCAFile != "" {
		pem, err := os.ReadFile(f.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("loading the client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", f.ClientCAFile)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// Serve serves h over TLS on ln until ctx is done, then shuts down,
// letting batches being received finish.
func Serve(ctx context.Context, ln net.Listener, cfg *tls.Config, h http.Handler) error {
	srv := &http.Server{
		Handler:           h,
		TLSConfig:         cfg,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0), // handshake failures of scanners are not the sink's errors
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(tls.NewListener(ln, cfg)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := srv.Shutdown(shutdown)
		if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
		return err
	}
}
