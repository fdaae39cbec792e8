package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"
)

//go:embed static
var staticFiles embed.FS

// contentTypes maps the extensions the dashboard ships to their media type,
// so serving does not depend on the host's mime tables.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
}

// contentSecurityPolicy keeps the page to its own origin: no inline
// scripts, no third-party hosts. The live feed is a same-origin WebSocket;
// ws: and wss: are listed because older engines do not match them with
// 'self'.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	// version is a short content hash, used both as the ETag and as the
	// ?v= cache-busting parameter the index page puts on its links.
	version string
}

// handler serves the index page and the embedded static files.
type handler struct {
	index  asset
	static map[string]asset // keyed by the path below /static/
}

// Handler returns the dashboard handler. It serves the page at "/" and the
// embedded files below "/static/"; every other path is 404, every method but
// GET and HEAD is 405. Mount it at "/" on the staff HTTP server, beside the
// more specific /api/ routes.
//
// The index page is never cached without revalidation. It links the static
// files with a ?v=<content hash> parameter; a request carrying the current
// hash is cached for a year, any other request must revalidate its ETag.
func Handler() http.Handler {
	h, err := newHandler(staticFiles)
	if err != nil {
		// The files are embedded at compile time; failing here is a build bug.
		panic(fmt.Sprintf("dashboard: %v", err))
	}
	return h
}

// newHandler loads every file below static/ from fsys and links the index
// page to the versioned file names.
func newHandler(fsys fs.FS) (*handler, error) {
	h := &handler{static: make(map[string]asset)}
	err := fs.WalkDir(fsys, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		h.static[strings.TrimPrefix(name, "static/")] = newAsset(name, body)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	versionModules(h.static)
	page, ok := h.static["index.html"]
	if !ok {
		return nil, fmt.Errorf("load static files: index.html missing")
	}
	body := page.body
	for name, a := range h.static {
		if name == "index.html" {
			continue
		}
		ref := `"/static/` + name + `"`
		versioned := `"/static/` + name + `?v=` + a.version + `"`
		body = bytes.ReplaceAll(body, []byte(ref), []byte(versioned))
	}
	h.index = newAsset("index.html", body)
	return h, nil
}

// moduleImport matches a relative import of a sibling module:
// `from './api.js'`, `import './x.js'` and `import('./x.js')`.
var moduleImport = regexp.MustCompile(`((?:from|import)\s*\(?\s*)(['"])\./([A-Za-z0-9_-]+\.js)(['"])`)

// versionModules gives every JavaScript module one version, the hash of all
// of them, and rewrites their relative imports to carry it, so a browser
// that caches one module for a year never mixes it with another release's.
// One shared version keeps the rewrite free of ordering: a module's text
// and every version it names change together.
func versionModules(static map[string]asset) {
	var names []string
	for name := range static {
		if path.Ext(name) == ".js" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	sum := sha256.New()
	for _, name := range names {
		fmt.Fprintf(sum, "%s\x00%d\x00", name, len(static[name].body))
		sum.Write(static[name].body)
	}
	version := hex.EncodeToString(sum.Sum(nil)[:8])
	for _, name := range names {
		a := static[name]
		a.body = moduleImport.ReplaceAllFunc(a.body, func(m []byte) []byte {
			sub := moduleImport.FindSubmatch(m)
			if _, ok := static[string(sub[3])]; !ok || string(sub[2]) != string(sub[4]) {
				return m
			}
			return []byte(string(sub[1]) + string(sub[2]) + "./" + string(sub[3]) + "?v=" + version + string(sub[4]))
		})
		a.version = version
		static[name] = a
	}
}

// newAsset hashes body and picks its content type from name.
func newAsset(name string, body []byte) asset {
	sum := sha256.Sum256(body)
	ct, ok := contentTypes[path.Ext(name)]
	if !ok {
		ct = "application/octet-stream"
	}
	return asset{body: body, contentType: ct, version: hex.EncodeToString(sum[:8])}
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	// Nothing of the booth's (an old bookmark's ?token=, a session id) is
	// ever passed on to another site.
	hdr.Set("Referrer-Policy", "no-referrer")

	switch {
	case r.URL.Path == "/" || r.URL.Path == "/index.html":
		hdr.Set("Content-Security-Policy", contentSecurityPolicy)
		hdr.Set("Cache-Control", "no-cache")
		serveAsset(w, r, h.index)
	case strings.HasPrefix(r.URL.Path, "/static/"):
		a, ok := h.static[strings.TrimPrefix(r.URL.Path, "/static/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == a.version {
			hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			hdr.Set("Cache-Control", "no-cache")
		}
		serveAsset(w, r, a)
	default:
		http.NotFound(w, r)
	}
}

// serveAsset writes a with its type and ETag; http.ServeContent answers
// If-None-Match with 304 and handles HEAD and ranges.
func serveAsset(w http.ResponseWriter, r *http.Request, a asset) {
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("ETag", `"`+a.version+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
