package attackpath

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/goccy/go-graphviz"
)

// svgMu serializes renders: one Graphviz instance runs one layout at a
// time.
var svgMu sync.Mutex

// WriteSVG renders the paths in process (Graphviz compiled to
// WebAssembly; no Graphviz install needed) as SVG; collapse as for
// WriteDOT.
func WriteSVG(ctx context.Context, w io.Writer, res Result, paths []Path, collapse bool) error {
	var dot bytes.Buffer
	if err := WriteDOT(&dot, res, paths, collapse); err != nil {
		return err
	}
	return RenderDOT(ctx, w, dot.Bytes())
}

// RenderDOT renders a Graphviz digraph as SVG.
func RenderDOT(ctx context.Context, w io.Writer, dot []byte) error {
	svgMu.Lock()
	defer svgMu.Unlock()
	gv, err := graphviz.New(ctx)
	if err != nil {
		return fmt.Errorf("graphviz: %w", err)
	}
	defer gv.Close()
	graph, err := graphviz.ParseBytes(dot)
	if err != nil {
		return fmt.Errorf("graphviz: %w", err)
	}
	defer graph.Close()
	if err := gv.Render(ctx, graph, graphviz.SVG, w); err != nil {
		return fmt.Errorf("graphviz: %w", err)
	}
	return nil
}
