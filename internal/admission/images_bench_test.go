package admission

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// signedEverything is a registry where every image is signed.
type signedEverything struct{}

func (signedEverything) ResolveDigest(context.Context, string) (string, error) {
	return digA, nil
}

func (signedEverything) Verify(context.Context, string) imagefacts.Signature {
	return imagefacts.Signature{Verified: true, Signer: "SHA256:fake"}
}

// BenchmarkReviewDeploymentSignaturesCached is BenchmarkReviewDeployment
// with signatures verified, from a warm cache: what a review costs when
// its images were verified by an earlier one.
func BenchmarkReviewDeploymentSignaturesCached(b *testing.B) {
	eval := NewEvaluator(EvaluatorOptions{Images: NewImages(ImageOptions{Verifier: signedEverything{}})})
	h := NewHandler(eval, HandlerOptions{DefaultMode: ModeDeny, MinSeverity: check.SeverityHigh, Metrics: NewMetrics(check.Default())})
	body := reviewJSON(b, reviewRequest{object: typicalDeployment(b)})
	warm := httptest.NewRecorder()
	h.ServeHTTP(warm, httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body)))
	if warm.Code != http.StatusOK || !bytes.Contains(warm.Body.Bytes(), []byte(`"allowed":true`)) {
		b.Fatal(warm.Body.String())
	}
	benchmarkReviews(b, h, body)
}
