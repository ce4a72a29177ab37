package live

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// progress draws one line, redrawn in place with a carriage return:
// "listing 7/19 kinds · 12,345 objects". A nil *progress draws nothing.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	total   int
	done    int
	count   int
	width   int // of the last line drawn, to blank a shorter one
	started bool
}

func newProgress(w io.Writer, kinds int) *progress {
	if w == nil {
		return nil
	}
	p := &progress{w: w, total: kinds}
	p.mu.Lock()
	p.draw()
	p.mu.Unlock()
	return p
}

// objects counts n more objects read (negative when a kind is read again).
func (p *progress) objects(n int) {
	if p == nil || n == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.count += n
	p.draw()
}

// kindDone counts one more kind finished, listed or failed.
func (p *progress) kindDone() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.draw()
}

// finish ends the line, so what is written next starts on its own.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		io.WriteString(p.w, "\n")
		p.started = false
	}
}

func (p *progress) draw() {
	line := fmt.Sprintf("listing %d/%d kinds · %s objects", p.done, p.total, thousands(p.count))
	pad := max(p.width-len(line), 0)
	p.width = len(line)
	io.WriteString(p.w, "\r"+line+strings.Repeat(" ", pad))
	p.started = true
}
