package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// Store buckets.
const (
	bucketRoles       = "iam.roles"
	bucketUsers       = "iam.users"
	bucketPolicies    = "iam.policies"
	bucketProfiles    = "iam.profiles"
	bucketAttachments = "iam.attachments"
	bucketAccessKeys  = "iam.accesskeys"
)

// Quotas IAM applies by default.
const (
	maxTrustPolicySize      = 2048
	maxRoleInlineSize       = 10240
	maxUserInlineSize       = 2048
	maxManagedPolicySize    = 6144
	maxManagedPerEntity     = 10
	maxPolicyVersions       = 5
	maxAccessKeysPerUser    = 2
	maxRolesPerProfile      = 1
	defaultMaxSession       = 3600
	defaultMaxItems         = 100
	permissionsBoundaryType = "PermissionsBoundaryPolicy"
)

// Engine is IAM's business logic over the state store.
type Engine struct {
	st  store.Store
	now func() time.Time

	// keys mirrors iam.accesskeys for LookupAccessKey, which runs on every
	// request signed with an IAM-issued key. Loaded on first use; every
	// access-key mutation holds keysMu for writing across its transaction
	// and applies the change after commit, so the mirror never disagrees
	// with the store.
	keysMu     sync.RWMutex
	keys       map[string]AccessKey
	keysLoaded bool

	// AccountCreated is reported as the root user's CreateDate by GetUser.
	AccountCreated time.Time
}

// New returns an IAM engine storing its state in st.
func New(st store.Store) *Engine {
	return &Engine{
		st:             st,
		now:            func() time.Time { return time.Now().UTC().Truncate(time.Second) },
		AccountCreated: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

// Tag is an IAM tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// InlinePolicy is a policy embedded in a role or user.
type InlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"document"`
}

func account(ctx context.Context) string { return awsctx.From(ctx).AccountID }

func entityKey(acct, name string) string { return acct + "/" + lower(name) }

func iamARN(acct, kind, path, name string) string {
	return "arn:" + awsctx.Partition + ":iam::" + acct + ":" + kind + normPath(path) + name
}

// getRec loads a JSON record; found is false when the key is absent.
func getRec[T any](tx store.Tx, bucket, key string) (*T, bool, error) {
	var v T
	if err := tx.Get(bucket, key, &v); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return &v, true, nil
}

// scanRecs loads every record under prefix, in key order.
func scanRecs[T any](tx store.Tx, bucket, prefix string) ([]*T, error) {
	var out []*T
	err := tx.Scan(bucket, store.ScanOptions{Prefix: prefix}, func(_ string, b []byte) error {
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		out = append(out, &v)
		return nil
	})
	return out, err
}

// newID returns an IAM unique id: a four-letter prefix and 17 characters
// of base32 (21 in all), like AROA…, AIDA…, ANPA…, AIPA….
func newID(prefix string) string { return prefix + randomString(17, base32Alphabet) }

const (
	base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		x, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[x.Int64()]
	}
	return string(b)
}

func itoa(i int) string { return strconv.Itoa(i) }

// paginate returns the page of items (sorted by key) after marker, at most
// maxItems long, and the marker of the next page ("" when this is the
// last).
func paginate[T any](items []T, key func(T) string, marker string, maxItems *int32) ([]T, string, error) {
	start := 0
	if marker != "" {
		b, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil {
			return nil, "", ErrValidation.New("Invalid Marker.")
		}
		after := string(b)
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > after })
	}
	n := defaultMaxItems
	if maxItems != nil {
		n = int(*maxItems)
	}
	rest := items[start:]
	if len(rest) <= n {
		return rest, "", nil
	}
	page := rest[:n]
	return page, base64.RawURLEncoding.EncodeToString([]byte(key(page[n-1]))), nil
}

// mergeTags adds or replaces tags (keys compare without case, as IAM's
// do) and reports whether the result exceeds IAM's 50-tag quota.
func mergeTags(cur, add []Tag) ([]Tag, error) {
	out := append([]Tag(nil), cur...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	if len(out) > 50 {
		return nil, ErrLimitExceeded.New("The number of tags has reached the maximum limit.")
	}
	return out, nil
}

func removeTags(cur []Tag, keys []string) []Tag {
	var out []Tag
	for _, t := range cur {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// checkTagInput validates tags given at creation or by Tag*: model
// constraints plus IAM's duplicate-key rule.
func checkTagInput(tags []Tag) error {
	var v validation
	v.tags(tags)
	if err := v.err(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, t := range tags {
		k := lower(t.Key)
		if seen[k] {
			return ErrInvalidInput.New("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

func checkTagKeys(keys []string) error {
	var v validation
	if len(keys) > 50 {
		v.add("Value '[%s]' at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50", strings.Join(keys, ", "))
	}
	for i, k := range keys {
		v.checkString("tagKeys."+itoa(i+1)+".member", k, 1, 128, tagKeyPattern, tagKeyPatternText)
	}
	return v.err()
}

// putInline adds or replaces an inline policy, keeping the list sorted by
// name.
func putInline(list []InlinePolicy, name, doc string) []InlinePolicy {
	for i := range list {
		if list[i].Name == name {
			list[i].Document = doc
			return list
		}
	}
	list = append(list, InlinePolicy{Name: name, Document: doc})
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list
}

func findInline(list []InlinePolicy, name string) (int, bool) {
	for i := range list {
		if list[i].Name == name {
			return i, true
		}
	}
	return -1, false
}

func inlineSize(list []InlinePolicy, skip string) int {
	n := 0
	for _, p := range list {
		if p.Name != skip {
			n += policySize(p.Document)
		}
	}
	return n
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func removeFold(list []string, s string) []string {
	var out []string
	for _, x := range list {
		if !strings.EqualFold(x, s) {
			out = append(out, x)
		}
	}
	return out
}
