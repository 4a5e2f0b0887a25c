package s3

import (
	"bytes"
	"context"
	"encoding/json"
	"path"
	"regexp"
	"strings"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/store"
)

// GetBucketLocation returns the bucket's region.
func (e *Engine) GetBucketLocation(ctx context.Context, bucket string) (string, error) {
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return "", err
	}
	return b.Region, nil
}

// PutBucketVersioning sets versioning to Enabled or Suspended (a bucket
// never returns to unversioned).
func (e *Engine) PutBucketVersioning(ctx context.Context, bucket, status, mfaDelete string) error {
	if status != VersioningEnabled && status != VersioningSuspended {
		if status == "" {
			return errIllegalVersioning.New("The Versioning element must be specified")
		}
		return malformedXML()
	}
	if mfaDelete != "" && mfaDelete != "Enabled" && mfaDelete != "Disabled" {
		return malformedXML()
	}
	if mfaDelete == "Enabled" {
		return errInvalidRequest.New("DevPay and Mfa are mutually exclusive authorization methods.")
	}
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		if b.ObjectLock && status != VersioningEnabled {
			return errInvalidBucketState.New("An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")
		}
		b.Versioning = status
		if mfaDelete != "" {
			b.MFADelete = mfaDelete
		}
		return nil
	})
}

// GetBucketVersioning returns the versioning status ("" when never set)
// and the MFA delete setting.
func (e *Engine) GetBucketVersioning(ctx context.Context, bucket string) (status, mfaDelete string, err error) {
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return "", "", err
	}
	return b.Versioning, b.MFADelete, nil
}

// PutBucketPolicy validates and stores a bucket policy document.
func (e *Engine) PutBucketPolicy(ctx context.Context, bucket, policy string) error {
	if _, err := e.viewBucket(ctx, bucket); err != nil {
		return err
	}
	if err := validatePolicy(bucket, policy); err != nil {
		return err
	}
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		b.Policy = policy
		return nil
	})
}

// GetBucketPolicy returns the policy document as it was stored.
func (e *Engine) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return "", err
	}
	if b.Policy == "" {
		return "", errNoSuchBucketPolicy.New("The bucket policy does not exist").With("BucketName", bucket)
	}
	return b.Policy, nil
}

// DeleteBucketPolicy removes the policy (no error when there is none).
func (e *Engine) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		b.Policy = ""
		return nil
	})
}

// PutBucketTagging replaces the bucket's tags as the API does: "aws:"
// keys cannot be set by callers, and system tags already on the bucket
// (CloudFormation's) are kept.
func (e *Engine) PutBucketTagging(ctx context.Context, bucket string, tags []Tag) error {
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		system := map[string]string{}
		for _, t := range b.Tags {
			if isSystemTag(t.Key) {
				system[t.Key] = t.Value
			}
		}
		var user []Tag
		for _, t := range tags {
			if v, ok := system[t.Key]; ok && v == t.Value {
				continue // round-tripped system tag
			}
			user = append(user, t)
		}
		if err := validateTags(user, 50, false); err != nil {
			return err
		}
		var out []Tag
		for _, t := range b.Tags {
			if isSystemTag(t.Key) {
				out = append(out, t)
			}
		}
		b.Tags = append(out, user...)
		return nil
	})
}

// SetBucketTags replaces every tag including system ("aws:") tags; it is
// for skiff's own callers (CloudFormation).
func (e *Engine) SetBucketTags(ctx context.Context, bucket string, tags []Tag) error {
	if err := validateTags(tags, 50, true); err != nil {
		return err
	}
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		b.Tags = append([]Tag(nil), tags...)
		return nil
	})
}

// GetBucketTagging returns the tags, or NoSuchTagSet.
func (e *Engine) GetBucketTagging(ctx context.Context, bucket string) ([]Tag, error) {
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if len(b.Tags) == 0 {
		return nil, errNoSuchTagSet.New("The TagSet does not exist").With("BucketName", bucket)
	}
	return b.Tags, nil
}

// DeleteBucketTagging removes the caller's tags (system tags stay).
func (e *Engine) DeleteBucketTagging(ctx context.Context, bucket string) error {
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		var keep []Tag
		for _, t := range b.Tags {
			if isSystemTag(t.Key) {
				keep = append(keep, t)
			}
		}
		b.Tags = keep
		return nil
	})
}

// PutBucketEncryption sets the default encryption.
func (e *Engine) PutBucketEncryption(ctx context.Context, bucket string, c *EncryptionConfig) error {
	return encryptionConfig.put(ctx, e, bucket, c)
}

// GetBucketEncryption returns the default encryption (SSE-S3 unless set).
func (e *Engine) GetBucketEncryption(ctx context.Context, bucket string) (*EncryptionConfig, error) {
	return encryptionConfig.get(ctx, e, bucket)
}

// DeleteBucketEncryption returns the bucket to the SSE-S3 default.
func (e *Engine) DeleteBucketEncryption(ctx context.Context, bucket string) error {
	return encryptionConfig.del(ctx, e, bucket)
}

// PutPublicAccessBlock sets Block Public Access.
func (e *Engine) PutPublicAccessBlock(ctx context.Context, bucket string, c *PublicAccessBlockConfig) error {
	return publicAccessBlockConfig.put(ctx, e, bucket, c)
}

// GetPublicAccessBlock returns Block Public Access (all on for new
// buckets), or NoSuchPublicAccessBlockConfiguration after a delete.
func (e *Engine) GetPublicAccessBlock(ctx context.Context, bucket string) (*PublicAccessBlockConfig, error) {
	return publicAccessBlockConfig.get(ctx, e, bucket)
}

// DeletePublicAccessBlock removes Block Public Access.
func (e *Engine) DeletePublicAccessBlock(ctx context.Context, bucket string) error {
	return publicAccessBlockConfig.del(ctx, e, bucket)
}

// PutBucketCors sets the CORS rules.
func (e *Engine) PutBucketCors(ctx context.Context, bucket string, c *CORSConfig) error {
	return corsConfig.put(ctx, e, bucket, c)
}

// GetBucketCors returns the CORS rules or NoSuchCORSConfiguration.
func (e *Engine) GetBucketCors(ctx context.Context, bucket string) (*CORSConfig, error) {
	return corsConfig.get(ctx, e, bucket)
}

// DeleteBucketCors removes the CORS rules.
func (e *Engine) DeleteBucketCors(ctx context.Context, bucket string) error {
	return corsConfig.del(ctx, e, bucket)
}

// PutBucketLifecycle stores the lifecycle rules (skiff does not run them)
// and the transition default minimum object size ("" keeps the default).
func (e *Engine) PutBucketLifecycle(ctx context.Context, bucket string, c *LifecycleConfig, minSize string) error {
	if c == nil {
		return malformedXML()
	}
	if err := c.validate(); err != nil {
		return err
	}
	if minSize != "" && minSize != "varies_by_storage_class" && minSize != "all_storage_classes_128K" {
		return invalidArgument("Invalid value for x-amz-transition-default-minimum-object-size", "x-amz-transition-default-minimum-object-size", minSize)
	}
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		cp := *c
		b.Lifecycle = &cp
		b.LifecycleMinSize = minSize
		return nil
	})
}

// GetBucketLifecycle returns the lifecycle rules and the transition
// default minimum object size, or NoSuchLifecycleConfiguration.
func (e *Engine) GetBucketLifecycle(ctx context.Context, bucket string) (*LifecycleConfig, string, error) {
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return nil, "", err
	}
	if b.Lifecycle == nil {
		return nil, "", errNoSuchLifecycle.New("The lifecycle configuration does not exist").With("BucketName", bucket)
	}
	ms := b.LifecycleMinSize
	if ms == "" {
		ms = "all_storage_classes_128K"
	}
	return b.Lifecycle, ms, nil
}

// DeleteBucketLifecycle removes the lifecycle rules.
func (e *Engine) DeleteBucketLifecycle(ctx context.Context, bucket string) error {
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		b.Lifecycle = nil
		b.LifecycleMinSize = ""
		return nil
	})
}

// PutBucketOwnershipControls sets object ownership.
func (e *Engine) PutBucketOwnershipControls(ctx context.Context, bucket string, c *OwnershipControls) error {
	return ownershipConfig.put(ctx, e, bucket, c)
}

// GetBucketOwnershipControls returns object ownership
// (BucketOwnerEnforced for new buckets) or OwnershipControlsNotFoundError.
func (e *Engine) GetBucketOwnershipControls(ctx context.Context, bucket string) (*OwnershipControls, error) {
	return ownershipConfig.get(ctx, e, bucket)
}

// DeleteBucketOwnershipControls removes object ownership settings.
func (e *Engine) DeleteBucketOwnershipControls(ctx context.Context, bucket string) error {
	return ownershipConfig.del(ctx, e, bucket)
}

// PutBucketWebsite stores the website configuration (skiff does not serve
// website endpoints).
func (e *Engine) PutBucketWebsite(ctx context.Context, bucket string, c *WebsiteConfig) error {
	return websiteConfig.put(ctx, e, bucket, c)
}

// GetBucketWebsite returns the website configuration or
// NoSuchWebsiteConfiguration.
func (e *Engine) GetBucketWebsite(ctx context.Context, bucket string) (*WebsiteConfig, error) {
	return websiteConfig.get(ctx, e, bucket)
}

// DeleteBucketWebsite removes the website configuration.
func (e *Engine) DeleteBucketWebsite(ctx context.Context, bucket string) error {
	return websiteConfig.del(ctx, e, bucket)
}

// PutObjectLockConfiguration enables Object Lock (on a bucket with
// versioning enabled) and sets the default retention. skiff stores the
// retention; it does not enforce it.
func (e *Engine) PutObjectLockConfiguration(ctx context.Context, bucket string, c *ObjectLockConfig) error {
	if c == nil {
		return malformedXML()
	}
	if err := c.validate(); err != nil {
		return err
	}
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		if !b.ObjectLock {
			if c.ObjectLockEnabled != "Enabled" {
				return errInvalidBucketState.New("Object Lock configuration cannot be enabled on existing buckets")
			}
			if b.Versioning != VersioningEnabled {
				return errInvalidBucketState.New("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")
			}
		}
		cp := *c
		cp.ObjectLockEnabled = "Enabled"
		b.ObjectLock = true
		b.ObjectLockConfig = &cp
		return nil
	})
}

// GetObjectLockConfiguration returns the Object Lock configuration or
// ObjectLockConfigurationNotFoundError.
func (e *Engine) GetObjectLockConfiguration(ctx context.Context, bucket string) (*ObjectLockConfig, error) {
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if !b.ObjectLock || b.ObjectLockConfig == nil {
		return nil, errNoSuchObjectLockConfig.New("Object Lock configuration does not exist for this bucket").With("BucketName", bucket)
	}
	return b.ObjectLockConfig, nil
}

// PutBucketACL sets a canned ACL on the bucket (only "private" when
// object ownership is BucketOwnerEnforced).
func (e *Engine) PutBucketACL(ctx context.Context, bucket, acl string) error {
	if acl == "" {
		acl = "private"
	}
	if !validCannedACL(acl) {
		return invalidArgument("Invalid canned ACL", "x-amz-acl", acl)
	}
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		if b.Ownership.enforced() && acl != "private" && acl != "bucket-owner-full-control" {
			return errACLNotSupported.New("The bucket does not allow ACLs")
		}
		b.ACL = acl
		return nil
	})
}

// bucketACL returns the canned ACL ("private" when none was set).
func (e *Engine) bucketACL(ctx context.Context, bucket string) (string, string, error) {
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return "", "", err
	}
	if b.ACL == "" {
		return "private", b.Account, nil
	}
	return b.ACL, b.Account, nil
}

// setBucketRaw stores a sub-resource document skiff keeps but does not act
// on (notification, logging, accelerate, request payment).
func (e *Engine) setBucketRaw(ctx context.Context, bucket string, fn func(b *bucketRec)) error {
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		fn(b)
		return nil
	})
}

var accountRE = regexp.MustCompile(`^\d{12}$`)

// validatePolicy checks a bucket policy as S3 does before storing it.
func validatePolicy(bucket, policy string) error {
	bad := func(msg string) error { return errMalformedPolicy.New("%s", msg) }
	if len(policy) > 20*1024 {
		return bad("Policy exceeds the maximum allowed document size.")
	}
	trimmed := strings.TrimSpace(policy)
	if !strings.HasPrefix(trimmed, "{") {
		return bad("Policies must be valid JSON and the first byte must be '{'")
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(trimmed)))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return bad("This policy contains invalid Json")
	}
	for k := range doc {
		switch k {
		case "Version", "Id", "Statement":
		default:
			return bad("Unknown field " + k)
		}
	}
	if v, ok := doc["Version"]; ok {
		if s, _ := v.(string); s != "2012-10-17" && s != "2008-10-17" {
			return bad("Invalid policy version: " + renderJSON(v))
		}
	}
	var stmts []any
	switch s := doc["Statement"].(type) {
	case []any:
		stmts = s
	case map[string]any:
		stmts = []any{s}
	case nil:
		return bad("Missing required field Statement")
	default:
		return bad("Invalid policy syntax.")
	}
	if len(stmts) == 0 {
		return bad("Could not parse the policy: Statement is empty!")
	}
	for _, x := range stmts {
		st, ok := x.(map[string]any)
		if !ok {
			return bad("Invalid policy syntax.")
		}
		for k := range st {
			switch k {
			case "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition":
			default:
				return bad("Unknown field " + k)
			}
		}
		eff, ok := st["Effect"]
		if !ok {
			return bad("Missing required field Effect")
		}
		if s, _ := eff.(string); s != "Allow" && s != "Deny" {
			return bad("Invalid effect: " + renderJSON(eff))
		}
		p, hasP := st["Principal"]
		np, hasNP := st["NotPrincipal"]
		if !hasP && !hasNP {
			return bad("Missing required field Principal")
		}
		if hasNP {
			p = np
		}
		if !validPrincipal(p) {
			return errMalformedPolicy.New("Invalid principal in policy")
		}
		acts, ok := policyStrings(st, "Action", "NotAction")
		if !ok {
			return bad("Missing required field Action")
		}
		for _, a := range acts {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "s3:") {
				return bad("Policy has invalid action")
			}
		}
		res, ok := policyStrings(st, "Resource", "NotResource")
		if !ok {
			return bad("Missing required field Resource")
		}
		for _, r := range res {
			if !policyResourceOK(bucket, r) {
				return bad("Policy has invalid resource")
			}
		}
		if c, ok := st["Condition"]; ok {
			cm, ok := c.(map[string]any)
			if !ok {
				return bad("Invalid policy syntax.")
			}
			for _, v := range cm {
				if _, ok := v.(map[string]any); !ok {
					return bad("Invalid policy syntax.")
				}
			}
		}
	}
	return nil
}

func renderJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// policyStrings reads a string-or-list member under either name.
func policyStrings(st map[string]any, name, notName string) ([]string, bool) {
	v, ok := st[name]
	if !ok {
		v, ok = st[notName]
	}
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case []any:
		if len(x) == 0 {
			return nil, false
		}
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func validPrincipal(p any) bool {
	switch x := p.(type) {
	case string:
		return x == "*"
	case map[string]any:
		if len(x) == 0 {
			return false
		}
		for k, v := range x {
			var vals []string
			switch y := v.(type) {
			case string:
				vals = []string{y}
			case []any:
				for _, e := range y {
					s, ok := e.(string)
					if !ok {
						return false
					}
					vals = append(vals, s)
				}
			default:
				return false
			}
			if len(vals) == 0 {
				return false
			}
			for _, s := range vals {
				switch k {
				case "AWS":
					if s != "*" && !accountRE.MatchString(s) && !strings.HasPrefix(s, "arn:aws:iam::") && !strings.HasPrefix(s, "arn:aws:sts::") {
						return false
					}
				case "Service", "Federated", "CanonicalUser":
					if s == "" {
						return false
					}
				default:
					return false
				}
			}
		}
		return true
	}
	return false
}

// policyResourceOK reports whether a Resource names this bucket or its
// objects (wildcards allowed).
func policyResourceOK(bucket, r string) bool {
	if r == "*" {
		return true
	}
	rest, ok := strings.CutPrefix(r, "arn:aws:s3:::")
	if !ok {
		return false
	}
	b, _, _ := strings.Cut(rest, "/")
	if b == "" {
		return false
	}
	m, err := path.Match(b, bucket)
	return err == nil && m
}

var _ = store.ErrNotFound

// bucketConfig is one of the bucket configurations that share a life:
// Put validates and stores a copy, Get returns it (or what the bucket has
// when none is set), Delete clears it.
type bucketConfig[T any] struct {
	field    func(b *bucketRec) **T
	validate func(c *T) error // nil: nothing to check
	// absent is Get's answer when nothing is set: a default or the
	// configuration's own not-found error.
	absent func(bucket string) (*T, error)
}

func (k bucketConfig[T]) put(ctx context.Context, e *Engine, bucket string, c *T) error {
	if c == nil {
		return malformedXML()
	}
	if k.validate != nil {
		if err := k.validate(c); err != nil {
			return err
		}
	}
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		cp := *c
		*k.field(b) = &cp
		return nil
	})
}

func (k bucketConfig[T]) get(ctx context.Context, e *Engine, bucket string) (*T, error) {
	b, err := e.viewBucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if c := *k.field(b); c != nil {
		return c, nil
	}
	return k.absent(bucket)
}

func (k bucketConfig[T]) del(ctx context.Context, e *Engine, bucket string) error {
	return e.updateBucket(ctx, bucket, func(b *bucketRec) error {
		*k.field(b) = nil
		return nil
	})
}

// notConfigured is Get's answer for a configuration that has no default:
// its own not-found error naming the bucket.
func notConfigured[T any](code apierr.Code, msg string) func(bucket string) (*T, error) {
	return func(bucket string) (*T, error) {
		return nil, code.New("%s", msg).With("BucketName", bucket)
	}
}

var (
	encryptionConfig = bucketConfig[EncryptionConfig]{
		field:    func(b *bucketRec) **EncryptionConfig { return &b.Encryption },
		validate: (*EncryptionConfig).validate,
		absent:   func(string) (*EncryptionConfig, error) { return defaultEncryption(), nil },
	}
	publicAccessBlockConfig = bucketConfig[PublicAccessBlockConfig]{
		field:  func(b *bucketRec) **PublicAccessBlockConfig { return &b.PublicAccessBlock },
		absent: notConfigured[PublicAccessBlockConfig](errNoSuchPublicAccessBlock, "The public access block configuration was not found"),
	}
	corsConfig = bucketConfig[CORSConfig]{
		field:    func(b *bucketRec) **CORSConfig { return &b.CORS },
		validate: (*CORSConfig).validate,
		absent:   notConfigured[CORSConfig](errNoSuchCORS, "The CORS configuration does not exist"),
	}
	ownershipConfig = bucketConfig[OwnershipControls]{
		field:    func(b *bucketRec) **OwnershipControls { return &b.Ownership },
		validate: (*OwnershipControls).validate,
		absent:   notConfigured[OwnershipControls](errNoSuchOwnershipControls, "The bucket ownership controls were not found"),
	}
	websiteConfig = bucketConfig[WebsiteConfig]{
		field:    func(b *bucketRec) **WebsiteConfig { return &b.Website },
		validate: (*WebsiteConfig).validate,
		absent:   notConfigured[WebsiteConfig](errNoSuchWebsite, "The specified bucket does not have a website configuration"),
	}
)
