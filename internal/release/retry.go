package release

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-github/v60/github"
)

// Retry policy. Rate-limit waits longer than maxRateWait are not attempted:
// the run fails with the reset time instead of idling a CI runner.
const (
	maxAttempts    = 5
	baseBackoff    = 2 * time.Second
	maxBackoff     = 30 * time.Second
	maxRateWait    = 15 * time.Minute
	abuseFallback  = time.Minute // GitHub: wait at least a minute without Retry-After
	rateResetSlack = time.Second // X-RateLimit-Reset has one-second resolution
)

// retrier runs GitHub calls, retrying transient failures.
type retrier struct {
	attempts int
	sleep    func(context.Context, time.Duration) error
	now      func() time.Time
	logf     func(format string, args ...any)
}

// do calls f until it succeeds, fails permanently, or attempts run out.
// what names the operation in messages.
func (r *retrier) do(ctx context.Context, what string, f func() error) error {
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil {
			return nil
		}
		wait, ok := r.backoff(ctx, err, attempt)
		if !ok {
			return fmt.Errorf("%s: %w", what, err)
		}
		if attempt >= r.attempts {
			return fmt.Errorf("%s: giving up after %d attempts: %w", what, attempt, err)
		}
		if wait > maxRateWait {
			return fmt.Errorf("%s: rate limited for %s, longer than the %s this tool waits: %w",
				what, wait.Round(time.Second), maxRateWait, err)
		}
		r.logf("%s: %s; retrying in %s (attempt %d of %d)", what, brief(err), wait, attempt+1, r.attempts)
		if err := r.sleep(ctx, wait); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

// backoff reports whether err is transient and, if so, how long to wait
// before attempt+1: until the rate-limit reset or Retry-After when GitHub
// says so, otherwise exponential backoff.
func (r *retrier) backoff(ctx context.Context, err error, attempt int) (time.Duration, bool) {
	exp := min(baseBackoff<<(attempt-1), maxBackoff)
	var (
		rl    *github.RateLimitError
		abuse *github.AbuseRateLimitError
		er    *github.ErrorResponse
		ue    *url.Error
	)
	switch {
	case ctx.Err() != nil:
		return 0, false
	case errors.As(err, &rl):
		if rl.Rate.Reset.IsZero() {
			return exp, true
		}
		return max(rl.Rate.Reset.Sub(r.now())+rateResetSlack, 0), true
	case errors.As(err, &abuse):
		if abuse.RetryAfter != nil {
			return max(*abuse.RetryAfter, 0), true
		}
		return abuseFallback, true
	case errors.As(err, &er) && er.Response != nil:
		switch code := er.Response.StatusCode; {
		case code == http.StatusTooManyRequests:
			if s, err := strconv.Atoi(er.Response.Header.Get("Retry-After")); err == nil {
				return time.Duration(s) * time.Second, true
			}
			return exp, true
		case code >= 500:
			return exp, true
		}
		return 0, false
	case errors.As(err, &ue):
		if transient(ue) {
			return exp, true
		}
		return 0, false // a malformed request or a refused certificate fails again
	}
	return 0, false
}

// transient reports whether a failed request can succeed when sent again:
// a timeout, a refused or reset connection, a truncated response, a DNS
// server that did not answer. A request the client could not even form (a
// header value with a newline, a bad URL), an unknown host or a certificate
// that does not verify fail the same way every time.
func transient(ue *url.Error) bool {
	var (
		dns  *net.DNSError
		cert *tls.CertificateVerificationError
		op   *net.OpError
	)
	switch {
	case ue.Timeout():
		return true
	case errors.As(ue, &cert):
		return false
	case errors.As(ue, &dns):
		return dns.IsTimeout || dns.IsTemporary
	case errors.As(ue, &op):
		return true // dial, read, write: refused, reset, unreachable
	}
	return errors.Is(ue, io.EOF) || errors.Is(ue, io.ErrUnexpectedEOF) || errors.Is(ue, syscall.ECONNRESET) || errors.Is(ue, syscall.EPIPE)
}

// brief shortens err for a progress line.
func brief(err error) string {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.Status
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return "rate limited"
	}
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &abuse) {
		return "secondary rate limit"
	}
	return err.Error()
}

// sleepCtx sleeps for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// redactor removes a secret from messages.
type redactor string

const redacted = "[REDACTED]"

// String returns s with every occurrence of the secret replaced.
func (r redactor) String(s string) string {
	if r == "" {
		return s
	}
	return strings.ReplaceAll(s, string(r), redacted)
}

// Error returns err unchanged if its message does not contain the secret.
// Otherwise it returns a new error with the redacted message; that error
// deliberately does not unwrap to err, so the secret cannot leak through
// errors.Unwrap either.
func (r redactor) Error(err error) error {
	if err == nil || r == "" || !strings.Contains(err.Error(), string(r)) {
		return err
	}
	return errors.New(r.String(err.Error()))
}

// Writer wraps w so the secret is replaced in everything written.
func (r redactor) Writer(w io.Writer) io.Writer { return redactWriter{w, r} }

type redactWriter struct {
	w io.Writer
	r redactor
}

func (rw redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.r.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
