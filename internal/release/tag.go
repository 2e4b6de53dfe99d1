package release

import (
	"fmt"
	"strings"
)

// ValidateTag checks tag against git's ref-name rules for refs/tags/<tag>
// (git check-ref-format, and git tag's refusal of a leading "-"), and
// refuses the two characters git allows that the GitHub API path cannot
// carry unescaped ("#", "%"). A tag that passes is one path segment list
// with no "." or ".." component: it cannot move the request to another API
// path.
func ValidateTag(tag string) error {
	why := tagProblem(tag)
	if why == "" {
		return nil
	}
	return fmt.Errorf("release: %q is not a valid tag name (%s): give the name of a pushed tag, e.g. v0.3.0 (`git check-ref-format refs/tags/<tag>` must accept it)", tag, why)
}

func tagProblem(tag string) string {
	switch {
	case tag == "":
		return "empty"
	case tag == "@":
		return `the single character "@"`
	case strings.HasPrefix(tag, "-"):
		return `it begins with "-"`
	case strings.HasPrefix(tag, "/") || strings.HasSuffix(tag, "/"):
		return `it begins or ends with "/"`
	case strings.Contains(tag, "//"):
		return `it contains "//"`
	case strings.Contains(tag, ".."):
		return `it contains ".."`
	case strings.Contains(tag, "@{"):
		return `it contains "@{"`
	case strings.HasSuffix(tag, "."):
		return `it ends with "."`
	}
	for _, c := range tag {
		switch {
		case c < 0x20 || c == 0x7f:
			return fmt.Sprintf("it contains the control character %U", c)
		case c == ' ':
			return "it contains a space"
		case strings.ContainsRune(`~^:?*[\`, c):
			return fmt.Sprintf("it contains %q", string(c))
		case c == '#' || c == '%':
			return fmt.Sprintf("it contains %q, which the GitHub API path cannot carry", string(c))
		}
	}
	for _, comp := range strings.Split(tag, "/") {
		if strings.HasPrefix(comp, ".") {
			return fmt.Sprintf("the component %q begins with \".\"", comp)
		}
		if strings.HasSuffix(comp, ".lock") {
			return fmt.Sprintf("the component %q ends with \".lock\"", comp)
		}
	}
	return ""
}
