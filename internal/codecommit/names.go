package codecommit

import (
	"strings"
)

const (
	maxRepoNameLen    = 100
	maxDescriptionLen = 1000
	maxBranchNameLen  = 256
	maxTags           = 50
)

// validRepoNameChars reports whether s matches the model's [\w\.-]+ (\w
// being ASCII word characters, as in the Java regular expressions AWS
// validates with).
func validRepoNameChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// checkRepoName validates a repository name given to any operation that
// names an existing repository: required, then pattern and length.
func checkRepoName(name string) error {
	if name == "" {
		return errRepositoryNameRequired.New(msgRepoNameRequired)
	}
	if len(name) > maxRepoNameLen || !validRepoNameChars(name) {
		return errInvalidRepositoryName.New(msgInvalidRepoName)
	}
	return nil
}

// checkNewRepoName adds the rules for a name being created or given by a
// rename: the .git suffix is prohibited, and "." and ".." cannot name a
// repository in a URL path.
func checkNewRepoName(name string) error {
	if err := checkRepoName(name); err != nil {
		return err
	}
	if strings.HasSuffix(strings.ToLower(name), ".git") || name == "." || name == ".." {
		return errInvalidRepositoryName.New(msgInvalidRepoName)
	}
	return nil
}

// checkBranchName applies git's reference-name rules (git check-ref-format)
// to refs/heads/<name>, plus CodeCommit's length limit.
func checkBranchName(name string) error {
	if name == "" {
		return errBranchNameRequired.New(msgBranchNameRequired)
	}
	if len(name) > maxBranchNameLen || !validRefName(name) || strings.HasPrefix(name, "-") || strings.HasPrefix(name, "refs/") {
		return errInvalidBranchName.New(msgInvalidBranchName)
	}
	return nil
}

// validRefName implements git check-ref-format for a name below refs/x/.
func validRefName(name string) bool {
	if name == "" || name == "@" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") ||
		strings.HasSuffix(name, ".") || strings.Contains(name, "..") || strings.Contains(name, "//") ||
		strings.Contains(name, "@{") {
		return false
	}
	for _, comp := range strings.Split(name, "/") {
		if strings.HasPrefix(comp, ".") || strings.HasSuffix(comp, ".lock") {
			return false
		}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte(" ~^:?*[\\", c) >= 0 {
			return false
		}
	}
	return true
}

// cleanRepoPath normalizes a file or folder path given to the API: a
// leading slash is optional. It returns ok=false for paths git cannot hold
// (empty components, "." and "..", a .git component, NUL).
func cleanRepoPath(p string) (string, bool) {
	p = strings.TrimPrefix(p, "/")
	if p == "" || strings.HasSuffix(p, "/") || strings.IndexByte(p, 0) >= 0 {
		return "", false
	}
	for _, comp := range strings.Split(p, "/") {
		if comp == "" || comp == "." || comp == ".." || strings.EqualFold(comp, ".git") {
			return "", false
		}
	}
	return p, true
}

// cleanFolderPath is cleanRepoPath for folders, where "" and "/" mean the
// root (returned as "").
func cleanFolderPath(p string) (string, bool) {
	p = strings.Trim(p, "/")
	if p == "" {
		return "", true
	}
	return cleanRepoPath(p)
}

func isHexID(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
