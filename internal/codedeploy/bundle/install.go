package bundle

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/codedeploy/appspec"
)

// step is one thing Install did, recorded in the cleanup file so the next
// deployment of the same deployment group removes it first (the agent's
// "<deployment-group-id>-cleanup" instructions).
type step struct {
	Op   string `json:"op"` // copy, mkdir
	Path string `json:"path"`
}

// InstallError is a failure of the Install step meant for users (a file
// that already exists with DISALLOW, a missing source).
type InstallError struct{ Msg string }

func (e *InstallError) Error() string { return e.Msg }

// Install copies a revision's files into an instance as the agent's
// Installer does. archive is the unpacked revision; root is the instance
// root, under which every absolute destination lands (/opt/app →
// <root>/opt/app). It first undoes what the previous install of the same
// deployment group recorded in cleanupFile, then copies (a directory
// source copies its contents into the destination, a file source lands in
// destination/<name>), applies the permissions section, and records what
// it did in cleanupFile. behavior is DISALLOW, OVERWRITE or RETAIN for
// files that exist already.
func Install(archive, root string, spec *appspec.AppSpec, behavior, cleanupFile string) error {
	if err := cleanup(cleanupFile); err != nil {
		return err
	}
	in := &installer{archive: archive, root: root, behavior: behavior, made: map[string]bool{}, copied: map[string]bool{}}
	var err error
	for _, f := range spec.Files {
		if err = in.file(f); err != nil {
			break
		}
	}
	if err == nil {
		for _, p := range spec.Permissions {
			if err = in.permission(p); err != nil {
				break
			}
		}
	}
	// Record what was done even on failure, so the next deployment cleans
	// it up.
	if werr := writeSteps(cleanupFile, in.steps); err == nil {
		err = werr
	}
	return err
}

func cleanup(cleanupFile string) error {
	b, err := os.ReadFile(cleanupFile)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var steps []step
	if err := json.Unmarshal(b, &steps); err != nil {
		// A corrupt list cannot be undone; start over, as the agent does
		// when it cannot parse it.
		return os.Remove(cleanupFile)
	}
	for i := len(steps) - 1; i >= 0; i-- {
		switch steps[i].Op {
		case "copy":
			os.Remove(steps[i].Path)
		case "mkdir":
			os.Remove(steps[i].Path) // only when empty
		}
	}
	return os.Remove(cleanupFile)
}

func writeSteps(file string, steps []step) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	b, _ := json.Marshal(steps)
	return os.WriteFile(file, b, 0o644)
}

type installer struct {
	archive, root, behavior string
	steps                   []step
	made, copied            map[string]bool
}

// host maps a path of the instance ("/opt/app") to this machine.
func (in *installer) host(p string) string {
	return filepath.Join(in.root, filepath.FromSlash(path.Clean("/"+p)))
}

func (in *installer) mkdirs(dest string) error {
	var missing []string
	for d := dest; d != "/" && d != "."; d = path.Dir(d) {
		if _, err := os.Lstat(in.host(d)); err == nil {
			break
		}
		missing = append([]string{d}, missing...)
	}
	for _, d := range missing {
		if err := os.Mkdir(in.host(d), 0o755); err != nil && !os.IsExist(err) {
			return err
		}
		in.made[d] = true
		in.steps = append(in.steps, step{"mkdir", in.host(d)})
	}
	return nil
}

func (in *installer) file(f appspec.File) error {
	src := filepath.Join(in.archive, filepath.FromSlash(f.Source))
	st, err := os.Lstat(src)
	if err != nil {
		return &InstallError{fmt.Sprintf("The deployment failed because the source %s in the files section of the AppSpec file does not exist in the revision.", displaySource(f.Source))}
	}
	if st.IsDir() {
		if err := in.mkdirs(f.Destination); err != nil {
			return err
		}
		return in.copyDir(src, f.Destination)
	}
	dest := path.Join(f.Destination, path.Base(f.Source))
	if err := in.mkdirs(path.Dir(dest)); err != nil {
		return err
	}
	return in.copyFile(src, dest, st)
}

func displaySource(s string) string {
	if s == "" {
		return "/"
	}
	return s
}

func (in *installer) copyDir(src, dest string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		s := filepath.Join(src, e.Name())
		d := path.Join(dest, e.Name())
		st, err := os.Lstat(s)
		if err != nil {
			return err
		}
		if st.IsDir() {
			if _, err := os.Lstat(in.host(d)); os.IsNotExist(err) {
				if err := os.Mkdir(in.host(d), 0o755); err != nil {
					return err
				}
				in.made[d] = true
				in.steps = append(in.steps, step{"mkdir", in.host(d)})
			}
			if err := in.copyDir(s, d); err != nil {
				return err
			}
			continue
		}
		if err := in.copyFile(s, d, st); err != nil {
			return err
		}
	}
	return nil
}

func (in *installer) copyFile(src, dest string, st os.FileInfo) error {
	h := in.host(dest)
	if _, err := os.Lstat(h); err == nil {
		switch in.behavior {
		case appspec.Overwrite:
		case appspec.Retain:
			return nil
		case appspec.Disallow, "":
			return &InstallError{fmt.Sprintf("The deployment failed because a specified file already exists at this location: %s", dest)}
		default:
			return &InstallError{fmt.Sprintf("The deployment failed because an invalid option was specified for fileExistsBehavior: %s. Valid options include OVERWRITE, RETAIN, and DISALLOW.", in.behavior)}
		}
		if fi, err := os.Lstat(h); err == nil && fi.IsDir() {
			return &InstallError{fmt.Sprintf("The deployment failed because a directory exists where the revision has a file: %s", dest)}
		}
		os.Remove(h)
	}
	if st.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		if err := os.Symlink(target, h); err != nil {
			return err
		}
	} else {
		if err := copyContents(src, h, st.Mode().Perm()); err != nil {
			return err
		}
	}
	in.copied[dest] = true
	in.steps = append(in.steps, step{"copy", h})
	return nil
}

func copyContents(src, dst string, perm os.FileMode) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, perm)
}

// permission applies one permissions entry as the agent does: to the
// object itself when it is a file this install copied, or to the files
// and directories this install created under a directory object that
// match the pattern (a simple glob on the name relative to the object;
// "**" matches everything below it) and no except glob.
func (in *installer) permission(p appspec.Permission) error {
	wantFile, wantDir := false, false
	for _, t := range p.Type {
		wantFile = wantFile || t == "file"
		wantDir = wantDir || t == "directory"
	}
	if in.copied[p.Object] {
		if wantFile {
			if p.Pattern != "**" {
				return &InstallError{fmt.Sprintf("The deployment failed because the application specification file includes an object (%s) with an invalid pattern (%s), such as a pattern for a file applied to a directory. Correct the permissions section of the AppSpec file, and then try again.", p.Object, p.Pattern)}
			}
			return in.apply(p, p.Object)
		}
		return nil
	}
	if st, err := os.Stat(in.host(p.Object)); !in.made[p.Object] && (err != nil || !st.IsDir()) {
		return nil
	}
	var targets []string
	for _, set := range []map[string]bool{in.copied, in.made} {
		for obj := range set {
			rel, ok := strings.CutPrefix(obj, strings.TrimSuffix(p.Object, "/")+"/")
			if !ok {
				continue
			}
			isDir := in.made[obj]
			if isDir && !wantDir || !isDir && !wantFile {
				continue
			}
			if p.Pattern != "**" && !simpleGlob(rel, p.Pattern) {
				continue
			}
			excluded := false
			for _, e := range p.Except {
				excluded = excluded || simpleGlob(rel, e)
			}
			if !excluded {
				targets = append(targets, obj)
			}
		}
	}
	sort.Strings(targets)
	for _, t := range targets {
		if err := in.apply(p, t); err != nil {
			return err
		}
	}
	return nil
}

// simpleGlob is the agent's matches_simple_glob: '*' matches any run of
// characters, names with a slash never match.
func simpleGlob(name, pattern string) bool {
	if strings.Contains(name, "/") {
		return false
	}
	ok, err := path.Match(pattern, name)
	return err == nil && ok
}

func (in *installer) apply(p appspec.Permission, obj string) error {
	h := in.host(obj)
	if p.Mode != "" {
		m, _ := strconv.ParseUint(p.Mode, 8, 32)
		mode := os.FileMode(m & 0o777)
		if m&0o4000 != 0 {
			mode |= os.ModeSetuid
		}
		if m&0o2000 != 0 {
			mode |= os.ModeSetgid
		}
		if m&0o1000 != 0 {
			mode |= os.ModeSticky
		}
		if err := os.Chmod(h, mode); err != nil {
			return err
		}
	}
	if (p.Owner != "" || p.Group != "") && os.Geteuid() == 0 {
		uid, gid := -1, -1
		if p.Owner != "" {
			u, err := user.Lookup(p.Owner)
			if err != nil {
				return &InstallError{fmt.Sprintf("The deployment failed because the owner %s in the permissions section of the AppSpec file is not a user on this host.", p.Owner)}
			}
			uid, _ = strconv.Atoi(u.Uid)
		}
		if p.Group != "" {
			g, err := user.LookupGroup(p.Group)
			if err != nil {
				return &InstallError{fmt.Sprintf("The deployment failed because the group %s in the permissions section of the AppSpec file is not a group on this host.", p.Group)}
			}
			gid, _ = strconv.Atoi(g.Gid)
		}
		if err := os.Lchown(h, uid, gid); err != nil {
			return err
		}
	}
	return nil
}
