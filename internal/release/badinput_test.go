package release

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runBad runs a release against the fake GitHub with vars overriding the
// usual environment, and returns the error, the requests made and the
// retries slept.
func runBad(t *testing.T, tag string, dryRun bool, vars map[string]string) (error, *fakeGitHub, int) {
	t.Helper()
	f := newFakeGitHub(t, testOwner, testRepo, testToken)
	env0 := map[string]string{"GITHUB_TOKEN": testToken, "GITHUB_REPOSITORY": testOwner + "/" + testRepo, "GITHUB_API_URL": f.srv.URL}
	for k, v := range vars {
		env0[k] = v
	}
	sleeps := 0
	e := env{
		getenv: func(k string) string { return env0[k] },
		sleep:  func(context.Context, time.Duration) error { sleeps++; return nil },
		now:    func() time.Time { return fakeNow },
		http:   f.srv.Client(),
	}
	var out bytes.Buffer
	err := run(context.Background(), Options{Tag: tag, DistDir: makeDist(t), DryRun: dryRun, Out: &out}, e)
	return err, f, sleeps
}

// TestRunRefusesBadTags: a tag git would not accept is refused before any
// request, dry run too; "../../../evil" no longer reaches /repos/o/evil
// (issue 12, bug 3).
func TestRunRefusesBadTags(t *testing.T) {
	cases := []struct{ tag, why string }{
		{"../../../evil", `contains ".."`},
		{"v1 2", "contains a space"},
		{"v1\n2", "control character"},
		{"-v1", `begins with "-"`},
		{"v1.lock", `ends with ".lock"`},
		{"v1/.hidden", `begins with "."`},
		{"v1^", `"^"`},
		{"v1~1", `"~"`},
		{"v1:x", `":"`},
		{"v1?", `"?"`},
		{"v*", `"*"`},
		{"v[1]", `"["`},
		{`v\1`, `"\\"`},
		{"x@{1}", `"@{"`},
		{"@", `"@"`},
		{"a//b", `"//"`},
		{"v1/", `"/"`},
		{"v1.", `ends with "."`},
		{"v1#x", "GitHub API path"},
		{"v1%2Fevil", "GitHub API path"},
	}
	for _, c := range cases {
		for _, dry := range []bool{false, true} {
			err, f, sleeps := runBad(t, c.tag, dry, nil)
			if err == nil || !strings.Contains(err.Error(), "not a valid tag name") || !strings.Contains(err.Error(), c.why) || !strings.Contains(err.Error(), "git check-ref-format") {
				t.Errorf("tag %q (dry run %v): err = %v, want it refused (%s) naming the fix", c.tag, dry, err, c.why)
			}
			if len(f.requests) != 0 || sleeps != 0 {
				t.Errorf("tag %q (dry run %v): %d requests %v, %d retries; want none", c.tag, dry, len(f.requests), f.requests, sleeps)
			}
		}
	}
}

// TestRunRefusesBadToken: a token that is not a valid header value is
// refused up front, without a retry and without showing it (bug 3).
func TestRunRefusesBadToken(t *testing.T) {
	for _, tok := range []string{"ghp_first\nghp_second", "ghp_a\rb", "ghp_with space", "ghp_tab\there", "ghp_\x7f"} {
		err, f, sleeps := runBad(t, testTag, false, map[string]string{"GITHUB_TOKEN": tok})
		if err == nil || !strings.Contains(err.Error(), "GITHUB_TOKEN") || !strings.Contains(err.Error(), "set GITHUB_TOKEN to the token alone") {
			t.Errorf("token %q: err = %v, want it refused naming the fix", tok, err)
		}
		if len(f.requests) != 0 || sleeps != 0 {
			t.Errorf("token %q: %d requests, %d retries; want none", tok, len(f.requests), sleeps)
		}
		for _, part := range strings.Fields(tok) {
			if err != nil && strings.HasPrefix(part, "ghp_") && strings.Contains(err.Error(), part) {
				t.Errorf("token %q: the error shows it: %v", tok, err)
			}
		}
	}
}

// TestBackoffTransport: only transport failures that can pass on a second
// try are retried.
func TestBackoffTransport(t *testing.T) {
	r := &retrier{now: func() time.Time { return fakeNow }}
	ue := func(err error) error { return &url.Error{Op: "Get", URL: "https://api.github.com/x", Err: err} }
	cases := []struct {
		name  string
		err   error
		retry bool
	}{
		{"connection refused", ue(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
		{"connection reset", ue(syscall.ECONNRESET), true},
		{"truncated response", ue(io.ErrUnexpectedEOF), true},
		{"DNS timeout", ue(&net.DNSError{Err: "timeout", Name: "api.github.com", IsTimeout: true}), true},
		{"unknown host", ue(&net.DNSError{Err: "no such host", Name: "api.github.con", IsNotFound: true}), false},
		{"invalid header value", ue(errors.New(`net/http: invalid header field value for "Authorization"`)), false},
		{"control character in URL", ue(errors.New("net/http: can't write control character in Request.URL")), false},
	}
	for _, c := range cases {
		if _, ok := r.backoff(context.Background(), c.err, 1); ok != c.retry {
			t.Errorf("%s: retried = %v, want %v", c.name, ok, c.retry)
		}
	}
}
