package iam

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// InstanceProfile is an instance profile as stored.
type InstanceProfile struct {
	Name       string    `json:"name"`
	Path       string    `json:"path"`
	ID         string    `json:"id"`
	Account    string    `json:"account"`
	CreateDate time.Time `json:"createDate"`
	RoleNames  []string  `json:"roles,omitempty"`
	Tags       []Tag     `json:"tags,omitempty"`

	// Roles are filled when read.
	Roles []*Role `json:"-"`
}

// ARN is the instance profile's ARN.
func (p *InstanceProfile) ARN() string { return iamARN(p.Account, "instance-profile", p.Path, p.Name) }

func loadProfile(tx store.Tx, acct, name string, withRoles bool) (*InstanceProfile, error) {
	p, ok, err := getRec[InstanceProfile](tx, bucketProfiles, entityKey(acct, name))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, profileNotFound(name)
	}
	if withRoles {
		if p.Roles, err = rolesByName(tx, acct, p.RoleNames); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func checkProfileName(v *validation, name string) { v.name("instanceProfileName", name, 128) }

// CreateInstanceProfile creates an empty instance profile.
func (e *Engine) CreateInstanceProfile(ctx context.Context, name, path string, tags []Tag) (*InstanceProfile, error) {
	var v validation
	checkProfileName(&v, name)
	v.path("path", path)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkTagInput(tags); err != nil {
		return nil, err
	}
	acct := account(ctx)
	p := &InstanceProfile{Name: name, Path: normPath(path), ID: newID("AIPA"), Account: acct, CreateDate: e.now(), Tags: tags}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetRaw(bucketProfiles, entityKey(acct, name)); err == nil {
			return ErrEntityAlreadyExists.New("Instance Profile %s already exists.", name)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Put(bucketProfiles, entityKey(acct, name), p)
	})
	if err != nil {
		return nil, err
	}
	p.Roles = []*Role{}
	return p, nil
}

// GetInstanceProfile returns an instance profile with its roles.
func (e *Engine) GetInstanceProfile(ctx context.Context, name string) (*InstanceProfile, error) {
	var v validation
	checkProfileName(&v, name)
	if err := v.err(); err != nil {
		return nil, err
	}
	var p *InstanceProfile
	err := e.st.View(ctx, func(tx store.Tx) error {
		var err error
		p, err = loadProfile(tx, account(ctx), name, true)
		return err
	})
	return p, err
}

// DeleteInstanceProfile deletes an instance profile that holds no role.
func (e *Engine) DeleteInstanceProfile(ctx context.Context, name string) error {
	var v validation
	checkProfileName(&v, name)
	if err := v.err(); err != nil {
		return err
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		p, err := loadProfile(tx, acct, name, false)
		if err != nil {
			return err
		}
		if len(p.RoleNames) > 0 {
			return ErrDeleteConflict.New("Cannot delete entity, must remove roles from instance profile first.")
		}
		return tx.Delete(bucketProfiles, entityKey(acct, p.Name))
	})
}

// AddRoleToInstanceProfile puts a role in a profile (one role at most).
func (e *Engine) AddRoleToInstanceProfile(ctx context.Context, profile, role string) error {
	var v validation
	checkProfileName(&v, profile)
	v.name("roleName", role, 64)
	if err := v.err(); err != nil {
		return err
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		p, err := loadProfile(tx, acct, profile, false)
		if err != nil {
			return err
		}
		h, err := kindRole.load(tx, acct, role)
		if err != nil {
			return err
		}
		r := h.(*Role)
		if len(p.RoleNames) >= maxRolesPerProfile {
			return ErrLimitExceeded.New("Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d", maxRolesPerProfile)
		}
		p.RoleNames = append(p.RoleNames, r.Name)
		if !containsFold(r.InstanceProfiles, p.Name) {
			r.InstanceProfiles = append(r.InstanceProfiles, p.Name)
		}
		if err := tx.Put(bucketRoles, entityKey(acct, r.Name), r); err != nil {
			return err
		}
		return tx.Put(bucketProfiles, entityKey(acct, p.Name), p)
	})
}

// RemoveRoleFromInstanceProfile takes a role out of a profile.
func (e *Engine) RemoveRoleFromInstanceProfile(ctx context.Context, profile, role string) error {
	var v validation
	checkProfileName(&v, profile)
	v.name("roleName", role, 64)
	if err := v.err(); err != nil {
		return err
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		p, err := loadProfile(tx, acct, profile, false)
		if err != nil {
			return err
		}
		if !containsFold(p.RoleNames, role) {
			return roleNotFound(role)
		}
		p.RoleNames = removeFold(p.RoleNames, role)
		if r, ok, err := getRec[Role](tx, bucketRoles, entityKey(acct, role)); err != nil {
			return err
		} else if ok {
			r.InstanceProfiles = removeFold(r.InstanceProfiles, p.Name)
			if err := tx.Put(bucketRoles, entityKey(acct, r.Name), r); err != nil {
				return err
			}
		}
		return tx.Put(bucketProfiles, entityKey(acct, p.Name), p)
	})
}

// ListInstanceProfiles lists profiles by name, optionally under a path
// prefix.
func (e *Engine) ListInstanceProfiles(ctx context.Context, pathPrefix, marker string, maxItems *int32) ([]*InstanceProfile, string, error) {
	var v validation
	v.pathPrefix("pathPrefix", pathPrefix)
	v.maxItems(maxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	acct := account(ctx)
	var out []*InstanceProfile
	err := e.st.View(ctx, func(tx store.Tx) error {
		all, err := scanRecs[InstanceProfile](tx, bucketProfiles, acct+"/")
		if err != nil {
			return err
		}
		for _, p := range all {
			if !strings.HasPrefix(p.Path, pathPrefix) {
				continue
			}
			if p.Roles, err = rolesByName(tx, acct, p.RoleNames); err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return paginate(out, func(p *InstanceProfile) string { return lower(p.Name) }, marker, maxItems)
}

// ListInstanceProfilesForRole lists the profiles holding a role.
func (e *Engine) ListInstanceProfilesForRole(ctx context.Context, role, marker string, maxItems *int32) ([]*InstanceProfile, string, error) {
	var v validation
	v.name("roleName", role, 64)
	v.maxItems(maxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	acct := account(ctx)
	var out []*InstanceProfile
	err := e.st.View(ctx, func(tx store.Tx) error {
		h, err := kindRole.load(tx, acct, role)
		if err != nil {
			return err
		}
		for _, n := range h.(*Role).InstanceProfiles {
			p, err := loadProfile(tx, acct, n, true)
			if err != nil {
				if ErrNoSuchEntity.Is(err) {
					continue
				}
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return paginate(sortProfiles(out), func(p *InstanceProfile) string { return lower(p.Name) }, marker, maxItems)
}

func sortProfiles(ps []*InstanceProfile) []*InstanceProfile {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && lower(ps[j].Name) < lower(ps[j-1].Name); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	return ps
}

func (e *Engine) updateProfile(ctx context.Context, name string, fn func(p *InstanceProfile) error) error {
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		p, err := loadProfile(tx, acct, name, false)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return tx.Put(bucketProfiles, entityKey(acct, p.Name), p)
	})
}

// TagInstanceProfile adds or replaces tags on an instance profile.
func (e *Engine) TagInstanceProfile(ctx context.Context, name string, tags []Tag) error {
	if err := checkTagInput(tags); err != nil {
		return err
	}
	return e.updateProfile(ctx, name, func(p *InstanceProfile) error {
		var err error
		p.Tags, err = mergeTags(p.Tags, tags)
		return err
	})
}

// UntagInstanceProfile removes tags from an instance profile.
func (e *Engine) UntagInstanceProfile(ctx context.Context, name string, keys []string) error {
	if err := checkTagKeys(keys); err != nil {
		return err
	}
	return e.updateProfile(ctx, name, func(p *InstanceProfile) error {
		p.Tags = removeTags(p.Tags, keys)
		return nil
	})
}
