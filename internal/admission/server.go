package admission

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
)

// ServerOptions configure a Server.
type ServerOptions struct {
	// Handler answers the AdmissionReviews.
	Handler *Handler
	// Evaluator receives the config file as it is reloaded.
	Evaluator *Evaluator
	// Metrics are served on /metrics; reloads are counted in them.
	Metrics *Metrics
	// CertFile and KeyFile are the serving certificate (with any
	// intermediates) and its private key, in PEM. They are read again
	// every ReloadInterval and the new pair is used for new connections as
	// soon as it parses, without dropping any request.
	CertFile, KeyFile string
	// ConfigFile, when set, is the .palisade.yaml to judge with; it is
	// reloaded the same way. A config that does not parse is reported and
	// the previous one stays in force.
	ConfigFile string
	// ReloadInterval is how often the files are read; 0 means 10s.
	ReloadInterval time.Duration
	// ShutdownDelay is how long /readyz fails before the server stops
	// accepting connections, so endpoints stop sending it requests first.
	ShutdownDelay time.Duration
	// Ready, when set, must also be true for /readyz to succeed (a cache
	// the checks read has synced).
	Ready func() bool
	// Log receives startup, reload and shutdown messages; nil means
	// standard error.
	Log io.Writer
}

// Server serves the webhook over TLS: the AdmissionReview paths, /healthz,
// /readyz and /metrics.
type Server struct {
	opts     ServerOptions
	certs    *fileReloader[*tls.Certificate]
	config   *fileReloader[*check.Config]
	stopping atomic.Bool
	logger   *log.Logger
	mux      *http.ServeMux
}

// NewServer reads the certificate and config once, so a missing or broken
// file is reported before anything listens.
func NewServer(opts ServerOptions) (*Server, error) {
	if opts.Handler == nil {
		return nil, errors.New("admission: no handler")
	}
	if opts.ReloadInterval <= 0 {
		opts.ReloadInterval = 10 * time.Second
	}
	w := opts.Log
	if w == nil {
		w = os.Stderr
	}
	s := &Server{opts: opts, logger: log.New(w, "palisade webhook: ", log.LstdFlags)}
	s.certs = &fileReloader[*tls.Certificate]{files: []string{opts.CertFile, opts.KeyFile}, parse: func(contents [][]byte) (*tls.Certificate, error) {
		c, err := tls.X509KeyPair(contents[0], contents[1])
		if err != nil {
			return nil, fmt.Errorf("serving certificate %s and key %s: %w", opts.CertFile, opts.KeyFile, err)
		}
		return &c, nil
	}}
	if _, err := s.certs.reload(); err != nil {
		return nil, err
	}
	if opts.ConfigFile != "" {
		s.config = &fileReloader[*check.Config]{files: []string{opts.ConfigFile}, parse: func([][]byte) (*check.Config, error) {
			return check.LoadConfig(opts.ConfigFile)
		}}
		if _, err := s.config.reload(); err != nil {
			return nil, err
		}
		if opts.Evaluator != nil {
			opts.Evaluator.SetConfig(s.config.get())
		}
	}
	s.mux = http.NewServeMux()
	opts.Handler.Register(s.mux)
	s.registerHealth(s.mux)
	return s, nil
}

// Mux is the server's request router: the AdmissionReview paths, health
// and metrics.
func (s *Server) Mux() *http.ServeMux { return s.mux }

func (s *Server) registerHealth(mux *http.ServeMux) {
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		switch {
		case s.stopping.Load():
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
		case s.certs.get() == nil:
			http.Error(w, "no serving certificate", http.StatusServiceUnavailable)
		case s.opts.Ready != nil && !s.opts.Ready():
			http.Error(w, "caches not synced", http.StatusServiceUnavailable)
		default:
			_, _ = io.WriteString(w, "ok\n")
		}
	})
	if s.opts.Metrics != nil {
		mux.Handle("/metrics", s.opts.Metrics.Handler())
	}
}

// HealthMux serves /healthz, /readyz and /metrics only, for a plain-HTTP
// listener beside the TLS one.
func (s *Server) HealthMux() *http.ServeMux {
	mux := http.NewServeMux()
	s.registerHealth(mux)
	return mux
}

// TLSConfig is the server's TLS configuration: TLS 1.2 or later, the
// current certificate picked at each handshake.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.certs.get(), nil
		},
	}
}

// Serve serves TLS on ln until ctx ends, then fails /readyz, waits
// ShutdownDelay, stops accepting connections and lets the requests in
// flight finish (up to 30s).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.mux, true)
}

// ServeHealth serves HealthMux over plain HTTP on ln until ctx ends.
func (s *Server) ServeHealth(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.HealthMux(), false)
}

func (s *Server) serve(ctx context.Context, ln net.Listener, h http.Handler, useTLS bool) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          s.logger,
	}
	if useTLS {
		srv.TLSConfig = s.TLSConfig()
		s.logger.Printf("serving AdmissionReviews on https://%s (%s, %s per mode)", ln.Addr(), ValidatePath, ModeDeny.Path())
	}
	var wg sync.WaitGroup
	if useTLS {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.watch(ctx)
		}()
	}
	errc := make(chan error, 1)
	go func() {
		if useTLS {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	s.stopping.Store(true)
	if useTLS && s.opts.ShutdownDelay > 0 {
		s.logger.Printf("shutting down: /readyz fails for %s before the listener closes", s.opts.ShutdownDelay)
		time.Sleep(s.opts.ShutdownDelay)
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	wg.Wait()
	if err == nil {
		if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) {
			err = e
		}
	}
	return err
}

// watch reloads the certificate and the config every ReloadInterval.
func (s *Server) watch(ctx context.Context) {
	t := time.NewTicker(s.opts.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.ReloadNow()
		}
	}
}

// ReloadNow reads the certificate and config files and uses them if they
// changed and parse; it is what the periodic reload calls.
func (s *Server) ReloadNow() {
	if changed, err := s.certs.reload(); changed || err != nil {
		s.report("serving certificate", err)
	}
	if s.config != nil {
		changed, err := s.config.reload()
		if changed && err == nil && s.opts.Evaluator != nil {
			s.opts.Evaluator.SetConfig(s.config.get())
		}
		if changed || err != nil {
			s.report("config "+s.opts.ConfigFile, err)
		}
	}
}

func (s *Server) report(what string, err error) {
	s.opts.Metrics.reload(what, err)
	if err != nil {
		s.logger.Printf("reloading %s: %v (still using the previous one)", what, err)
		return
	}
	s.logger.Printf("reloaded %s", what)
}

// fileReloader keeps the parsed value of some files and parses them again
// when their bytes change. A version that does not parse is reported once
// and the previous value stays.
type fileReloader[T any] struct {
	files []string
	parse func([][]byte) (T, error)

	mu      sync.Mutex
	last    [][]byte // contents of the value in use
	failed  [][]byte // contents that last failed to parse
	readErr string   // the last error reading the files, reported once
	current atomic.Pointer[T]
}

func (r *fileReloader[T]) get() T {
	p := r.current.Load()
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// reload reports whether the value changed; err is set when the files
// changed but could not be read or parsed (the first time only, for a
// given content).
func (r *fileReloader[T]) reload() (changed bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	contents := make([][]byte, len(r.files))
	for i, f := range r.files {
		data, err := os.ReadFile(f)
		if err != nil {
			if r.current.Load() == nil || err.Error() != r.readErr {
				r.readErr = err.Error()
				return false, err
			}
			return false, nil // reported already
		}
		contents[i] = data
	}
	r.readErr = ""
	if sameContents(contents, r.last) || sameContents(contents, r.failed) {
		return false, nil
	}
	v, err := r.parse(contents)
	if err != nil {
		r.failed = contents
		return false, err
	}
	r.last, r.failed = contents, nil
	r.current.Store(&v)
	return true, nil
}

func sameContents(a, b [][]byte) bool {
	if a == nil || b == nil || len(a) != len(b) {
		return a == nil && b == nil
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
