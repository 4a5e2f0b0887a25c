package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// ManagedPolicy is a customer managed policy as stored, or an AWS managed
// policy from the catalogue (Account "aws").
type ManagedPolicy struct {
	Name             string          `json:"name"`
	Path             string          `json:"path"`
	ID               string          `json:"id"`
	Account          string          `json:"account"`
	Description      string          `json:"description,omitempty"`
	CreateDate       time.Time       `json:"createDate"`
	UpdateDate       time.Time       `json:"updateDate"`
	DefaultVersionID string          `json:"defaultVersionId"`
	Versions         []PolicyVersion `json:"versions"` // oldest first
	NextVersion      int             `json:"nextVersion"`
	Tags             []Tag           `json:"tags,omitempty"`

	// Filled when read: how many entities use the policy.
	AttachmentCount               int32 `json:"-"`
	PermissionsBoundaryUsageCount int32 `json:"-"`
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	VersionID  string    `json:"versionId"`
	Document   string    `json:"document"`
	CreateDate time.Time `json:"createDate"`
	// IsDefault is filled when read.
	IsDefault bool `json:"-"`
}

// ARN is the policy's ARN.
func (p *ManagedPolicy) ARN() string { return iamARN(p.Account, "policy", p.Path, p.Name) }

// IsAWSManaged reports whether the policy comes from AWS's catalogue.
func (p *ManagedPolicy) IsAWSManaged() bool { return p.Account == AWSAccount }

// DefaultVersion returns the version in force.
func (p *ManagedPolicy) DefaultVersion() *PolicyVersion {
	for i := range p.Versions {
		if p.Versions[i].VersionID == p.DefaultVersionID {
			v := p.Versions[i]
			v.IsDefault = true
			return &v
		}
	}
	return nil
}

func (p *ManagedPolicy) version(id string) (int, bool) {
	for i := range p.Versions {
		if p.Versions[i].VersionID == id {
			return i, true
		}
	}
	return -1, false
}

// parsePolicyARN splits arn:aws:iam::<acct>:policy<path><name>.
func parsePolicyARN(arn string) (acct, path, name string, ok bool) {
	pa, ok := awsctx.ParseARN(arn)
	if !ok || pa.Service != "iam" || pa.Region != "" || !strings.HasPrefix(pa.Resource, "policy/") {
		return "", "", "", false
	}
	rest := pa.Resource[len("policy"):]
	i := strings.LastIndex(rest, "/")
	path, name = rest[:i+1], rest[i+1:]
	if name == "" || pa.Account == "" {
		return "", "", "", false
	}
	return pa.Account, path, name, true
}

// findPolicy resolves a policy ARN visible to account acct; found is false
// when there is no such policy. A malformed ARN is InvalidInput.
func findPolicy(tx store.Tx, acct, arn string) (*ManagedPolicy, bool, error) {
	pacct, path, name, ok := parsePolicyARN(arn)
	if !ok {
		return nil, false, invalidARN(arn)
	}
	var p *ManagedPolicy
	switch pacct {
	case AWSAccount:
		p, ok = awsPolicy(path, name)
		if !ok {
			return nil, false, nil
		}
	case acct:
		rec, found, err := getRec[ManagedPolicy](tx, bucketPolicies, entityKey(acct, name))
		if err != nil || !found || rec.Path != path || !strings.EqualFold(rec.Name, name) {
			return nil, false, err
		}
		p = rec
	default:
		return nil, false, nil
	}
	var err error
	p.AttachmentCount, p.PermissionsBoundaryUsageCount, err = attachmentCounts(tx, acct, p.ARN())
	return p, true, err
}

// mustPolicy is findPolicy with GetPolicy's not-found error.
func mustPolicy(tx store.Tx, acct, arn string) (*ManagedPolicy, error) {
	p, ok, err := findPolicy(tx, acct, arn)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, policyNotFound(arn)
	}
	return p, nil
}

func denyAWSManaged(ctx context.Context, action string, p *ManagedPolicy) error {
	if !p.IsAWSManaged() {
		return nil
	}
	who := awsctx.From(ctx).Principal
	if who == "" {
		who = rootARN(account(ctx))
	}
	return ErrAccessDenied.New("User: %s is not authorized to perform: iam:%s on resource: policy %s", who, action, p.ARN())
}

func checkPolicyARN(v *validation, member, arn string) {
	v.checkString(member, arn, 20, 2048, nil, "")
}

// checkManagedDocument validates a managed policy document and its size.
func checkManagedDocument(doc string) (string, error) {
	var v validation
	v.document("policyDocument", doc)
	if err := v.err(); err != nil {
		return "", err
	}
	doc = DecodeDocument(doc)
	if _, err := ParsePolicy(doc, IdentityPolicy); err != nil {
		return "", err
	}
	if policySize(doc) > maxManagedPolicySize {
		return "", ErrLimitExceeded.New("Cannot exceed quota for PolicySize: %d", maxManagedPolicySize)
	}
	return doc, nil
}

// CreatePolicyInput is CreatePolicy's input.
type CreatePolicyInput struct {
	Name, Path, Document, Description string
	Tags                              []Tag
}

// CreatePolicy creates a customer managed policy with version v1.
func (e *Engine) CreatePolicy(ctx context.Context, in CreatePolicyInput) (*ManagedPolicy, error) {
	var v validation
	v.name("policyName", in.Name, 128)
	v.policyPath("path", in.Path)
	v.checkString("description", in.Description, 0, 1000, nil, "")
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkTagInput(in.Tags); err != nil {
		return nil, err
	}
	doc, err := checkManagedDocument(in.Document)
	if err != nil {
		return nil, err
	}
	acct := account(ctx)
	now := e.now()
	p := &ManagedPolicy{
		Name: in.Name, Path: normPath(in.Path), ID: newID("ANPA"), Account: acct, Description: in.Description,
		CreateDate: now, UpdateDate: now, DefaultVersionID: "v1", NextVersion: 2, Tags: in.Tags,
		Versions: []PolicyVersion{{VersionID: "v1", Document: doc, CreateDate: now}},
	}
	err = e.st.Update(ctx, func(tx store.Tx) error {
		_, exists, err := getRec[ManagedPolicy](tx, bucketPolicies, entityKey(acct, in.Name))
		if err != nil {
			return err
		}
		if exists {
			return ErrEntityAlreadyExists.New("A policy called %s already exists. Duplicate names are not allowed.", in.Name)
		}
		return tx.Put(bucketPolicies, entityKey(acct, in.Name), p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// GetPolicy returns a managed policy (customer or AWS) by ARN.
func (e *Engine) GetPolicy(ctx context.Context, arn string) (*ManagedPolicy, error) {
	var v validation
	checkPolicyARN(&v, "policyArn", arn)
	if err := v.err(); err != nil {
		return nil, err
	}
	var p *ManagedPolicy
	err := e.st.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = mustPolicy(tx, account(ctx), arn)
		return err
	})
	return p, err
}

// ListPoliciesInput is ListPolicies' input.
type ListPoliciesInput struct {
	Scope        string // All (default), AWS, Local
	OnlyAttached bool
	PathPrefix   string
	UsageFilter  string // PermissionsPolicy, PermissionsBoundary or ""
	Marker       string
	MaxItems     *int32
}

// ListPolicies lists managed policies by name.
func (e *Engine) ListPolicies(ctx context.Context, in ListPoliciesInput) ([]*ManagedPolicy, string, error) {
	var v validation
	if in.Scope != "" && in.Scope != "All" && in.Scope != "AWS" && in.Scope != "Local" {
		v.add("Value '%s' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", in.Scope)
	}
	if in.UsageFilter != "" && in.UsageFilter != "PermissionsPolicy" && in.UsageFilter != "PermissionsBoundary" {
		v.add("Value '%s' at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]", in.UsageFilter)
	}
	v.policyPath("pathPrefix", in.PathPrefix)
	v.maxItems(in.MaxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	acct := account(ctx)
	var all []*ManagedPolicy
	err := e.st.View(ctx, func(tx store.Tx) error {
		if in.Scope != "Local" {
			for _, p := range awsCatalogue().list {
				cp := *p
				all = append(all, &cp)
			}
		}
		if in.Scope != "AWS" {
			local, err := scanRecs[ManagedPolicy](tx, bucketPolicies, acct+"/")
			if err != nil {
				return err
			}
			all = append(all, local...)
		}
		var kept []*ManagedPolicy
		for _, p := range all {
			if in.PathPrefix != "" && !strings.HasPrefix(p.Path, in.PathPrefix) {
				continue
			}
			var err error
			p.AttachmentCount, p.PermissionsBoundaryUsageCount, err = attachmentCounts(tx, acct, p.ARN())
			if err != nil {
				return err
			}
			if in.OnlyAttached {
				used := p.AttachmentCount > 0
				switch in.UsageFilter {
				case "PermissionsBoundary":
					used = p.PermissionsBoundaryUsageCount > 0
				case "":
					used = used || p.PermissionsBoundaryUsageCount > 0
				}
				if !used {
					continue
				}
			}
			kept = append(kept, p)
		}
		all = kept
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	key := func(p *ManagedPolicy) string { return lower(p.Name) + "|" + p.Account }
	sort.Slice(all, func(i, j int) bool { return key(all[i]) < key(all[j]) })
	return paginate(all, key, in.Marker, in.MaxItems)
}

// DeletePolicy deletes a customer managed policy that is not attached and
// has only its default version.
func (e *Engine) DeletePolicy(ctx context.Context, arn string) error {
	var v validation
	checkPolicyARN(&v, "policyArn", arn)
	if err := v.err(); err != nil {
		return err
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		p, err := mustPolicy(tx, acct, arn)
		if err != nil {
			return err
		}
		if err := denyAWSManaged(ctx, "DeletePolicy", p); err != nil {
			return err
		}
		if p.AttachmentCount > 0 || p.PermissionsBoundaryUsageCount > 0 {
			return ErrDeleteConflict.New("Cannot delete a policy attached to entities.")
		}
		if len(p.Versions) > 1 {
			return ErrDeleteConflict.New("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return tx.Delete(bucketPolicies, entityKey(acct, p.Name))
	})
}

// updatePolicy loads a customer managed policy for change, refusing AWS
// managed ones, and saves it when fn succeeds.
func (e *Engine) updatePolicy(ctx context.Context, action, arn string, fn func(p *ManagedPolicy) error) error {
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		p, err := mustPolicy(tx, acct, arn)
		if err != nil {
			return err
		}
		if err := denyAWSManaged(ctx, action, p); err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return tx.Put(bucketPolicies, entityKey(acct, p.Name), p)
	})
}

// CreatePolicyVersion adds a version, optionally making it the default.
func (e *Engine) CreatePolicyVersion(ctx context.Context, arn, document string, setAsDefault bool) (*PolicyVersion, error) {
	var v validation
	checkPolicyARN(&v, "policyArn", arn)
	if err := v.err(); err != nil {
		return nil, err
	}
	doc, err := checkManagedDocument(document)
	if err != nil {
		return nil, err
	}
	var out PolicyVersion
	err = e.updatePolicy(ctx, "CreatePolicyVersion", arn, func(p *ManagedPolicy) error {
		if len(p.Versions) >= maxPolicyVersions {
			return ErrLimitExceeded.New("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		now := e.now()
		out = PolicyVersion{VersionID: "v" + strconv.Itoa(p.NextVersion), Document: doc, CreateDate: now}
		p.NextVersion++
		p.Versions = append(p.Versions, out)
		if setAsDefault {
			p.DefaultVersionID = out.VersionID
			out.IsDefault = true
		}
		p.UpdateDate = now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func checkVersionID(v *validation, id string) {
	v.checkString("versionId", id, 1, 0, versionIDPattern, versionIDPatternText)
}

func versionNotFound(arn, id string) error {
	return ErrNoSuchEntity.New("Policy %s version %s does not exist or is not attachable.", arn, id)
}

// GetPolicyVersion returns one version with its document.
func (e *Engine) GetPolicyVersion(ctx context.Context, arn, versionID string) (*PolicyVersion, error) {
	var v validation
	checkPolicyARN(&v, "policyArn", arn)
	checkVersionID(&v, versionID)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *PolicyVersion
	err := e.st.View(ctx, func(tx store.Tx) error {
		p, err := mustPolicy(tx, account(ctx), arn)
		if err != nil {
			return err
		}
		i, ok := p.version(versionID)
		if !ok {
			return versionNotFound(arn, versionID)
		}
		pv := p.Versions[i]
		pv.IsDefault = pv.VersionID == p.DefaultVersionID
		out = &pv
		return nil
	})
	return out, err
}

// ListPolicyVersions lists a policy's versions, newest first.
func (e *Engine) ListPolicyVersions(ctx context.Context, arn, marker string, maxItems *int32) ([]PolicyVersion, string, error) {
	var v validation
	checkPolicyARN(&v, "policyArn", arn)
	v.maxItems(maxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	var p *ManagedPolicy
	err := e.st.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = mustPolicy(tx, account(ctx), arn)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	vs := make([]PolicyVersion, 0, len(p.Versions))
	for i := len(p.Versions) - 1; i >= 0; i-- {
		pv := p.Versions[i]
		pv.IsDefault = pv.VersionID == p.DefaultVersionID
		vs = append(vs, pv)
	}
	key := func(pv PolicyVersion) string {
		n, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(pv.VersionID, "v"), ".", 2)[0])
		return fmt.Sprintf("%010d", 1<<30-n)
	}
	return paginate(vs, key, marker, maxItems)
}

// DeletePolicyVersion deletes a non-default version.
func (e *Engine) DeletePolicyVersion(ctx context.Context, arn, versionID string) error {
	var v validation
	checkPolicyARN(&v, "policyArn", arn)
	checkVersionID(&v, versionID)
	if err := v.err(); err != nil {
		return err
	}
	return e.updatePolicy(ctx, "DeletePolicyVersion", arn, func(p *ManagedPolicy) error {
		i, ok := p.version(versionID)
		if !ok {
			return versionNotFound(arn, versionID)
		}
		if versionID == p.DefaultVersionID {
			return ErrDeleteConflict.New("Cannot delete the default version of a policy.")
		}
		p.Versions = append(p.Versions[:i], p.Versions[i+1:]...)
		return nil
	})
}

// SetDefaultPolicyVersion makes a version the default.
func (e *Engine) SetDefaultPolicyVersion(ctx context.Context, arn, versionID string) error {
	var v validation
	checkPolicyARN(&v, "policyArn", arn)
	checkVersionID(&v, versionID)
	if err := v.err(); err != nil {
		return err
	}
	return e.updatePolicy(ctx, "SetDefaultPolicyVersion", arn, func(p *ManagedPolicy) error {
		if _, ok := p.version(versionID); !ok {
			return versionNotFound(arn, versionID)
		}
		p.DefaultVersionID = versionID
		p.UpdateDate = e.now()
		return nil
	})
}

// TagPolicy adds or replaces tags on a customer managed policy.
func (e *Engine) TagPolicy(ctx context.Context, arn string, tags []Tag) error {
	if err := checkTagInput(tags); err != nil {
		return err
	}
	return e.updatePolicy(ctx, "TagPolicy", arn, func(p *ManagedPolicy) error {
		var err error
		p.Tags, err = mergeTags(p.Tags, tags)
		return err
	})
}

// UntagPolicy removes tags from a customer managed policy.
func (e *Engine) UntagPolicy(ctx context.Context, arn string, keys []string) error {
	if err := checkTagKeys(keys); err != nil {
		return err
	}
	return e.updatePolicy(ctx, "UntagPolicy", arn, func(p *ManagedPolicy) error {
		p.Tags = removeTags(p.Tags, keys)
		return nil
	})
}

// AttachedPolicy names a managed policy attached to an entity.
type AttachedPolicy struct{ Name, ARN string }

// AttachPolicy attaches a managed policy to a role ("role") or user
// ("user"). Attaching one already attached is a no-op, as in IAM.
func (e *Engine) AttachPolicy(ctx context.Context, kind, entity, policyARN string) error {
	k, err := kindOf(kind)
	if err != nil {
		return err
	}
	var v validation
	k.validateName(&v, entity)
	checkPolicyARN(&v, "policyArn", policyARN)
	if err := v.err(); err != nil {
		return err
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		h, err := k.load(tx, acct, entity)
		if err != nil {
			return err
		}
		p, ok, err := findPolicy(tx, acct, policyARN)
		if err != nil {
			return err
		}
		if !ok {
			return policyNotAttachable(policyARN)
		}
		arn := p.ARN()
		att := h.attached()
		if containsFold(*att, arn) {
			return nil
		}
		if len(*att) >= maxManagedPerEntity {
			return ErrLimitExceeded.New("Cannot exceed quota for %s: %d", k.quotaName, maxManagedPerEntity)
		}
		*att = append(*att, arn)
		if err := putAttachment(tx, acct, arn, usagePolicy, k.kind, h); err != nil {
			return err
		}
		return k.save(tx, acct, h)
	})
}

// DetachPolicy detaches a managed policy from a role or user.
func (e *Engine) DetachPolicy(ctx context.Context, kind, entity, policyARN string) error {
	k, err := kindOf(kind)
	if err != nil {
		return err
	}
	var v validation
	k.validateName(&v, entity)
	checkPolicyARN(&v, "policyArn", policyARN)
	if err := v.err(); err != nil {
		return err
	}
	if _, _, _, ok := parsePolicyARN(policyARN); !ok {
		return invalidARN(policyARN)
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		h, err := k.load(tx, acct, entity)
		if err != nil {
			return err
		}
		att := h.attached()
		var arn string
		for _, a := range *att {
			if strings.EqualFold(a, policyARN) {
				arn = a
			}
		}
		if arn == "" {
			return policyNotFound(policyARN)
		}
		*att = removeFold(*att, arn)
		if err := deleteAttachment(tx, acct, arn, usagePolicy, k.kind, h.name()); err != nil {
			return err
		}
		return k.save(tx, acct, h)
	})
}

// ListAttachedPolicies lists the managed policies attached to a role or
// user, optionally only those whose path starts with pathPrefix.
func (e *Engine) ListAttachedPolicies(ctx context.Context, kind, entity, pathPrefix, marker string, maxItems *int32) ([]AttachedPolicy, string, error) {
	k, err := kindOf(kind)
	if err != nil {
		return nil, "", err
	}
	var v validation
	k.validateName(&v, entity)
	v.policyPath("pathPrefix", pathPrefix)
	v.maxItems(maxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	var h holder
	err = e.st.View(ctx, func(tx store.Tx) error {
		h, err = k.load(tx, account(ctx), entity)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	type item struct {
		i int
		p AttachedPolicy
	}
	var items []item
	for i, arn := range *h.attached() {
		_, path, name, _ := parsePolicyARN(arn)
		if pathPrefix != "" && !strings.HasPrefix(path, pathPrefix) {
			continue
		}
		items = append(items, item{i, AttachedPolicy{Name: name, ARN: arn}})
	}
	page, next, err := paginate(items, func(x item) string { return fmt.Sprintf("%06d", x.i) }, marker, maxItems)
	out := make([]AttachedPolicy, len(page))
	for i, x := range page {
		out[i] = x.p
	}
	return out, next, err
}

// PolicyEntity is a role, user or group using a managed policy.
type PolicyEntity struct {
	Kind string // "role", "user", "group"
	Name string
	ID   string
}

// ListEntitiesForPolicyInput is ListEntitiesForPolicy's input.
type ListEntitiesForPolicyInput struct {
	PolicyARN    string
	EntityFilter string // User, Role, Group, LocalManagedPolicy, AWSManagedPolicy or ""
	PathPrefix   string
	UsageFilter  string // PermissionsPolicy, PermissionsBoundary or ""
	Marker       string
	MaxItems     *int32
}

// ListEntitiesForPolicy lists who uses a managed policy.
func (e *Engine) ListEntitiesForPolicy(ctx context.Context, in ListEntitiesForPolicyInput) ([]PolicyEntity, string, error) {
	var v validation
	checkPolicyARN(&v, "policyArn", in.PolicyARN)
	switch in.EntityFilter {
	case "", "User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy":
	default:
		v.add("Value '%s' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]", in.EntityFilter)
	}
	if in.UsageFilter != "" && in.UsageFilter != "PermissionsPolicy" && in.UsageFilter != "PermissionsBoundary" {
		v.add("Value '%s' at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]", in.UsageFilter)
	}
	v.path("pathPrefix", in.PathPrefix)
	v.maxItems(in.MaxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	acct := account(ctx)
	type item struct {
		key string
		e   PolicyEntity
	}
	var items []item
	err := e.st.View(ctx, func(tx store.Tx) error {
		p, err := mustPolicy(tx, acct, in.PolicyARN)
		if err != nil {
			return err
		}
		prefix := acct + "|" + p.ARN() + "|"
		seen := map[string]bool{}
		return tx.Scan(bucketAttachments, store.ScanOptions{Prefix: prefix}, func(k string, b []byte) error {
			parts := strings.Split(k[len(prefix):], "|")
			usage := parts[0]
			if in.UsageFilter == "PermissionsPolicy" && usage != usagePolicy || in.UsageFilter == "PermissionsBoundary" && usage != usageBoundary {
				return nil
			}
			var a attachment
			if err := json.Unmarshal(b, &a); err != nil {
				return err
			}
			if f := in.EntityFilter; (f == "User" || f == "Role" || f == "Group") && !strings.EqualFold(f, a.Kind) {
				return nil
			}
			if in.PathPrefix != "" && !strings.HasPrefix(a.Path, in.PathPrefix) {
				return nil
			}
			id := a.Kind + "|" + lower(a.Name)
			if seen[id] {
				return nil
			}
			seen[id] = true
			items = append(items, item{key: id, e: PolicyEntity{Kind: a.Kind, Name: a.Name, ID: a.ID}})
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	page, next, err := paginate(items, func(x item) string { return x.key }, in.Marker, in.MaxItems)
	out := make([]PolicyEntity, len(page))
	for i, x := range page {
		out[i] = x.e
	}
	return out, next, err
}

func kindOf(kind string) (entityKind, error) {
	switch kind {
	case "role":
		return kindRole, nil
	case "user":
		return kindUser, nil
	}
	return entityKind{}, fmt.Errorf("iam: unknown entity kind %q", kind)
}

// putBoundary sets (arn != "") or clears an entity's permissions boundary,
// keeping the attachment index in step.
func putBoundary(tx store.Tx, acct string, k entityKind, h holder, arn string) error {
	b := h.boundary()
	if *b != "" {
		if err := deleteAttachment(tx, acct, *b, usageBoundary, k.kind, h.name()); err != nil {
			return err
		}
	}
	*b = ""
	if arn == "" {
		return nil
	}
	p, ok, err := findPolicy(tx, acct, arn)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoSuchEntity.New("Scope ARN: %s does not exist or is not attachable.", arn)
	}
	*b = p.ARN()
	return putAttachment(tx, acct, *b, usageBoundary, k.kind, h)
}

// PutPermissionsBoundary sets the permissions boundary of a role or user.
func (e *Engine) PutPermissionsBoundary(ctx context.Context, kind, entity, policyARN string) error {
	k, err := kindOf(kind)
	if err != nil {
		return err
	}
	var v validation
	k.validateName(&v, entity)
	checkPolicyARN(&v, "permissionsBoundary", policyARN)
	if err := v.err(); err != nil {
		return err
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		h, err := k.load(tx, acct, entity)
		if err != nil {
			return err
		}
		if err := putBoundary(tx, acct, k, h, policyARN); err != nil {
			return err
		}
		return k.save(tx, acct, h)
	})
}

// DeletePermissionsBoundary removes the permissions boundary of a role or
// user.
func (e *Engine) DeletePermissionsBoundary(ctx context.Context, kind, entity string) error {
	k, err := kindOf(kind)
	if err != nil {
		return err
	}
	var v validation
	k.validateName(&v, entity)
	if err := v.err(); err != nil {
		return err
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		h, err := k.load(tx, acct, entity)
		if err != nil {
			return err
		}
		if err := putBoundary(tx, acct, k, h, ""); err != nil {
			return err
		}
		return k.save(tx, acct, h)
	})
}
