package iam

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/store"
)

// CreateUserInput is CreateUser's input.
type CreateUserInput struct {
	Name, Path, PermissionsBoundary string
	Tags                            []Tag
}

// CreateUser creates a user.
func (e *Engine) CreateUser(ctx context.Context, in CreateUserInput) (*User, error) {
	var v validation
	v.name("userName", in.Name, 64)
	v.path("path", in.Path)
	if in.PermissionsBoundary != "" {
		checkPolicyARN(&v, "permissionsBoundary", in.PermissionsBoundary)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkTagInput(in.Tags); err != nil {
		return nil, err
	}
	acct := account(ctx)
	u := &User{Name: in.Name, Path: normPath(in.Path), ID: newID("AIDA"), Account: acct, CreateDate: e.now(), Tags: in.Tags}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetRaw(bucketUsers, entityKey(acct, in.Name)); err == nil {
			return ErrEntityAlreadyExists.New("User with name %s already exists.", in.Name)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if in.PermissionsBoundary != "" {
			if err := putBoundary(tx, acct, kindUser, u, in.PermissionsBoundary); err != nil {
				return err
			}
		}
		return tx.Put(bucketUsers, entityKey(acct, u.Name), u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// resolveUser picks the user an operation acts on: the named one, or the
// caller when name is empty. root is true for the account root.
func resolveUser(ctx context.Context, name string) (user string, root bool, err error) {
	if name != "" {
		return name, false, nil
	}
	c := callerOf(ctx)
	switch {
	case c.root:
		return "", true, nil
	case c.userName != "":
		return c.userName, false, nil
	}
	return "", false, ErrValidation.New("Must specify userName when calling with non-User credentials")
}

// GetUser returns a user; an empty name means the caller (for root
// credentials, the root user in AWS's shape: no name or path).
func (e *Engine) GetUser(ctx context.Context, name string) (*User, error) {
	if name != "" {
		var v validation
		v.name("userName", name, 128)
		if err := v.err(); err != nil {
			return nil, err
		}
	}
	name, root, err := resolveUser(ctx, name)
	if err != nil {
		return nil, err
	}
	if root {
		acct := account(ctx)
		return &User{ID: acct, Account: acct, CreateDate: e.AccountCreated, Root: true}, nil
	}
	var u *User
	err = e.st.View(ctx, func(tx store.Tx) error {
		h, err := kindUser.load(tx, account(ctx), name)
		if err != nil {
			return err
		}
		u = h.(*User)
		return nil
	})
	return u, err
}

// ListUsers lists users by name, optionally under a path prefix.
func (e *Engine) ListUsers(ctx context.Context, pathPrefix, marker string, maxItems *int32) ([]*User, string, error) {
	var v validation
	v.pathPrefix("pathPrefix", pathPrefix)
	v.maxItems(maxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	var users []*User
	err := e.st.View(ctx, func(tx store.Tx) error {
		all, err := scanRecs[User](tx, bucketUsers, account(ctx)+"/")
		for _, u := range all {
			if strings.HasPrefix(u.Path, pathPrefix) {
				users = append(users, u)
			}
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return paginate(users, func(u *User) string { return lower(u.Name) }, marker, maxItems)
}

// DeleteUser deletes a user with no access keys and no policies.
func (e *Engine) DeleteUser(ctx context.Context, name string) error {
	var v validation
	v.name("userName", name, 128)
	if err := v.err(); err != nil {
		return err
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		h, err := kindUser.load(tx, acct, name)
		if err != nil {
			return err
		}
		u := h.(*User)
		switch {
		case len(u.AccessKeys) > 0:
			return ErrDeleteConflict.New("Cannot delete entity, must delete access keys first.")
		case len(u.AttachedPolicies) > 0:
			return ErrDeleteConflict.New("Cannot delete entity, must detach all policies first.")
		case len(u.InlinePolicies) > 0:
			return ErrDeleteConflict.New("Cannot delete entity, must delete policies first.")
		}
		if err := putBoundary(tx, acct, kindUser, u, ""); err != nil {
			return err
		}
		return tx.Delete(bucketUsers, entityKey(acct, u.Name))
	})
}

func (e *Engine) updateUser(ctx context.Context, name string, fn func(u *User) error) error {
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		h, err := kindUser.load(tx, acct, name)
		if err != nil {
			return err
		}
		u := h.(*User)
		if err := fn(u); err != nil {
			return err
		}
		return tx.Put(bucketUsers, entityKey(acct, u.Name), u)
	})
}

// TagUser adds or replaces tags on a user.
func (e *Engine) TagUser(ctx context.Context, name string, tags []Tag) error {
	if err := checkTagInput(tags); err != nil {
		return err
	}
	return e.updateUser(ctx, name, func(u *User) error {
		var err error
		u.Tags, err = mergeTags(u.Tags, tags)
		return err
	})
}

// UntagUser removes tags from a user.
func (e *Engine) UntagUser(ctx context.Context, name string, keys []string) error {
	if err := checkTagKeys(keys); err != nil {
		return err
	}
	return e.updateUser(ctx, name, func(u *User) error {
		u.Tags = removeTags(u.Tags, keys)
		return nil
	})
}

// ListUserTags lists a user's tags.
func (e *Engine) ListUserTags(ctx context.Context, name, marker string, maxItems *int32) ([]Tag, string, error) {
	u, err := e.GetUser(ctx, name)
	if err != nil {
		return nil, "", err
	}
	return pageTags(u.Tags, marker, maxItems)
}

// AccessKey is an IAM access key as stored. UserName is empty for the
// account root's keys.
type AccessKey struct {
	ID         string    `json:"id"`
	Secret     string    `json:"secret"`
	Account    string    `json:"account"`
	UserName   string    `json:"userName,omitempty"`
	UserARN    string    `json:"userArn"`
	Status     string    `json:"status"`
	CreateDate time.Time `json:"createDate"`
}

// LookupAccessKey finds an active access key IAM issued: its secret, its
// account and the ARN of the user it signs as. It serves from memory and is
// safe for concurrent use.
func (e *Engine) LookupAccessKey(ctx context.Context, accessKeyID string) (secret, accountID, userARN string, ok bool) {
	e.keysMu.RLock()
	loaded := e.keysLoaded
	k, found := e.keys[accessKeyID]
	e.keysMu.RUnlock()
	if !loaded {
		e.keysMu.Lock()
		err := e.loadKeysLocked(ctx)
		k, found = e.keys[accessKeyID]
		e.keysMu.Unlock()
		if err != nil {
			return "", "", "", false
		}
	}
	if !found || k.Status != "Active" {
		return "", "", "", false
	}
	return k.Secret, k.Account, k.UserARN, true
}

// loadKeysLocked fills the access key mirror from the store; keysMu must
// be held for writing.
func (e *Engine) loadKeysLocked(ctx context.Context) error {
	if e.keysLoaded {
		return nil
	}
	keys := map[string]AccessKey{}
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketAccessKeys, store.ScanOptions{}, func(_ string, b []byte) error {
			var k AccessKey
			if err := json.Unmarshal(b, &k); err != nil {
				return err
			}
			keys[k.ID] = k
			return nil
		})
	})
	if err != nil {
		return err
	}
	e.keys, e.keysLoaded = keys, true
	return nil
}

// mutateKeys runs an access-key transaction and applies its effect to the
// mirror after commit, all under keysMu.
func (e *Engine) mutateKeys(ctx context.Context, fn func(tx store.Tx) (put *AccessKey, deleted string, err error)) error {
	e.keysMu.Lock()
	defer e.keysMu.Unlock()
	var put *AccessKey
	var deleted string
	err := e.st.Update(ctx, func(tx store.Tx) error {
		var err error
		put, deleted, err = fn(tx)
		return err
	})
	if err != nil || !e.keysLoaded {
		return err
	}
	if put != nil {
		e.keys[put.ID] = *put
	}
	if deleted != "" {
		delete(e.keys, deleted)
	}
	return nil
}

func keyNotFound(id string) error {
	return ErrNoSuchEntity.New("The Access Key with id %s cannot be found.", id)
}

// rootKeys lists the root user's keys in an account.
func rootKeys(tx store.Tx, acct string) ([]*AccessKey, error) {
	all, err := scanRecs[AccessKey](tx, bucketAccessKeys, "")
	var out []*AccessKey
	for _, k := range all {
		if k.Account == acct && k.UserName == "" {
			out = append(out, k)
		}
	}
	return out, err
}

// CreateAccessKey issues a key for a user (or the caller when userName is
// empty): an AKIA… id and a 40-character secret.
func (e *Engine) CreateAccessKey(ctx context.Context, userName string) (*AccessKey, error) {
	if userName != "" {
		var v validation
		v.name("userName", userName, 128)
		if err := v.err(); err != nil {
			return nil, err
		}
	}
	name, root, err := resolveUser(ctx, userName)
	if err != nil {
		return nil, err
	}
	acct := account(ctx)
	k := &AccessKey{
		ID: "AKIA" + randomString(16, base32Alphabet), Secret: randomString(40, secretAlphabet),
		Account: acct, Status: "Active", CreateDate: e.now(),
	}
	err = e.mutateKeys(ctx, func(tx store.Tx) (*AccessKey, string, error) {
		if root {
			ks, err := rootKeys(tx, acct)
			if err != nil {
				return nil, "", err
			}
			if len(ks) >= maxAccessKeysPerUser {
				return nil, "", ErrLimitExceeded.New("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeysPerUser)
			}
			k.UserARN = rootARN(acct)
		} else {
			h, err := kindUser.load(tx, acct, name)
			if err != nil {
				return nil, "", err
			}
			u := h.(*User)
			if len(u.AccessKeys) >= maxAccessKeysPerUser {
				return nil, "", ErrLimitExceeded.New("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeysPerUser)
			}
			k.UserName, k.UserARN = u.Name, u.ARN()
			u.AccessKeys = append(u.AccessKeys, k.ID)
			if err := tx.Put(bucketUsers, entityKey(acct, u.Name), u); err != nil {
				return nil, "", err
			}
		}
		return k, "", tx.Put(bucketAccessKeys, k.ID, k)
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// ListAccessKeys lists a user's keys (the caller's when userName is
// empty). Secrets are left out.
func (e *Engine) ListAccessKeys(ctx context.Context, userName, marker string, maxItems *int32) ([]*AccessKey, string, error) {
	var v validation
	if userName != "" {
		v.name("userName", userName, 128)
	}
	v.maxItems(maxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	name, root, err := resolveUser(ctx, userName)
	if err != nil {
		return nil, "", err
	}
	acct := account(ctx)
	var keys []*AccessKey
	err = e.st.View(ctx, func(tx store.Tx) error {
		if root {
			var err error
			keys, err = rootKeys(tx, acct)
			return err
		}
		h, err := kindUser.load(tx, acct, name)
		if err != nil {
			return err
		}
		for _, id := range h.(*User).AccessKeys {
			k, ok, err := getRec[AccessKey](tx, bucketAccessKeys, id)
			if err != nil {
				return err
			}
			if ok {
				keys = append(keys, k)
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	for _, k := range keys {
		k.Secret = ""
	}
	return paginate(keys, func(k *AccessKey) string { return k.ID }, marker, maxItems)
}

// ownedKey loads a key and checks it belongs to the user (or root).
func ownedKey(tx store.Tx, acct, id, userName string, root bool) (*AccessKey, error) {
	k, ok, err := getRec[AccessKey](tx, bucketAccessKeys, id)
	if err != nil {
		return nil, err
	}
	if !ok || k.Account != acct || (root && k.UserName != "") || (!root && !strings.EqualFold(k.UserName, userName)) {
		if !root {
			if _, err := kindUser.load(tx, acct, userName); err != nil {
				return nil, err
			}
		}
		return nil, keyNotFound(id)
	}
	return k, nil
}

func checkKeyID(v *validation, id string) {
	v.checkString("accessKeyId", id, 16, 128, namePatternWord, `[\w]+`)
}

// UpdateAccessKey activates or deactivates a key.
func (e *Engine) UpdateAccessKey(ctx context.Context, userName, id, status string) error {
	var v validation
	if userName != "" {
		v.name("userName", userName, 128)
	}
	checkKeyID(&v, id)
	if status != "Active" && status != "Inactive" && status != "Expired" {
		v.add("Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]", status)
	}
	if err := v.err(); err != nil {
		return err
	}
	name, root, err := resolveUser(ctx, userName)
	if err != nil {
		return err
	}
	acct := account(ctx)
	return e.mutateKeys(ctx, func(tx store.Tx) (*AccessKey, string, error) {
		k, err := ownedKey(tx, acct, id, name, root)
		if err != nil {
			return nil, "", err
		}
		k.Status = status
		return k, "", tx.Put(bucketAccessKeys, k.ID, k)
	})
}

// DeleteAccessKey deletes a key.
func (e *Engine) DeleteAccessKey(ctx context.Context, userName, id string) error {
	var v validation
	if userName != "" {
		v.name("userName", userName, 128)
	}
	checkKeyID(&v, id)
	if err := v.err(); err != nil {
		return err
	}
	name, root, err := resolveUser(ctx, userName)
	if err != nil {
		return err
	}
	acct := account(ctx)
	return e.mutateKeys(ctx, func(tx store.Tx) (*AccessKey, string, error) {
		k, err := ownedKey(tx, acct, id, name, root)
		if err != nil {
			return nil, "", err
		}
		if k.UserName != "" {
			if u, ok, err := getRec[User](tx, bucketUsers, entityKey(acct, k.UserName)); err != nil {
				return nil, "", err
			} else if ok {
				u.AccessKeys = removeFold(u.AccessKeys, k.ID)
				if err := tx.Put(bucketUsers, entityKey(acct, u.Name), u); err != nil {
					return nil, "", err
				}
			}
		}
		return nil, k.ID, tx.Delete(bucketAccessKeys, k.ID)
	})
}

// AccessKeyLastUsed is GetAccessKeyLastUsed's answer. skiff does not
// record key use yet, so ServiceName and Region are "N/A" as AWS reports
// for keys never used.
type AccessKeyLastUsed struct {
	UserName     string
	LastUsedDate *time.Time
	ServiceName  string
	Region       string
}

// GetAccessKeyLastUsed reports when a key was last used.
func (e *Engine) GetAccessKeyLastUsed(ctx context.Context, id string) (*AccessKeyLastUsed, error) {
	var v validation
	checkKeyID(&v, id)
	if err := v.err(); err != nil {
		return nil, err
	}
	var out *AccessKeyLastUsed
	err := e.st.View(ctx, func(tx store.Tx) error {
		k, ok, err := getRec[AccessKey](tx, bucketAccessKeys, id)
		if err != nil {
			return err
		}
		if !ok || k.Account != account(ctx) {
			return keyNotFound(id)
		}
		out = &AccessKeyLastUsed{UserName: k.UserName, ServiceName: "N/A", Region: "N/A"}
		if out.UserName == "" {
			out.UserName = "root"
		}
		return nil
	})
	return out, err
}

// AccountSummary returns GetAccountSummary's usage and quota counters.
func (e *Engine) AccountSummary(ctx context.Context) (map[string]int32, error) {
	acct := account(ctx)
	m := map[string]int32{
		"AccessKeysPerUserQuota": maxAccessKeysPerUser, "AssumeRolePolicySizeQuota": maxTrustPolicySize,
		"AttachedPoliciesPerGroupQuota": maxManagedPerEntity, "AttachedPoliciesPerRoleQuota": maxManagedPerEntity,
		"AttachedPoliciesPerUserQuota": maxManagedPerEntity, "GroupPolicySizeQuota": 5120, "Groups": 0,
		"GroupsPerUserQuota": 10, "GroupsQuota": 300, "InstanceProfilesQuota": 1000, "MFADevices": 0,
		"MFADevicesInUse": 0, "Policies": 0, "PoliciesQuota": 1500, "PolicySizeQuota": maxManagedPolicySize,
		"PolicyVersionsInUse": 0, "PolicyVersionsInUseQuota": 10000, "Providers": 0, "RolePolicySizeQuota": maxRoleInlineSize,
		"Roles": 0, "RolesQuota": 1000, "ServerCertificates": 0, "ServerCertificatesQuota": 20,
		"SigningCertificatesPerUserQuota": 2, "UserPolicySizeQuota": maxUserInlineSize, "Users": 0, "UsersQuota": 5000,
		"VersionsPerPolicyQuota": maxPolicyVersions, "GlobalEndpointTokenVersion": 1, "InstanceProfiles": 0,
		"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0, "AccountSigningCertificatesPresent": 0,
	}
	err := e.st.View(ctx, func(tx store.Tx) error {
		count := func(bucket string) (int32, error) {
			var n int32
			err := tx.Scan(bucket, store.ScanOptions{Prefix: acct + "/"}, func(string, []byte) error { n++; return nil })
			return n, err
		}
		var err error
		if m["Users"], err = count(bucketUsers); err != nil {
			return err
		}
		if m["Roles"], err = count(bucketRoles); err != nil {
			return err
		}
		if m["InstanceProfiles"], err = count(bucketProfiles); err != nil {
			return err
		}
		pols, err := scanRecs[ManagedPolicy](tx, bucketPolicies, acct+"/")
		if err != nil {
			return err
		}
		m["Policies"] = int32(len(pols))
		attached := map[string]bool{}
		err = tx.Scan(bucketAttachments, store.ScanOptions{Prefix: acct + "|"}, func(k string, _ []byte) error {
			parts := strings.SplitN(k, "|", 3)
			attached[parts[1]] = true
			return nil
		})
		m["PolicyVersionsInUse"] = int32(len(attached))
		keys, kerr := rootKeys(tx, acct)
		if len(keys) > 0 {
			m["AccountAccessKeysPresent"] = 1
		}
		return errors.Join(err, kerr)
	})
	return m, err
}
