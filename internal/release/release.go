// Package release publishes the contents of dist/ — the race_<os>_amd64.syso
// objects, SHA256SUMS, manifest.json and verify.json — as assets of a GitHub
// release.
//
// Publishing is idempotent. An asset already in the release is compared
// with the local file: first by size, then by downloading it through the API
// and hashing it (go-github v60's ReleaseAsset carries no digest, and a
// SHA256SUMS asset already in the release only vouches for what an earlier
// run meant to upload, not for what the release actually holds). Identical
// assets are skipped; a differing asset is refused unless Options.Force is
// set, in which case it is deleted and uploaded again. Assets left in a
// state other than "uploaded" by an interrupted upload are replaced without
// Force, since they were never published.
//
// Nothing is sent to GitHub unless dist/verify.json reports success and every
// object's SHA-256 agrees with SHA256SUMS and manifest.json.
package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"time"

	"github.com/google/go-github/v60/github"
)

// Options configures Run.
type Options struct {
	Tag     string    // release tag, e.g. v0.3.0; must already be pushed
	DistDir string    // directory with the build output; "dist" if empty
	DryRun  bool      // print the plan without a token or any network access
	Force   bool      // replace assets whose content differs
	Out     io.Writer // progress output; os.Stdout if nil
	// Getenv gives the GitHub settings by variable name (see LoadConfig),
	// as internal/config read them; nil means none are set.
	Getenv func(string) string
}

// Run validates opts.DistDir and publishes it as the GitHub release for
// opts.Tag, creating the release if needed. Settings come from
// opts.Getenv; see LoadConfig. The token never appears in output or errors.
func Run(ctx context.Context, opts Options) error {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return run(ctx, opts, env{getenv: getenv, sleep: sleepCtx, now: time.Now})
}

// env holds the process dependencies tests replace.
type env struct {
	getenv func(string) string
	sleep  func(context.Context, time.Duration) error
	now    func() time.Time
	http   *http.Client // API client; nil means a default one
}

func run(ctx context.Context, opts Options, e env) (err error) {
	red := redactor(e.getenv("GITHUB_TOKEN"))
	defer func() { err = red.Error(err) }()
	out := opts.Out
	if out == nil {
		out = os.Stdout
	}
	out = red.Writer(out)
	if opts.Tag == "" {
		return errors.New("release: no tag given")
	}
	// Before anything else, dry run included: the tag goes into the API
	// path of an authenticated request.
	if err := ValidateTag(opts.Tag); err != nil {
		return err
	}
	dir := opts.DistDir
	if dir == "" {
		dir = "dist"
	}
	dist, err := loadDist(dir)
	if err != nil {
		return err
	}
	n := len(dist.Assets)

	if opts.DryRun {
		fmt.Fprintf(out, "dry run: release %s would publish %d assets from %s (no GitHub API calls; identical assets already in the release would be skipped)\n", opts.Tag, n, dir)
		for i, a := range dist.Assets {
			fmt.Fprintf(out, "[%d/%d] %-7s %s (%d bytes, sha256 %s)\n", i+1, n, "upload", a.Name, a.Size, a.SHA256)
		}
		return nil
	}

	cfg, err := LoadConfig(e.getenv)
	if err != nil {
		return err
	}
	hc := e.http
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Minute}
	}
	gh, err := cfg.client(hc)
	if err != nil {
		return err
	}
	p := &publisher{
		gh: gh, owner: cfg.Owner, repo: cfg.Repo, force: opts.Force, out: out,
		retry: &retrier{attempts: maxAttempts, sleep: e.sleep, now: e.now,
			logf: func(f string, a ...any) { fmt.Fprintf(out, f+"\n", a...) }},
	}
	if err := p.publish(ctx, opts.Tag, dist); err != nil {
		return explain(err)
	}
	return nil
}

// explain adds the likely cause to authentication and permission errors.
func explain(err error) error {
	switch statusOf(err) {
	case http.StatusUnauthorized:
		return fmt.Errorf("GitHub rejected GITHUB_TOKEN (401 Unauthorized): check that it is set and not expired: %w", err)
	case http.StatusForbidden:
		return fmt.Errorf("GITHUB_TOKEN lacks permission (403 Forbidden): the job needs permissions: contents: write: %w", err)
	}
	return err
}

// publisher uploads assets to one repository.
type publisher struct {
	gh          *github.Client
	owner, repo string
	force       bool
	out         io.Writer
	retry       *retrier
}

// publish ensures the release for tag exists and holds dist's assets.
func (p *publisher) publish(ctx context.Context, tag string, dist *distContents) error {
	rel, err := p.release(ctx, tag, releaseBody(dist))
	if err != nil {
		return err
	}
	existing, err := p.listAssets(ctx, rel.GetID())
	if err != nil {
		return err
	}
	counts := map[string]int{}
	n := len(dist.Assets)
	for i, a := range dist.Assets {
		action, err := p.publishAsset(ctx, rel.GetID(), a, existing)
		if err != nil {
			return err
		}
		counts[action]++
		fmt.Fprintf(p.out, "[%d/%d] %-7s %s (%d bytes, sha256 %s)\n", i+1, n, action, a.Name, a.Size, a.SHA256)
	}
	fmt.Fprintf(p.out, "release %s: %d uploaded, %d replaced, %d skipped: %s\n",
		tag, counts["upload"], counts["replace"], counts["skip"], rel.GetHTMLURL())
	return nil
}

// release returns the release for tag, creating it if GitHub has none.
func (p *publisher) release(ctx context.Context, tag, body string) (*github.RepositoryRelease, error) {
	get := func() (rel *github.RepositoryRelease, err error) {
		err = p.retry.do(ctx, "get release "+tag, func() error {
			rel, _, err = p.gh.Repositories.GetReleaseByTag(ctx, p.owner, p.repo, tag)
			return err
		})
		return rel, err
	}
	rel, err := get()
	if err == nil {
		fmt.Fprintf(p.out, "release %s: reusing release %d\n", tag, rel.GetID())
		return rel, nil
	}
	if statusOf(err) != http.StatusNotFound {
		return nil, err
	}
	err = p.retry.do(ctx, "create release "+tag, func() error {
		rel, _, err = p.gh.Repositories.CreateRelease(ctx, p.owner, p.repo, &github.RepositoryRelease{
			TagName: github.String(tag),
			Name:    github.String(tag),
			Body:    github.String(body),
		})
		return err
	})
	if statusOf(err) == http.StatusUnprocessableEntity {
		// An earlier attempt may have created it after all.
		if rel, gerr := get(); gerr == nil {
			return rel, nil
		}
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(p.out, "release %s: created release %d\n", tag, rel.GetID())
	return rel, nil
}

// listAssets returns the release's assets by name.
func (p *publisher) listAssets(ctx context.Context, id int64) (map[string]*github.ReleaseAsset, error) {
	m := map[string]*github.ReleaseAsset{}
	opt := &github.ListOptions{PerPage: 100}
	for {
		var (
			page []*github.ReleaseAsset
			resp *github.Response
		)
		err := p.retry.do(ctx, "list release assets", func() (err error) {
			page, resp, err = p.gh.Repositories.ListReleaseAssets(ctx, p.owner, p.repo, id, opt)
			return err
		})
		if err != nil {
			return nil, err
		}
		for _, a := range page {
			m[a.GetName()] = a
		}
		if resp.NextPage == 0 {
			return m, nil
		}
		opt.Page = resp.NextPage
	}
}

// publishAsset makes the release hold a, returning the action taken:
// "upload", "replace" or "skip". existing is updated when a concurrent
// upload is detected.
func (p *publisher) publishAsset(ctx context.Context, relID int64, a asset, existing map[string]*github.ReleaseAsset) (string, error) {
	action := "upload"
	for try := 0; ; try++ {
		if old := existing[a.Name]; old != nil {
			same, remote, err := p.compare(ctx, old, a)
			if err != nil {
				return "", err
			}
			if same {
				return "skip", nil
			}
			if !p.force && remote != "" {
				return "", fmt.Errorf("release already has asset %s with different content (%s; local sha256 %s, %d bytes); rerun with force to replace it",
					a.Name, remote, a.SHA256, a.Size)
			}
			err = p.retry.do(ctx, "delete asset "+a.Name, func() error {
				_, err := p.gh.Repositories.DeleteReleaseAsset(ctx, p.owner, p.repo, old.GetID())
				return err
			})
			if err != nil {
				return "", err
			}
			delete(existing, a.Name)
			action = "replace"
		}
		err := p.upload(ctx, relID, a)
		if err == nil {
			return action, nil
		}
		if try > 0 || !alreadyExists(err) {
			return "", err
		}
		// Someone (or a retried request) uploaded it meanwhile: look again.
		fresh, err := p.listAssets(ctx, relID)
		if err != nil {
			return "", err
		}
		clear(existing)
		maps.Copy(existing, fresh)
	}
}

// compare reports whether the release asset old holds exactly a's bytes.
// remote describes old when it differs; it is empty when old is an
// incomplete upload, which may be replaced without Force.
func (p *publisher) compare(ctx context.Context, old *github.ReleaseAsset, a asset) (same bool, remote string, err error) {
	if s := old.GetState(); s != "" && s != "uploaded" {
		return false, "", nil
	}
	if int64(old.GetSize()) != a.Size {
		return false, fmt.Sprintf("remote %d bytes", old.GetSize()), nil
	}
	var sum string
	err = p.retry.do(ctx, "download asset "+a.Name, func() error {
		rc, _, err := p.gh.Repositories.DownloadReleaseAsset(ctx, p.owner, p.repo, old.GetID(), http.DefaultClient)
		if err != nil {
			return err
		}
		defer rc.Close()
		h := sha256.New()
		if _, err := io.Copy(h, rc); err != nil {
			return err
		}
		sum = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	if err != nil {
		return false, "", err
	}
	return sum == a.SHA256, "remote sha256 " + sum, nil
}

// upload sends a to the release, reopening the file on every attempt.
func (p *publisher) upload(ctx context.Context, relID int64, a asset) error {
	return p.retry.do(ctx, "upload "+a.Name, func() error {
		f, err := os.Open(a.Path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, _, err = p.gh.Repositories.UploadReleaseAsset(ctx, p.owner, p.repo, relID,
			&github.UploadOptions{Name: a.Name, MediaType: a.MediaType}, f)
		return err
	})
}

// statusOf returns the HTTP status of a GitHub API error, or 0.
func statusOf(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// alreadyExists reports whether err is GitHub's 422 for a duplicate asset name.
func alreadyExists(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range er.Errors {
		if e.Code == "already_exists" {
			return true
		}
	}
	return false
}
