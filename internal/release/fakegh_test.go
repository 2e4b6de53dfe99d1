package release

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeAsset is a release asset held by fakeGitHub.
type fakeAsset struct {
	ID    int64
	Name  string
	Data  []byte
	State string
}

// fakeRelease is a release held by fakeGitHub.
type fakeRelease struct {
	ID     int64
	Tag    string
	Assets []*fakeAsset
}

// fakeGitHub is an in-memory GitHub Enterprise-style API (/api/v3/ and
// /api/uploads/) serving the release endpoints this package uses.
type fakeGitHub struct {
	t     *testing.T
	srv   *httptest.Server
	owner string
	repo  string
	token string

	mu       sync.Mutex
	nextID   int64
	releases map[string]*fakeRelease
	requests []string // "METHOD path", in order
	// hook, if set, sees each authorized request first; it returns true
	// when it wrote the response itself. n is the 1-based request count.
	hook func(w http.ResponseWriter, r *http.Request, n int) bool
}

func newFakeGitHub(t *testing.T, owner, repo, token string) *fakeGitHub {
	f := &fakeGitHub{t: t, owner: owner, repo: repo, token: token, nextID: 100, releases: map[string]*fakeRelease{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// addRelease stores a release for tag with the given assets (name → data).
func (f *fakeGitHub) addRelease(tag string, assets map[string][]byte) *fakeRelease {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &fakeRelease{ID: f.id(), Tag: tag}
	for name, data := range assets {
		r.Assets = append(r.Assets, &fakeAsset{ID: f.id(), Name: name, Data: data, State: "uploaded"})
	}
	f.releases[tag] = r
	return r
}

func (f *fakeGitHub) id() int64 { f.nextID++; return f.nextID }

// count returns how many requests matched method and a path containing substr.
func (f *fakeGitHub) count(method, substr string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		m, p, _ := strings.Cut(r, " ")
		if m == method && strings.Contains(p, substr) {
			n++
		}
	}
	return n
}

// asset returns the data of the named asset of tag's release.
func (f *fakeGitHub) asset(tag, name string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r := f.releases[tag]; r != nil {
		for _, a := range r.Assets {
			if a.Name == name {
				return a.Data, true
			}
		}
	}
	return nil, false
}

func (f *fakeGitHub) writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		f.t.Errorf("fake GitHub: encode: %v", err)
	}
}

func (f *fakeGitHub) errorJSON(w http.ResponseWriter, code int, msg string) {
	f.writeJSON(w, code, map[string]any{"message": msg})
}

func (f *fakeGitHub) releaseJSON(r *fakeRelease) map[string]any {
	return map[string]any{
		"id": r.ID, "tag_name": r.Tag,
		"html_url": fmt.Sprintf("%s/%s/%s/releases/tag/%s", f.srv.URL, f.owner, f.repo, r.Tag),
	}
}

func (f *fakeGitHub) assetJSON(a *fakeAsset) map[string]any {
	return map[string]any{"id": a.ID, "name": a.Name, "size": len(a.Data), "state": a.State}
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	n := len(f.requests)
	hook := f.hook
	f.mu.Unlock()

	if got := r.Header.Get("Authorization"); got != "Bearer "+f.token {
		f.errorJSON(w, http.StatusUnauthorized, "Bad credentials")
		return
	}
	if hook != nil && hook(w, r, n) {
		return
	}

	api := "/api/v3/repos/" + f.owner + "/" + f.repo + "/releases"
	up := "/api/uploads/repos/" + f.owner + "/" + f.repo + "/releases/"
	f.mu.Lock()
	defer f.mu.Unlock()
	switch p := r.URL.Path; {
	case r.Method == http.MethodGet && strings.HasPrefix(p, api+"/tags/"):
		rel := f.releases[strings.TrimPrefix(p, api+"/tags/")]
		if rel == nil {
			f.errorJSON(w, http.StatusNotFound, "Not Found")
			return
		}
		f.writeJSON(w, http.StatusOK, f.releaseJSON(rel))

	case r.Method == http.MethodPost && p == api:
		var req struct {
			TagName string `json:"tag_name"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.TagName == "" {
			f.errorJSON(w, http.StatusBadRequest, "bad release request")
			return
		}
		if f.releases[req.TagName] != nil {
			f.errorJSON(w, http.StatusUnprocessableEntity, "Validation Failed")
			return
		}
		rel := &fakeRelease{ID: f.id(), Tag: req.TagName}
		f.releases[req.TagName] = rel
		f.writeJSON(w, http.StatusCreated, f.releaseJSON(rel))

	case r.Method == http.MethodGet && strings.HasPrefix(p, api+"/assets/"):
		if r.Header.Get("Accept") != "application/octet-stream" {
			f.errorJSON(w, http.StatusUnsupportedMediaType, "want octet-stream")
			return
		}
		_, a := f.findAsset(strings.TrimPrefix(p, api+"/assets/"))
		if a == nil {
			f.errorJSON(w, http.StatusNotFound, "Not Found")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(a.Data)

	case r.Method == http.MethodDelete && strings.HasPrefix(p, api+"/assets/"):
		rel, a := f.findAsset(strings.TrimPrefix(p, api+"/assets/"))
		if a == nil {
			f.errorJSON(w, http.StatusNotFound, "Not Found")
			return
		}
		for i, x := range rel.Assets {
			if x == a {
				rel.Assets = append(rel.Assets[:i], rel.Assets[i+1:]...)
				break
			}
		}
		w.WriteHeader(http.StatusNoContent)

	case r.Method == http.MethodGet && strings.HasPrefix(p, api+"/") && strings.HasSuffix(p, "/assets"):
		rel := f.releaseByID(strings.TrimSuffix(strings.TrimPrefix(p, api+"/"), "/assets"))
		if rel == nil {
			f.errorJSON(w, http.StatusNotFound, "Not Found")
			return
		}
		list := []map[string]any{}
		for _, a := range rel.Assets {
			list = append(list, f.assetJSON(a))
		}
		f.writeJSON(w, http.StatusOK, list)

	case r.Method == http.MethodPost && strings.HasPrefix(p, up) && strings.HasSuffix(p, "/assets"):
		rel := f.releaseByID(strings.TrimSuffix(strings.TrimPrefix(p, up), "/assets"))
		name := r.URL.Query().Get("name")
		if rel == nil || name == "" {
			f.errorJSON(w, http.StatusNotFound, "Not Found")
			return
		}
		for _, a := range rel.Assets {
			if a.Name == name {
				f.writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
					"message": "Validation Failed",
					"errors":  []map[string]any{{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}},
				})
				return
			}
		}
		data, err := io.ReadAll(r.Body)
		if err != nil || int64(len(data)) != r.ContentLength {
			f.errorJSON(w, http.StatusBadRequest, "short body")
			return
		}
		a := &fakeAsset{ID: f.id(), Name: name, Data: data, State: "uploaded"}
		rel.Assets = append(rel.Assets, a)
		f.writeJSON(w, http.StatusCreated, f.assetJSON(a))

	default:
		f.t.Errorf("fake GitHub: unexpected %s %s", r.Method, r.URL)
		f.errorJSON(w, http.StatusNotFound, "Not Found")
	}
}

// releaseByID finds a release by decimal id; f.mu must be held.
func (f *fakeGitHub) releaseByID(s string) *fakeRelease {
	id, _ := strconv.ParseInt(s, 10, 64)
	for _, r := range f.releases {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// findAsset finds an asset by decimal id; f.mu must be held.
func (f *fakeGitHub) findAsset(s string) (*fakeRelease, *fakeAsset) {
	id, _ := strconv.ParseInt(s, 10, 64)
	for _, r := range f.releases {
		for _, a := range r.Assets {
			if a.ID == id {
				return r, a
			}
		}
	}
	return nil, nil
}
