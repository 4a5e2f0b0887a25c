package secretsmanager

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// Secret is a secret's metadata, as DescribeSecret and ListSecrets report
// it. Zero times are absent; Tags is nil when the secret was never tagged.
type Secret struct {
	ARN, Name, Description, KmsKeyID, Type, OwningService string
	CreatedDate, LastChangedDate, LastAccessedDate        time.Time
	DeletedDate                                           time.Time
	Tags                                                  []Tag
	// VersionIDsToStages lists the versions that have labels.
	VersionIDsToStages map[string][]string
}

func describe(r *secretRecord) *Secret {
	s := &Secret{ARN: r.ARN, Name: r.Name, Description: r.Description, Type: r.Type,
		CreatedDate: r.Created, LastChangedDate: r.Changed, LastAccessedDate: r.Accessed, DeletedDate: r.DeletedAt}
	if r.KmsKeyID != DefaultKMSKey {
		s.KmsKeyID = r.KmsKeyID
	}
	if r.Tagged || len(r.Tags) > 0 {
		s.Tags = append([]Tag{}, r.Tags...)
	}
	for _, t := range r.Tags {
		if t.Key == "aws:secretsmanager:owningService" {
			s.OwningService = t.Value
		}
	}
	for _, v := range r.Versions {
		if len(v.Stages) == 0 {
			continue
		}
		if s.VersionIDsToStages == nil {
			s.VersionIDsToStages = map[string][]string{}
		}
		s.VersionIDsToStages[v.ID] = sortedCopy(v.Stages)
	}
	return s
}

// DescribeSecret returns a secret's metadata, including one scheduled for
// deletion.
func (e *Engine) DescribeSecret(ctx context.Context, secretID string) (*Secret, error) {
	sc := awsctx.From(ctx)
	var out *Secret
	err := e.st.View(ctx, func(tx store.Tx) error {
		r, err := e.lookup(tx, sc, secretID, false)
		if err != nil {
			return err
		}
		out = describe(r)
		return nil
	})
	return out, err
}

// Filter is a ListSecrets / BatchGetSecretValue filter.
type Filter struct {
	Key    string
	Values []string
}

// ListSecretsInput is ListSecrets' input.
type ListSecretsInput struct {
	IncludePlannedDeletion bool
	MaxResults             int32 // 0: 100
	NextToken              string
	Filters                []Filter
	SortOrder              string // asc (default) or desc
	SortBy                 string // created-date (default), last-accessed-date, last-changed-date, name
}

var filterKeys = []string{"description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"}

var filterValuePattern = func(v string) bool {
	for _, c := range strings.TrimPrefix(v, "!") {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(" :_@/+=.-!", c)) {
			return false
		}
	}
	return len(v) <= 512
}

func checkFilters(filters []Filter) error {
	if len(filters) > 10 {
		return constraintErr(fmt.Sprint(len(filters)), "filters", "Member must have length less than or equal to 10")
	}
	for i, f := range filters {
		at := fmt.Sprintf("filters.%d.member", i+1)
		if !has(filterKeys, f.Key) {
			return constraintErr(f.Key, at+".key", "Member must satisfy enum value set: [all, name, tag-key, description, tag-value, primary-region, owning-service]")
		}
		if len(f.Values) == 0 {
			return errInvalidParameter.New("Invalid filter values: %s filter requires at least one value.", f.Key)
		}
		if len(f.Values) > 10 {
			return constraintErr(fmt.Sprint(f.Values), at+".values", "Member must have length less than or equal to 10")
		}
		for _, v := range f.Values {
			if !filterValuePattern(v) {
				return constraintErr(v, at+".values", `Member must satisfy regular expression pattern: ^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$`)
			}
		}
	}
	return nil
}

// matchFilters applies ListSecrets filters: every filter must match; within
// one, any value. name, tag-key, tag-value, primary-region and
// owning-service match by prefix, case-sensitively; description and all
// match word prefixes, case-insensitively. A leading "!" negates a value.
func matchFilters(r *secretRecord, filters []Filter) bool {
	for _, f := range filters {
		var fields []string
		words := false
		switch f.Key {
		case "name":
			fields = []string{r.Name}
		case "description":
			if r.Description == "" {
				return false
			}
			fields, words = []string{r.Description}, true
		case "tag-key":
			for _, t := range r.Tags {
				fields = append(fields, t.Key)
			}
		case "tag-value":
			for _, t := range r.Tags {
				fields = append(fields, t.Value)
			}
		case "primary-region":
			return false // skiff does not replicate, so no secret has a primary Region
		case "owning-service":
			for _, t := range r.Tags {
				if t.Key == "aws:secretsmanager:owningService" {
					fields = append(fields, t.Value)
				}
			}
		case "all":
			fields = append(fields, r.Name, r.Description)
			for _, t := range r.Tags {
				fields = append(fields, t.Key, t.Value)
			}
			words = true
		}
		if !matchAny(f.Values, fields, words) {
			return false
		}
	}
	return true
}

func matchAny(patterns, fields []string, words bool) bool {
	for _, p := range patterns {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			for _, f := range fields {
				if !matchOne(neg, f, words) {
					return true
				}
			}
			continue
		}
		for _, f := range fields {
			if matchOne(p, f, words) {
				return true
			}
		}
	}
	return false
}

func matchOne(pattern, value string, words bool) bool {
	if !words {
		return strings.HasPrefix(value, pattern)
	}
	pw := splitWords(strings.ToLower(pattern))
	if len(pw) == 0 {
		return false
	}
	vw := splitWords(value)
	for i := range vw {
		vw[i] = strings.ToLower(vw[i])
	}
	for _, p := range pw {
		ok := false
		for _, w := range vw {
			if strings.HasPrefix(w, p) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// splitWords breaks a value into words on spaces and the special
// characters Secrets Manager's "all" search splits on, and at lower-to-
// upper case changes (MyTest is My, Test).
func splitWords(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, c := range s {
		switch {
		case c == ' ' || strings.ContainsRune("/-_+=.@:", c):
			flush()
		case unicode.IsUpper(c) && unicode.IsLower(prev):
			flush()
			cur = append(cur, c)
		default:
			cur = append(cur, c)
		}
		prev = c
	}
	flush()
	return out
}

func encodeToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("skiff1:" + strconv.Itoa(offset)))
}

func decodeToken(tok string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	s, ok := strings.CutPrefix(string(b), "skiff1:")
	if err != nil || !ok {
		return 0, errInvalidNextToken.New(msgInvalidNextToken)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, errInvalidNextToken.New(msgInvalidNextToken)
	}
	return n, nil
}

// scan returns the live secrets of the caller's scope.
func (e *Engine) scan(tx store.Tx, sc awsctx.Scope) ([]*secretRecord, error) {
	var out []*secretRecord
	now := e.now()
	err := tx.Scan(bucketSecrets, store.ScanOptions{Prefix: scopePrefix(sc)}, func(_ string, v []byte) error {
		var r secretRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if !r.DeleteOn.IsZero() && !now.Before(r.DeleteOn) {
			return nil
		}
		out = append(out, &r)
		return nil
	})
	return out, err
}

// ListSecrets lists secrets' metadata.
func (e *Engine) ListSecrets(ctx context.Context, in ListSecretsInput) ([]*Secret, string, error) {
	max := int(in.MaxResults)
	if in.MaxResults == 0 {
		max = 100
	} else if in.MaxResults < 1 || in.MaxResults > 100 {
		return nil, "", maxResultsErr(in.MaxResults, 100)
	}
	if err := checkFilters(in.Filters); err != nil {
		return nil, "", err
	}
	switch in.SortOrder {
	case "", "asc", "desc":
	default:
		return nil, "", constraintErr(in.SortOrder, "sortOrder", "Member must satisfy enum value set: [asc, desc]")
	}
	switch in.SortBy {
	case "", "created-date", "last-accessed-date", "last-changed-date", "name":
	default:
		return nil, "", constraintErr(in.SortBy, "sortBy", "Member must satisfy enum value set: [created-date, last-accessed-date, last-changed-date, name]")
	}
	offset := 0
	if in.NextToken != "" {
		var err error
		if offset, err = decodeToken(in.NextToken); err != nil {
			return nil, "", err
		}
	}
	sc := awsctx.From(ctx)
	var all []*secretRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		rs, err := e.scan(tx, sc)
		for _, r := range rs {
			if (in.IncludePlannedDeletion || !r.deleted()) && matchFilters(r, in.Filters) {
				all = append(all, r)
			}
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	key := func(r *secretRecord) string {
		switch in.SortBy {
		case "name":
			return r.Name
		case "last-accessed-date":
			return r.Accessed.Format(time.RFC3339Nano)
		case "last-changed-date":
			return r.Changed.Format(time.RFC3339Nano)
		}
		return r.Created.Format(time.RFC3339Nano)
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if in.SortBy != "name" && (in.SortBy == "" || in.SortBy == "created-date") {
			if !a.Created.Equal(b.Created) {
				return a.Created.Before(b.Created) != (in.SortOrder == "desc")
			}
			return a.Name < b.Name != (in.SortOrder == "desc")
		}
		ka, kb := key(a), key(b)
		if ka == kb {
			return a.Name < b.Name
		}
		return ka < kb != (in.SortOrder == "desc")
	})
	if offset > len(all) {
		offset = len(all)
	}
	page := all[offset:min(offset+max, len(all))]
	out := make([]*Secret, len(page))
	for i, r := range page {
		out[i] = describe(r)
	}
	next := ""
	if offset+max < len(all) {
		next = encodeToken(offset + max)
	}
	return out, next, nil
}

func maxResultsErr(n int32, max int) *apierr.Error {
	if n < 1 {
		return constraintErr(fmt.Sprint(n), "maxResults", "Member must have value greater than or equal to 1")
	}
	return constraintErr(fmt.Sprint(n), "maxResults", fmt.Sprintf("Member must have value less than or equal to %d", max))
}

// VersionEntry is one version as ListSecretVersionIds reports it.
type VersionEntry struct {
	VersionID        string
	VersionStages    []string
	CreatedDate      time.Time
	LastAccessedDate time.Time
	KmsKeyIDs        []string
}

// ListSecretVersionIDs lists a secret's versions, oldest first; versions
// without labels (deprecated) only with includeDeprecated.
func (e *Engine) ListSecretVersionIDs(ctx context.Context, secretID string, maxResults int32, nextToken string, includeDeprecated bool) (*SecretRef, []VersionEntry, string, error) {
	max := int(maxResults)
	if maxResults == 0 {
		max = 100
	} else if maxResults < 1 || maxResults > 100 {
		return nil, nil, "", maxResultsErr(maxResults, 100)
	}
	offset := 0
	if nextToken != "" {
		var err error
		if offset, err = decodeToken(nextToken); err != nil {
			return nil, nil, "", err
		}
	}
	sc := awsctx.From(ctx)
	var ref *SecretRef
	var all []VersionEntry
	err := e.st.View(ctx, func(tx store.Tx) error {
		r, err := e.lookup(tx, sc, secretID, false)
		if err != nil {
			return err
		}
		ref = &SecretRef{ARN: r.ARN, Name: r.Name}
		for _, v := range r.Versions {
			if len(v.Stages) == 0 && !includeDeprecated {
				continue
			}
			kms := v.KmsKeyID
			if kms == "" || kms == DefaultKMSKey {
				kms = "DefaultEncryptionKey"
			}
			ent := VersionEntry{VersionID: v.ID, CreatedDate: v.Created, LastAccessedDate: v.Accessed, KmsKeyIDs: []string{kms}}
			if len(v.Stages) > 0 {
				ent.VersionStages = sortedCopy(v.Stages)
			}
			all = append(all, ent)
		}
		return nil
	})
	if err != nil {
		return nil, nil, "", err
	}
	if offset > len(all) {
		offset = len(all)
	}
	page := all[offset:min(offset+max, len(all))]
	next := ""
	if offset+max < len(all) {
		next = encodeToken(offset + max)
	}
	return ref, page, next, nil
}

// BatchError is one failed secret in BatchGetSecretValue.
type BatchError struct {
	SecretID, ErrorCode, Message string
}

// BatchGetSecretValueInput is BatchGetSecretValue's input: either secret
// ids or filters.
type BatchGetSecretValueInput struct {
	SecretIDList []string
	Filters      []Filter
	MaxResults   int32 // 0: 20; only with Filters
	NextToken    string
}

// BatchGetSecretValue returns the AWSCURRENT values of up to 20 secrets,
// named or matched by filters. Named secrets that cannot be read are
// reported in the errors rather than failing the call.
func (e *Engine) BatchGetSecretValue(ctx context.Context, in BatchGetSecretValueInput) ([]*SecretValue, []BatchError, string, error) {
	if len(in.SecretIDList) > 0 && len(in.Filters) > 0 {
		return nil, nil, "", errInvalidParameter.New("Either 'SecretIdList' or 'Filters' must be provided, but not both.")
	}
	if len(in.SecretIDList) == 0 && len(in.Filters) == 0 {
		return nil, nil, "", errInvalidParameter.New("Either 'SecretIdList' or 'Filters' must be provided.")
	}
	if in.MaxResults != 0 && len(in.Filters) == 0 {
		return nil, nil, "", errInvalidParameter.New("'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.")
	}
	if len(in.SecretIDList) > 20 {
		return nil, nil, "", constraintErr(fmt.Sprint(in.SecretIDList), "secretIdList", "Member must have length less than or equal to 20")
	}
	values, errs := []*SecretValue{}, []BatchError{}
	if len(in.SecretIDList) > 0 {
		for _, id := range in.SecretIDList {
			v, err := e.GetSecretValue(ctx, id, "", "")
			if err == nil {
				values = append(values, v)
				continue
			}
			ae, ok := apierr.As(err)
			if !ok {
				return nil, nil, "", err
			}
			errs = append(errs, BatchError{SecretID: id, ErrorCode: ae.Code.Name, Message: ae.Message})
		}
		return values, errs, "", nil
	}
	max := int(in.MaxResults)
	if max == 0 {
		max = 20
	} else if max < 1 || max > 20 {
		return nil, nil, "", maxResultsErr(in.MaxResults, 20)
	}
	if err := checkFilters(in.Filters); err != nil {
		return nil, nil, "", err
	}
	offset := 0
	if in.NextToken != "" {
		var err error
		if offset, err = decodeToken(in.NextToken); err != nil {
			return nil, nil, "", err
		}
	}
	sc := awsctx.From(ctx)
	var names []string
	err := e.st.View(ctx, func(tx store.Tx) error {
		rs, err := e.scan(tx, sc)
		for _, r := range rs {
			if !r.deleted() && r.withStage(StageCurrent) != nil && matchFilters(r, in.Filters) {
				names = append(names, r.Name)
			}
		}
		return err
	})
	if err != nil {
		return nil, nil, "", err
	}
	if offset > len(names) {
		offset = len(names)
	}
	for _, n := range names[offset:min(offset+max, len(names))] {
		v, err := e.GetSecretValue(ctx, n, "", "")
		if err != nil {
			ae, ok := apierr.As(err)
			if !ok {
				return nil, nil, "", err
			}
			errs = append(errs, BatchError{SecretID: n, ErrorCode: ae.Code.Name, Message: ae.Message})
			continue
		}
		values = append(values, v)
	}
	next := ""
	if offset+max < len(names) {
		next = encodeToken(offset + max)
	}
	return values, errs, next, nil
}
