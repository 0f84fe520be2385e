package cfapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"mime/multipart"
	"slices"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
)

// AssetService uploads a Worker's static assets: the upload session of a script's manifest
// (cloudflare-go's client.Workers.Scripts.Assets.Upload) and the files it asks for
// (client.Workers.Assets.Upload).
type AssetService struct{ c *Client }

// Assets is the upload metadata's "assets": the completion token of an assets upload session
// and how the assets are served (docs/cloudflare-api.md, "Static assets").
type Assets struct {
	// JWT is the completion token the upload session (or its last upload) returned.
	JWT string `json:"jwt"`
	// Config is how the assets are served; nil takes Cloudflare's defaults.
	Config *AssetsConfig `json:"config,omitempty"`
}

// AssetsConfig is "assets.config" of the upload metadata.
type AssetsConfig struct {
	// HTMLHandling is auto-trailing-slash (Cloudflare's default), force-trailing-slash,
	// drop-trailing-slash or none.
	HTMLHandling string `json:"html_handling,omitempty"`
	// NotFoundHandling is none (the default), 404-page or single-page-application.
	NotFoundHandling string `json:"not_found_handling,omitempty"`
	// RunWorkerFirst sends every request to the Worker, which reaches the assets through its
	// binding; the default (false) serves a matching asset without invoking the Worker.
	RunWorkerFirst *bool `json:"run_worker_first,omitempty"`
}

// AssetEntry is one file of the manifest an upload session takes, keyed by its URL path.
type AssetEntry struct {
	Hash string `json:"hash"`
	Size int64  `json:"size"`
}

// AssetContent is one file Cloudflare asked for.
type AssetContent struct {
	Content     []byte
	ContentType string
}

// AssetsSession is what an upload session answers: a JWT, and the hashes Cloudflare lacks in
// buckets, one upload request per bucket. No buckets means the JWT is already the completion
// token.
type AssetsSession struct {
	JWT     string
	Buckets [][]string
}

// UploadSession registers script's manifest
// (POST .../workers/scripts/{name}/assets-upload-session).
func (s *AssetService) UploadSession(ctx context.Context, script string, manifest map[string]AssetEntry) (*AssetsSession, error) {
	if err := s.c.precheckScript(ctx, script); err != nil {
		return nil, fmt.Errorf("starting the assets upload of script %q: %w", script, err)
	}
	body, err := manifestBody(manifest)
	if err != nil {
		return nil, fmt.Errorf("starting the assets upload of script %q: %w", script, err)
	}
	var out AssetsSession
	// A second session replaces the first; only the one answered is used.
	err = s.c.callRepeatable(func(opts ...option.RequestOption) error {
		opts = append(opts, option.WithRequestBody("application/json", body))
		res, err := s.c.cf.Workers.Scripts.Assets.Upload.New(ctx, script, workers.ScriptAssetUploadNewParams{
			AccountID: cloudflare.F(s.c.accountID),
		}, opts...)
		if res != nil {
			out = AssetsSession{JWT: res.JWT, Buckets: res.Buckets}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("starting the assets upload of script %q: %w", script, err)
	}
	if out.JWT == "" {
		return nil, fmt.Errorf("starting the assets upload of script %q: the answer carries no upload token", script)
	}
	return &out, nil
}

// manifestBody is the upload session's body, {"manifest": {"/path": {"hash", "size"}}}
// (workers.ScriptAssetUploadNewParams' shape). cloudflare-go encodes a map param one key at a
// time into the growing document (sjson), which takes quadratic time: 20,000 files took half a
// minute. encoding/json writes the same JSON in one pass.
func manifestBody(manifest map[string]AssetEntry) ([]byte, error) {
	body, err := json.Marshal(struct {
		Manifest map[string]AssetEntry `json:"manifest"`
	}{manifest})
	if err != nil {
		return nil, fmt.Errorf("encoding the assets manifest: %w", err)
	}
	return body, nil
}

// Upload sends one bucket of files (POST .../workers/assets/upload?base64=true),
// authorised by the session's JWT instead of the API token. files is keyed by hash. It returns
// the completion token when this upload completed the session, "" otherwise. A file is stored
// under the hash of its content, so sending a bucket again stores the same bytes under the same
// names: it is sent again after a 5xx or a dropped connection, as Cloudflare's CLI does.
func (s *AssetService) Upload(ctx context.Context, jwt string, files map[string]AssetContent) (string, error) {
	if err := s.c.precheck(ctx); err != nil {
		return "", fmt.Errorf("uploading assets: %w", err)
	}
	body, contentType, err := assetsBody(files)
	if err != nil {
		return "", fmt.Errorf("uploading assets: %w", err)
	}
	var completion string
	err = s.c.callRepeatable(func(opts ...option.RequestOption) error {
		opts = append(opts, option.WithRequestBody(contentType, body), option.WithHeader("Authorization", "Bearer "+jwt))
		res, err := s.c.cf.Workers.Assets.Upload.New(ctx, workers.AssetUploadNewParams{
			AccountID: cloudflare.F(s.c.accountID),
			Base64:    cloudflare.F(workers.AssetUploadNewParamsBase64True),
		}, opts...)
		if res != nil {
			completion = res.JWT
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("uploading %d assets: %w", len(files), err)
	}
	return completion, nil
}

// assetsBody is the upload's multipart body: one part per file, named by its hash, holding the
// base64 text of its content under the file's own content type (Cloudflare serves it with it).
// cloudflare-go's own encoding of AssetUploadNewParams.Body nests the parts under "body" and
// loses the content types, hence this.
func assetsBody(files map[string]AssetContent) ([]byte, string, error) {
	if len(files) == 0 {
		return nil, "", errors.New("no files to upload")
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, hash := range slices.Sorted(maps.Keys(files)) {
		f := files[hash]
		part, err := w.CreatePart(partHeader(hash, hash, f.ContentType))
		if err != nil {
			return nil, "", err
		}
		enc := base64.NewEncoder(base64.StdEncoding, part)
		if _, err := enc.Write(f.Content); err != nil {
			return nil, "", err
		}
		if err := enc.Close(); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// Sync uploads what Cloudflare lacks of a manifest and returns the completion token for
// the script upload, and how many files were sent (0 when Cloudflare has them all). read
// returns a file's content by hash.
func (s *AssetService) Sync(ctx context.Context, script string, manifest map[string]AssetEntry,
	read func(hash string) (AssetContent, error)) (jwt string, sent int, err error) {
	session, err := s.UploadSession(ctx, script, manifest)
	if err != nil {
		return "", 0, err
	}
	if len(session.Buckets) == 0 {
		return session.JWT, 0, nil
	}
	var completion string
	for _, bucket := range session.Buckets {
		files := make(map[string]AssetContent, len(bucket))
		for _, hash := range bucket {
			f, err := read(hash)
			if err != nil {
				return "", sent, fmt.Errorf("uploading assets of script %q: %w", script, err)
			}
			files[hash] = f
		}
		done, err := s.Upload(ctx, session.JWT, files)
		if err != nil {
			return "", sent, fmt.Errorf("uploading assets of script %q: %w", script, err)
		}
		sent += len(files)
		if done != "" {
			completion = done
		}
	}
	if completion == "" {
		return "", sent, fmt.Errorf("uploading assets of script %q: every bucket was sent but Cloudflare returned no "+
			"completion token", script)
	}
	return completion, sent, nil
}
