package release

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

const (
	testToken = "ghp_RACESYSOfakeTOKEN_d0n7_l34k_8c1f2e"
	testOwner = "octo"
	testRepo  = "racesyso"
	testTag   = "v1.2.3"
)

// fakeNow is the injected clock. It lies in the past so go-github's own
// "rate limit still exceeded" pre-check never blocks a retried request.
var fakeNow = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// testOSes are the objects in the fixture dist: a subset, as builds may be.
var testOSes = []string{"linux", "darwin", "windows"}

// makeDist writes a consistent dist directory with small fake objects.
func makeDist(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var sums strings.Builder
	targets := map[string]any{}
	for _, goos := range testOSes {
		name := objectName(goos)
		data := []byte("fake race runtime object for " + goos + "\n")
		write(t, dir, name, data)
		sum := sha256.Sum256(data)
		fmt.Fprintf(&sums, "%x  %s\n", sum, name)
		targets[goos] = map[string]any{
			"object": name, "sha256": hex.EncodeToString(sum[:]), "size": len(data),
			"compiler": "clang", "compiler_version": "17.0.6", "flags": []string{"-O2"},
		}
	}
	write(t, dir, "SHA256SUMS", []byte(sums.String()))
	write(t, dir, "racesyso.patch", []byte("From 0001 the series\n"))
	writeJSON(t, dir, "manifest.json", map[string]any{
		"source":  map[string]any{"url": "https://github.com/llvm-mirror/compiler-rt.git", "commit": "81bba04449f2b776158dedd9fd9843506942e8e4", "svn_revision": 267674},
		"patches": []any{map[string]any{"name": "0001-fix.patch", "sha256": "00"}},
		"targets": targets,
		"verify":  map[string]any{"ok": true, "passed": 1},
	})
	writeJSON(t, dir, "verify.json", map[string]any{"ok": true, "results": []any{
		map[string]any{"name": "smoke", "target": "linux", "status": "passed", "summary": "race reported"},
	}})
	return dir
}

func write(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, dir, name string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, name, data)
}

// distFiles returns the assets of dir as name → content.
func distFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, name := range []string{"SHA256SUMS", "manifest.json", "verify.json", "racesyso.patch"} {
		m[name] = read(t, dir, name)
	}
	for _, goos := range testOSes {
		m[objectName(goos)] = read(t, dir, objectName(goos))
	}
	return m
}

func read(t *testing.T, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// rateLimited answers with GitHub's primary rate-limit response.
func rateLimited(w http.ResponseWriter, reset time.Time) {
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", "0")
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	w.Write([]byte(`{"message":"API rate limit exceeded"}`))
}

func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/api/uploads/")
}

func TestRun(t *testing.T) {
	const windows = "race_windows_amd64.syso"
	type result struct {
		f      *fakeGitHub
		dist   string
		out    string
		sleeps []time.Duration
	}
	tests := []struct {
		name    string
		dist    func(t *testing.T, dir string)                // alters the fixture
		setup   func(t *testing.T, f *fakeGitHub, dir string) // seeds the fake
		hook    func(w http.ResponseWriter, r *http.Request, n int) bool
		opts    Options
		noToken bool
		wantErr []string // substrings; nil means success
		wantOut []string
		check   func(t *testing.T, r result)
	}{{
		name:    "fresh release is created and gets every asset",
		wantOut: []string{"created release", "7 uploaded, 0 replaced, 0 skipped"},
		check: func(t *testing.T, r result) {
			if n := r.f.count("POST", "/releases"); n != 8 { // 1 create + 7 uploads
				t.Errorf("POST requests = %d, want 8", n)
			}
			for name, want := range distFiles(t, r.dist) {
				if got, ok := r.f.asset(testTag, name); !ok || !bytes.Equal(got, want) {
					t.Errorf("asset %s = %q, %v; want %q", name, got, ok, want)
				}
			}
		},
	}, {
		name:    "404 on tag creates the release, existing release is reused",
		setup:   func(t *testing.T, f *fakeGitHub, _ string) { f.addRelease(testTag, nil) },
		wantOut: []string{"reusing release", "7 uploaded"},
		check: func(t *testing.T, r result) {
			if n := r.f.count("POST", "/api/v3/"); n != 0 {
				t.Errorf("release created %d times, want reuse", n)
			}
		},
	}, {
		name: "re-run skips identical assets",
		setup: func(t *testing.T, f *fakeGitHub, dir string) {
			f.addRelease(testTag, distFiles(t, dir))
		},
		wantOut: []string{"skip    " + windows, "0 uploaded, 0 replaced, 7 skipped"},
		check: func(t *testing.T, r result) {
			if n := r.f.count("POST", ""); n != 0 {
				t.Errorf("%d POST requests on re-run, want 0", n)
			}
			if n := r.f.count("GET", "/releases/assets/"); n != 7 {
				t.Errorf("downloaded %d assets to compare, want 7", n)
			}
		},
	}, {
		name: "changed asset without force is refused",
		setup: func(t *testing.T, f *fakeGitHub, dir string) {
			m := distFiles(t, dir)
			m[windows] = bytes.ToUpper(m[windows]) // same size, other bytes
			f.addRelease(testTag, m)
		},
		wantErr: []string{windows, "different content", "force"},
		check: func(t *testing.T, r result) {
			if n := r.f.count("DELETE", ""); n != 0 {
				t.Errorf("%d DELETE requests without force", n)
			}
		},
	}, {
		name: "changed asset with force is replaced",
		setup: func(t *testing.T, f *fakeGitHub, dir string) {
			m := distFiles(t, dir)
			m[windows] = append(m[windows], "longer"...)
			f.addRelease(testTag, m)
		},
		opts:    Options{Force: true},
		wantOut: []string{"replace " + windows, "0 uploaded, 1 replaced, 6 skipped"},
		check: func(t *testing.T, r result) {
			if n := r.f.count("DELETE", ""); n != 1 {
				t.Errorf("%d DELETE requests, want 1", n)
			}
			if got, _ := r.f.asset(testTag, windows); !bytes.Equal(got, read(t, r.dist, windows)) {
				t.Errorf("%s not replaced: %q", windows, got)
			}
		},
	}, {
		name: "401 names GITHUB_TOKEN without revealing it",
		hook: func(w http.ResponseWriter, r *http.Request, _ int) bool {
			// A server echoing the credential must not leak it either.
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"message":"Bad credentials: %s"}`, r.Header.Get("Authorization"))
			return true
		},
		wantErr: []string{"GITHUB_TOKEN", "401", redacted},
	}, {
		name: "422 duplicate on upload re-lists and compares",
		setup: func(t *testing.T, f *fakeGitHub, dir string) {
			f.addRelease(testTag, distFiles(t, dir))
			listed := false
			f.hook = func(w http.ResponseWriter, r *http.Request, _ int) bool {
				if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/assets") && !listed {
					listed = true // the first listing is stale: empty
					w.Header().Set("Content-Type", "application/json")
					w.Write([]byte("[]"))
					return true
				}
				return false
			}
		},
		wantOut: []string{"7 skipped"},
		check: func(t *testing.T, r result) {
			if n := r.f.count("POST", "/api/uploads/"); n != 1 {
				t.Errorf("%d uploads, want the 1 that hit 422", n)
			}
			if n := r.f.count("DELETE", ""); n != 0 {
				t.Errorf("%d DELETE requests, want 0", n)
			}
		},
	}, {
		name: "502 is retried",
		hook: func() func(http.ResponseWriter, *http.Request, int) bool {
			failed := false
			return func(w http.ResponseWriter, r *http.Request, _ int) bool {
				if isUpload(r) && !failed {
					failed = true
					w.WriteHeader(http.StatusBadGateway)
					return true
				}
				return false
			}
		}(),
		wantOut: []string{"502 Bad Gateway; retrying in 2s", "7 uploaded"},
		check: func(t *testing.T, r result) {
			if fmt.Sprint(r.sleeps) != "[2s]" {
				t.Errorf("sleeps = %v, want [2s]", r.sleeps)
			}
		},
	}, {
		name: "persistent 502 gives up",
		hook: func(w http.ResponseWriter, r *http.Request, _ int) bool {
			w.WriteHeader(http.StatusBadGateway)
			return true
		},
		wantErr: []string{"giving up after 5 attempts", "502"},
		check: func(t *testing.T, r result) {
			if fmt.Sprint(r.sleeps) != "[2s 4s 8s 16s]" {
				t.Errorf("sleeps = %v, want [2s 4s 8s 16s]", r.sleeps)
			}
		},
	}, {
		name: "rate limit waits until reset",
		hook: func(w http.ResponseWriter, r *http.Request, n int) bool {
			if n == 1 {
				rateLimited(w, fakeNow.Add(30*time.Second))
				return true
			}
			return false
		},
		wantOut: []string{"rate limited; retrying in 31s", "7 uploaded"},
		check: func(t *testing.T, r result) {
			if fmt.Sprint(r.sleeps) != "[31s]" {
				t.Errorf("sleeps = %v, want [31s]", r.sleeps)
			}
		},
	}, {
		name: "rate limit beyond the cap fails fast",
		hook: func(w http.ResponseWriter, r *http.Request, n int) bool {
			rateLimited(w, fakeNow.Add(time.Hour))
			return true
		},
		wantErr: []string{"rate limited for 1h0m1s"},
		check: func(t *testing.T, r result) {
			if len(r.sleeps) != 0 {
				t.Errorf("slept %v", r.sleeps)
			}
		},
	}, {
		name:    "missing verify.json is refused before any request",
		dist:    func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "verify.json")) },
		wantErr: []string{"verify.json is missing"},
	}, {
		name: "verify.json ok=false is refused",
		dist: func(t *testing.T, dir string) {
			writeJSON(t, dir, "verify.json", map[string]any{"ok": false, "results": []any{
				map[string]any{"name": "smoke", "target": "darwin", "status": "failed", "summary": "no race reported"},
			}})
		},
		wantErr: []string{"ok=false", `smoke (darwin) "failed": no race reported`},
	}, {
		name: "verify.json with a skipped check is refused",
		dist: func(t *testing.T, dir string) {
			writeJSON(t, dir, "verify.json", map[string]any{"ok": true, "results": []any{
				map[string]any{"name": "smoke", "target": "linux", "status": "passed", "summary": "race reported"},
				map[string]any{"name": "goroot", "target": "linux", "status": "skipped", "summary": "RACESYSO_SKIP_GOROOT_TESTS=1"},
			}})
		},
		wantErr: []string{"checks not run", "goroot (linux): RACESYSO_SKIP_GOROOT_TESTS=1"},
	}, {
		name: "verify.json of the old form (ok per result, no status) is refused",
		dist: func(t *testing.T, dir string) {
			writeJSON(t, dir, "verify.json", map[string]any{"ok": true, "results": []any{
				map[string]any{"name": "smoke", "target": "linux", "ok": true, "summary": "race reported"},
			}})
		},
		wantErr: []string{`smoke (linux) "": race reported`},
	}, {
		name: "manifest recording skipped checks is refused",
		dist: func(t *testing.T, dir string) {
			var m map[string]any
			json.Unmarshal(read(t, dir, "manifest.json"), &m)
			m["verify"] = map[string]any{"ok": true, "passed": 1, "skipped": 1, "report": "verify.json"}
			writeJSON(t, dir, "manifest.json", m)
		},
		wantErr: []string{"no complete, passing verify run", "a skipped check counts as not run"},
	}, {
		name: "objects rebuilt since the last verify are refused",
		dist: func(t *testing.T, dir string) {
			var m map[string]any
			json.Unmarshal(read(t, dir, "manifest.json"), &m)
			delete(m, "verify") // what a build that changed an object leaves
			writeJSON(t, dir, "manifest.json", m)
		},
		wantErr: []string{"manifest.json records no complete, passing verify run", "go run mage.go verify"},
	}, {
		name:    "object disagreeing with SHA256SUMS and manifest is refused",
		dist:    func(t *testing.T, dir string) { write(t, dir, "race_darwin_amd64.syso", []byte("tampered")) },
		wantErr: []string{"race_darwin_amd64.syso has sha256", "SHA256SUMS says", "manifest.json says"},
	}, {
		name:    "missing token is refused",
		noToken: true,
		wantErr: []string{"GITHUB_TOKEN is not set"},
	}, {
		name:    "dry run prints the plan without token or requests",
		noToken: true,
		opts:    Options{DryRun: true},
		wantOut: []string{"dry run", "[7/7] upload  SHA256SUMS"},
		check: func(t *testing.T, r result) {
			for name, data := range distFiles(t, r.dist) {
				line := fmt.Sprintf("upload  %s (%d bytes, sha256 %x)", name, len(data), sha256.Sum256(data))
				if !strings.Contains(r.out, line) {
					t.Errorf("output lacks %q", line)
				}
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t, testOwner, testRepo, testToken)
			dir := makeDist(t)
			if tt.dist != nil {
				tt.dist(t, dir)
			}
			if tt.setup != nil {
				tt.setup(t, f, dir)
			}
			if tt.hook != nil {
				f.hook = tt.hook
			}
			vars := map[string]string{
				"GITHUB_TOKEN":      testToken,
				"GITHUB_REPOSITORY": testOwner + "/" + testRepo,
				"GITHUB_API_URL":    f.srv.URL,
			}
			if tt.noToken {
				delete(vars, "GITHUB_TOKEN")
			}
			var sleeps []time.Duration
			e := env{
				getenv: func(k string) string { return vars[k] },
				sleep:  func(_ context.Context, d time.Duration) error { sleeps = append(sleeps, d); return nil },
				now:    func() time.Time { return fakeNow },
				http:   f.srv.Client(),
			}
			var out bytes.Buffer
			opts := tt.opts
			opts.Tag, opts.DistDir, opts.Out = testTag, dir, &out
			err := run(context.Background(), opts, e)

			// The token must never surface, whatever happened.
			if strings.Contains(out.String(), testToken) {
				t.Errorf("output contains the token:\n%s", out.String())
			}
			if err != nil && strings.Contains(err.Error(), testToken) {
				t.Errorf("error contains the token: %v", err)
			}

			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("run: %v\noutput:\n%s", err, out.String())
			case tt.wantErr != nil && err == nil:
				t.Fatalf("run succeeded, want error containing %q\noutput:\n%s", tt.wantErr, out.String())
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			for _, s := range tt.wantOut {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
			refusedLocally := tt.noToken || tt.opts.DryRun || tt.dist != nil
			if refusedLocally && len(f.requests) != 0 {
				t.Errorf("made %d requests, want none: %v", len(f.requests), f.requests)
			}
			if tt.check != nil {
				tt.check(t, result{f: f, dist: dir, out: out.String(), sleeps: sleeps})
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		want    Config
		wantErr string
	}{
		{"github.com", map[string]string{"GITHUB_API_URL": "https://api.github.com"},
			Config{Owner: "o", Repo: "r", UploadURL: DefaultUploadURL}, ""},
		{"no API URL", map[string]string{},
			Config{Owner: "o", Repo: "r", UploadURL: DefaultUploadURL}, ""},
		{"enterprise", map[string]string{"GITHUB_API_URL": "https://ghe.example.com/api/v3"},
			Config{Owner: "o", Repo: "r", APIURL: "https://ghe.example.com/api/v3", UploadURL: "https://ghe.example.com/api/uploads/"}, ""},
		{"upload override", map[string]string{"GITHUB_API_URL": "https://ghe.example.com/api/v3", "RACESYSO_UPLOAD_URL": "https://up.example.com/"},
			Config{Owner: "o", Repo: "r", APIURL: "https://ghe.example.com/api/v3", UploadURL: "https://up.example.com/"}, ""},
		{"no token", map[string]string{"GITHUB_TOKEN": ""}, Config{}, "GITHUB_TOKEN is not set"},
		{"bad repository", map[string]string{"GITHUB_REPOSITORY": "justname"}, Config{}, "owner/name"},
		{"relative API URL", map[string]string{"GITHUB_API_URL": "api/v3"}, Config{}, "GITHUB_API_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"GITHUB_TOKEN": testToken, "GITHUB_REPOSITORY": "o/r"}
			for k, v := range tt.vars {
				vars[k] = v
			}
			got, err := LoadConfig(func(k string) string { return vars[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Token = testToken
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			for _, s := range []string{got.String(), fmt.Sprintf("%v %+v %#v", got, got, got)} {
				if strings.Contains(s, testToken) {
					t.Errorf("formatted Config contains the token: %s", s)
				}
			}
		})
	}
}

func TestRedactor(t *testing.T) {
	r := redactor(testToken)
	err := r.Error(fmt.Errorf("wrapped: %w", errors.New("Authorization: Bearer "+testToken)))
	if strings.Contains(err.Error(), testToken) || errors.Unwrap(err) != nil {
		t.Errorf("redacted error = %v (unwraps to %v)", err, errors.Unwrap(err))
	}
	var buf bytes.Buffer
	fmt.Fprintf(r.Writer(&buf), "token=%s", testToken)
	if got := buf.String(); got != "token="+redacted {
		t.Errorf("writer output = %q", got)
	}
	plain := errors.New("nothing secret")
	if r.Error(plain) != plain {
		t.Error("error without the secret was rewritten")
	}
}

func TestBackoff(t *testing.T) {
	r := &retrier{now: func() time.Time { return fakeNow }}
	retryAfter := 42 * time.Second
	resp := func(code int) *http.Response {
		return &http.Response{StatusCode: code, Status: http.StatusText(code), Header: http.Header{}}
	}
	tests := []struct {
		err     error
		attempt int
		want    time.Duration
		ok      bool
	}{
		{&github.RateLimitError{Rate: github.Rate{Reset: github.Timestamp{Time: fakeNow.Add(time.Minute)}}}, 1, 61 * time.Second, true},
		{&github.AbuseRateLimitError{RetryAfter: &retryAfter}, 1, retryAfter, true},
		{&github.AbuseRateLimitError{}, 1, abuseFallback, true},
		{&github.ErrorResponse{Response: resp(503)}, 3, 8 * time.Second, true},
		{&github.ErrorResponse{Response: resp(500)}, 10, maxBackoff, true},
		{&github.ErrorResponse{Response: resp(404)}, 1, 0, false},
		{errors.New("permanent"), 1, 0, false},
	}
	for _, tt := range tests {
		got, ok := r.backoff(context.Background(), tt.err, tt.attempt)
		if got != tt.want || ok != tt.ok {
			t.Errorf("backoff(%T, %d) = %v, %v; want %v, %v", tt.err, tt.attempt, got, ok, tt.want, tt.ok)
		}
	}
}

// TestReportAssets: verify's report page and Markdown and history.json are
// published with the objects when dist/ has them, and not asked for when
// it does not.
func TestReportAssets(t *testing.T) {
	for _, tt := range []struct {
		name  string
		extra []string
	}{
		{"without", nil},
		{"with", []string{"report.html", "report.md", "history.json"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := makeDist(t)
			for _, n := range tt.extra {
				write(t, dir, n, []byte("x "+n))
			}
			d, err := loadDist(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"report.html", "report.md", "history.json"} {
				want := false
				for _, e := range tt.extra {
					want = want || e == n
				}
				if got := d.find(n) != nil; got != want {
					t.Errorf("%s published: %v, want %v", n, got, want)
				}
			}
		})
	}
}
