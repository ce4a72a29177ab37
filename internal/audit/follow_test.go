package audit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// follower runs Follow in the background and collects what it reads.
type follower struct {
	mu     sync.Mutex
	events []readEvent
	done   chan struct{}
	res    *ReadResult
	err    error
	cancel context.CancelFunc
}

func startFollow(t *testing.T, path string, fromEnd bool) *follower {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := &follower{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(f.done)
		f.res, f.err = Follow(ctx, path, FollowOptions{Poll: 5 * time.Millisecond, FromEnd: fromEnd}, func(e *Event) error {
			f.mu.Lock()
			f.events = append(f.events, readEvent{string(e.AuditID), e.Line, e.Column})
			f.mu.Unlock()
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-f.done })
	return f
}

// waitFor waits until n events were read.
func (f *follower) waitFor(t *testing.T, n int) []readEvent {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		f.mu.Lock()
		got := append([]readEvent(nil), f.events...)
		f.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t.Fatalf("read %v, waiting for %d events", f.events, n)
	return nil
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestFollowSurvivesRotationAndTruncation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	f := startFollow(t, path, false) // the file does not exist yet
	time.Sleep(20 * time.Millisecond)
	appendFile(t, path, ev("a", "get")+"\n"+ev("b", "get")+"\n")
	f.waitFor(t, 2)

	// A line written in two parts is read once, whole.
	line := ev("c", "get")
	appendFile(t, path, line[:40])
	time.Sleep(30 * time.Millisecond)
	appendFile(t, path, line[40:]+"\nnot json\n")
	f.waitFor(t, 3)

	// Rotation: the old file keeps a partial last line, which is read when
	// the new file appears.
	appendFile(t, path, ev("d", "get"))
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, ev("e", "get")+"\n")
	f.waitFor(t, 5)

	// Truncation: reading starts again at the top.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	appendFile(t, path, ev("f", "get")+"\n")
	got := f.waitFor(t, 6)
	f.cancel()
	<-f.done
	want := []readEvent{{"a", 1, 1}, {"b", 2, 1}, {"c", 3, 1}, {"d", 5, 1}, {"e", 1, 1}, {"f", 1, 1}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %v, want %v", i, got[i], want[i])
		}
	}
	if f.err != nil || f.res.Events != 6 || f.res.Malformed != 1 || !strings.Contains(f.res.Errors[0].Error(), "audit.log:4:") {
		t.Errorf("err %v, result %+v", f.err, f.res)
	}
}

func TestFollowFromEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	line := ev("half", "get")
	appendFile(t, path, ev("old", "get")+"\n"+line[:30])
	f := startFollow(t, path, true)
	time.Sleep(30 * time.Millisecond)
	appendFile(t, path, line[30:]+"\n"+ev("new", "get")+"\n")
	got := f.waitFor(t, 1)
	time.Sleep(30 * time.Millisecond)
	if len(got) != 1 || got[0] != (readEvent{"new", 3, 1}) {
		t.Errorf("got %v, want only the new event on line 3", got)
	}
}

func TestFollowRefusesCompressedFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log.gz")
	if err := os.WriteFile(path, []byte{0x1f, 0x8b, 0, 0}, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Follow(context.Background(), path, FollowOptions{}, func(*Event) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "compressed") {
		t.Errorf("err %v", err)
	}
}
