package release

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v60/github"
)

// DefaultUploadURL is the upload endpoint of github.com.
const DefaultUploadURL = "https://uploads.github.com/"

// Config holds the GitHub connection settings of a release.
// Its String method never includes the token.
type Config struct {
	Token     string // GITHUB_TOKEN; needs contents: write
	Owner     string // from GITHUB_REPOSITORY (owner/name)
	Repo      string
	APIURL    string // GITHUB_API_URL; empty means github.com
	UploadURL string // RACESYSO_UPLOAD_URL, or derived from APIURL
}

// LoadConfig reads the release settings through getenv (os.Getenv in
// production): GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL and
// RACESYSO_UPLOAD_URL. Without RACESYSO_UPLOAD_URL the upload endpoint is
// DefaultUploadURL for github.com and <scheme>://<api host>/api/uploads/ for
// GitHub Enterprise Server.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{Token: strings.TrimSpace(getenv("GITHUB_TOKEN"))}
	if c.Token == "" {
		return Config{}, errors.New("GITHUB_TOKEN is not set; the release needs a token with contents: write")
	}
	// It goes into the Authorization header: a token with a newline or
	// another character a header value cannot carry would fail every
	// request the same way. The message says where, never what.
	for i := 0; i < len(c.Token); i++ {
		if b := c.Token[i]; b <= ' ' || b >= 0x7f {
			return Config{}, fmt.Errorf("GITHUB_TOKEN has a character a token cannot have (byte %d of %d is %s): it is not a valid HTTP header value; set GITHUB_TOKEN to the token alone, on one line", i+1, len(c.Token), charName(b))
		}
	}
	repo := strings.TrimSpace(getenv("GITHUB_REPOSITORY"))
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return Config{}, fmt.Errorf("GITHUB_REPOSITORY must be owner/name, got %q", repo)
	}
	c.Owner, c.Repo = owner, name

	if api := strings.TrimSpace(getenv("GITHUB_API_URL")); api != "" {
		u, err := url.Parse(api)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return Config{}, fmt.Errorf("GITHUB_API_URL %q is not an absolute URL", api)
		}
		if u.Host != "api.github.com" {
			c.APIURL = api
			c.UploadURL = u.Scheme + "://" + u.Host + "/api/uploads/"
		}
	}
	if c.UploadURL == "" {
		c.UploadURL = DefaultUploadURL
	}
	if up := strings.TrimSpace(getenv("RACESYSO_UPLOAD_URL")); up != "" {
		u, err := url.Parse(up)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return Config{}, fmt.Errorf("RACESYSO_UPLOAD_URL %q is not an absolute URL", up)
		}
		c.UploadURL = up
	}
	return c, nil
}

// String describes c without its token.
func (c Config) String() string {
	api := c.APIURL
	if api == "" {
		api = "https://api.github.com/"
	}
	return fmt.Sprintf("%s/%s via %s (uploads %s)", c.Owner, c.Repo, api, c.UploadURL)
}

// GoString is like String, so %#v does not print the token either.
func (c Config) GoString() string { return c.String() }

// client returns an authenticated go-github client for c using hc.
func (c Config) client(hc *http.Client) (*github.Client, error) {
	gh := github.NewClient(hc).WithAuthToken(c.Token)
	if c.APIURL != "" {
		return gh.WithEnterpriseURLs(c.APIURL, c.UploadURL)
	}
	// github.com: WithEnterpriseURLs would append /api/uploads/, so set the
	// (possibly overridden) upload URL directly.
	u, err := url.Parse(c.UploadURL)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	gh.UploadURL = u
	return gh, nil
}

// charName names a byte without showing the token around it.
func charName(b byte) string {
	switch b {
	case '\n':
		return "a newline"
	case '\r':
		return "a carriage return"
	case '\t':
		return "a tab"
	case ' ':
		return "a space"
	}
	if b < ' ' || b == 0x7f {
		return fmt.Sprintf("the control character 0x%02x", b)
	}
	return "not ASCII"
}
