package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/chargebooth/chargebooth/adapters/dashboard"
)

// get sends one request to h and returns the recorded response and body.
func get(tb testing.TB, h http.Handler, method, target string, header http.Header) (*http.Response, string) {
	tb.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("read body: %v", err)
	}
	return res, string(body)
}

// assetLinks returns the versioned /static/ links of the index page.
func assetLinks(tb testing.TB, h http.Handler) map[string]string {
	tb.Helper()
	_, page := get(tb, h, http.MethodGet, "/", nil)
	links := map[string]string{}
	for _, m := range regexp.MustCompile(`"(/static/(main\.js|app\.css)\?v=[0-9a-f]+)"`).FindAllStringSubmatch(page, -1) {
		links[m[2]] = m[1]
	}
	if len(links) != 2 {
		tb.Fatalf("versioned links in index page: got %v, want main.js and app.css", links)
	}
	return links
}

func TestHandler(t *testing.T) {
	h := dashboard.Handler()
	links := assetLinks(t, h)
	tests := []struct {
		name        string
		method      string
		target      string
		wantStatus  int
		wantType    string
		wantCache   string
		wantContain string
	}{
		{"index", "GET", "/", 200, "text/html; charset=utf-8", "no-cache", `<div id="app">`},
		{"index links module", "GET", "/", 200, "text/html; charset=utf-8", "no-cache", `<script type="module" src="/static/main.js?v=`},
		{"index by name", "GET", "/index.html", 200, "text/html; charset=utf-8", "no-cache", `id="tile-tpl"`},
		{"js unversioned", "GET", "/static/live.js", 200, "text/javascript; charset=utf-8", "no-cache", "connectLive"},
		{"css unversioned", "GET", "/static/app.css", 200, "text/css; charset=utf-8", "no-cache", "--bg:"},
		{"js versioned", "GET", links["main.js"], 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "from './live.js?v="},
		{"css versioned", "GET", links["app.css"], 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", ".tile"},
		{"js old version", "GET", "/static/live.js?v=0000", 200, "text/javascript; charset=utf-8", "no-cache", "/api/live"},
		{"head", "HEAD", "/", 200, "text/html; charset=utf-8", "no-cache", ""},
		{"unknown static", "GET", "/static/nope.js", 404, "", "", ""},
		{"static dir", "GET", "/static/", 404, "", "", ""},
		{"traversal", "GET", "/static/../handler.go", 404, "", "", ""},
		{"unknown page", "GET", "/nope", 404, "", "", ""},
		{"post", "POST", "/", 405, "", "", ""},
		{"delete static", "DELETE", "/static/main.js", 405, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := get(t, h, tt.method, tt.target, nil)
			if got, want := res.StatusCode, tt.wantStatus; got != want {
				t.Fatalf("status: got %d, want %d", got, want)
			}
			if tt.wantType != "" {
				if got, want := res.Header.Get("Content-Type"), tt.wantType; got != want {
					t.Errorf("Content-Type: got %q, want %q", got, want)
				}
			}
			if tt.wantCache != "" {
				if got, want := res.Header.Get("Cache-Control"), tt.wantCache; got != want {
					t.Errorf("Cache-Control: got %q, want %q", got, want)
				}
			}
			if !strings.Contains(body, tt.wantContain) {
				t.Errorf("body does not contain %q", tt.wantContain)
			}
			if tt.method == "HEAD" && body != "" {
				t.Errorf("HEAD body: got %d bytes, want 0", len(body))
			}
			if res.StatusCode == 200 {
				if got, want := res.Header.Get("X-Content-Type-Options"), "nosniff"; got != want {
					t.Errorf("X-Content-Type-Options: got %q, want %q", got, want)
				}
				if res.Header.Get("ETag") == "" {
					t.Error("ETag missing")
				}
			}
		})
	}
}

func TestHandlerIndexHeaders(t *testing.T) {
	res, _ := get(t, dashboard.Handler(), http.MethodGet, "/?token=secret", nil)
	for _, h := range []struct{ name, want string }{
		{"Referrer-Policy", "no-referrer"},
		{"Content-Security-Policy", "script-src 'self'"},
	} {
		if got := res.Header.Get(h.name); !strings.Contains(got, h.want) {
			t.Errorf("%s: got %q, want it to contain %q", h.name, got, h.want)
		}
	}
}

func TestHandlerRevalidate(t *testing.T) {
	h := dashboard.Handler()
	for _, target := range []string{"/", "/static/main.js", "/static/panel.js", "/static/app.css"} {
		t.Run(target, func(t *testing.T) {
			res, _ := get(t, h, http.MethodGet, target, nil)
			etag := res.Header.Get("ETag")
			res, body := get(t, h, http.MethodGet, target, http.Header{"If-None-Match": {etag}})
			if got, want := res.StatusCode, http.StatusNotModified; got != want {
				t.Fatalf("status with If-None-Match %s: got %d, want %d", etag, got, want)
			}
			if body != "" {
				t.Errorf("304 body: got %d bytes, want 0", len(body))
			}
		})
	}
}

func FuzzHandler(f *testing.F) {
	for _, seed := range []string{"/", "/static/main.js", "/static/live.js?v=1", "/static/", "/static/../x", "/%2e%2e/", "//", "/static/app.css?v="} {
		f.Add(seed)
	}
	h := dashboard.Handler()
	served := map[string]bool{"/static/index.html": true, "/static/app.css": true}
	for _, m := range modules {
		served["/static/"+m] = true
	}
	f.Fuzz(func(t *testing.T, target string) {
		req, err := http.NewRequest(http.MethodGet, "http://booth"+target, nil)
		if err != nil || req.URL.Path == "" {
			t.Skip()
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch got := rec.Code; got {
		case http.StatusOK:
			if p := req.URL.Path; p != "/" && p != "/index.html" && !served[p] {
				t.Errorf("path %q served with 200", p)
			}
		case http.StatusNotFound:
		default:
			t.Errorf("path %q: got status %d, want 200 or 404", req.URL.Path, got)
		}
	})
}

// TestModuleImports checks that every relative import of every module is
// rewritten to the one module version, that the version is the one the
// server caches for a year, and that the imported module exists.
func TestModuleImports(t *testing.T) {
	h := dashboard.Handler()
	links := assetLinks(t, h)
	version := links["main.js"][strings.Index(links["main.js"], "?v=")+3:]
	imp := regexp.MustCompile(`from '\./([a-z]+\.js)(\?v=[0-9a-f]+)?'`)
	seen := 0
	for _, m := range modules {
		_, body := get(t, h, http.MethodGet, "/static/"+m, nil)
		for _, sub := range imp.FindAllStringSubmatch(body, -1) {
			seen++
			if got, want := sub[2], "?v="+version; got != want {
				t.Errorf("%s imports %s with %q, want %q", m, sub[1], got, want)
			}
			res, _ := get(t, h, http.MethodGet, "/static/"+sub[1]+sub[2], nil)
			if got, want := res.StatusCode, http.StatusOK; got != want {
				t.Errorf("%s imports %s: got %d, want %d", m, sub[1], got, want)
			}
			if got, want := res.Header.Get("Cache-Control"), "public, max-age=31536000, immutable"; got != want {
				t.Errorf("%s imports %s: Cache-Control got %q, want %q", m, sub[1], got, want)
			}
		}
	}
	if seen < len(modules)-1 {
		t.Errorf("got %d imports, want at least %d", seen, len(modules)-1)
	}
}
