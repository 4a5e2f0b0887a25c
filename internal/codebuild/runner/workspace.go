package runner

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
)

// workspace is the part of the host's disk both runners share: dir holds
// bin/ (helpers every build can call, written once) and one build root per
// build.
type workspace struct {
	once sync.Once
	err  error
}

// bin writes the helpers into dir/bin the first time and returns that
// directory.
func (w *workspace) bin(dir string) (string, error) {
	bin := filepath.Join(dir, "bin")
	w.once.Do(func() {
		if w.err = os.MkdirAll(bin, 0o755); w.err == nil {
			w.err = os.WriteFile(filepath.Join(bin, "codebuild-hash-files"), []byte(hashFilesScript), 0o755)
		}
	})
	return bin, w.err
}

// newBuildRoot makes a fresh build root under dir with src/ (the source
// directory) and tmp/ (the build's state, world-writable and sticky like
// /tmp). MkdirTemp makes the root private; run-as users need to reach the
// source directory, and their shells write state. Nothing is left behind
// on failure.
func newBuildRoot(dir string) (root, state string, err error) {
	root, err = os.MkdirTemp(dir, "src")
	if err != nil {
		return "", "", err
	}
	state = filepath.Join(root, "tmp")
	for _, d := range []string{state, filepath.Join(root, "src")} {
		if err = os.Mkdir(d, 0o755); err != nil {
			break
		}
	}
	if err == nil {
		err = os.Chmod(root, 0o755)
	}
	if err == nil {
		err = os.Chmod(state, 0o1777)
	}
	if err != nil {
		os.RemoveAll(root)
		return "", "", err
	}
	return root, state, nil
}

// newToken is a build's random token: the driver ends its marker lines
// with it, so nothing the build prints can pass for one.
func newToken() string {
	tok := make([]byte, 16)
	rand.Read(tok)
	return "skiff-" + hex.EncodeToString(tok)
}
