// Package source brings compiler-rt to the pinned revision: a persistent bare
// mirror in a cache directory, and a sparse work tree (lib/ and include/) in
// compiler-rt/ checked out at the pinned commit, verified by its hash and by
// the SVN revision of its git-svn-id line.
package source

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
)

//go:embed pin.json
var pinJSON []byte

// Pin is the upstream revision the patch series is written against.
type Pin struct {
	URL         string   `json:"url"`
	Commit      string   `json:"commit"`
	SVNRevision int      `json:"svn_revision"`
	Paths       []string `json:"paths"`
}

// DefaultPin returns the pin kept in source/pin.json.
func DefaultPin() Pin {
	var p Pin
	if err := json.Unmarshal(pinJSON, &p); err != nil {
		panic("source/pin.json: " + err.Error())
	}
	return p
}

// Short is the abbreviated commit and revision, as in "81bba04 (r267674)".
func (p Pin) Short() string {
	return fmt.Sprintf("%.7s (r%d)", p.Commit, p.SVNRevision)
}

var svnIDRe = regexp.MustCompile(`(?m)^git-svn-id: \S+@(\d+) `)

// SVNRevision extracts the revision from a commit message's git-svn-id line.
func SVNRevision(message string) (int, bool) {
	m := svnIDRe.FindStringSubmatch(message)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// CheckCommit compares what a repository holds against the pin: the commit
// found at the pinned hash (found is "" when the hash is absent) and its
// message.
func (p Pin) CheckCommit(found, message string) error {
	if found == "" {
		return fmt.Errorf("pinned commit %s is not in the mirror: the source is not llvm-mirror/compiler-rt, or the mirror is incomplete (set COMPILER_RT_URL to a compiler-rt mirror, or delete the cache mirror so it is cloned again)", p.Commit)
	}
	if found != p.Commit {
		return fmt.Errorf("wrong revision: found commit %s, the pin (source/pin.json) says %s", found, p.Commit)
	}
	rev, ok := SVNRevision(message)
	if !ok {
		return fmt.Errorf("commit %s has no git-svn-id line; the pin says r%d: this is not the llvm-mirror history", found, p.SVNRevision)
	}
	if rev != p.SVNRevision {
		return fmt.Errorf("wrong revision: commit %s is r%d by its git-svn-id line, the pin (source/pin.json) says r%d", found, rev, p.SVNRevision)
	}
	return nil
}
