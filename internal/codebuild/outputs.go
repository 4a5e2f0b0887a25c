package codebuild

import (
	"compress/gzip"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/codebuild/artifacts"
	"github.com/skiff-dev/skiff/internal/codebuild/buildspec"
	"github.com/skiff-dev/skiff/internal/store"
)

// splitLocation splits "bucket/prefix/..." into bucket and key prefix.
func splitLocation(loc string) (bucket, prefix string) {
	loc = strings.TrimPrefix(loc, "arn:aws:s3:::")
	bucket, prefix, _ = strings.Cut(loc, "/")
	return bucket, strings.Trim(prefix, "/")
}

func joinKey(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.Trim(p, "/"); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "/")
}

// artifactKey is where an S3 artifact goes:
// <location>/<path>/<namespace>/<name>, the namespace being the build id's
// uuid with namespaceType BUILD_ID. A buildspec s3-prefix replaces path. A
// name of "/" puts the artifact at the root of the location.
func artifactKey(rec *buildRecord, a ProjectArtifacts, name, s3Prefix string) (bucket, key string) {
	bucket, prefix := splitLocation(a.Location)
	if name == "" {
		name = a.Name
	}
	if name == "/" {
		name = ""
	}
	p := a.Path
	if s3Prefix != "" {
		p = s3Prefix
	}
	ns := ""
	if a.NamespaceType == "BUILD_ID" {
		ns = buildUUID(rec.Build.ID)
	}
	return bucket, joinKey(prefix, p, ns, name)
}

// pipelineOutput picks the pipeline output artifact for an artifact: by
// name for a secondary artifact, else the first output not named after one
// of the build's secondary artifacts.
func pipelineOutput(rec *buildRecord, identifier string) *OutputArtifact {
	if rec.Pipeline == nil {
		return nil
	}
	outs := rec.Pipeline.Outputs
	if identifier != "" {
		for i := range outs {
			if outs[i].Name == identifier {
				return &outs[i]
			}
		}
		return nil
	}
	secondary := map[string]bool{}
	for _, a := range rec.SecondaryArtifactsConfig {
		secondary[a.ArtifactIdentifier] = true
	}
	for i := range outs {
		if !secondary[outs[i].Name] {
			return &outs[i]
		}
	}
	return nil
}

// artifactLocation is the ARN a build reports for an artifact.
func (e *Engine) artifactLocation(rec *buildRecord, a ProjectArtifacts, name, identifier string) string {
	switch a.Type {
	case "S3":
		bucket, key := artifactKey(rec, a, name, "")
		return "arn:aws:s3:::" + joinKey(bucket, key)
	case "CODEPIPELINE":
		if out := pipelineOutput(rec, identifier); out != nil {
			return "arn:aws:s3:::" + joinKey(out.Bucket, out.Key)
		}
	}
	return ""
}

// upload is UPLOAD_ARTIFACTS: reports, artifacts, then the cache.
func (x *execution) upload() (string, *PhaseContext) {
	x.processReports()
	if pc := x.uploadArtifacts(); pc != nil {
		return StatusFailed, pc
	}
	x.saveCache()
	return StatusSucceeded, nil
}

func (x *execution) uploadArtifacts() *PhaseContext {
	b := &x.rec.Build
	spec := x.spec.Artifacts
	cfg := x.rec.ArtifactsConfig
	switch cfg.Type {
	case "S3", "CODEPIPELINE":
		if cfg.Type == "CODEPIPELINE" && pipelineOutput(x.rec, "") == nil {
			break // no pipeline output artifact wants the primary artifact
		}
		if spec == nil || len(spec.Files) == 0 {
			return clientError("no artifact files are specified in the buildspec for the primary artifact")
		}
		res, pc := x.uploadOne(cfg, spec, "")
		if pc != nil {
			return pc
		}
		b.Artifacts = res
	default:
		b.Artifacts = &BuildArtifacts{Location: ""}
	}
	secondary := func(id string) *buildspec.Artifacts {
		if spec == nil {
			return nil
		}
		for i := range spec.Secondary {
			if spec.Secondary[i].Identifier == id {
				return &spec.Secondary[i].Artifacts
			}
		}
		return nil
	}
	results := []BuildArtifacts{}
	done := map[string]bool{}
	for _, sc := range x.rec.SecondaryArtifactsConfig {
		if sc.Type == "NO_ARTIFACTS" {
			continue
		}
		sa := secondary(sc.ArtifactIdentifier)
		if sa == nil {
			return clientError("no secondary artifact %s is defined in the buildspec", sc.ArtifactIdentifier)
		}
		res, pc := x.uploadOne(sc, sa, sc.ArtifactIdentifier)
		if pc != nil {
			return pc
		}
		done[sc.ArtifactIdentifier] = true
		results = append(results, *res)
	}
	// A pipeline's further output artifacts are the buildspec's secondary
	// artifacts of the same names.
	if x.rec.Pipeline != nil && cfg.Type == "CODEPIPELINE" {
		prim := pipelineOutput(x.rec, "")
		for _, out := range x.rec.Pipeline.Outputs {
			if done[out.Name] || (prim != nil && prim.Name == out.Name) {
				continue
			}
			sa := secondary(out.Name)
			if sa == nil {
				continue
			}
			res, pc := x.uploadOne(ProjectArtifacts{Type: "CODEPIPELINE", ArtifactIdentifier: out.Name}, sa, out.Name)
			if pc != nil {
				return pc
			}
			results = append(results, *res)
		}
	}
	b.SecondaryArtifacts = results
	return nil
}

// uploadOne collects one artifact's files and uploads them.
func (x *execution) uploadOne(cfg ProjectArtifacts, a *buildspec.Artifacts, identifier string) (*BuildArtifacts, *PhaseContext) {
	base := a.BaseDirectory
	if base == "" {
		base = "."
	}
	x.sink.container("Expanding base directory path: " + base)
	x.sink.container("Assembling file list")
	x.sink.container("Expanding " + base)
	x.sink.container("Expanding file paths for base directory " + base)
	x.sink.container("Assembling file list")
	for _, f := range a.Files {
		x.sink.container("Expanding " + f)
	}
	files, err := artifacts.Collect(x.srcDir, artifacts.Spec{
		Files: a.Files, BaseDirectory: a.BaseDirectory, DiscardPaths: a.DiscardPaths,
		ExcludePaths: a.ExcludePaths, EnableSymlinks: a.EnableSymlinks,
	})
	if err != nil {
		return nil, clientError("%v", err)
	}
	x.sink.container(fmt.Sprintf("Found %d file(s)", len(files)))
	res := &BuildArtifacts{
		OverrideArtifactName: cfg.OverrideArtifactName, EncryptionDisabled: cfg.EncryptionDisabled,
		ArtifactIdentifier: identifier, BucketOwnerAccess: cfg.BucketOwnerAccess,
	}
	if x.e.deps.Objects == nil {
		return nil, clientError("S3 is not available to upload artifacts")
	}
	var bucket, key string
	zipped := true
	switch cfg.Type {
	case "CODEPIPELINE":
		out := pipelineOutput(x.rec, identifier)
		if out == nil {
			return nil, clientError("no pipeline output artifact for %s", displayID(identifier))
		}
		bucket, key = out.Bucket, out.Key
	default:
		name := ""
		if cfg.OverrideArtifactName != nil && *cfg.OverrideArtifactName && a.Name != "" {
			// The buildspec name is evaluated by the build's shell
			// ("myname-$(date +%Y-%m-%d)").
			v, err := x.env.Eval(x.ctx, a.Name, x.command("", ""))
			if err != nil {
				return nil, clientError("evaluate artifact name %s: %v", a.Name, err)
			}
			name = v
		}
		bucket, key = artifactKey(x.rec, cfg, name, a.S3Prefix)
		zipped = cfg.Packaging == "ZIP"
	}
	if zipped {
		sha, md, err := x.putZip(bucket, key, files)
		if err != nil {
			return nil, clientError("upload artifact to s3://%s/%s: %v", bucket, key, err)
		}
		res.Sha256Sum, res.Md5Sum = sha, md
	} else {
		for _, f := range files {
			if err := x.putFile(bucket, joinKey(key, f.Name), f); err != nil {
				return nil, clientError("upload artifact file %s: %v", f.Name, err)
			}
		}
	}
	res.Location = "arn:aws:s3:::" + joinKey(bucket, key)
	return res, nil
}

func displayID(id string) string {
	if id == "" {
		return "the primary artifact"
	}
	return id
}

// putZip streams a zip of files to S3 and returns its SHA-256 and MD5.
func (x *execution) putZip(bucket, key string, files []artifacts.File) (string, string, error) {
	pr, pw := io.Pipe()
	sh, md := sha256.New(), md5.New()
	go func() {
		pw.CloseWithError(artifacts.WriteZip(io.MultiWriter(pw, sh, md), files))
	}()
	err := x.e.deps.Objects.PutObject(x.ctx, bucket, key, pr)
	pr.CloseWithError(errors.New("upload ended"))
	if err != nil {
		return "", "", err
	}
	return hex.EncodeToString(sh.Sum(nil)), hex.EncodeToString(md.Sum(nil)), nil
}

func (x *execution) putFile(bucket, key string, f artifacts.File) error {
	r, err := os.Open(f.Path)
	if err != nil {
		return err
	}
	defer r.Close()
	return x.e.deps.Objects.PutObject(x.ctx, bucket, key, r)
}

// uploadS3Logs uploads the gzipped build log to the S3 logs location as
// <location>/<build uuid>.gz.
func (x *execution) uploadS3Logs() {
	defer os.Remove(x.logCopy.Name())
	defer x.logCopy.Close()
	l := x.rec.Build.Logs
	if l == nil || l.S3Logs == nil || x.e.deps.Objects == nil {
		return
	}
	bucket, prefix := splitLocation(l.S3Logs.Location)
	key := joinKey(prefix, buildUUID(x.rec.Build.ID)+".gz")
	if _, err := x.logCopy.Seek(0, io.SeekStart); err != nil {
		return
	}
	pr, pw := io.Pipe()
	go func() {
		zw := gzip.NewWriter(pw)
		_, err := io.Copy(zw, x.logCopy)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		pw.CloseWithError(err)
	}()
	if err := x.e.deps.Objects.PutObject(x.bg, bucket, key, pr); err != nil {
		x.e.log.Warn("codebuild: upload S3 logs", "build", x.rec.Build.ID, "err", err)
		pr.CloseWithError(err)
		return
	}
	l.S3LogsArn = "arn:aws:s3:::" + joinKey(bucket, key)
	l.S3DeepLink = fmt.Sprintf("https://s3.console.aws.amazon.com/s3/object/%s/%s?region=%s", bucket, key, x.rec.Region)
}

// Caches.

// cacheStore is where a project's cache lives: an S3 location, or a
// directory under WorkDir (LOCAL with LOCAL_CUSTOM_CACHE).
type cacheStore struct {
	id             string // index key prefix
	bucket, prefix string // S3
	dir            string // LOCAL
}

func (x *execution) cacheStore() (*cacheStore, string) {
	c := x.rec.Build.Cache
	switch c.Type {
	case "S3":
		bucket, prefix := splitLocation(c.Location)
		if x.e.deps.Objects == nil {
			return nil, "S3 is not available for the cache"
		}
		return &cacheStore{id: "s3:" + c.Location, bucket: bucket, prefix: prefix}, ""
	case "LOCAL":
		for _, m := range c.Modes {
			if m == "LOCAL_CUSTOM_CACHE" {
				dir := filepath.Join(x.e.deps.WorkDir, "cache", x.rec.Account, x.rec.Region, x.rec.Build.ProjectName)
				return &cacheStore{id: "local:" + projectKey(x.rec.Account, x.rec.Region, x.rec.Build.ProjectName), dir: dir}, ""
			}
		}
		return nil, "LOCAL cache modes other than LOCAL_CUSTOM_CACHE are recorded only"
	}
	return nil, ""
}

// objectName names a cache archive: the project's one cache without a
// key, else one per key.
func (cs *cacheStore) objectName(key string) string {
	if key == "" {
		return "codebuild-cache.zip"
	}
	sum := sha256.Sum256([]byte(key))
	return "codebuild-cache-" + hex.EncodeToString(sum[:16]) + ".zip"
}

func (x *execution) cacheGet(cs *cacheStore, name string) (string, bool, error) {
	var r io.ReadCloser
	if cs.dir != "" {
		f, err := os.Open(filepath.Join(cs.dir, name))
		if errors.Is(err, os.ErrNotExist) {
			return "", false, nil
		}
		if err != nil {
			return "", false, err
		}
		r = f
	} else {
		rc, err := x.e.deps.Objects.GetObject(x.ctx, cs.bucket, joinKey(cs.prefix, name), "")
		if err != nil {
			if errors.Is(err, ErrSourceNotFound) {
				return "", false, nil
			}
			return "", false, err
		}
		r = rc
	}
	defer r.Close()
	tmp, err := os.CreateTemp(x.e.deps.WorkDir, "cache-*.zip")
	if err != nil {
		return "", false, err
	}
	defer tmp.Close()
	if _, err := io.Copy(tmp, r); err != nil {
		os.Remove(tmp.Name())
		return "", false, err
	}
	return tmp.Name(), true, nil
}

func (x *execution) cachePut(cs *cacheStore, name, file string) error {
	if cs.dir != "" {
		if err := os.MkdirAll(cs.dir, 0o755); err != nil {
			return err
		}
		// Rename into place: a reader never sees a half-written cache.
		return os.Rename(file, filepath.Join(cs.dir, name))
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	return x.e.deps.Objects.PutObject(x.ctx, cs.bucket, joinKey(cs.prefix, name), f)
}

type cacheKeyRecord struct {
	Key     string    `json:"key"`
	Object  string    `json:"object"`
	Created time.Time `json:"created"`
}

func (x *execution) cacheIndexKey(cs *cacheStore, key string) string {
	return x.rec.Account + "/" + x.rec.Region + "/" + cs.id + "|" + key
}

// cachePaths splits the buildspec's cache paths into patterns relative to
// CODEBUILD_SRC_DIR and absolute directory roots with their patterns.
type absCachePath struct{ root, pattern string }

func cachePaths(paths []string) (rel []string, abs []absCachePath) {
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") {
			rel = append(rel, p)
			continue
		}
		segs := strings.Split(strings.Trim(p, "/"), "/")
		i := 0
		for i < len(segs) && !strings.ContainsAny(segs[i], "*?[") {
			i++
		}
		root := "/" + strings.Join(segs[:i], "/")
		pattern := strings.Join(segs[i:], "/")
		if pattern == "" {
			root, pattern = "/"+strings.Join(segs[:max(i-1, 0)], "/"), segs[max(i-1, 0)]+"/**/*"
		}
		if root == "/" {
			continue // never the whole file system
		}
		abs = append(abs, absCachePath{root: path.Clean(root), pattern: pattern})
	}
	return rel, abs
}

func (x *execution) evalKey(k string) (string, error) {
	if !strings.ContainsAny(k, "$`") {
		return k, nil
	}
	return x.env.Eval(x.ctx, k, x.command("", ""))
}

// restoreCache restores the cache in DOWNLOAD_SOURCE: the exact key, then
// the first fallback key prefix that matches (newest first), or the
// project's unkeyed cache. Cache problems are logged, never fatal.
func (x *execution) restoreCache() {
	c := x.spec.Cache
	cs, why := x.cacheStore()
	if cs == nil {
		if why != "" {
			x.sink.container(why)
		}
		return
	}
	if c == nil || len(c.Paths) == 0 {
		x.sink.container("Unable to initialize cache download: no paths specified to be cached")
		return
	}
	if c.Action == "save" {
		x.sink.container("Skipping cache download: the cache action is save")
		return
	}
	var candidates []string
	if c.Key != "" {
		key, err := x.evalKey(c.Key)
		if err != nil {
			x.sink.container("Unable to evaluate cache key: " + err.Error())
			return
		}
		candidates = append(candidates, key)
		for _, fk := range c.FallbackKeys {
			prefix, err := x.evalKey(fk)
			if err != nil {
				continue
			}
			candidates = append(candidates, x.matchCacheKeys(cs, prefix)...)
		}
	} else {
		candidates = []string{""}
	}
	kind := "S3"
	if cs.dir != "" {
		kind = "local"
	}
	x.sink.container(fmt.Sprintf("Downloading %s cache...", kind))
	for _, k := range candidates {
		// Only caches this skiff saved (and that were not invalidated since)
		// are restored.
		var known cacheKeyRecord
		if x.e.st.View(x.ctx, func(tx store.Tx) error { return tx.Get(bucketCacheKeys, x.cacheIndexKey(cs, k), &known) }) != nil {
			continue
		}
		file, ok, err := x.cacheGet(cs, cs.objectName(k))
		if err != nil {
			x.sink.container("Unable to download cache: " + err.Error())
			return
		}
		if !ok {
			continue
		}
		err = x.extractCache(file, c.Paths)
		os.Remove(file)
		if err != nil {
			x.sink.container("Unable to restore cache: " + err.Error())
			return
		}
		if k != "" {
			x.sink.container("Cache download succeeded for key " + k)
		} else {
			x.sink.container("Cache download succeeded")
		}
		return
	}
	x.sink.container("Unable to download cache: no cache found")
}

// matchCacheKeys lists saved keys starting with prefix, newest first.
func (x *execution) matchCacheKeys(cs *cacheStore, prefix string) []string {
	var recs []cacheKeyRecord
	x.e.st.View(x.ctx, func(tx store.Tx) error {
		return tx.Scan(bucketCacheKeys, store.ScanOptions{Prefix: x.cacheIndexKey(cs, prefix)}, func(_ string, v []byte) error {
			var r cacheKeyRecord
			if jsonUnmarshal(v, &r) == nil && r.Key != "" {
				recs = append(recs, r)
			}
			return nil
		})
	})
	sort.Slice(recs, func(i, j int) bool { return recs[i].Created.After(recs[j].Created) })
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Key
	}
	return out
}

// extractCache restores "src/..." entries into CODEBUILD_SRC_DIR and
// "abs/<root>/..." entries into roots the buildspec's cache paths name
// now, nowhere else.
func (x *execution) extractCache(file string, paths []string) error {
	if err := artifacts.ExtractFile(file, x.srcDir, artifacts.Limits{Prefix: "src/"}); err != nil {
		return err
	}
	_, abs := cachePaths(paths)
	for _, a := range abs {
		if err := os.MkdirAll(a.root, 0o755); err != nil {
			return err
		}
		if err := artifacts.ExtractFile(file, a.root, artifacts.Limits{Prefix: "abs" + a.root + "/"}); err != nil {
			return err
		}
	}
	return nil
}

// saveCache saves the cache in UPLOAD_ARTIFACTS. A keyed cache is
// immutable: an existing key is not overwritten.
func (x *execution) saveCache() {
	c := x.spec.Cache
	cs, _ := x.cacheStore()
	if cs == nil || c == nil || len(c.Paths) == 0 || c.Action == "restore" {
		return
	}
	key := ""
	if c.Key != "" {
		k, err := x.evalKey(c.Key)
		if err != nil {
			x.sink.container("Unable to evaluate cache key: " + err.Error())
			return
		}
		key = k
		var existing cacheKeyRecord
		err = x.e.st.View(x.ctx, func(tx store.Tx) error { return tx.Get(bucketCacheKeys, x.cacheIndexKey(cs, key), &existing) })
		if err == nil {
			x.sink.container("Cache with key " + key + " already exists; a cache with a key is not updated")
			return
		}
	}
	rel, abs := cachePaths(c.Paths)
	var files []artifacts.File
	if len(rel) > 0 {
		fs, err := artifacts.Collect(x.srcDir, artifacts.Spec{Files: rel, EnableSymlinks: true})
		if err != nil && !errors.Is(err, artifacts.ErrNoMatch) {
			x.sink.container("Unable to collect cache files: " + err.Error())
			return
		}
		for _, f := range fs {
			f.Name = "src/" + f.Name
			files = append(files, f)
		}
	}
	for _, a := range abs {
		fs, err := artifacts.Collect(a.root, artifacts.Spec{Files: []string{a.pattern}, EnableSymlinks: true})
		if err != nil {
			if !errors.Is(err, artifacts.ErrNoMatch) {
				x.sink.container("Unable to collect cache files under " + a.root + ": " + err.Error())
			}
			continue
		}
		for _, f := range fs {
			f.Name = "abs" + a.root + "/" + f.Name
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		x.sink.container("No cache files found to upload")
		return
	}
	tmp, err := os.CreateTemp(x.e.deps.WorkDir, "cache-*.zip")
	if err != nil {
		return
	}
	defer os.Remove(tmp.Name())
	err = artifacts.WriteZip(tmp, files)
	tmp.Close()
	if err != nil {
		x.sink.container("Unable to write cache: " + err.Error())
		return
	}
	if cs.dir != "" {
		x.sink.container("Saving local cache...")
	} else {
		x.sink.container("Uploading S3 cache...")
	}
	name := cs.objectName(key)
	if err := x.cachePut(cs, name, tmp.Name()); err != nil {
		x.sink.container("Unable to upload cache: " + err.Error())
		return
	}
	x.e.st.Update(x.bg, func(tx store.Tx) error {
		return tx.Put(bucketCacheKeys, x.cacheIndexKey(cs, key), cacheKeyRecord{Key: key, Object: name, Created: time.Now()})
	})
}

var jsonUnmarshal = json.Unmarshal
