package imagescan

import (
	"context"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/imagesig"
)

// RegistryLoader reads images from the registries their references name.
func RegistryLoader(opts image.Options) Loader { return registryLoader{opts} }

type registryLoader struct{ opts image.Options }

func (l registryLoader) Inventory(ctx context.Context, ref string) (*imagefacts.Inventory, error) {
	return inventoryOf(ctx, image.Source{Ref: ref}, l.opts)
}

func (l registryLoader) ResolveDigest(ctx context.Context, ref string) (string, error) {
	return image.ResolveDigest(ctx, ref, l.opts)
}

// FileLoader reads the one image src names (an archive or an OCI layout)
// whatever reference it is asked for; it resolves no tags.
func FileLoader(src image.Source, opts image.Options) Loader { return fileLoader{src, opts} }

type fileLoader struct {
	src  image.Source
	opts image.Options
}

func (l fileLoader) Inventory(ctx context.Context, _ string) (*imagefacts.Inventory, error) {
	return inventoryOf(ctx, l.src, l.opts)
}

func (l fileLoader) ResolveDigest(context.Context, string) (string, error) { return "", nil }

// inventoryOf opens and inventories an image. When some layers could not
// be read it returns the inventory of the others with the error.
func inventoryOf(ctx context.Context, src image.Source, opts image.Options) (*imagefacts.Inventory, error) {
	im, err := image.Open(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	defer im.Close()
	return im.Inventory(ctx)
}

// SignatureVerifier verifies signatures in the image's registry, reached
// with opts.
func SignatureVerifier(v *imagesig.Verifier, opts ...remote.Option) Verifier {
	return signatureVerifier{v, opts}
}

type signatureVerifier struct {
	v    *imagesig.Verifier
	opts []remote.Option
}

func (s signatureVerifier) Verify(ctx context.Context, digestRef string) imagefacts.Signature {
	return s.v.Verify(ctx, digestRef, s.opts...)
}
