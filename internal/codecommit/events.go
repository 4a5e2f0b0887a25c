package codecommit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// maxChangedFiles bounds the paths one event lists.
const maxChangedFiles = 10000

// Event sources.
const (
	SourceGit            = "git"            // a git push
	SourceAPI            = "api"            // PutFile, CreateCommit, CreateBranch, DeleteBranch
	SourceCloudFormation = "cloudformation" // the Code property seeding a new repository
	// SourceRecovered marks a ref change found at startup (or before the
	// next push) that was applied to the repository but whose recording
	// was interrupted by a crash; the pusher is unknown.
	SourceRecovered = "recovered"
)

// PushEvent is one ref update in a repository.
type PushEvent struct {
	// ID orders events: "<unix nanos>-<sequence>".
	ID             string    `json:"id"`
	Time           time.Time `json:"time"`
	AccountID      string    `json:"accountId"`
	Region         string    `json:"region"`
	RepositoryName string    `json:"repositoryName"`
	RepositoryID   string    `json:"repositoryId"`
	// Ref is the full ref name (refs/heads/main, refs/tags/v1).
	Ref string `json:"ref"`
	// OldCommit and NewCommit are the commits the ref pointed to before
	// and after (annotated tags peeled to their commit; a ref to a
	// non-commit object gives the object id). OldCommit is "" for a ref
	// the push created, NewCommit "" for one it deleted.
	OldCommit string `json:"oldCommit,omitempty"`
	NewCommit string `json:"newCommit,omitempty"`
	// Pusher is the caller's ARN (IAM principal of the access key or of
	// the static git credential's user).
	Pusher string `json:"pusher,omitempty"`
	Source string `json:"source"`

	// Author and committer of the new commit (empty for deletes).
	AuthorName     string    `json:"authorName,omitempty"`
	AuthorEmail    string    `json:"authorEmail,omitempty"`
	AuthorTime     time.Time `json:"authorTime,omitzero"`
	CommitterName  string    `json:"committerName,omitempty"`
	CommitterEmail string    `json:"committerEmail,omitempty"`
	CommitterTime  time.Time `json:"committerTime,omitzero"`
	Message        string    `json:"message,omitempty"`

	// ChangedFiles are the paths that differ between the old and the new
	// commit; for a created ref, the paths changed by the commits that are
	// new to the repository; none for a delete. At most 10000 are listed.
	ChangedFiles          []string `json:"changedFiles,omitempty"`
	ChangedFilesTruncated bool     `json:"changedFilesTruncated,omitempty"`
}

// Created reports whether the event created the ref.
func (ev *PushEvent) Created() bool { return ev.OldCommit == "" && ev.NewCommit != "" }

// Deleted reports whether the event deleted the ref.
func (ev *PushEvent) Deleted() bool { return ev.NewCommit == "" }

// Branch returns the branch name for refs/heads/ refs, else "".
func (ev *PushEvent) Branch() string {
	b, _ := strings.CutPrefix(ev.Ref, "refs/heads/")
	if b == ev.Ref {
		return ""
	}
	return b
}

// OnPush subscribes fn to every push event. Each subscriber gets events in
// the order they were recorded, after they are durable, on its own
// goroutine: a slow subscriber delays only itself, never a git response.
// ctx carries the repository's account and region (awsctx). Events that
// were recorded but not yet delivered when skiff stops are not redelivered
// at the next start; subscribers that need every event read PushEvents.
//
// Ref changes that New found unrecorded at startup (see SourceRecovered)
// are delivered to every subscriber first.
func (e *Engine) OnPush(fn func(ctx context.Context, ev PushEvent)) {
	e.subMu.Lock()
	defer e.subMu.Unlock()
	s := &subscriber{e: e, fn: fn}
	e.subs = append(e.subs, s)
	if len(e.recovered) > 0 && !e.closed {
		s.push(e.recovered)
	}
}

type subscriber struct {
	e       *Engine
	fn      func(context.Context, PushEvent)
	mu      sync.Mutex
	queue   []PushEvent
	running bool
	closed  bool
}

func (s *subscriber) push(evs []PushEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.queue = append(s.queue, evs...)
	if s.running {
		return
	}
	s.running = true
	s.e.bg.Add(1)
	go s.drain()
}

func (s *subscriber) drain() {
	defer s.e.bg.Done()
	for {
		s.mu.Lock()
		if len(s.queue) == 0 || s.closed {
			s.queue = nil
			s.running = false
			s.mu.Unlock()
			return
		}
		ev := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		s.deliver(ev)
	}
}

func (s *subscriber) deliver(ev PushEvent) {
	defer func() {
		if r := recover(); r != nil {
			s.e.log.Error("push event subscriber panicked", "repository", ev.RepositoryName, "ref", ev.Ref, "panic", fmt.Sprint(r))
		}
	}()
	ctx := awsctx.With(context.Background(), awsctx.Scope{AccountID: ev.AccountID, Region: ev.Region, Principal: ev.Pusher})
	s.fn(ctx, ev)
}

func (s *subscriber) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

func (e *Engine) dispatch(evs []PushEvent) {
	if len(evs) == 0 {
		return
	}
	e.subMu.Lock()
	subs := append([]*subscriber(nil), e.subs...)
	closed := e.closed
	e.subMu.Unlock()
	if closed {
		return
	}
	for _, s := range subs {
		s.push(evs)
	}
}

// PushEvents returns a repository's push events recorded at or after
// since (the zero time gives all), oldest first.
func (e *Engine) PushEvents(ctx context.Context, repo string, since time.Time) ([]PushEvent, error) {
	rec, err := e.getRecord(ctx, repo)
	if err != nil {
		return nil, err
	}
	opt := store.ScanOptions{Prefix: rec.ID + "/"}
	if !since.IsZero() && since.UnixNano() > 0 {
		opt.After = fmt.Sprintf("%s/%020d", rec.ID, since.UnixNano())
	}
	out := []PushEvent{}
	err = e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketEvents, opt, func(_ string, v []byte) error {
			var ev PushEvent
			if err := jsonUnmarshal(v, &ev); err != nil {
				return err
			}
			out = append(out, ev)
			return nil
		})
	})
	return out, err
}

// refChange is one ref's before and after.
type refChange struct {
	Ref      string
	Old, New refInfo // zero ID: absent
}

func diffRefs(before, after map[string]refInfo) []refChange {
	var out []refChange
	for r, a := range after {
		if b, ok := before[r]; !ok || b.ID != a.ID {
			out = append(out, refChange{Ref: r, Old: before[r], New: a})
		}
	}
	for r, b := range before {
		if _, ok := after[r]; !ok {
			out = append(out, refChange{Ref: r, Old: b})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out
}

// recordRefChanges turns the difference between two ref states of a
// repository into push events, stores them with the new refs snapshot and
// the default branch in one transaction, queues them for the subscribers
// and returns them. The caller holds the repository lock.
func (e *Engine) recordRefChanges(ctx context.Context, rec *repoRecord, before, after map[string]refInfo, pusher, source string) ([]PushEvent, error) {
	dir := e.repoPath(rec.ID)
	changes := diffRefs(before, after)
	var evs []PushEvent
	if len(changes) > 0 {
		var err error
		evs, err = e.buildEvents(ctx, dir, rec, changes, before, pusher, source)
		if err != nil {
			return nil, err
		}
	}
	newDefault := pickDefaultBranch(rec.DefaultBranch, after, changes)
	if len(changes) == 0 && newDefault == rec.DefaultBranch {
		return nil, nil // nothing moved (a refused push, git's probe request)
	}
	if newDefault != "" && newDefault != rec.DefaultBranch {
		if _, err := runGit(ctx, dir, nil, nil, "symbolic-ref", "HEAD", "refs/heads/"+newDefault); err != nil {
			return nil, err
		}
	}
	now := e.now().UTC()
	err := e.st.Update(ctx, func(tx store.Tx) error {
		var k string
		if err := tx.Get(bucketIDs, rec.ID, &k); err != nil {
			return err // deleted meanwhile: nothing to record
		}
		cur := &repoRecord{}
		if err := tx.Get(bucketRepos, k, cur); err != nil {
			return err
		}
		if newDefault != cur.DefaultBranch {
			cur.DefaultBranch = newDefault
		}
		if len(changes) > 0 {
			cur.Modified = now.Truncate(time.Millisecond)
		}
		if err := tx.Put(bucketRepos, k, cur); err != nil {
			return err
		}
		if err := tx.Put(bucketRefs, rec.ID, refIDs(after)); err != nil {
			return err
		}
		for i := range evs {
			seq, err := tx.NextSeq("codecommit.events")
			if err != nil {
				return err
			}
			evs[i].Time = now
			evs[i].RepositoryName = cur.Name
			evs[i].ID = fmt.Sprintf("%020d-%019d", now.UnixNano(), seq)
			key := fmt.Sprintf("%s/%020d/%019d", rec.ID, now.UnixNano(), seq)
			if err := tx.Put(bucketEvents, key, &evs[i]); err != nil {
				return err
			}
		}
		*rec = *cur
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Queued while the repository lock is held, so each subscriber sees a
	// repository's events in the order they were recorded.
	e.dispatch(evs)
	return evs, nil
}

// pickDefaultBranch keeps the default branch while it exists; otherwise
// (first push, or the default branch was deleted) it picks, among the
// branches, main, then master, then the first created by these changes,
// then the first by name. "" means the repository has no branch.
func pickDefaultBranch(cur string, after map[string]refInfo, changes []refChange) string {
	if cur != "" {
		if _, ok := after["refs/heads/"+cur]; ok {
			return cur
		}
	}
	var branches []string
	for r := range after {
		if b, ok := strings.CutPrefix(r, "refs/heads/"); ok {
			branches = append(branches, b)
		}
	}
	if len(branches) == 0 {
		return ""
	}
	sort.Strings(branches)
	for _, want := range []string{"main", "master"} {
		for _, b := range branches {
			if b == want {
				return b
			}
		}
	}
	for _, c := range changes {
		if b, ok := strings.CutPrefix(c.Ref, "refs/heads/"); ok && c.New.ID != "" {
			return b
		}
	}
	return branches[0]
}

func (e *Engine) buildEvents(ctx context.Context, dir string, rec *repoRecord, changes []refChange, before map[string]refInfo, pusher, source string) ([]PushEvent, error) {
	var revs []string
	for _, c := range changes {
		if c.New.ID != "" {
			revs = append(revs, c.New.ID)
		}
	}
	commits, err := readCommits(ctx, dir, revs)
	if err != nil {
		return nil, err
	}
	// The commits the repository had before: what "new to the
	// repository" is measured against.
	var known bytes.Buffer
	seen := map[string]bool{}
	for _, ri := range before {
		if ri.Commit != "" && !seen[ri.Commit] {
			seen[ri.Commit] = true
			known.WriteString("^" + ri.Commit + "\n")
		}
	}
	evs := make([]PushEvent, 0, len(changes))
	for _, c := range changes {
		ev := PushEvent{
			AccountID: rec.AccountID, Region: rec.Region, RepositoryName: rec.Name, RepositoryID: rec.ID,
			Ref: c.Ref, Pusher: pusher, Source: source,
		}
		ev.OldCommit = peeled(c.Old)
		ev.NewCommit = peeled(c.New)
		if c.New.ID != "" {
			if cm := commits[c.New.ID]; cm != nil {
				ev.NewCommit = cm.ID
				ev.AuthorName, ev.AuthorEmail, ev.AuthorTime = cm.Author.Name, cm.Author.Email, cm.Author.Time.UTC()
				ev.CommitterName, ev.CommitterEmail, ev.CommitterTime = cm.Committer.Name, cm.Committer.Email, cm.Committer.Time.UTC()
				ev.Message = cm.Message
				files, err := changedFiles(ctx, dir, c.Old.Commit, cm.ID, known.Bytes())
				if err != nil {
					return nil, err
				}
				if len(files) > maxChangedFiles {
					files, ev.ChangedFilesTruncated = files[:maxChangedFiles], true
				}
				ev.ChangedFiles = files
			}
		}
		evs = append(evs, ev)
	}
	return evs, nil
}

func peeled(ri refInfo) string {
	if ri.Commit != "" {
		return ri.Commit
	}
	return ri.ID
}

// changedFiles lists the paths that differ from old to new, or, when old
// is "", the paths the commits reachable from new but not from known
// change (each commit against its first parent).
func changedFiles(ctx context.Context, dir, old, new string, known []byte) ([]string, error) {
	var out []byte
	var err error
	if old != "" {
		out, err = runGit(ctx, dir, nil, nil, "diff-tree", "-r", "-z", "--no-renames", "--name-only", old, new)
	} else {
		out, err = runGit(ctx, dir, bytes.NewReader(known), nil, "log", "--stdin", "--format=", "--name-only", "-z",
			"--no-renames", "--diff-merges=first-parent", new)
	}
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	files := []string{}
	for _, p := range bytes.Split(out, []byte{0}) {
		s := strings.Trim(string(p), "\n")
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		files = append(files, s)
	}
	sort.Strings(files)
	return files, nil
}

// reconcile records ref changes found in the repository that its snapshot
// in the store does not have (a push or commit whose recording a crash
// interrupted). The caller holds the repository lock.
func (e *Engine) reconcile(ctx context.Context, rec *repoRecord) ([]PushEvent, map[string]refInfo, error) {
	actual, err := listRefs(ctx, e.repoPath(rec.ID))
	if err != nil {
		return nil, nil, err
	}
	var snap map[string]string
	err = e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bucketRefs, rec.ID, &snap) })
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, nil, err
	}
	drift := len(snap) != len(actual)
	for r, ri := range actual {
		if snap[r] != ri.ID {
			drift = true
		}
	}
	if !drift {
		return nil, actual, nil
	}
	before := map[string]refInfo{}
	for r, id := range snap {
		before[r] = refInfo{ID: id}
	}
	// Peel the snapshot's ids (they are commits in all but tag cases).
	var ids []string
	for _, id := range snap {
		ids = append(ids, id)
	}
	commits, err := readCommits(ctx, e.repoPath(rec.ID), ids)
	if err != nil {
		return nil, nil, err
	}
	for r, ri := range before {
		if c := commits[ri.ID]; c != nil {
			ri.Commit = c.ID
			before[r] = ri
		}
	}
	e.log.Warn("recording ref changes a crash left unrecorded", "repository", rec.Name, "id", rec.ID)
	evs, err := e.recordRefChanges(ctx, rec, before, actual, "", SourceRecovered)
	return evs, actual, err
}

var repoDirPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.git$`)

// recover runs at startup, before any request: it removes temporary and
// orphaned directories, stale lock files, and records unrecorded ref
// changes.
func (e *Engine) recover(ctx context.Context) error {
	if ents, err := os.ReadDir(e.tmp); err == nil {
		for _, en := range ents {
			os.RemoveAll(filepath.Join(e.tmp, en.Name()))
		}
	}
	var recs []repoRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketRepos, store.ScanOptions{}, func(_ string, v []byte) error {
			var r repoRecord
			if err := jsonUnmarshal(v, &r); err != nil {
				return err
			}
			recs = append(recs, r)
			return nil
		})
	})
	if err != nil {
		return err
	}
	known := map[string]bool{}
	for _, r := range recs {
		known[r.ID+".git"] = true
	}
	ents, err := os.ReadDir(e.dir)
	if err != nil {
		return err
	}
	for _, en := range ents {
		if en.IsDir() && repoDirPattern.MatchString(en.Name()) && !known[en.Name()] {
			e.log.Warn("removing repository directory without metadata (interrupted create or delete)", "dir", en.Name())
			os.RemoveAll(filepath.Join(e.dir, en.Name()))
		}
	}
	var all []PushEvent
	for i := range recs {
		rec := &recs[i]
		path := e.repoPath(rec.ID)
		if _, err := os.Stat(path); err != nil {
			e.log.Error("repository directory missing", "repository", rec.Name, "id", rec.ID, "err", err)
			continue
		}
		removeStaleLocks(path, e.log)
		evs, _, err := e.reconcile(ctx, rec)
		if err != nil {
			e.log.Error("reconcile repository refs", "repository", rec.Name, "id", rec.ID, "err", err)
			continue
		}
		all = append(all, evs...)
	}
	e.recovered = all
	return nil
}

// removeStaleLocks deletes lock files a killed git left behind. Only
// called when no git process of this skiff can be running.
func removeStaleLocks(repo string, log interface{ Warn(string, ...any) }) {
	for _, f := range []string{"packed-refs.lock", "HEAD.lock", "config.lock", "shallow.lock", "index.lock"} {
		if err := os.Remove(filepath.Join(repo, f)); err == nil {
			log.Warn("removed stale git lock", "file", filepath.Join(repo, f))
		}
	}
	filepath.WalkDir(filepath.Join(repo, "refs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".lock") {
			if os.Remove(p) == nil {
				log.Warn("removed stale git lock", "file", p)
			}
		}
		return nil
	})
}
