// Package source brings a profile's pinned compiler-rt source into its work
// tree, verified before anything is built. Three kinds of source:
//
//   - "git": a compiler-rt repository (llvm-mirror/compiler-rt) at a commit,
//     checked by hash and by the SVN revision of its git-svn-id line;
//   - "llvm-project": llvm-project at a commit, its compiler-rt/ subtree;
//   - "debian-source": a Debian source package's orig tarball by sha256,
//     fetched through a private apt configuration inside the cache.
//
// Both git kinds keep one blobless, sparse clone per URL in the cache
// (--filter=blob:none, so only the pinned tree's files are fetched) and
// reuse it offline. Every kind ends the same way: the pinned tree, rooted at
// compiler-rt's top (lib/, include/), is committed into a git repository of
// its own in the work tree, which the patch stage works on.
package source

import (
	"fmt"
	"regexp"
	"strconv"
)

// Pin is a git source: a repository at a commit, and the paths of it that
// the build needs.
type Pin struct {
	// Kind is "git" (a compiler-rt repository) or "llvm-project".
	Kind   string `json:"kind"`
	URL    string `json:"url"`
	Commit string `json:"commit"`
	// SVNRevision, when not zero, is checked against the commit's
	// git-svn-id line (the llvm-mirror history has one on every commit).
	SVNRevision int      `json:"svn_revision,omitempty"`
	Paths       []string `json:"paths"`
	// TreeSHA256, when set, is checked against the tree extracted from the
	// commit (TreeSHA256 of the work tree before the series).
	TreeSHA256 string `json:"tree_sha256,omitempty"`
}

// KindGit, KindLLVMProject and KindDebian are the source kinds.
const (
	KindGit         = "git"
	KindLLVMProject = "llvm-project"
	KindDebian      = "debian-source"
)

// DefaultLLVMURL is where llvm-project comes from unless RACESYSO_LLVM_URL
// says otherwise.
const DefaultLLVMURL = "https://github.com/llvm/llvm-project.git"

// LLVMPaths are the llvm-project paths a Go race runtime is built from.
var LLVMPaths = []string{"compiler-rt/lib/tsan", "compiler-rt/lib/sanitizer_common", "compiler-rt/lib/interception", "compiler-rt/lib/ubsan", "compiler-rt/include"}

// Prefix is the part of the repository's paths above compiler-rt's top:
// "compiler-rt/" in llvm-project, nothing in a compiler-rt repository.
func (p Pin) Prefix() string {
	if p.Kind == KindLLVMProject {
		return "compiler-rt/"
	}
	return ""
}

// Short is the abbreviated commit (and revision), as in "81bba04 (r267674)".
func (p Pin) Short() string {
	if p.SVNRevision == 0 {
		return fmt.Sprintf("%.10s", p.Commit)
	}
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
func (p Pin) CheckCommit(url, found, message string) error {
	if found == "" {
		if p.Kind == KindLLVMProject {
			return fmt.Errorf("%s has no commit %s: give a URL of llvm-project that holds it (RACESYSO_LLVM_URL) or another commit (RACESYSO_LLVM_REV)", url, p.Commit)
		}
		return fmt.Errorf("pinned commit %s is not in the mirror %s: the source is not llvm-mirror/compiler-rt, or the mirror is incomplete (set COMPILER_RT_URL to a compiler-rt mirror, or delete the cache clone so it is fetched again)", p.Commit, url)
	}
	if found != p.Commit {
		return fmt.Errorf("wrong revision: found commit %s, the pin says %s", found, p.Commit)
	}
	if p.SVNRevision == 0 {
		return nil
	}
	rev, ok := SVNRevision(message)
	if !ok {
		return fmt.Errorf("commit %s has no git-svn-id line; the pin says r%d: this is not the llvm-mirror history", found, p.SVNRevision)
	}
	if rev != p.SVNRevision {
		return fmt.Errorf("wrong revision: commit %s is r%d by its git-svn-id line, the pin (the profile's profile.json) says r%d", found, rev, p.SVNRevision)
	}
	return nil
}
