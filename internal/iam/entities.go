package iam

import (
	"context"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"

	"github.com/skiff-dev/skiff/internal/store"
)

// Role is an IAM role as stored.
type Role struct {
	Name                     string         `json:"name"`
	Path                     string         `json:"path"`
	ID                       string         `json:"id"`
	Account                  string         `json:"account"`
	CreateDate               time.Time      `json:"createDate"`
	AssumeRolePolicyDocument string         `json:"assumeRolePolicyDocument"`
	Description              string         `json:"description,omitempty"`
	MaxSessionDuration       int32          `json:"maxSessionDuration"`
	PermissionsBoundary      string         `json:"permissionsBoundary,omitempty"`
	Tags                     []Tag          `json:"tags,omitempty"`
	LastUsedDate             *time.Time     `json:"lastUsedDate,omitempty"`
	LastUsedRegion           string         `json:"lastUsedRegion,omitempty"`
	InlinePolicies           []InlinePolicy `json:"inlinePolicies,omitempty"`
	// AttachedPolicies are managed policy ARNs in attachment order.
	AttachedPolicies []string `json:"attachedPolicies,omitempty"`
	// InstanceProfiles are the names of the profiles holding the role.
	InstanceProfiles []string `json:"instanceProfiles,omitempty"`
}

// ARN is the role's ARN.
func (r *Role) ARN() string { return iamARN(r.Account, "role", r.Path, r.Name) }

// User is an IAM user as stored.
type User struct {
	Name                string         `json:"name"`
	Path                string         `json:"path"`
	ID                  string         `json:"id"`
	Account             string         `json:"account"`
	CreateDate          time.Time      `json:"createDate"`
	PermissionsBoundary string         `json:"permissionsBoundary,omitempty"`
	Tags                []Tag          `json:"tags,omitempty"`
	InlinePolicies      []InlinePolicy `json:"inlinePolicies,omitempty"`
	AttachedPolicies    []string       `json:"attachedPolicies,omitempty"`
	AccessKeys          []string       `json:"accessKeys,omitempty"`
	// Root marks the synthetic account root user GetUser returns for root
	// credentials; it is never stored.
	Root bool `json:"-"`
}

// ARN is the user's ARN.
func (u *User) ARN() string {
	if u.Root {
		return rootARN(u.Account)
	}
	return iamARN(u.Account, "user", u.Path, u.Name)
}

// holder is what roles and users share: inline policies, attached managed
// policies and a permissions boundary.
type holder interface {
	name() string
	id() string
	path() string
	inline() *[]InlinePolicy
	attached() *[]string
	boundary() *string
}

func (r *Role) name() string            { return r.Name }
func (r *Role) id() string              { return r.ID }
func (r *Role) path() string            { return r.Path }
func (r *Role) inline() *[]InlinePolicy { return &r.InlinePolicies }
func (r *Role) attached() *[]string     { return &r.AttachedPolicies }
func (r *Role) boundary() *string       { return &r.PermissionsBoundary }
func (u *User) name() string            { return u.Name }
func (u *User) id() string              { return u.ID }
func (u *User) path() string            { return u.Path }
func (u *User) inline() *[]InlinePolicy { return &u.InlinePolicies }
func (u *User) attached() *[]string     { return &u.AttachedPolicies }
func (u *User) boundary() *string       { return &u.PermissionsBoundary }

// entityKind describes roles or users for the code they share.
type entityKind struct {
	kind       string // "role" or "user"
	bucket     string
	notFound   func(name string) error
	inlineMax  int
	quotaName  string // PoliciesPerRole / PoliciesPerUser
	policyWord string // "role policy" / "user policy"
}

var (
	kindRole = entityKind{kind: "role", bucket: bucketRoles, notFound: roleNotFound, inlineMax: maxRoleInlineSize, quotaName: "PoliciesPerRole", policyWord: "role policy"}
	kindUser = entityKind{kind: "user", bucket: bucketUsers, notFound: userNotFound, inlineMax: maxUserInlineSize, quotaName: "PoliciesPerUser", policyWord: "user policy"}
)

func (k entityKind) member() string { return k.kind + "Name" }

func (k entityKind) key(acct, name string) string { return entityKey(acct, name) }

func (k entityKind) load(tx store.Tx, acct, name string) (holder, error) {
	if k.kind == "role" {
		r, ok, err := getRec[Role](tx, k.bucket, k.key(acct, name))
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, k.notFound(name)
		}
		return r, nil
	}
	u, ok, err := getRec[User](tx, k.bucket, k.key(acct, name))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, k.notFound(name)
	}
	return u, nil
}

func (k entityKind) save(tx store.Tx, acct string, h holder) error {
	return tx.Put(k.bucket, k.key(acct, h.name()), h)
}

func (k entityKind) validateName(v *validation, name string) {
	max := 64
	if k.kind == "user" {
		max = 128 // existingUserNameType
	}
	v.name(k.member(), name, max)
}

// attachment index: who uses a managed policy, for AttachmentCount,
// DeletePolicy conflicts and ListEntitiesForPolicy.

const (
	usagePolicy   = "policy"
	usageBoundary = "boundary"
)

type attachment struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	ID   string `json:"id"`
	Path string `json:"path"`
}

func attachKey(acct, policyARN, usage, kind, name string) string {
	return acct + "|" + policyARN + "|" + usage + "|" + kind + "|" + lower(name)
}

func putAttachment(tx store.Tx, acct, policyARN, usage, kind string, h holder) error {
	return tx.Put(bucketAttachments, attachKey(acct, policyARN, usage, kind, h.name()),
		attachment{Kind: kind, Name: h.name(), ID: h.id(), Path: h.path()})
}

func deleteAttachment(tx store.Tx, acct, policyARN, usage, kind, name string) error {
	return tx.Delete(bucketAttachments, attachKey(acct, policyARN, usage, kind, name))
}

// attachmentCounts returns how many entities use the policy as a
// permissions policy and as a boundary.
func attachmentCounts(tx store.Tx, acct, policyARN string) (policies, boundaries int32, err error) {
	err = tx.Scan(bucketAttachments, store.ScanOptions{Prefix: acct + "|" + policyARN + "|"}, func(k string, _ []byte) error {
		if strings.HasPrefix(k[len(acct)+len(policyARN)+2:], usageBoundary+"|") {
			boundaries++
		} else {
			policies++
		}
		return nil
	})
	return
}

// caller tells who signed the request.
type caller struct {
	root     bool
	userName string // set for IAM users
	other    bool   // assumed roles and anything else
}

func callerOf(ctx context.Context) caller {
	p := awsctx.From(ctx).Principal
	switch {
	case p == "" || strings.HasSuffix(p, ":root"):
		return caller{root: true}
	case strings.Contains(p, ":user/"):
		return caller{userName: p[strings.LastIndex(p, "/")+1:]}
	}
	return caller{other: true}
}

func rootARN(acct string) string { return "arn:" + awsctx.Partition + ":iam::" + acct + ":root" }
