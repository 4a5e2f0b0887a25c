package iam

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// CreateRoleInput is CreateRole's input.
type CreateRoleInput struct {
	Name                     string
	Path                     string
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       *int32
	PermissionsBoundary      string
	Tags                     []Tag
}

func checkMaxSession(v *validation, n *int32) {
	if n == nil {
		return
	}
	if *n < 3600 {
		v.add("Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600", *n)
	} else if *n > 43200 {
		v.add("Value '%d' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200", *n)
	}
}

// checkTrustDocument validates a role trust policy: grammar, size, and
// that same-account role and user principals exist (as IAM checks).
func checkTrustDocument(tx store.Tx, acct, member, document string) (string, error) {
	var v validation
	v.document(member, document)
	if err := v.err(); err != nil {
		return "", err
	}
	doc := DecodeDocument(document)
	p, err := ParsePolicy(doc, TrustPolicy)
	if err != nil {
		return "", err
	}
	if policySize(doc) > maxTrustPolicySize {
		return "", ErrLimitExceeded.New("Cannot exceed quota for ACLSizePerRole: %d", maxTrustPolicySize)
	}
	if tx == nil {
		return doc, nil
	}
	for _, st := range p.Statements {
		for _, pr := range []Principal{st.Principal, st.NotPrincipal} {
			for _, arn := range pr["AWS"] {
				a, ok := awsctx.ParseARN(arn)
				if !ok || a.Service != "iam" || a.Account != acct {
					continue
				}
				var bucket string
				switch {
				case strings.HasPrefix(a.Resource, "role/"):
					bucket = bucketRoles
				case strings.HasPrefix(a.Resource, "user/"):
					bucket = bucketUsers
				default:
					continue
				}
				if strings.Contains(a.Resource, "*") {
					continue
				}
				name := a.Resource[strings.LastIndex(a.Resource, "/")+1:]
				if _, err := tx.GetRaw(bucket, entityKey(acct, name)); err != nil {
					if errors.Is(err, store.ErrNotFound) {
						return "", malformed(`Invalid principal in policy: "AWS":"%s"`, arn)
					}
					return "", err
				}
			}
		}
	}
	return doc, nil
}

// CreateRole creates a role.
func (e *Engine) CreateRole(ctx context.Context, in CreateRoleInput) (*Role, error) {
	var v validation
	v.name("roleName", in.Name, 64)
	v.path("path", in.Path)
	v.description("description", in.Description)
	checkMaxSession(&v, in.MaxSessionDuration)
	if in.PermissionsBoundary != "" {
		checkPolicyARN(&v, "permissionsBoundary", in.PermissionsBoundary)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkTagInput(in.Tags); err != nil {
		return nil, err
	}
	// Grammar first, outside the transaction, so a bad document fails fast.
	if _, err := checkTrustDocument(nil, "", "assumeRolePolicyDocument", in.AssumeRolePolicyDocument); err != nil {
		return nil, err
	}
	acct := account(ctx)
	r := &Role{
		Name: in.Name, Path: normPath(in.Path), ID: newID("AROA"), Account: acct, CreateDate: e.now(),
		Description: in.Description, MaxSessionDuration: defaultMaxSession, Tags: in.Tags,
	}
	if in.MaxSessionDuration != nil {
		r.MaxSessionDuration = *in.MaxSessionDuration
	}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetRaw(bucketRoles, entityKey(acct, in.Name)); err == nil {
			return ErrEntityAlreadyExists.New("Role with name %s already exists.", in.Name)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		doc, err := checkTrustDocument(tx, acct, "assumeRolePolicyDocument", in.AssumeRolePolicyDocument)
		if err != nil {
			return err
		}
		r.AssumeRolePolicyDocument = doc
		if in.PermissionsBoundary != "" {
			if err := putBoundary(tx, acct, kindRole, r, in.PermissionsBoundary); err != nil {
				return err
			}
		}
		return tx.Put(bucketRoles, entityKey(acct, r.Name), r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (e *Engine) viewRole(ctx context.Context, name string) (*Role, error) {
	var v validation
	v.name("roleName", name, 64)
	if err := v.err(); err != nil {
		return nil, err
	}
	var r *Role
	err := e.st.View(ctx, func(tx store.Tx) error {
		h, err := kindRole.load(tx, account(ctx), name)
		if err != nil {
			return err
		}
		r = h.(*Role)
		return nil
	})
	return r, err
}

// GetRole returns a role.
func (e *Engine) GetRole(ctx context.Context, name string) (*Role, error) {
	return e.viewRole(ctx, name)
}

// updateRole loads a role for change and saves it when fn succeeds.
func (e *Engine) updateRole(ctx context.Context, name string, fn func(tx store.Tx, r *Role) error) (*Role, error) {
	acct := account(ctx)
	var out *Role
	err := e.st.Update(ctx, func(tx store.Tx) error {
		h, err := kindRole.load(tx, acct, name)
		if err != nil {
			return err
		}
		r := h.(*Role)
		if err := fn(tx, r); err != nil {
			return err
		}
		out = r
		return tx.Put(bucketRoles, entityKey(acct, r.Name), r)
	})
	return out, err
}

// ListRoles lists roles by name, optionally under a path prefix.
func (e *Engine) ListRoles(ctx context.Context, pathPrefix, marker string, maxItems *int32) ([]*Role, string, error) {
	var v validation
	v.pathPrefix("pathPrefix", pathPrefix)
	v.maxItems(maxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	var roles []*Role
	err := e.st.View(ctx, func(tx store.Tx) error {
		all, err := scanRecs[Role](tx, bucketRoles, account(ctx)+"/")
		for _, r := range all {
			if strings.HasPrefix(r.Path, pathPrefix) {
				roles = append(roles, r)
			}
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return paginate(roles, func(r *Role) string { return lower(r.Name) }, marker, maxItems)
}

// UpdateRole changes a role's description and maximum session duration.
func (e *Engine) UpdateRole(ctx context.Context, name string, description *string, maxSession *int32) error {
	var v validation
	v.name("roleName", name, 64)
	if description != nil {
		v.description("description", *description)
	}
	checkMaxSession(&v, maxSession)
	if err := v.err(); err != nil {
		return err
	}
	_, err := e.updateRole(ctx, name, func(_ store.Tx, r *Role) error {
		if description != nil {
			r.Description = *description
		}
		if maxSession != nil {
			r.MaxSessionDuration = *maxSession
		}
		return nil
	})
	return err
}

// UpdateRoleDescription changes a role's description and returns the role.
func (e *Engine) UpdateRoleDescription(ctx context.Context, name, description string) (*Role, error) {
	var v validation
	v.name("roleName", name, 64)
	v.description("description", description)
	if err := v.err(); err != nil {
		return nil, err
	}
	return e.updateRole(ctx, name, func(_ store.Tx, r *Role) error {
		r.Description = description
		return nil
	})
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (e *Engine) UpdateAssumeRolePolicy(ctx context.Context, name, document string) error {
	var v validation
	v.name("roleName", name, 64)
	if err := v.err(); err != nil {
		return err
	}
	if _, err := checkTrustDocument(nil, "", "policyDocument", document); err != nil {
		return err
	}
	acct := account(ctx)
	_, err := e.updateRole(ctx, name, func(tx store.Tx, r *Role) error {
		doc, err := checkTrustDocument(tx, acct, "policyDocument", document)
		r.AssumeRolePolicyDocument = doc
		return err
	})
	return err
}

// DeleteRole deletes a role that has no policies and is in no instance
// profile.
func (e *Engine) DeleteRole(ctx context.Context, name string) error {
	var v validation
	v.name("roleName", name, 64)
	if err := v.err(); err != nil {
		return err
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		h, err := kindRole.load(tx, acct, name)
		if err != nil {
			return err
		}
		r := h.(*Role)
		switch {
		case len(r.InstanceProfiles) > 0:
			return ErrDeleteConflict.New("Cannot delete entity, must remove roles from instance profile first.")
		case len(r.AttachedPolicies) > 0:
			return ErrDeleteConflict.New("Cannot delete entity, must detach all policies first.")
		case len(r.InlinePolicies) > 0:
			return ErrDeleteConflict.New("Cannot delete entity, must delete policies first.")
		}
		if err := putBoundary(tx, acct, kindRole, r, ""); err != nil {
			return err
		}
		return tx.Delete(bucketRoles, entityKey(acct, r.Name))
	})
}

// TagRole adds or replaces tags on a role.
func (e *Engine) TagRole(ctx context.Context, name string, tags []Tag) error {
	if err := checkTagInput(tags); err != nil {
		return err
	}
	_, err := e.updateRole(ctx, name, func(_ store.Tx, r *Role) error {
		var err error
		r.Tags, err = mergeTags(r.Tags, tags)
		return err
	})
	return err
}

// UntagRole removes tags from a role.
func (e *Engine) UntagRole(ctx context.Context, name string, keys []string) error {
	if err := checkTagKeys(keys); err != nil {
		return err
	}
	_, err := e.updateRole(ctx, name, func(_ store.Tx, r *Role) error {
		r.Tags = removeTags(r.Tags, keys)
		return nil
	})
	return err
}

// pageTags pages a tag list in its stored order.
func pageTags(tags []Tag, marker string, maxItems *int32) ([]Tag, string, error) {
	var v validation
	v.maxItems(maxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	type item struct {
		i int
		t Tag
	}
	items := make([]item, len(tags))
	for i, t := range tags {
		items[i] = item{i, t}
	}
	page, next, err := paginate(items, func(x item) string { return fmt.Sprintf("%04d", x.i) }, marker, maxItems)
	out := make([]Tag, len(page))
	for i, x := range page {
		out[i] = x.t
	}
	return out, next, err
}

// ListRoleTags lists a role's tags.
func (e *Engine) ListRoleTags(ctx context.Context, name, marker string, maxItems *int32) ([]Tag, string, error) {
	r, err := e.viewRole(ctx, name)
	if err != nil {
		return nil, "", err
	}
	return pageTags(r.Tags, marker, maxItems)
}

// rolesByName loads roles (for instance profile output), skipping any
// that vanished.
func rolesByName(tx store.Tx, acct string, names []string) ([]*Role, error) {
	var out []*Role
	for _, n := range names {
		r, ok, err := getRec[Role](tx, bucketRoles, entityKey(acct, n))
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return lower(out[i].Name) < lower(out[j].Name) })
	return out, nil
}
