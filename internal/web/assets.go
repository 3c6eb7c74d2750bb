package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files at content-hashed URLs
// (/static/<hash>/<name>) with far-future caching, so upgrades are cache-safe.
type assets struct {
	byName map[string]string // "app.css" -> "/static/ab12cd34/app.css"
	files  map[string][]byte // hashed URL path -> content
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]string{}, files: map[string][]byte{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(b)
		url := "/static/" + hex.EncodeToString(sum[:6]) + "/" + name
		a.byName[name] = url
		a.files[url] = b
		return nil
	})
	return a, err
}

// URL returns the hashed URL of a static file ("" when unknown).
func (a *assets) URL(name string) string { return a.byName[name] }

// ServeHTTP serves a hashed static file.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, ok := a.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	ct := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
		".svg": "image/svg+xml", ".png": "image/png", ".txt": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8"}[path.Ext(r.URL.Path)]
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}
