package ssm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

func checkLabelList(labels []string) error {
	if len(labels) == 0 {
		return constraintErr("[]", "labels", "Member must have length greater than or equal to 1")
	}
	if len(labels) > maxLabels {
		return constraintErr(fmt.Sprintf("[%s]", strings.Join(labels, ", ")), "labels", "Member must have length less than or equal to 10")
	}
	for _, l := range labels {
		if l == "" || len(l) > 100 {
			return constraintErr(fmt.Sprintf("[%s]", l), "labels", "Member must satisfy constraint: [Member must have length less than or equal to 100, Member must have length greater than or equal to 1]")
		}
	}
	return nil
}

// LabelParameterVersion attaches labels to a version (the current one when
// version is nil), moving them from any other version. Labels that break
// the naming rules are returned, not attached.
func (e *Engine) LabelParameterVersion(ctx context.Context, name string, version *int64, labels []string) (invalid []string, labeled int64, err error) {
	if err := checkLabelList(labels); err != nil {
		return nil, 0, err
	}
	sc := awsctx.From(ctx)
	ref, err := parsePlainName(sc, name)
	if err != nil {
		return nil, 0, err
	}
	k := keyOf(sc, ref.name)
	err = e.st.Update(ctx, func(tx store.Tx) error {
		invalid = []string{}
		var h headRecord
		if err := tx.Get(bucketParams, headKey(sc, ref.name), &h); err != nil {
			return err
		}
		ver := h.Version
		if version != nil {
			ver = *version
		}
		if ver < h.Oldest || ver > h.Version {
			return versionNotFound(ver, ref.echo)
		}
		var target versionRecord
		if err := tx.Get(bucketVersions, versionKey(sc, ref.name, ver), &target); err != nil {
			return err
		}
		var add []string
		for _, l := range labels {
			if !validLabel(l) {
				invalid = append(invalid, l)
				continue
			}
			if !contains(target.Labels, l) && !contains(add, l) {
				add = append(add, l)
			}
		}
		if len(target.Labels)+len(add) > maxLabels {
			return errLabelLimitExceeded.New(msgLabelLimit)
		}
		// Detach each label from the version that held it.
		changed := map[int64]*versionRecord{}
		for _, l := range add {
			old, ok := h.LabelIndex[l]
			if !ok || old == ver {
				continue
			}
			ov := changed[old]
			if ov == nil {
				ov = &versionRecord{}
				if err := tx.Get(bucketVersions, versionKey(sc, ref.name, old), ov); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				changed[old] = ov
			}
			ov.Labels = remove(ov.Labels, l)
		}
		for old, ov := range changed {
			if ov.Version == 0 {
				continue
			}
			if err := tx.Put(bucketVersions, versionKey(sc, ref.name, old), ov); err != nil {
				return err
			}
		}
		if len(add) > 0 {
			target.Labels = append(target.Labels, add...)
			if err := tx.Put(bucketVersions, versionKey(sc, ref.name, ver), &target); err != nil {
				return err
			}
			if h.LabelIndex == nil {
				h.LabelIndex = map[string]int64{}
			}
			for _, l := range add {
				h.LabelIndex[l] = ver
			}
			if err := tx.Put(bucketParams, headKey(sc, ref.name), &h); err != nil {
				return err
			}
			e.cache.invalidate(k)
		}
		labeled = ver
		return nil
	})
	e.cache.invalidate(k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, notFound()
	}
	if err != nil {
		return nil, 0, err
	}
	return invalid, labeled, nil
}

// UnlabelParameterVersion removes labels from a version, reporting which it
// removed and which that version did not have.
func (e *Engine) UnlabelParameterVersion(ctx context.Context, name string, version int64, labels []string) (removed, invalid []string, err error) {
	if err := checkLabelList(labels); err != nil {
		return nil, nil, err
	}
	sc := awsctx.From(ctx)
	ref, err := parsePlainName(sc, name)
	if err != nil {
		return nil, nil, err
	}
	k := keyOf(sc, ref.name)
	err = e.st.Update(ctx, func(tx store.Tx) error {
		removed, invalid = []string{}, []string{}
		var h headRecord
		if err := tx.Get(bucketParams, headKey(sc, ref.name), &h); err != nil {
			return err
		}
		if version < h.Oldest || version > h.Version {
			return versionNotFound(version, ref.echo)
		}
		var v versionRecord
		if err := tx.Get(bucketVersions, versionKey(sc, ref.name, version), &v); err != nil {
			return err
		}
		for _, l := range labels {
			if contains(v.Labels, l) {
				v.Labels = remove(v.Labels, l)
				delete(h.LabelIndex, l)
				removed = append(removed, l)
			} else if !contains(invalid, l) && !contains(removed, l) {
				invalid = append(invalid, l)
			}
		}
		if len(removed) == 0 {
			return nil
		}
		if err := tx.Put(bucketVersions, versionKey(sc, ref.name, version), &v); err != nil {
			return err
		}
		e.cache.invalidate(k)
		return tx.Put(bucketParams, headKey(sc, ref.name), &h)
	})
	e.cache.invalidate(k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, notFound()
	}
	if err != nil {
		return nil, nil, err
	}
	return removed, invalid, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func remove(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Tagging.

// ResourceTypeParameter is the only ResourceType Parameter Store's tagging
// calls serve; the others name resources skiff does not have.
const ResourceTypeParameter = "Parameter"

var resourceTypes = []string{"Document", "ManagedInstance", "MaintenanceWindow", "Parameter", "PatchBaseline", "OpsItem", "OpsMetadata", "Automation", "Association"}

var tagPattern = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)

func checkTags(tags []Tag, member string) error {
	if len(tags) > 1000 {
		return constraintErr(fmt.Sprint(tags), member, "Member must have length less than or equal to 1000")
	}
	for i, t := range tags {
		at := fmt.Sprintf("%s.%d.member", member, i+1)
		switch {
		case t.Key == "":
			return constraintErr("", at+".key", "Member must have length greater than or equal to 1")
		case len(t.Key) > 128:
			return constraintErr(t.Key, at+".key", "Member must have length less than or equal to 128")
		case !tagPattern.MatchString(t.Key):
			return constraintErr(t.Key, at+".key", `Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
		case len(t.Value) > 256:
			return constraintErr(t.Value, at+".value", "Member must have length less than or equal to 256")
		case !tagPattern.MatchString(t.Value):
			return constraintErr(t.Value, at+".value", `Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
		}
	}
	return nil
}

// resourceName checks a tagging call's resource type and id and returns the
// parameter it names.
func resourceName(sc awsctx.Scope, resourceType, id string) (string, error) {
	if !contains(resourceTypes, resourceType) {
		return "", constraintErr(resourceType, "resourceType", "Member must satisfy enum value set: ["+strings.Join(resourceTypes, ", ")+"]")
	}
	if resourceType != ResourceTypeParameter {
		return "", errInvalidResourceID.New("The resource ID isn't valid. Verify that you entered the correct ID and try again.")
	}
	ref, err := parsePlainName(sc, id)
	if err != nil {
		return "", errInvalidResourceID.New("The resource ID isn't valid. Verify that you entered the correct ID and try again.")
	}
	return ref.name, nil
}

// updateTags runs fn on a parameter's tags in a write transaction.
func (e *Engine) updateTags(ctx context.Context, resourceType, id string, fn func(tags map[string]string) error) error {
	sc := awsctx.From(ctx)
	name, err := resourceName(sc, resourceType, id)
	if err != nil {
		return err
	}
	k := keyOf(sc, name)
	err = e.st.Update(ctx, func(tx store.Tx) error {
		var h headRecord
		if err := tx.Get(bucketParams, headKey(sc, name), &h); errors.Is(err, store.ErrNotFound) {
			return errInvalidResourceID.New("The resource ID isn't valid. Verify that you entered the correct ID and try again.")
		} else if err != nil {
			return err
		}
		m := make(map[string]string, len(h.Tags))
		for _, t := range h.Tags {
			m[t.Key] = t.Value
		}
		if err := fn(m); err != nil {
			return err
		}
		h.Tags = h.Tags[:0]
		for k, v := range m {
			h.Tags = append(h.Tags, Tag{k, v})
		}
		sort.Slice(h.Tags, func(i, j int) bool { return h.Tags[i].Key < h.Tags[j].Key })
		e.cache.invalidate(k)
		return tx.Put(bucketParams, headKey(sc, name), &h)
	})
	e.cache.invalidate(k)
	return err
}

// AddTagsToResource adds or overwrites tags on a parameter.
func (e *Engine) AddTagsToResource(ctx context.Context, resourceType, id string, tags []Tag) error {
	if len(tags) == 0 {
		return errValidation.New("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	if err := checkTags(tags, "tags"); err != nil {
		return err
	}
	return e.updateTags(ctx, resourceType, id, func(m map[string]string) error {
		for _, t := range tags {
			m[t.Key] = t.Value
		}
		if len(m) > maxTags {
			return errTooManyTags.New(msgTooManyTags)
		}
		return nil
	})
}

// RemoveTagsFromResource removes tags by key; missing keys are ignored.
func (e *Engine) RemoveTagsFromResource(ctx context.Context, resourceType, id string, keys []string) error {
	return e.updateTags(ctx, resourceType, id, func(m map[string]string) error {
		for _, k := range keys {
			delete(m, k)
		}
		return nil
	})
}

// ListTagsForResource returns a parameter's tags sorted by key.
func (e *Engine) ListTagsForResource(ctx context.Context, resourceType, id string) ([]Tag, error) {
	sc := awsctx.From(ctx)
	name, err := resourceName(sc, resourceType, id)
	if err != nil {
		return nil, err
	}
	var h headRecord
	err = e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bucketParams, headKey(sc, name), &h) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInvalidResourceID.New("The resource ID isn't valid. Verify that you entered the correct ID and try again.")
	}
	if err != nil {
		return nil, err
	}
	if h.Tags == nil {
		return []Tag{}, nil
	}
	return h.Tags, nil
}

// Policies.

type policyDoc struct {
	Type       string          `json:"Type"`
	Version    string          `json:"Version"`
	Attributes json.RawMessage `json:"Attributes"`
}

// checkPolicies validates a Policies document: a JSON list of at most 10
// policies of the three supported types, at most one of each.
func checkPolicies(s string) error {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return errInvalidPolicyAttribute.New(msgPolicyAttribute)
	}
	if len(raw) > 10 {
		return errPoliciesLimitExceeded.New(msgPoliciesLimit)
	}
	seen := map[string]bool{}
	for _, r := range raw {
		var p policyDoc
		if err := json.Unmarshal(r, &p); err != nil {
			return errInvalidPolicyAttribute.New(msgPolicyAttribute)
		}
		switch p.Type {
		case "Expiration", "ExpirationNotification", "NoChangeNotification":
		default:
			return errInvalidPolicyType.New(msgPolicyType)
		}
		if len(p.Attributes) == 0 || p.Attributes[0] != '{' {
			return errInvalidPolicyAttribute.New(msgPolicyAttribute)
		}
		if seen[p.Type] {
			return errIncompatiblePolicy.New(msgIncompatiblePolicy)
		}
		seen[p.Type] = true
	}
	return nil
}

// policyList renders stored policies as DescribeParameters reports them.
// Skiff records policies but does not act on them, so they stay Pending.
func policyList(s string) []Policy {
	if s == "" {
		return nil
	}
	var raw []json.RawMessage
	if json.Unmarshal([]byte(s), &raw) != nil {
		return nil
	}
	out := make([]Policy, 0, len(raw))
	for _, r := range raw {
		var p policyDoc
		json.Unmarshal(r, &p)
		text := string(r)
		var buf bytes.Buffer
		if err := json.Compact(&buf, r); err == nil {
			text = buf.String()
		}
		out = append(out, Policy{Text: text, Type: p.Type, Status: "Pending"})
	}
	return out
}
