package logs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// Store buckets. Streams, their time index and events live under their
// group's key; see doc.go.
const (
	bucketGroups  = "logs.groups"
	bucketStreams = "logs.streams"
	bucketEvents  = "logs.events"
)

// Engine is CloudWatch Logs' business logic over the state store.
type Engine struct {
	st  store.Store
	now func() time.Time
	// wmu orders event writes with their hand-off to followers.
	wmu    sync.Mutex
	hub    *hub
	masker atomic.Pointer[func(group string) func(string) string]
	kick   chan struct{} // wakes RunJanitor
}

// New returns a CloudWatch Logs engine storing its state in st.
func New(st store.Store) *Engine {
	return &Engine{st: st, now: time.Now, hub: newHub(), kick: make(chan struct{}, 1)}
}

// LogGroup is a log group as stored.
type LogGroup struct {
	Name                  string            `json:"name"`
	Account               string            `json:"account"`
	Region                string            `json:"region"`
	CreationTime          int64             `json:"creationTime"` // epoch milliseconds
	RetentionInDays       int32             `json:"retentionInDays,omitempty"`
	KmsKeyID              string            `json:"kmsKeyId,omitempty"`
	Class                 string            `json:"class"`
	Tags                  map[string]string `json:"tags,omitempty"`
	DataProtectionPolicy  string            `json:"dataProtectionPolicy,omitempty"`
	DataProtectionUpdated int64             `json:"dataProtectionUpdated,omitempty"`
	StoredBytes           int64             `json:"storedBytes"`
}

// ARN is the group's ARN without the trailing ":*" (logGroupArn, and the
// form TagResource takes).
func (g *LogGroup) ARN() string {
	return awsctx.ARN("logs", g.Region, g.Account, "log-group:"+g.Name)
}

// WildcardARN is the ":*" form DescribeLogGroups reports as arn and
// CloudFormation as the Arn attribute.
func (g *LogGroup) WildcardARN() string { return g.ARN() + ":*" }

// Log group classes.
const (
	ClassStandard         = "STANDARD"
	ClassInfrequentAccess = "INFREQUENT_ACCESS"
	ClassDelivery         = "DELIVERY"
)

// RetentionDays are the values PutRetentionPolicy accepts.
var RetentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var (
	namePattern     = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]+$`)
	patternPattern  = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]*$`)
	tagKeyPattern   = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$`)
	tagValuePattern = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
)

const namePatternText = `[\.\-_/#A-Za-z0-9]+`

// groupKey is the store key of a group; its streams and events are under
// groupKey + "|".
func groupKey(acct, region, name string) string { return acct + "/" + region + "/" + name }

func scopeKey(ctx context.Context, name string) string {
	s := awsctx.From(ctx)
	return groupKey(s.AccountID, s.Region, name)
}

func (v *validation) str(member, value string, minLen, maxLen int, re *regexp.Regexp, reText string) {
	n := utf8.RuneCountInString(value)
	if n < minLen {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", value, member, minLen)
		return
	}
	if maxLen > 0 && n > maxLen {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", value, member, maxLen)
	}
	if re != nil && !re.MatchString(value) {
		v.add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", value, member, reText)
	}
}

func (v *validation) groupName(member, name string) {
	v.str(member, name, 1, 512, namePattern, namePatternText)
}

func (v *validation) class(c string) {
	if c != "" && c != ClassStandard && c != ClassInfrequentAccess && c != ClassDelivery {
		v.add("Value '%s' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]", c)
	}
}

func (v *validation) tags(member string, tags map[string]string) {
	if len(tags) > 50 {
		v.add("Value '%v' at '%s' failed to satisfy constraint: Member must have length less than or equal to 50", tags, member)
	}
	for _, k := range sortedKeys(tags) {
		v.str(member+".key", k, 1, 128, tagKeyPattern, `^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$`)
		v.str(member+".value", tags[k], 0, 256, tagValuePattern, `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func getGroup(tx store.Tx, key string) (*LogGroup, error) {
	var g LogGroup
	if err := tx.Get(bucketGroups, key, &g); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, groupNotFound()
		}
		return nil, err
	}
	return &g, nil
}

// CreateLogGroupInput is CreateLogGroup's input.
type CreateLogGroupInput struct {
	Name     string
	KmsKeyID string
	Tags     map[string]string
	Class    string // "" means STANDARD
}

// CreateLogGroup creates a log group in the caller's account and region.
func (e *Engine) CreateLogGroup(ctx context.Context, in CreateLogGroupInput) (*LogGroup, error) {
	var v validation
	v.groupName("logGroupName", in.Name)
	v.str("kmsKeyId", in.KmsKeyID, 0, 256, nil, "")
	v.class(in.Class)
	v.tags("tags", in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	g := &LogGroup{
		Name: in.Name, Account: s.AccountID, Region: s.Region, CreationTime: e.now().UnixMilli(),
		KmsKeyID: in.KmsKeyID, Class: in.Class, Tags: in.Tags,
	}
	if g.Class == "" {
		g.Class = ClassStandard
	}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		key := groupKey(g.Account, g.Region, g.Name)
		if _, err := tx.GetRaw(bucketGroups, key); err == nil {
			return ErrResourceAlreadyExists.New("The specified log group already exists")
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Put(bucketGroups, key, g)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// GetLogGroup returns one log group.
func (e *Engine) GetLogGroup(ctx context.Context, name string) (*LogGroup, error) {
	var v validation
	v.groupName("logGroupName", name)
	if err := v.err(); err != nil {
		return nil, err
	}
	var g *LogGroup
	err := e.st.View(ctx, func(tx store.Tx) error {
		var err error
		g, err = getGroup(tx, scopeKey(ctx, name))
		return err
	})
	return g, err
}

// DeleteLogGroup deletes a log group with its streams and events.
func (e *Engine) DeleteLogGroup(ctx context.Context, name string) error {
	var v validation
	v.groupName("logGroupName", name)
	if err := v.err(); err != nil {
		return err
	}
	key := scopeKey(ctx, name)
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if _, err := getGroup(tx, key); err != nil {
			return err
		}
		for _, b := range []string{bucketStreams, bucketStreamTime, bucketEvents} {
			if _, err := tx.DeletePrefix(b, key+"|"); err != nil {
				return err
			}
		}
		return tx.Delete(bucketGroups, key)
	})
	if err == nil {
		e.hub.closeGroup(key)
	}
	return err
}

// DescribeLogGroupsInput is DescribeLogGroups' input.
type DescribeLogGroupsInput struct {
	NamePrefix  string
	NamePattern string   // case-insensitive substring
	Identifiers []string // names or ARNs
	Class       string
	Limit       *int32
	NextToken   string
}

// DescribeLogGroups lists log groups in name order, at most Limit (50 by
// default) per page.
func (e *Engine) DescribeLogGroups(ctx context.Context, in DescribeLogGroupsInput) ([]*LogGroup, string, error) {
	var v validation
	if in.NamePrefix != "" {
		v.groupName("logGroupNamePrefix", in.NamePrefix)
	}
	v.str("logGroupNamePattern", in.NamePattern, 0, 512, patternPattern, `[\.\-_/#A-Za-z0-9]*`)
	v.class(in.Class)
	if in.Limit != nil {
		if *in.Limit < 1 {
			v.add("Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.Limit)
		} else if *in.Limit > 50 {
			v.add("Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50", *in.Limit)
		}
	}
	if err := v.err(); err != nil {
		return nil, "", err
	}
	if in.NamePrefix != "" && in.NamePattern != "" {
		return nil, "", ErrInvalidParameter.New("LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.")
	}
	if len(in.Identifiers) > 0 && (in.NamePrefix != "" || in.NamePattern != "") {
		return nil, "", ErrInvalidParameter.New("LogGroupIdentifiers is mutually exclusive with LogGroupNamePrefix and LogGroupNamePattern.")
	}
	s := awsctx.From(ctx)
	base := groupKey(s.AccountID, s.Region, "")
	after := ""
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || !strings.HasPrefix(string(b), base) {
			return nil, "", ErrInvalidParameter.New("The specified nextToken is invalid.")
		}
		after = string(b)
	}
	limit := 50
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	ids := map[string]bool{}
	for _, id := range in.Identifiers {
		ids[strings.TrimSuffix(id, ":*")] = true
	}
	pattern := strings.ToLower(in.NamePattern)
	var out []*LogGroup
	next := ""
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketGroups, store.ScanOptions{Prefix: base + in.NamePrefix, After: after}, func(k string, b []byte) error {
			var g LogGroup
			if err := json.Unmarshal(b, &g); err != nil {
				return err
			}
			if pattern != "" && !strings.Contains(strings.ToLower(g.Name), pattern) {
				return nil
			}
			if len(ids) > 0 && !ids[g.Name] && !ids[g.ARN()] {
				return nil
			}
			if in.Class != "" && g.Class != in.Class {
				return nil
			}
			if len(out) == limit {
				next = base64.RawURLEncoding.EncodeToString([]byte(groupKey(g.Account, g.Region, out[len(out)-1].Name)))
				return store.ErrStop
			}
			out = append(out, &g)
			return nil
		})
	})
	return out, next, err
}

// updateGroup loads a group (by name or ARN) for change and saves it when
// fn succeeds.
func (e *Engine) updateGroup(ctx context.Context, name string, fn func(g *LogGroup) error) error {
	return e.st.Update(ctx, func(tx store.Tx) error {
		key := scopeKey(ctx, name)
		g, err := getGroup(tx, key)
		if err != nil {
			return err
		}
		if err := fn(g); err != nil {
			return err
		}
		return tx.Put(bucketGroups, key, g)
	})
}

func validRetention(days int32) bool {
	for _, d := range RetentionDays {
		if d == days {
			return true
		}
	}
	return false
}

// PutRetentionPolicy sets how long the group keeps events.
func (e *Engine) PutRetentionPolicy(ctx context.Context, name string, days int32) error {
	var v validation
	v.groupName("logGroupName", name)
	if !validRetention(days) {
		vals := make([]string, len(RetentionDays))
		for i, d := range RetentionDays {
			vals[i] = strconv.Itoa(int(d))
		}
		v.add("Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [%s]", days, strings.Join(vals, ", "))
	}
	if err := v.err(); err != nil {
		return err
	}
	err := e.updateGroup(ctx, name, func(g *LogGroup) error {
		g.RetentionInDays = days
		return nil
	})
	if err == nil {
		select {
		case e.kick <- struct{}{}:
		default:
		}
	}
	return err
}

// DeleteRetentionPolicy makes the group keep events forever.
func (e *Engine) DeleteRetentionPolicy(ctx context.Context, name string) error {
	var v validation
	v.groupName("logGroupName", name)
	if err := v.err(); err != nil {
		return err
	}
	return e.updateGroup(ctx, name, func(g *LogGroup) error {
		g.RetentionInDays = 0
		return nil
	})
}

// groupFromIdentifier resolves a log group name or ARN (with or without
// ":*") in the caller's account and region.
func groupFromIdentifier(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", ErrInvalidParameter.New("Either logGroupName or resourceIdentifier must be specified.")
	}
	if !strings.HasPrefix(id, "arn:") {
		return id, nil
	}
	a, ok := awsctx.ParseARN(strings.TrimSuffix(id, ":*"))
	s := awsctx.From(ctx)
	if !ok || a.Service != "logs" {
		return "", ErrInvalidParameter.New("Invalid log group identifier: %s", id)
	}
	if !strings.HasPrefix(a.Resource, "log-group:") || a.Region != s.Region || a.Account != s.AccountID {
		return "", ErrResourceNotFound.New("The specified resource does not exist.")
	}
	return strings.TrimPrefix(a.Resource, "log-group:"), nil
}

// TagLogGroup adds or replaces tags on a group.
func (e *Engine) TagLogGroup(ctx context.Context, name string, tags map[string]string) error {
	var v validation
	v.groupName("logGroupName", name)
	v.tags("tags", tags)
	if err := v.err(); err != nil {
		return err
	}
	return e.updateGroup(ctx, name, func(g *LogGroup) error {
		merged := map[string]string{}
		for k, val := range g.Tags {
			merged[k] = val
		}
		for k, val := range tags {
			merged[k] = val
		}
		if len(merged) > 50 {
			return ErrTooManyTags.New("A resource can have no more than 50 tags.").With("resourceName", g.ARN())
		}
		g.Tags = merged
		return nil
	})
}

// UntagLogGroup removes tags from a group.
func (e *Engine) UntagLogGroup(ctx context.Context, name string, keys []string) error {
	var v validation
	v.groupName("logGroupName", name)
	if err := v.err(); err != nil {
		return err
	}
	return e.updateGroup(ctx, name, func(g *LogGroup) error {
		for _, k := range keys {
			delete(g.Tags, k)
		}
		if len(g.Tags) == 0 {
			g.Tags = nil
		}
		return nil
	})
}

// ListTags returns a group's tags.
func (e *Engine) ListTags(ctx context.Context, name string) (map[string]string, error) {
	g, err := e.GetLogGroup(ctx, name)
	if err != nil {
		return nil, err
	}
	return g.Tags, nil
}

// resourceName resolves a TagResource-style ARN to a log group name.
func resourceName(ctx context.Context, arn string) (string, error) {
	var v validation
	v.str("resourceArn", arn, 1, 1011, nil, "")
	if err := v.err(); err != nil {
		return "", err
	}
	if !strings.HasPrefix(arn, "arn:") {
		return "", ErrInvalidParameter.New("Invalid resource ARN: %s", arn)
	}
	return groupFromIdentifier(ctx, arn)
}

// TagResource tags a log group by ARN.
func (e *Engine) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	name, err := resourceName(ctx, arn)
	if err != nil {
		return err
	}
	return e.TagLogGroup(ctx, name, tags)
}

// UntagResource untags a log group by ARN.
func (e *Engine) UntagResource(ctx context.Context, arn string, keys []string) error {
	name, err := resourceName(ctx, arn)
	if err != nil {
		return err
	}
	return e.UntagLogGroup(ctx, name, keys)
}

// ListTagsForResource lists a log group's tags by ARN.
func (e *Engine) ListTagsForResource(ctx context.Context, arn string) (map[string]string, error) {
	name, err := resourceName(ctx, arn)
	if err != nil {
		return nil, err
	}
	return e.ListTags(ctx, name)
}

// AssociateKmsKey sets the KMS key that encrypts the group's data.
func (e *Engine) AssociateKmsKey(ctx context.Context, nameOrARN, kmsKeyID string) error {
	var v validation
	v.str("kmsKeyId", kmsKeyID, 1, 256, nil, "")
	if err := v.err(); err != nil {
		return err
	}
	name, err := groupFromIdentifier(ctx, nameOrARN)
	if err != nil {
		return err
	}
	return e.updateGroup(ctx, name, func(g *LogGroup) error {
		g.KmsKeyID = kmsKeyID
		return nil
	})
}

// DisassociateKmsKey clears the group's KMS key.
func (e *Engine) DisassociateKmsKey(ctx context.Context, nameOrARN string) error {
	name, err := groupFromIdentifier(ctx, nameOrARN)
	if err != nil {
		return err
	}
	return e.updateGroup(ctx, name, func(g *LogGroup) error {
		g.KmsKeyID = ""
		return nil
	})
}

// PutDataProtectionPolicy stores a data protection policy (a JSON
// document) on the group. It is stored, not applied.
func (e *Engine) PutDataProtectionPolicy(ctx context.Context, nameOrARN, document string) (*LogGroup, error) {
	if !json.Valid([]byte(document)) {
		return nil, ErrInvalidParameter.New("The data protection policy document is not valid JSON.")
	}
	name, err := groupFromIdentifier(ctx, nameOrARN)
	if err != nil {
		return nil, err
	}
	var out *LogGroup
	err = e.updateGroup(ctx, name, func(g *LogGroup) error {
		g.DataProtectionPolicy = document
		g.DataProtectionUpdated = e.now().UnixMilli()
		out = g
		return nil
	})
	return out, err
}

// GetDataProtectionPolicy returns the group (with its policy, if any).
func (e *Engine) GetDataProtectionPolicy(ctx context.Context, nameOrARN string) (*LogGroup, error) {
	name, err := groupFromIdentifier(ctx, nameOrARN)
	if err != nil {
		return nil, err
	}
	return e.GetLogGroup(ctx, name)
}

// DeleteDataProtectionPolicy removes the group's data protection policy.
func (e *Engine) DeleteDataProtectionPolicy(ctx context.Context, nameOrARN string) error {
	name, err := groupFromIdentifier(ctx, nameOrARN)
	if err != nil {
		return err
	}
	return e.updateGroup(ctx, name, func(g *LogGroup) error {
		if g.DataProtectionPolicy == "" {
			return ErrResourceNotFound.New("No data protection policy found for the log group.")
		}
		g.DataProtectionPolicy, g.DataProtectionUpdated = "", 0
		return nil
	})
}
