package iam

import (
	"context"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/store"
)

// SourcedPolicy is a parsed policy and where it comes from: an inline
// policy name or a managed policy ARN.
type SourcedPolicy struct {
	Source string
	Policy *Policy
}

// PolicySet is everything identity-based that applies to a principal: what
// an evaluator needs besides resource policies and session policies.
type PolicySet struct {
	// Principal is the role or user ARN the set was gathered for.
	Principal string
	// Policies are the inline policies and the default versions of the
	// attached managed policies.
	Policies []SourcedPolicy
	// Boundary is the permissions boundary, nil when none is set.
	Boundary *SourcedPolicy
}

// IdentityPolicies gathers the policies of a role (by role ARN or STS
// assumed-role ARN) or user. It returns nil for the account root, which no
// identity policy restricts, and NoSuchEntity for unknown principals.
func (e *Engine) IdentityPolicies(ctx context.Context, principalARN string) (*PolicySet, error) {
	a, ok := awsctx.ParseARN(principalARN)
	if !ok || (a.Service != "iam" && a.Service != "sts") {
		return nil, invalidARN(principalARN)
	}
	if a.Resource == "root" {
		return nil, nil
	}
	var k entityKind
	var name string
	switch {
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
		parts := strings.Split(a.Resource, "/")
		k, name = kindRole, parts[1]
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "role/"):
		k, name = kindRole, a.Resource[strings.LastIndex(a.Resource, "/")+1:]
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "user/"):
		k, name = kindUser, a.Resource[strings.LastIndex(a.Resource, "/")+1:]
	default:
		return nil, invalidARN(principalARN)
	}
	set := &PolicySet{}
	err := e.st.View(ctx, func(tx store.Tx) error {
		h, err := k.load(tx, a.Account, name)
		if err != nil {
			return err
		}
		if r, ok := h.(*Role); ok {
			set.Principal = r.ARN()
		} else {
			set.Principal = h.(*User).ARN()
		}
		for _, ip := range *h.inline() {
			p, err := ParsePolicy(ip.Document, IdentityPolicy)
			if err != nil {
				return err
			}
			set.Policies = append(set.Policies, SourcedPolicy{Source: ip.Name, Policy: p})
		}
		managed := func(arn string) (*SourcedPolicy, error) {
			mp, ok, err := findPolicy(tx, a.Account, arn)
			if err != nil || !ok {
				return nil, err
			}
			dv := mp.DefaultVersion()
			if dv == nil {
				return nil, nil
			}
			p, err := ParsePolicy(dv.Document, IdentityPolicy)
			if err != nil {
				return nil, err
			}
			return &SourcedPolicy{Source: arn, Policy: p}, nil
		}
		for _, arn := range *h.attached() {
			sp, err := managed(arn)
			if err != nil {
				return err
			}
			if sp != nil {
				set.Policies = append(set.Policies, *sp)
			}
		}
		if b := *h.boundary(); b != "" {
			if set.Boundary, err = managed(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return set, nil
}
