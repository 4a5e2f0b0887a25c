package codecommit

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// GitPathPrefix is where GitHandler serves repositories:
// <endpoint>/v1/repos/<name>, as CodeCommit's clone URLs.
const GitPathPrefix = "/v1/repos/"

// memSpool is how much of a request body is kept in memory before the
// rest goes to a temporary file.
const memSpool = 4 << 20

// GitHandler serves git's smart HTTP protocol (clone, fetch, push) for
// every repository at /v1/repos/<name>. Mount it on skiff's port at
// GitPathPrefix.
func (e *Engine) GitHandler() http.Handler { return http.HandlerFunc(e.serveGit) }

func (e *Engine) serveGit(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, GitPathPrefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	name, action, _ := strings.Cut(rest, "/")
	var svc string
	switch {
	case action == "info/refs" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		svc = r.URL.Query().Get("service")
		if svc != "git-upload-pack" && svc != "git-receive-pack" {
			httpError(w, http.StatusForbidden, "skiff serves git's smart HTTP protocol only; use git 1.6.6 or later")
			return
		}
	case (action == "git-upload-pack" || action == "git-receive-pack") && r.Method == http.MethodPost:
		svc = action
	default:
		httpError(w, http.StatusNotFound, "not found")
		return
	}
	if checkRepoName(name) != nil {
		httpError(w, http.StatusNotFound, fmt.Sprintf("repository '%s' not found", name))
		return
	}
	id, err := e.authenticate(r, name)
	if err != nil {
		var af *authFailure
		if errors.As(err, &af) {
			if af.status == authNeeded {
				w.Header().Set("WWW-Authenticate", `Basic realm="skiff"`)
				httpError(w, http.StatusUnauthorized, "authentication required")
				return
			}
			e.log.Info("git authentication failed", "repository", name, "reason", af.reason)
			httpError(w, http.StatusForbidden, "access denied")
			return
		}
		e.log.Error("git authentication", "err", err)
		httpError(w, http.StatusInternalServerError, "internal error")
		return
	}
	rec, err := e.findRepoForGit(r.Context(), id, name)
	if err != nil {
		if ErrRepositoryDoesNotExist.Is(err) {
			httpError(w, http.StatusNotFound, fmt.Sprintf("repository '%s' not found", name))
			return
		}
		e.log.Error("git repository lookup", "repository", name, "err", err)
		httpError(w, http.StatusInternalServerError, "internal error")
		return
	}
	ctx := awsctx.With(r.Context(), awsctx.Scope{AccountID: rec.AccountID, Region: rec.Region, Principal: id.Principal})
	r = r.WithContext(ctx)
	switch {
	case action == "info/refs":
		e.serveAdvertisement(w, r, rec, svc)
	case svc == "git-upload-pack":
		e.serveUploadPack(w, r, rec)
	default:
		e.serveReceivePack(w, r, rec, id)
	}
}

func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

func noCache(h http.Header) {
	h.Set("Expires", "Fri, 01 Jan 1980 00:00:00 GMT")
	h.Set("Pragma", "no-cache")
	h.Set("Cache-Control", "no-cache, max-age=0, must-revalidate")
}

// findRepoForGit finds the repository a git URL names: in the region the
// SigV4 password was signed for (or the default region for static
// credentials), else in the one region of the account that has it.
func (e *Engine) findRepoForGit(ctx context.Context, id *gitIdentity, name string) (*repoRecord, error) {
	region := id.Region
	if region == "" {
		region = e.defaultRegion
	}
	rec := &repoRecord{}
	err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bucketRepos, repoKey(id.AccountID, region, name), rec) })
	if err == nil {
		return rec, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	regions := e.regionsWithRepo(ctx, id.AccountID, name)
	if len(regions) != 1 {
		return nil, repoNotFound(name)
	}
	err = e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bucketRepos, repoKey(id.AccountID, regions[0], name), rec) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, repoNotFound(name)
	}
	return rec, err
}

// gitProtocol returns the Git-Protocol header value if it is well formed
// (version=2 and the like), for the GIT_PROTOCOL environment variable.
func gitProtocol(r *http.Request) string {
	v := r.Header.Get("Git-Protocol")
	if v == "" || len(v) > 256 {
		return ""
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("=:.-_", c)) {
			return ""
		}
	}
	return v
}

func (e *Engine) serveAdvertisement(w http.ResponseWriter, r *http.Request, rec *repoRecord, svc string) {
	proto := ""
	if svc == "git-upload-pack" {
		proto = gitProtocol(r)
	}
	ctx, cancel := context.WithTimeout(r.Context(), plumbingTimeout)
	defer cancel()
	env := gitEnv()
	if proto != "" {
		env = append(env, "GIT_PROTOCOL="+proto)
	}
	cmd := gitCmd(ctx, env, strings.TrimPrefix(svc, "git-"), "--stateless-rpc", "--advertise-refs", e.repoPath(rec.ID))
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &limitedBuffer{max: 64 << 10, buf: &stderr}
	if err := runCmd(cmd); err != nil {
		e.log.Error("git advertisement", "repository", rec.Name, "service", svc, "err", err, "stderr", stderr.String())
		httpError(w, http.StatusInternalServerError, "internal error")
		return
	}
	h := w.Header()
	noCache(h)
	h.Set("Content-Type", "application/x-"+svc+"-advertisement")
	w.WriteHeader(http.StatusOK)
	if !strings.Contains(proto, "version=2") {
		// Smart HTTP's first packet names the service (protocol v0/v1).
		line := "# service=" + svc + "\n"
		fmt.Fprintf(w, "%04x%s0000", len(line)+4, line)
	}
	w.Write(out.Bytes())
}

// requestBody returns the request body, decompressed if git gzipped it.
func requestBody(r *http.Request) (io.ReadCloser, error) {
	switch r.Header.Get("Content-Encoding") {
	case "", "identity":
		return r.Body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		return zr, nil
	}
	return nil, fmt.Errorf("unsupported Content-Encoding %q", r.Header.Get("Content-Encoding"))
}

// spool reads a whole body (in memory up to memSpool, then in a temporary
// file) so git starts only once the client has sent everything: a client
// that dies mid-transfer never reaches git.
type spooled struct {
	mem  *bytes.Buffer
	file *os.File
	size int64
}

func (e *Engine) spool(body io.Reader, max int64) (*spooled, error) {
	s := &spooled{mem: &bytes.Buffer{}}
	n, err := io.Copy(s.mem, io.LimitReader(body, memSpool))
	s.size = n
	if err != nil {
		return nil, err
	}
	if n < memSpool {
		return s, nil
	}
	f, err := os.CreateTemp(e.tmp, "body-")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // unlinked: gone with the descriptor
	s.file = f
	if _, err := f.Write(s.mem.Bytes()); err != nil {
		s.Close()
		return nil, err
	}
	m, err := io.Copy(f, io.LimitReader(body, max-n+1))
	s.size += m
	if err != nil {
		s.Close()
		return nil, err
	}
	if s.size > max {
		s.Close()
		return nil, errTooLarge
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

var errTooLarge = errors.New("request body too large")

func (s *spooled) Reader() io.Reader {
	if s.file != nil {
		return s.file
	}
	return bytes.NewReader(s.mem.Bytes())
}

func (s *spooled) Close() {
	if s.file != nil {
		s.file.Close()
	}
}

func (e *Engine) serveUploadPack(w http.ResponseWriter, r *http.Request, rec *repoRecord) {
	body, err := requestBody(r)
	if err != nil {
		httpError(w, http.StatusUnsupportedMediaType, err.Error())
		return
	}
	in, err := e.spool(body, 256<<20)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			httpError(w, http.StatusRequestEntityTooLarge, "request too large")
		}
		return // the client went away
	}
	defer in.Close()
	ctx, cancel := context.WithTimeout(r.Context(), transferTimeout)
	defer cancel()
	env := gitEnv()
	if proto := gitProtocol(r); proto != "" {
		env = append(env, "GIT_PROTOCOL="+proto)
	}
	cmd := gitCmd(ctx, env, "upload-pack", "--stateless-rpc", e.repoPath(rec.ID))
	cmd.Stdin = in.Reader()
	var stderr bytes.Buffer
	cmd.Stderr = &limitedBuffer{max: 64 << 10, buf: &stderr}
	h := w.Header()
	noCache(h)
	h.Set("Content-Type", "application/x-git-upload-pack-result")
	fw := &flushWriter{w: w}
	cmd.Stdout = fw
	if err := runCmd(cmd); err != nil {
		if !fw.wrote {
			e.log.Error("git upload-pack", "repository", rec.Name, "err", err, "stderr", stderr.String())
			h.Del("Content-Type")
			httpError(w, http.StatusInternalServerError, "internal error")
			return
		}
		e.log.Info("git upload-pack ended early", "repository", rec.Name, "err", err, "stderr", stderr.String())
	}
}

// flushWriter streams a response, flushing each write.
type flushWriter struct {
	w     http.ResponseWriter
	wrote bool
}

func (f *flushWriter) Write(p []byte) (int, error) {
	f.wrote = true
	n, err := f.w.Write(p)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}

// serveReceivePack runs a push. The request body is spooled first; then,
// under the repository lock, receive-pack applies it (objects first, refs
// last) and the ref changes are recorded as push events in the store; only
// then does git's report reach the client. What the client is told was
// pushed is therefore durable in both the repository and the store.
func (e *Engine) serveReceivePack(w http.ResponseWriter, r *http.Request, rec *repoRecord, id *gitIdentity) {
	body, err := requestBody(r)
	if err != nil {
		httpError(w, http.StatusUnsupportedMediaType, err.Error())
		return
	}
	in, err := e.spool(body, e.maxPush)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			httpError(w, http.StatusRequestEntityTooLarge, "push too large")
			return
		}
		e.log.Info("git push interrupted before it was received; repository unchanged", "repository", rec.Name, "err", err)
		return
	}
	defer in.Close()
	// The push runs to completion even if the client goes away now: a
	// receive-pack killed mid-update would leave lock files behind.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), transferTimeout)
	defer cancel()
	out, _, status := e.receivePack(ctx, rec, id, in.Reader())
	h := w.Header()
	noCache(h)
	if status != http.StatusOK {
		httpError(w, status, "push failed")
		return
	}
	h.Set("Content-Type", "application/x-git-receive-pack-result")
	w.WriteHeader(http.StatusOK)
	w.Write(out)
	e.housekeep(rec)
}

func (e *Engine) receivePack(ctx context.Context, rec *repoRecord, id *gitIdentity, in io.Reader) ([]byte, []PushEvent, int) {
	unlock := e.repoLock(rec.ID)
	defer unlock()
	// The repository may have been deleted while the push was uploading.
	if _, err := e.recordByID(ctx, rec.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, http.StatusNotFound
		}
		return nil, nil, http.StatusInternalServerError
	}
	before, err := e.lockedBefore(ctx, rec)
	if err != nil {
		e.log.Error("git push: read refs", "repository", rec.Name, "err", err)
		return nil, nil, http.StatusInternalServerError
	}
	cmd := gitCmd(ctx, gitEnv(), "receive-pack", "--stateless-rpc", e.repoPath(rec.ID))
	var out, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, &out, &limitedBuffer{max: 64 << 10, buf: &stderr}
	runErr := runCmd(cmd)
	after, err := listRefs(ctx, e.repoPath(rec.ID))
	if err != nil {
		e.log.Error("git push: read refs", "repository", rec.Name, "err", err)
		return nil, nil, http.StatusInternalServerError
	}
	evs, err := e.recordRefChanges(ctx, rec, before, after, id.Principal, SourceGit)
	if err != nil {
		// The refs changed but the events are not recorded: the push is not
		// acknowledged, and the next push or start records the change.
		e.log.Error("git push: record push events", "repository", rec.Name, "err", err)
		return nil, nil, http.StatusInternalServerError
	}
	if runErr != nil && out.Len() == 0 {
		e.log.Error("git receive-pack", "repository", rec.Name, "err", runErr, "stderr", stderr.String())
		return nil, evs, http.StatusInternalServerError
	}
	return out.Bytes(), evs, http.StatusOK
}

// housekeep runs git gc --auto after a push, in the background and
// outside the push (receive.autogc is off so pushes never wait for it).
func (e *Engine) housekeep(rec *repoRecord) {
	e.subMu.Lock()
	closed := e.closed
	if !closed {
		e.bg.Add(1)
	}
	e.subMu.Unlock()
	if closed {
		return
	}
	go func() {
		defer e.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if _, err := runGit(ctx, e.repoPath(rec.ID), nil, nil, "gc", "--auto", "--quiet"); err != nil {
			e.log.Warn("git gc --auto", "repository", rec.Name, "err", err)
		}
	}()
}
