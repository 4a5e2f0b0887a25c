package codecommit

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/store"
)

const (
	bucketRepos  = "codecommit.repos"    // <account>/<region>/<name> → repoRecord
	bucketIDs    = "codecommit.ids"      // <repositoryId> → <account>/<region>/<name>
	bucketRefs   = "codecommit.refs"     // <repositoryId> → refs snapshot (map ref → id)
	bucketEvents = "codecommit.events"   // <repositoryId>/<unix nanos>/<seq> → PushEvent
	bucketCreds  = "codecommit.gitcreds" // <credential id> → gitCredRecord

	// DefaultKMSKeyID is the key AWS reports for repositories created
	// without one.
	DefaultKMSKeyID = "alias/aws/codecommit"
	// DefaultRegion is where static git credentials look for repositories
	// first (SigV4 passwords carry their own region).
	DefaultRegion = "us-east-1"
)

// Page sizes of ListRepositories and ListBranches (variables for tests).
var (
	listRepositoriesPage = 1000
	listBranchesPage     = 1000
)

// ObjectReader reads an object from skiff's S3, for the Code property of
// AWS::CodeCommit::Repository. version is empty for the current version.
type ObjectReader interface {
	GetObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, error)
}

// Option configures an Engine.
type Option func(*Engine)

// WithEndpoint sets how the engine learns skiff's endpoint URL (for
// cloneUrlHttp). Without it clone URLs name AWS's host.
func WithEndpoint(fn func() string) Option { return func(e *Engine) { e.endpoint = fn } }

// WithObjectReader lets AWS::CodeCommit::Repository seed repositories from
// zip files in S3 (the Code property).
func WithObjectReader(r ObjectReader) Option { return func(e *Engine) { e.objects = r } }

// WithDefaultRegion sets the region git requests authenticated with static
// git credentials look in first (default us-east-1).
func WithDefaultRegion(region string) Option { return func(e *Engine) { e.defaultRegion = region } }

// WithClock replaces the clock (tests move it to check signature expiry).
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.now = now } }

// WithMaxPushSize bounds the request body of one push (default 2 GiB).
func WithMaxPushSize(n int64) Option { return func(e *Engine) { e.maxPush = n } }

// Engine is CodeCommit: repository metadata in the store, bare git
// repositories in reposDir, git smart HTTP, the API and push events.
type Engine struct {
	st            store.Store
	dir           string
	tmp           string
	creds         awswire.Credentials
	log           *slog.Logger
	endpoint      func() string
	objects       ObjectReader
	defaultRegion string
	now           func() time.Time
	maxPush       int64
	modernFsync   bool

	locks sync.Map // repository id → *sync.Mutex

	subMu     sync.Mutex
	subs      []*subscriber
	recovered []PushEvent // found at startup, for subscribers
	closed    bool
	bg        sync.WaitGroup
}

// New opens the engine. reposDir holds one bare repository per
// CodeCommit repository (named by repository id, so renames never move
// files); creds resolves access keys for git's SigV4 passwords. At start
// it repairs what a crash may have left: stale ref locks, repository
// directories without metadata, and ref changes that were applied but not
// yet recorded as push events.
func New(st store.Store, reposDir string, creds awswire.Credentials, log *slog.Logger, opts ...Option) (*Engine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{st: st, dir: reposDir, creds: creds, log: log, defaultRegion: DefaultRegion, now: time.Now, maxPush: 2 << 30}
	for _, o := range opts {
		o(e)
	}
	ctx := context.Background()
	v, err := gitVersion(ctx)
	if err != nil {
		return nil, err
	}
	if !gitAtLeast(v, 2, 31) {
		return nil, fmt.Errorf("codecommit needs git 2.31 or later, found %s", v)
	}
	e.modernFsync = gitAtLeast(v, 2, 36)
	e.tmp = filepath.Join(reposDir, ".tmp")
	if err := os.MkdirAll(e.tmp, 0o700); err != nil {
		return nil, fmt.Errorf("codecommit: create %s: %w", e.tmp, err)
	}
	if err := e.recover(ctx); err != nil {
		return nil, fmt.Errorf("codecommit: recover: %w", err)
	}
	return e, nil
}

func gitAtLeast(v string, major, minor int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, _ := strconv.Atoi(parts[0])
	mi, _ := strconv.Atoi(parts[1])
	return ma > major || ma == major && mi >= minor
}

// Close stops delivering push callbacks and waits for background work
// (deliveries in progress, housekeeping).
func (e *Engine) Close() error {
	e.subMu.Lock()
	e.closed = true
	for _, s := range e.subs {
		s.close()
	}
	e.subMu.Unlock()
	e.bg.Wait()
	return nil
}

// repoLock serializes changes to one repository's refs and metadata:
// pushes (from the moment receive-pack runs until the push is recorded),
// API commits and branch changes, deletion.
func (e *Engine) repoLock(id string) func() {
	m, _ := e.locks.LoadOrStore(id, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// repoRecord is a repository's metadata.
type repoRecord struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	AccountID     string            `json:"account"`
	Region        string            `json:"region"`
	Description   string            `json:"desc,omitempty"`
	DefaultBranch string            `json:"defaultBranch,omitempty"`
	KMSKeyID      string            `json:"kms,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
	Triggers      []Trigger         `json:"triggers,omitempty"`
	TriggersID    string            `json:"triggersId,omitempty"`
	Created       time.Time         `json:"created"`
	Modified      time.Time         `json:"modified"`
}

// Trigger is a repository trigger (stored; skiff does not send trigger
// notifications — subscribe with OnPush).
type Trigger struct {
	Name           string   `json:"name"`
	DestinationArn string   `json:"destinationArn"`
	CustomData     string   `json:"customData,omitempty"`
	Branches       []string `json:"branches"`
	Events         []string `json:"events"`
}

// RepositoryMetadata is a repository as the API returns it.
type RepositoryMetadata struct {
	AccountID             string    `json:"accountId,omitempty"`
	RepositoryID          string    `json:"repositoryId,omitempty"`
	RepositoryName        string    `json:"repositoryName,omitempty"`
	RepositoryDescription string    `json:"repositoryDescription,omitempty"`
	DefaultBranch         string    `json:"defaultBranch,omitempty"`
	LastModifiedDate      time.Time `json:"lastModifiedDate,omitempty"`
	CreationDate          time.Time `json:"creationDate,omitempty"`
	CloneURLHTTP          string    `json:"cloneUrlHttp,omitempty"`
	CloneURLSSH           string    `json:"cloneUrlSsh,omitempty"`
	ARN                   string    `json:"Arn,omitempty"`
	KMSKeyID              string    `json:"kmsKeyId,omitempty"`
}

// RepositoryNameID is one ListRepositories entry.
type RepositoryNameID struct {
	RepositoryName string `json:"repositoryName"`
	RepositoryID   string `json:"repositoryId"`
}

func repoKey(account, region, name string) string { return account + "/" + region + "/" + name }

func scopePrefix(sc awsctx.Scope) string { return sc.AccountID + "/" + sc.Region + "/" }

// repoPath is the bare repository of a repository id.
func (e *Engine) repoPath(id string) string { return filepath.Join(e.dir, id+".git") }

// RepositoryARN builds a repository's ARN.
func RepositoryARN(region, account, name string) string {
	return awsctx.ARN("codecommit", region, account, name)
}

// CloneURLHTTP is the URL git clones a repository from.
func (e *Engine) CloneURLHTTP(region, name string) string {
	if e.endpoint != nil {
		if ep := strings.TrimRight(e.endpoint(), "/"); ep != "" {
			return ep + "/v1/repos/" + name
		}
	}
	return "https://git-codecommit." + region + "." + awsctx.URLSuffix + "/v1/repos/" + name
}

func (e *Engine) metadata(r *repoRecord) *RepositoryMetadata {
	kms := r.KMSKeyID
	if kms == "" {
		kms = DefaultKMSKeyID
	}
	return &RepositoryMetadata{
		AccountID: r.AccountID, RepositoryID: r.ID, RepositoryName: r.Name, RepositoryDescription: r.Description,
		DefaultBranch: r.DefaultBranch, LastModifiedDate: r.Modified, CreationDate: r.Created,
		CloneURLHTTP: e.CloneURLHTTP(r.Region, r.Name),
		CloneURLSSH:  "ssh://git-codecommit." + r.Region + "." + awsctx.URLSuffix + "/v1/repos/" + r.Name,
		ARN:          RepositoryARN(r.Region, r.AccountID, r.Name),
		KMSKeyID:     kms,
	}
}

func (e *Engine) stamp() time.Time { return e.now().UTC().Truncate(time.Millisecond) }

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

var kmsKeyPattern = regexp.MustCompile(`^[a-zA-Z0-9:/_-]+$`)

// CreateRepositoryInput is CreateRepository's input.
type CreateRepositoryInput struct {
	Name        string
	Description string
	Tags        map[string]string
	KMSKeyID    string
	// ID fixes the repository id (CloudFormation decides it before the
	// create); empty means a random one.
	ID string
}

// CreateRepository creates an empty bare repository. Its default branch
// stays unset until the first branch is pushed or committed.
func (e *Engine) CreateRepository(ctx context.Context, in CreateRepositoryInput) (*RepositoryMetadata, error) {
	sc := awsctx.From(ctx)
	if err := checkNewRepoName(in.Name); err != nil {
		return nil, err
	}
	if len(in.Description) > maxDescriptionLen {
		return nil, errInvalidRepositoryDesc.New("The repository description is not valid. The maximum length is %d characters.", maxDescriptionLen)
	}
	if in.KMSKeyID != "" && !kmsKeyPattern.MatchString(in.KMSKeyID) {
		return nil, errInvalidKMSKey.New("The Key Management Service encryption key is not valid.")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	id := in.ID
	if id == "" {
		id = newUUID()
	}
	// The directory exists before the metadata: a crash in between leaves
	// an orphan directory that recover removes, never metadata without a
	// repository.
	path := e.repoPath(id)
	if _, err := os.Stat(path); err == nil {
		return nil, repoExists(in.Name)
	}
	tmp, err := os.MkdirTemp(e.tmp, "create-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := initBare(ctx, tmp, e.modernFsync); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	now := e.stamp()
	rec := &repoRecord{
		ID: id, Name: in.Name, AccountID: sc.AccountID, Region: sc.Region, Description: in.Description,
		KMSKeyID: in.KMSKeyID, Tags: in.Tags, Created: now, Modified: now,
	}
	err = e.st.Update(ctx, func(tx store.Tx) error {
		k := repoKey(sc.AccountID, sc.Region, in.Name)
		if _, err := tx.GetRaw(bucketRepos, k); err == nil {
			return repoExists(in.Name)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if _, err := tx.GetRaw(bucketIDs, id); err == nil {
			return repoExists(in.Name)
		}
		if err := tx.Put(bucketRepos, k, rec); err != nil {
			return err
		}
		if err := tx.Put(bucketIDs, id, k); err != nil {
			return err
		}
		return tx.Put(bucketRefs, id, map[string]string{})
	})
	if err != nil {
		os.RemoveAll(path)
		return nil, err
	}
	return e.metadata(rec), nil
}

// getRecord loads a repository by name in the caller's scope.
func (e *Engine) getRecord(ctx context.Context, name string) (*repoRecord, error) {
	if err := checkRepoName(name); err != nil {
		return nil, err
	}
	sc := awsctx.From(ctx)
	rec := &repoRecord{}
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Get(bucketRepos, repoKey(sc.AccountID, sc.Region, name), rec)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, repoNotFound(name)
	}
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// recordByID loads a repository by id (any account and region).
func (e *Engine) recordByID(ctx context.Context, id string) (*repoRecord, error) {
	rec := &repoRecord{}
	err := e.st.View(ctx, func(tx store.Tx) error {
		var k string
		if err := tx.Get(bucketIDs, id, &k); err != nil {
			return err
		}
		return tx.Get(bucketRepos, k, rec)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// GetRepository returns a repository's metadata.
func (e *Engine) GetRepository(ctx context.Context, name string) (*RepositoryMetadata, error) {
	rec, err := e.getRecord(ctx, name)
	if err != nil {
		return nil, err
	}
	return e.metadata(rec), nil
}

// GetRepositoryByID returns a repository's metadata by id, in any account
// and region; ErrRepositoryDoesNotExist when there is none.
func (e *Engine) GetRepositoryByID(ctx context.Context, id string) (*RepositoryMetadata, error) {
	rec, err := e.recordByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrRepositoryDoesNotExist.New("%s does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	return e.metadata(rec), nil
}

// BatchGetRepositories returns the repositories that exist and the names
// that do not.
func (e *Engine) BatchGetRepositories(ctx context.Context, names []string) ([]RepositoryMetadata, []string, error) {
	if len(names) == 0 {
		return nil, nil, errRepositoryNamesRequired.New("At least one repository name object is required, but was not specified.")
	}
	if len(names) > 25 {
		return nil, nil, errMaximumRepositoryNames.New("The maximum number of allowed repository names was exceeded. Currently, this number is 25.")
	}
	for _, n := range names {
		if err := checkRepoName(n); err != nil {
			return nil, nil, err
		}
	}
	found := []RepositoryMetadata{}
	missing := []string{}
	for _, n := range names {
		rec, err := e.getRecord(ctx, n)
		if ErrRepositoryDoesNotExist.Is(err) {
			missing = append(missing, n)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		found = append(found, *e.metadata(rec))
	}
	return found, missing, nil
}

// ListRepositories lists the repositories of the caller's account and
// region, sorted by sortBy (repositoryName, the default, or
// lastModifiedDate) in order (ascending, the default, or descending).
func (e *Engine) ListRepositories(ctx context.Context, sortBy, order, token string) ([]RepositoryNameID, string, error) {
	switch sortBy {
	case "", "repositoryName", "lastModifiedDate":
	default:
		return nil, "", errInvalidSortBy.New("The specified sort by value is not valid.")
	}
	switch order {
	case "", "ascending", "descending":
	default:
		return nil, "", errInvalidOrder.New("The specified sort order is not valid.")
	}
	offset, err := decodeToken(token)
	if err != nil {
		return nil, "", err
	}
	sc := awsctx.From(ctx)
	var recs []repoRecord
	err = e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketRepos, store.ScanOptions{Prefix: scopePrefix(sc)}, func(_ string, v []byte) error {
			var r repoRecord
			if err := jsonUnmarshal(v, &r); err != nil {
				return err
			}
			recs = append(recs, r)
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	less := func(i, j int) bool { return recs[i].Name < recs[j].Name }
	if sortBy == "lastModifiedDate" {
		less = func(i, j int) bool {
			if !recs[i].Modified.Equal(recs[j].Modified) {
				return recs[i].Modified.Before(recs[j].Modified)
			}
			return recs[i].Name < recs[j].Name
		}
	}
	sort.SliceStable(recs, less)
	if order == "descending" {
		for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
			recs[i], recs[j] = recs[j], recs[i]
		}
	}
	if offset > len(recs) {
		return nil, "", errInvalidContinuationToken.New("The specified continuation token is not valid.")
	}
	out := []RepositoryNameID{}
	end := min(offset+listRepositoriesPage, len(recs))
	for _, r := range recs[offset:end] {
		out = append(out, RepositoryNameID{RepositoryName: r.Name, RepositoryID: r.ID})
	}
	next := ""
	if end < len(recs) {
		next = encodeToken(end)
	}
	return out, next, nil
}

func encodeToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("skiff:" + strconv.Itoa(offset)))
}

func decodeToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil {
		if s, ok := strings.CutPrefix(string(b), "skiff:"); ok {
			if n, err := strconv.Atoi(s); err == nil && n >= 0 {
				return n, nil
			}
		}
	}
	return 0, errInvalidContinuationToken.New("The specified continuation token is not valid.")
}

// mutate applies fn to a repository's record in one transaction.
func (e *Engine) mutate(ctx context.Context, name string, fn func(tx store.Tx, r *repoRecord) error) (*repoRecord, error) {
	if err := checkRepoName(name); err != nil {
		return nil, err
	}
	sc := awsctx.From(ctx)
	rec := &repoRecord{}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if err := tx.Get(bucketRepos, repoKey(sc.AccountID, sc.Region, name), rec); errors.Is(err, store.ErrNotFound) {
			return repoNotFound(name)
		} else if err != nil {
			return err
		}
		if err := fn(tx, rec); err != nil {
			return err
		}
		return tx.Put(bucketRepos, repoKey(rec.AccountID, rec.Region, rec.Name), rec)
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// UpdateRepositoryName renames a repository. Its id, ARN history and
// files stay; the clone URL changes with the name.
func (e *Engine) UpdateRepositoryName(ctx context.Context, oldName, newName string) error {
	if err := checkRepoName(oldName); err != nil {
		return err
	}
	if err := checkNewRepoName(newName); err != nil {
		return err
	}
	if oldName == newName {
		_, err := e.getRecord(ctx, oldName)
		return err
	}
	sc := awsctx.From(ctx)
	_, err := e.mutate(ctx, oldName, func(tx store.Tx, r *repoRecord) error {
		nk := repoKey(sc.AccountID, sc.Region, newName)
		if _, err := tx.GetRaw(bucketRepos, nk); err == nil {
			return repoExists(newName)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.Delete(bucketRepos, repoKey(sc.AccountID, sc.Region, oldName)); err != nil {
			return err
		}
		r.Name = newName
		r.Modified = e.stamp()
		return tx.Put(bucketIDs, r.ID, nk)
	})
	return err
}

// UpdateRepositoryDescription sets (or, with "", clears) the description.
func (e *Engine) UpdateRepositoryDescription(ctx context.Context, name, desc string) error {
	if len(desc) > maxDescriptionLen {
		if err := checkRepoName(name); err != nil {
			return err
		}
		return errInvalidRepositoryDesc.New("The repository description is not valid. The maximum length is %d characters.", maxDescriptionLen)
	}
	_, err := e.mutate(ctx, name, func(_ store.Tx, r *repoRecord) error {
		r.Description = desc
		r.Modified = e.stamp()
		return nil
	})
	return err
}

// updateKMSKey records a new encryption key id (CloudFormation KmsKeyId).
func (e *Engine) updateKMSKey(ctx context.Context, name, key string) error {
	if key != "" && !kmsKeyPattern.MatchString(key) {
		return errInvalidKMSKey.New("The Key Management Service encryption key is not valid.")
	}
	_, err := e.mutate(ctx, name, func(_ store.Tx, r *repoRecord) error {
		r.KMSKeyID = key
		r.Modified = e.stamp()
		return nil
	})
	return err
}

// DeleteRepository deletes a repository, its files and its push events,
// and returns its id. Deleting a repository that does not exist returns
// "" and no error, as AWS does.
func (e *Engine) DeleteRepository(ctx context.Context, name string) (string, error) {
	rec, err := e.getRecord(ctx, name)
	if ErrRepositoryDoesNotExist.Is(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	unlock := e.repoLock(rec.ID)
	defer unlock()
	gone := false
	err = e.st.Update(ctx, func(tx store.Tx) error {
		k := repoKey(rec.AccountID, rec.Region, rec.Name)
		var cur repoRecord
		if err := tx.Get(bucketRepos, k, &cur); errors.Is(err, store.ErrNotFound) || (err == nil && cur.ID != rec.ID) {
			gone = true
			return nil
		} else if err != nil {
			return err
		}
		for _, d := range []struct{ b, k string }{{bucketRepos, k}, {bucketIDs, rec.ID}, {bucketRefs, rec.ID}} {
			if err := tx.Delete(d.b, d.k); err != nil {
				return err
			}
		}
		_, err := tx.DeletePrefix(bucketEvents, rec.ID+"/")
		return err
	})
	if err != nil {
		return "", err
	}
	if gone {
		return "", nil
	}
	e.removeRepoDir(rec.ID)
	return rec.ID, nil
}

// removeRepoDir moves a repository directory out of the way, then removes
// it (a crash in between leaves only a temporary directory).
func (e *Engine) removeRepoDir(id string) {
	path := e.repoPath(id)
	trash := filepath.Join(e.tmp, "delete-"+id+"-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err := os.Rename(path, trash); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			e.log.Warn("remove repository directory", "id", id, "err", err)
		}
		return
	}
	if err := os.RemoveAll(trash); err != nil {
		e.log.Warn("remove repository directory", "id", id, "err", err)
	}
}

// checkTags applies CodeCommit's tag rules.
func checkTags(tags map[string]string) error {
	if len(tags) > maxTags {
		return errTooManyTags.New("The maximum number of tags for an CodeCommit resource has been exceeded.")
	}
	for k, v := range tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return errInvalidSystemTagUsage.New("The specified tag is not valid. Key names cannot be prefixed with aws:.")
		}
		if k == "" || len(k) > 128 || len(v) > 256 {
			return errInvalidTagsMap.New("The map of tags is not valid.")
		}
	}
	return nil
}

// repoFromARN resolves a resource ARN to a repository name in the caller's
// scope.
func repoFromARN(ctx context.Context, arn string) (string, error) {
	if arn == "" {
		return "", errResourceArnRequired.New("A valid Amazon Resource Name (ARN) for an CodeCommit resource is required. For a list of valid resources in CodeCommit, see CodeCommit Resources and Operations in the CodeCommit User Guide.")
	}
	p, ok := awsctx.ParseARN(arn)
	if !ok || p.Service != "codecommit" || p.Resource == "" || strings.Contains(p.Resource, "/") {
		return "", errInvalidResourceArn.New("The value for the resource ARN is not valid. For more information about resources in CodeCommit, see CodeCommit Resources and Operations in the CodeCommit User Guide.")
	}
	sc := awsctx.From(ctx)
	if p.Account != sc.AccountID || p.Region != sc.Region {
		return "", repoNotFound(p.Resource)
	}
	if err := checkRepoName(p.Resource); err != nil {
		return "", err
	}
	return p.Resource, nil
}

// TagResource adds or replaces tags on a repository.
func (e *Engine) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	name, err := repoFromARN(ctx, arn)
	if err != nil {
		return err
	}
	if tags == nil {
		return errTagsMapRequired.New("A map of tags is required.")
	}
	if err := checkTags(tags); err != nil {
		return err
	}
	_, err = e.mutate(ctx, name, func(_ store.Tx, r *repoRecord) error {
		merged := map[string]string{}
		for k, v := range r.Tags {
			merged[k] = v
		}
		for k, v := range tags {
			merged[k] = v
		}
		if len(merged) > maxTags {
			return errTooManyTags.New("The maximum number of tags for an CodeCommit resource has been exceeded.")
		}
		r.Tags = merged
		return nil
	})
	return err
}

// UntagResource removes tags from a repository.
func (e *Engine) UntagResource(ctx context.Context, arn string, keys []string) error {
	name, err := repoFromARN(ctx, arn)
	if err != nil {
		return err
	}
	if keys == nil {
		return errTagKeysListRequired.New("A list of tag keys is required. The list cannot be empty or null.")
	}
	for _, k := range keys {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return errInvalidSystemTagUsage.New("The specified tag is not valid. Key names cannot be prefixed with aws:.")
		}
		if k == "" || len(k) > 128 {
			return errInvalidTagKeysList.New("The list of tags is not valid.")
		}
	}
	_, err = e.mutate(ctx, name, func(_ store.Tx, r *repoRecord) error {
		for _, k := range keys {
			delete(r.Tags, k)
		}
		return nil
	})
	return err
}

// ListTagsForResource returns a repository's tags.
func (e *Engine) ListTagsForResource(ctx context.Context, arn string) (map[string]string, error) {
	name, err := repoFromARN(ctx, arn)
	if err != nil {
		return nil, err
	}
	rec, err := e.getRecord(ctx, name)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range rec.Tags {
		out[k] = v
	}
	return out, nil
}

// GetRepositoryTriggers returns the stored triggers and their
// configuration id.
func (e *Engine) GetRepositoryTriggers(ctx context.Context, name string) (string, []Trigger, error) {
	rec, err := e.getRecord(ctx, name)
	if err != nil {
		return "", nil, err
	}
	triggers := rec.Triggers
	if triggers == nil {
		triggers = []Trigger{}
	}
	return rec.TriggersID, triggers, nil
}

var triggerEvents = map[string]bool{"all": true, "updateReference": true, "createReference": true, "deleteReference": true}

// PutRepositoryTriggers replaces a repository's triggers and returns the
// new configuration id.
func (e *Engine) PutRepositoryTriggers(ctx context.Context, name string, triggers []Trigger) (string, error) {
	if err := checkRepoName(name); err != nil {
		return "", err
	}
	if triggers == nil {
		return "", errTriggersListRequired.New("The list of triggers for the repository is required, but was not specified.")
	}
	if len(triggers) > 10 {
		return "", errMaximumTriggers.New("The number of triggers allowed for the repository was exceeded.")
	}
	for i := range triggers {
		t := &triggers[i]
		switch {
		case t.Name == "":
			return "", errTriggerNameRequired.New("A name for the trigger is required, but was not specified.")
		case len(t.Name) > 100:
			return "", errInvalidTriggerName.New("The name of the trigger is not valid.")
		case t.DestinationArn == "":
			return "", errTriggerDestinationRequired.New("A destination ARN for the target service for the trigger is required, but was not specified.")
		case len(t.Events) == 0:
			return "", errTriggerEventsRequired.New("At least one event for the trigger is required, but was not specified.")
		}
		if _, ok := awsctx.ParseARN(t.DestinationArn); !ok {
			return "", errInvalidTriggerDestination.New("The Amazon Resource Name (ARN) for the trigger is not valid for the specified destination. The most common reason for this error is that the ARN does not meet the requirements for the service type.")
		}
		for _, ev := range t.Events {
			if !triggerEvents[ev] || (ev == "all" && len(t.Events) > 1) {
				return "", errInvalidTriggerEvents.New("One or more events specified for the trigger is not valid. Check to make sure that all events specified match the requirements for allowed events.")
			}
		}
		if t.Branches == nil {
			t.Branches = []string{}
		}
	}
	rec, err := e.mutate(ctx, name, func(_ store.Tx, r *repoRecord) error {
		r.Triggers = triggers
		r.TriggersID = newUUID()
		return nil
	})
	if err != nil {
		return "", err
	}
	return rec.TriggersID, nil
}

// setTags replaces a repository's tags (CloudFormation updates).
func (e *Engine) setTags(ctx context.Context, name string, tags map[string]string) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	_, err := e.mutate(ctx, name, func(_ store.Tx, r *repoRecord) error {
		r.Tags = tags
		return nil
	})
	return err
}
