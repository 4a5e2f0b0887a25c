package codepipeline

import (
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
)

// Trigger filters (V2): include/exclude glob lists on branches, tags and
// file paths, where excludes win. Globs follow the syntax AWS documents
// (Java's glob): * matches within a path segment, ** across segments, ?
// one character, [...] a class ([!...] negated), {a,b} alternatives, and
// a backslash escapes.

// globCache keeps compiled patterns (nil for invalid ones); it stops
// growing at maxGlobCache entries, since patterns come from requests.
var (
	globCache    sync.Map
	globCached   atomic.Int64
	maxGlobCache int64 = 4096
)

func globRE(pattern string) *regexp.Regexp {
	if v, ok := globCache.Load(pattern); ok {
		re, _ := v.(*regexp.Regexp)
		return re
	}
	re, err := regexp.Compile(globToRegexp(pattern))
	if err != nil {
		re = nil
	}
	if globCached.Add(1) <= maxGlobCache {
		globCache.Store(pattern, re)
	}
	return re
}

// globMatch reports whether name matches the glob pattern.
func globMatch(pattern, name string) bool {
	re := globRE(pattern)
	return re != nil && re.MatchString(name)
}

// validGlob reports whether the pattern compiles.
func validGlob(pattern string) bool { return globRE(pattern) != nil }

func globToRegexp(p string) string {
	var b strings.Builder
	b.WriteString("^")
	inGroup := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '\\':
			if i+1 < len(p) {
				i++
				b.WriteString(regexp.QuoteMeta(string(p[i])))
			} else {
				b.WriteString(`\\`)
			}
		case '*':
			if i+1 < len(p) && p[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		case '[':
			j := i + 1
			if j < len(p) && (p[j] == '!' || p[j] == '^') {
				j++
			}
			if j < len(p) && p[j] == ']' {
				j++
			}
			for j < len(p) && p[j] != ']' {
				j++
			}
			if j >= len(p) {
				b.WriteString(`\[`)
				continue
			}
			class := p[i+1 : j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			class = strings.ReplaceAll(class, `\`, `\\`)
			b.WriteString("[" + class + "]")
			i = j
		case '{':
			if inGroup {
				b.WriteString(`\{`)
				continue
			}
			inGroup = true
			b.WriteString("(?:")
		case '}':
			if inGroup {
				inGroup = false
				b.WriteString(")")
			} else {
				b.WriteString(`\}`)
			}
		case ',':
			if inGroup {
				b.WriteString("|")
			} else {
				b.WriteString(",")
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	if inGroup {
		// An unclosed group is an invalid pattern.
		return "("
	}
	b.WriteString("$")
	return b.String()
}

// matchCriteria applies include/exclude lists to one name: it must match
// an include (or there are none) and no exclude.
func matchCriteria(c *FilterCriteria, name string) bool {
	for _, x := range c.Excludes {
		if globMatch(x, name) {
			return false
		}
	}
	if len(c.Includes) == 0 {
		return true
	}
	for _, in := range c.Includes {
		if globMatch(in, name) {
			return true
		}
	}
	return false
}

// matchFiles reports whether any changed file passes the criteria.
func matchFiles(c *FilterCriteria, files []string) bool {
	for _, f := range files {
		if matchCriteria(c, f) {
			return true
		}
	}
	return false
}

// matchPush reports whether a push passes any of the push filters. A tag
// push is judged by the filters' tag criteria only; a branch push by their
// branch and file path criteria. Deleting a ref triggers nothing.
func matchPush(filters []GitPushFilter, ev *PushEvent) bool {
	if ev.NewCommit == "" {
		return false
	}
	branch, tag := ev.Branch(), ev.Tag()
	for i := range filters {
		f := &filters[i]
		switch {
		case tag != "":
			if f.Tags != nil && matchCriteria(f.Tags, tag) {
				return true
			}
		case branch != "":
			if f.Tags != nil && f.Branches == nil && f.FilePaths == nil {
				continue // a tags-only filter
			}
			if f.Branches != nil && !matchCriteria(f.Branches, branch) {
				continue
			}
			if f.Branches == nil && f.FilePaths == nil {
				continue
			}
			if f.FilePaths != nil && !matchFiles(f.FilePaths, ev.ChangedFiles) {
				continue
			}
			return true
		}
	}
	return false
}

// PullRequestEvent is a pull request event from a webhook.
type PullRequestEvent struct {
	// Event is OPEN, UPDATED or CLOSED.
	Event string
	// SourceBranch and DestinationBranch of the pull request; filters
	// match the destination branch.
	SourceBranch, DestinationBranch string
	Commit                          string
	Title                           string
	ChangedFiles                    []string
	AuthorName                      string
}

// matchPullRequest reports whether a pull request event passes any of the
// filters. File path criteria apply only when the event lists files.
func matchPullRequest(filters []GitPullRequestFilter, ev *PullRequestEvent) bool {
	for i := range filters {
		f := &filters[i]
		if len(f.Events) > 0 {
			ok := false
			for _, e := range f.Events {
				ok = ok || e == ev.Event
			}
			if !ok {
				continue
			}
		}
		if f.Branches != nil && !matchCriteria(f.Branches, ev.DestinationBranch) {
			continue
		}
		if f.FilePaths != nil && ev.ChangedFiles != nil && !matchFiles(f.FilePaths, ev.ChangedFiles) {
			continue
		}
		return true
	}
	return false
}
