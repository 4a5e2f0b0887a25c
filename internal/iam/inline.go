package iam

import (
	"context"

	"github.com/skiff-dev/skiff/internal/store"
)

// PutInlinePolicy adds or replaces an inline policy on a role ("role") or
// user ("user").
func (e *Engine) PutInlinePolicy(ctx context.Context, kind, entity, policyName, document string) error {
	k, err := kindOf(kind)
	if err != nil {
		return err
	}
	var v validation
	k.validateName(&v, entity)
	v.name("policyName", policyName, 128)
	v.document("policyDocument", document)
	if err := v.err(); err != nil {
		return err
	}
	doc := DecodeDocument(document)
	if _, err := ParsePolicy(doc, IdentityPolicy); err != nil {
		return err
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		h, err := k.load(tx, acct, entity)
		if err != nil {
			return err
		}
		if inlineSize(*h.inline(), policyName)+policySize(doc) > k.inlineMax {
			return ErrLimitExceeded.New("Maximum policy size of %d bytes exceeded for %s %s", k.inlineMax, k.kind, h.name())
		}
		*h.inline() = putInline(*h.inline(), policyName, doc)
		return k.save(tx, acct, h)
	})
}

// GetInlinePolicy returns an inline policy's document (as stored, not
// URL-encoded) and the entity's name as stored.
func (e *Engine) GetInlinePolicy(ctx context.Context, kind, entity, policyName string) (doc, entityName string, err error) {
	k, err := kindOf(kind)
	if err != nil {
		return "", "", err
	}
	var v validation
	k.validateName(&v, entity)
	v.name("policyName", policyName, 128)
	if err := v.err(); err != nil {
		return "", "", err
	}
	err = e.st.View(ctx, func(tx store.Tx) error {
		h, err := k.load(tx, account(ctx), entity)
		if err != nil {
			return err
		}
		i, ok := findInline(*h.inline(), policyName)
		if !ok {
			return ErrNoSuchEntity.New("The %s with name %s cannot be found.", k.policyWord, policyName)
		}
		doc, entityName = (*h.inline())[i].Document, h.name()
		return nil
	})
	return doc, entityName, err
}

// ListInlinePolicies lists the names of an entity's inline policies.
func (e *Engine) ListInlinePolicies(ctx context.Context, kind, entity, marker string, maxItems *int32) ([]string, string, error) {
	k, err := kindOf(kind)
	if err != nil {
		return nil, "", err
	}
	var v validation
	k.validateName(&v, entity)
	v.maxItems(maxItems)
	if err := v.err(); err != nil {
		return nil, "", err
	}
	var names []string
	err = e.st.View(ctx, func(tx store.Tx) error {
		h, err := k.load(tx, account(ctx), entity)
		if err != nil {
			return err
		}
		for _, p := range *h.inline() {
			names = append(names, p.Name)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return paginate(names, func(s string) string { return s }, marker, maxItems)
}

// DeleteInlinePolicy removes an inline policy.
func (e *Engine) DeleteInlinePolicy(ctx context.Context, kind, entity, policyName string) error {
	k, err := kindOf(kind)
	if err != nil {
		return err
	}
	var v validation
	k.validateName(&v, entity)
	v.name("policyName", policyName, 128)
	if err := v.err(); err != nil {
		return err
	}
	acct := account(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		h, err := k.load(tx, acct, entity)
		if err != nil {
			return err
		}
		list := *h.inline()
		i, ok := findInline(list, policyName)
		if !ok {
			return ErrNoSuchEntity.New("The %s with name %s cannot be found.", k.policyWord, policyName)
		}
		*h.inline() = append(list[:i], list[i+1:]...)
		return k.save(tx, acct, h)
	})
}
