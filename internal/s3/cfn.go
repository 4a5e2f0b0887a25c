package s3

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
)

// CloudFormation resource providers: AWS::S3::Bucket and
// AWS::S3::BucketPolicy. They call the engine, never the wire layer.

// Providers returns the CloudFormation resource providers backed by the
// engine.
func (e *Engine) Providers() []provider.Provider {
	return []provider.Provider{&bucketProvider{e: e}, &bucketPolicyProvider{e: e}}
}

// ---- property reading helpers ----

// pv reads one (nested) object of resource properties, reporting problems
// through Props with CloudFormation's JSON-pointer paths.
type pv struct {
	p    *provider.Props
	path string
	m    map[string]any
}

func (v pv) at(k string) string {
	if v.path == "" {
		return k
	}
	return v.path + "/" + k
}

func (v pv) allow(keys ...string) {
	var extra []string
	for k := range v.m {
		ok := false
		for _, a := range keys {
			if a == k {
				ok = true
				break
			}
		}
		if !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		if v.path == "" {
			v.p.Fail("", "extraneous key [%s] is not permitted", k)
		} else {
			v.p.Fail(v.path, "extraneous key [%s] is not permitted", k)
		}
	}
}

func (v pv) require(keys ...string) {
	for _, k := range keys {
		if _, ok := v.m[k]; !ok {
			v.p.Fail(v.path, "required key [%s] not found", k)
		}
	}
}

func (v pv) has(k string) bool { x, ok := v.m[k]; return ok && x != nil }

func (v pv) str(k string) string {
	x, ok := v.m[k]
	if !ok || x == nil {
		return ""
	}
	s, ok := provider.Scalar(x)
	if !ok {
		v.p.Fail(v.at(k), "expected type: String, found: %s", kindOf(x))
	}
	return s
}

func (v pv) boolean(k string) *bool {
	x, ok := v.m[k]
	if !ok || x == nil {
		return nil
	}
	switch b := x.(type) {
	case bool:
		return &b
	case string:
		if bb, err := strconv.ParseBool(b); err == nil {
			return &bb
		}
	}
	v.p.Fail(v.at(k), "expected type: Boolean, found: %s", kindOf(x))
	return nil
}

func (v pv) integer(k string) *int64 {
	x, ok := v.m[k]
	if !ok || x == nil {
		return nil
	}
	if s, ok := provider.Scalar(x); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return &n
		}
	}
	v.p.Fail(v.at(k), "expected type: Integer, found: %s", kindOf(x))
	return nil
}

func (v pv) obj(k string) *pv {
	x, ok := v.m[k]
	if !ok || x == nil {
		return nil
	}
	m, ok := x.(map[string]any)
	if !ok {
		v.p.Fail(v.at(k), "expected type: JSONObject, found: %s", kindOf(x))
		return nil
	}
	return &pv{p: v.p, path: v.at(k), m: m}
}

func (v pv) objs(k string) []pv {
	x, ok := v.m[k]
	if !ok || x == nil {
		return nil
	}
	l, ok := x.([]any)
	if !ok {
		v.p.Fail(v.at(k), "expected type: JSONArray, found: %s", kindOf(x))
		return nil
	}
	out := make([]pv, 0, len(l))
	for i, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			v.p.Fail(fmt.Sprintf("%s/%d", v.at(k), i), "expected type: JSONObject, found: %s", kindOf(e))
			continue
		}
		out = append(out, pv{p: v.p, path: fmt.Sprintf("%s/%d", v.at(k), i), m: m})
	}
	return out
}

func (v pv) strs(k string) []string {
	x, ok := v.m[k]
	if !ok || x == nil {
		return nil
	}
	l, ok := x.([]any)
	if !ok {
		v.p.Fail(v.at(k), "expected type: JSONArray, found: %s", kindOf(x))
		return nil
	}
	out := make([]string, 0, len(l))
	for i, e := range l {
		s, ok := provider.Scalar(e)
		if !ok {
			v.p.Fail(fmt.Sprintf("%s/%d", v.at(k), i), "expected type: String, found: %s", kindOf(e))
			continue
		}
		out = append(out, s)
	}
	return out
}

func (v pv) enum(k string, vals ...string) string {
	s := v.str(k)
	if s == "" {
		return s
	}
	for _, x := range vals {
		if s == x {
			return s
		}
	}
	v.p.Fail(v.at(k), "%s is not a valid enum value", s)
	return s
}

func kindOf(x any) string {
	switch x.(type) {
	case map[string]any:
		return "JSONObject"
	case []any:
		return "JSONArray"
	case string:
		return "String"
	case bool:
		return "Boolean"
	case nil:
		return "Null"
	}
	return "Number"
}

// ---- AWS::S3::Bucket ----

type bucketProvider struct{ e *Engine }

var bucketSchema = &provider.Schema{
	Properties: []string{"BucketName", "Tags", "VersioningConfiguration", "BucketEncryption", "PublicAccessBlockConfiguration",
		"CorsConfiguration", "LifecycleConfiguration", "OwnershipControls", "WebsiteConfiguration", "ObjectLockEnabled",
		"ObjectLockConfiguration", "AccessControl"},
	CreateOnly: []string{"BucketName", "ObjectLockEnabled"},
	Attributes: []string{"Arn", "DomainName", "RegionalDomainName", "DualStackDomainName", "WebsiteURL"},
	Unordered:  []string{"Tags"},
}

func (*bucketProvider) Type() string             { return "AWS::S3::Bucket" }
func (*bucketProvider) Schema() *provider.Schema { return bucketSchema }

// bucketSpec is a bucket as a template describes it.
type bucketSpec struct {
	Name             string
	Tags             map[string]string
	Versioning       string
	Encryption       *EncryptionConfig
	PAB              *PublicAccessBlockConfig
	CORS             *CORSConfig
	Lifecycle        *LifecycleConfig
	LifecycleMinSize string
	Ownership        *OwnershipControls
	Website          *WebsiteConfig
	ObjectLock       bool
	ObjectLockConfig *ObjectLockConfig
	ACL              string
}

var cannedACLs = map[string]string{
	"Private": "private", "PublicRead": "public-read", "PublicReadWrite": "public-read-write",
	"AuthenticatedRead": "authenticated-read", "LogDeliveryWrite": "log-delivery-write",
	"BucketOwnerRead": "bucket-owner-read", "BucketOwnerFullControl": "bucket-owner-full-control",
	"AwsExecRead": "aws-exec-read",
}

func parseBucketSpec(req *provider.Request) (*bucketSpec, error) {
	p := provider.Read(req.Properties, bucketSchema)
	root := pv{p: p, m: req.Properties}
	s := &bucketSpec{}
	s.Name = root.str("BucketName")
	if s.Name == "" {
		s.Name = provider.Name(req, 63, true)
	} else if !ValidBucketName(s.Name) {
		p.Fail("BucketName", "Bucket name %q is not valid: bucket names must be 3-63 characters of lowercase letters, numbers, dots and hyphens, beginning and ending with a letter or number", s.Name)
	}
	s.Tags = p.Tags("Tags")
	if v := root.obj("VersioningConfiguration"); v != nil {
		v.allow("Status")
		v.require("Status")
		s.Versioning = v.enum("Status", VersioningEnabled, VersioningSuspended)
	}
	if v := root.obj("BucketEncryption"); v != nil {
		v.allow("ServerSideEncryptionConfiguration")
		v.require("ServerSideEncryptionConfiguration")
		c := &EncryptionConfig{}
		for _, r := range v.objs("ServerSideEncryptionConfiguration") {
			r.allow("ServerSideEncryptionByDefault", "BucketKeyEnabled")
			rule := EncryptionRule{BucketKeyEnabled: r.boolean("BucketKeyEnabled")}
			if d := r.obj("ServerSideEncryptionByDefault"); d != nil {
				d.allow("SSEAlgorithm", "KMSMasterKeyID")
				d.require("SSEAlgorithm")
				rule.Default = &SSEDefault{SSEAlgorithm: d.enum("SSEAlgorithm", "AES256", "aws:kms", "aws:kms:dsse"), KMSMasterKeyID: d.str("KMSMasterKeyID")}
			}
			c.Rules = append(c.Rules, rule)
		}
		s.Encryption = c
	}
	if v := root.obj("PublicAccessBlockConfiguration"); v != nil {
		v.allow("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
		deref := func(b *bool) bool { return b != nil && *b }
		s.PAB = &PublicAccessBlockConfig{
			BlockPublicAcls: deref(v.boolean("BlockPublicAcls")), BlockPublicPolicy: deref(v.boolean("BlockPublicPolicy")),
			IgnorePublicAcls: deref(v.boolean("IgnorePublicAcls")), RestrictPublicBuckets: deref(v.boolean("RestrictPublicBuckets")),
		}
	}
	if v := root.obj("CorsConfiguration"); v != nil {
		v.allow("CorsRules")
		v.require("CorsRules")
		c := &CORSConfig{}
		for _, r := range v.objs("CorsRules") {
			r.allow("AllowedHeaders", "AllowedMethods", "AllowedOrigins", "ExposedHeaders", "Id", "MaxAge")
			r.require("AllowedMethods", "AllowedOrigins")
			c.Rules = append(c.Rules, CORSRule{ID: r.str("Id"), AllowedHeaders: r.strs("AllowedHeaders"), AllowedMethods: r.strs("AllowedMethods"),
				AllowedOrigins: r.strs("AllowedOrigins"), ExposeHeaders: r.strs("ExposedHeaders"), MaxAgeSeconds: r.integer("MaxAge")})
		}
		s.CORS = c
	}
	if v := root.obj("LifecycleConfiguration"); v != nil {
		s.Lifecycle, s.LifecycleMinSize = parseLifecycle(v)
	}
	if v := root.obj("OwnershipControls"); v != nil {
		v.allow("Rules")
		v.require("Rules")
		c := &OwnershipControls{}
		for _, r := range v.objs("Rules") {
			r.allow("ObjectOwnership")
			c.Rules = append(c.Rules, OwnershipRule{ObjectOwnership: r.enum("ObjectOwnership", "ObjectWriter", "BucketOwnerPreferred", "BucketOwnerEnforced")})
		}
		s.Ownership = c
	}
	if v := root.obj("WebsiteConfiguration"); v != nil {
		s.Website = parseWebsite(v)
	}
	if b := root.boolean("ObjectLockEnabled"); b != nil {
		s.ObjectLock = *b
	}
	if v := root.obj("ObjectLockConfiguration"); v != nil {
		v.allow("ObjectLockEnabled", "Rule")
		c := &ObjectLockConfig{ObjectLockEnabled: v.enum("ObjectLockEnabled", "Enabled")}
		if r := v.obj("Rule"); r != nil {
			r.allow("DefaultRetention")
			c.Rule = &ObjectLockRule{}
			if d := r.obj("DefaultRetention"); d != nil {
				d.allow("Mode", "Days", "Years")
				c.Rule.DefaultRetention = &DefaultRetention{Mode: d.enum("Mode", "GOVERNANCE", "COMPLIANCE"), Days: d.integer("Days"), Years: d.integer("Years")}
			}
		}
		s.ObjectLockConfig = c
	}
	if a := root.str("AccessControl"); a != "" {
		acl, ok := cannedACLs[a]
		if !ok {
			p.Fail("AccessControl", "%s is not a valid enum value", a)
		}
		s.ACL = acl
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	// S3's own validation of the documents, reported as the API would.
	for _, err := range []error{
		validateOptional(s.Encryption), validateOptional(s.CORS), validateOptional(s.Lifecycle),
		validateOptional(s.Ownership), validateOptional(s.Website), validateOptional(s.ObjectLockConfig),
	} {
		if err != nil {
			return nil, err
		}
	}
	if s.ObjectLockConfig != nil && !s.ObjectLock {
		return nil, fmt.Errorf("ObjectLockConfiguration requires ObjectLockEnabled to be true")
	}
	return s, nil
}

type validator interface{ validate() error }

func validateOptional[T any, P interface {
	*T
	validator
}](c P) error {
	if c == nil {
		return nil
	}
	return c.validate()
}

func parseLifecycle(v *pv) (*LifecycleConfig, string) {
	v.allow("Rules", "TransitionDefaultMinimumObjectSize")
	v.require("Rules")
	minSize := v.enum("TransitionDefaultMinimumObjectSize", "varies_by_storage_class", "all_storage_classes_128K")
	c := &LifecycleConfig{}
	for _, r := range v.objs("Rules") {
		r.allow("Id", "Status", "Prefix", "TagFilters", "ObjectSizeGreaterThan", "ObjectSizeLessThan", "ExpirationDate",
			"ExpirationInDays", "ExpiredObjectDeleteMarker", "NoncurrentVersionExpirationInDays", "NoncurrentVersionExpiration",
			"NoncurrentVersionTransition", "NoncurrentVersionTransitions", "Transition", "Transitions", "AbortIncompleteMultipartUpload")
		r.require("Status")
		rule := LifecycleRule{ID: r.str("Id"), Status: r.enum("Status", "Enabled", "Disabled")}
		var tags []Tag
		for _, t := range r.objs("TagFilters") {
			t.allow("Key", "Value")
			t.require("Key", "Value")
			tags = append(tags, Tag{Key: t.str("Key"), Value: t.str("Value")})
		}
		gt, lt := r.integer("ObjectSizeGreaterThan"), r.integer("ObjectSizeLessThan")
		var prefix *string
		if r.has("Prefix") {
			s := r.str("Prefix")
			prefix = &s
		}
		f := &LifecycleFilter{}
		n := len(tags)
		if prefix != nil {
			n++
		}
		if gt != nil {
			n++
		}
		if lt != nil {
			n++
		}
		switch {
		case n > 1:
			f.And = &LifecycleAnd{Prefix: prefix, Tags: tags, ObjectSizeGreaterThan: gt, ObjectSizeLessThan: lt}
		case prefix != nil:
			f.Prefix = prefix
		case len(tags) == 1:
			f.Tag = &tags[0]
		case gt != nil:
			f.ObjectSizeGreaterThan = gt
		case lt != nil:
			f.ObjectSizeLessThan = lt
		}
		rule.Filter = f
		if d, date, edm := r.integer("ExpirationInDays"), r.str("ExpirationDate"), r.boolean("ExpiredObjectDeleteMarker"); d != nil || date != "" || edm != nil {
			rule.Expiration = &Expiration{Days: d, Date: date, ExpiredObjectDeleteMarker: edm}
		}
		if d := r.integer("NoncurrentVersionExpirationInDays"); d != nil {
			rule.NoncurrentVersionExpiration = &NoncurrentExpiration{NoncurrentDays: d}
		}
		if e := r.obj("NoncurrentVersionExpiration"); e != nil {
			e.allow("NoncurrentDays", "NewerNoncurrentVersions")
			e.require("NoncurrentDays")
			rule.NoncurrentVersionExpiration = &NoncurrentExpiration{NoncurrentDays: e.integer("NoncurrentDays"), NewerNoncurrentVersions: e.integer("NewerNoncurrentVersions")}
		}
		ncts := r.objs("NoncurrentVersionTransitions")
		if t := r.obj("NoncurrentVersionTransition"); t != nil {
			ncts = append([]pv{*t}, ncts...)
		}
		for _, t := range ncts {
			t.allow("StorageClass", "TransitionInDays", "NewerNoncurrentVersions")
			t.require("StorageClass", "TransitionInDays")
			rule.NoncurrentVersionTransitions = append(rule.NoncurrentVersionTransitions, NoncurrentTransition{
				StorageClass: t.str("StorageClass"), NoncurrentDays: t.integer("TransitionInDays"), NewerNoncurrentVersions: t.integer("NewerNoncurrentVersions")})
		}
		ts := r.objs("Transitions")
		if t := r.obj("Transition"); t != nil {
			ts = append([]pv{*t}, ts...)
		}
		for _, t := range ts {
			t.allow("StorageClass", "TransitionInDays", "TransitionDate")
			t.require("StorageClass")
			rule.Transitions = append(rule.Transitions, Transition{StorageClass: t.str("StorageClass"), Days: t.integer("TransitionInDays"), Date: t.str("TransitionDate")})
		}
		if a := r.obj("AbortIncompleteMultipartUpload"); a != nil {
			a.allow("DaysAfterInitiation")
			a.require("DaysAfterInitiation")
			rule.AbortIncompleteMultipartUpload = &AbortIncomplete{DaysAfterInitiation: a.integer("DaysAfterInitiation")}
		}
		c.Rules = append(c.Rules, rule)
	}
	return c, minSize
}

func parseWebsite(v *pv) *WebsiteConfig {
	v.allow("IndexDocument", "ErrorDocument", "RedirectAllRequestsTo", "RoutingRules")
	c := &WebsiteConfig{}
	if s := v.str("IndexDocument"); s != "" {
		c.IndexDocument = &IndexDocument{Suffix: s}
	}
	if s := v.str("ErrorDocument"); s != "" {
		c.ErrorDocument = &ErrorDocument{Key: s}
	}
	if r := v.obj("RedirectAllRequestsTo"); r != nil {
		r.allow("HostName", "Protocol")
		r.require("HostName")
		c.RedirectAllRequestsTo = &RedirectAll{HostName: r.str("HostName"), Protocol: r.enum("Protocol", "http", "https")}
	}
	for _, rr := range v.objs("RoutingRules") {
		rr.allow("RedirectRule", "RoutingRuleCondition")
		rr.require("RedirectRule")
		rule := RoutingRule{}
		if d := rr.obj("RedirectRule"); d != nil {
			d.allow("HostName", "HttpRedirectCode", "Protocol", "ReplaceKeyPrefixWith", "ReplaceKeyWith")
			rule.Redirect = RoutingRedirect{HostName: d.str("HostName"), HttpRedirectCode: d.str("HttpRedirectCode"), Protocol: d.enum("Protocol", "http", "https"),
				ReplaceKeyPrefixWith: d.str("ReplaceKeyPrefixWith"), ReplaceKeyWith: d.str("ReplaceKeyWith")}
		}
		if cnd := rr.obj("RoutingRuleCondition"); cnd != nil {
			cnd.allow("HttpErrorCodeReturnedEquals", "KeyPrefixEquals")
			rule.Condition = &RoutingCondition{HttpErrorCodeReturnedEquals: cnd.str("HttpErrorCodeReturnedEquals"), KeyPrefixEquals: cnd.str("KeyPrefixEquals")}
		}
		c.RoutingRules = append(c.RoutingRules, rule)
	}
	return c
}

func (bp *bucketProvider) PhysicalID(req *provider.Request) (string, error) {
	s, err := parseBucketSpec(req)
	if err != nil {
		return "", err
	}
	return s.Name, nil
}

func regionOf(ctx context.Context, req *provider.Request) string {
	if req.Stack.Region != "" {
		return req.Stack.Region
	}
	if r := awsctx.From(ctx).Region; r != "" {
		return r
	}
	return "us-east-1"
}

func bucketAttributes(name, region string) map[string]any {
	website := "s3-website-" + region
	switch region {
	case "us-east-1", "us-west-1", "us-west-2", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "eu-west-1", "sa-east-1", "us-gov-west-1":
	default:
		website = "s3-website." + region
	}
	return map[string]any{
		"Arn":                 "arn:aws:s3:::" + name,
		"DomainName":          name + ".s3.amazonaws.com",
		"RegionalDomainName":  name + ".s3." + region + ".amazonaws.com",
		"DualStackDomainName": name + ".s3.dualstack." + region + ".amazonaws.com",
		"WebsiteURL":          "http://" + name + "." + website + ".amazonaws.com",
	}
}

// bucketTags are the tags CloudFormation puts on a bucket: the template's,
// the stack's, and the aws:cloudformation:* system tags.
func bucketTags(req *provider.Request, s *bucketSpec) []Tag {
	all := map[string]string{}
	for k, v := range req.Stack.Tags {
		all[k] = v
	}
	for k, v := range s.Tags {
		all[k] = v
	}
	if req.Stack.Name != "" {
		all["aws:cloudformation:stack-name"] = req.Stack.Name
		all["aws:cloudformation:stack-id"] = req.Stack.ID
		all["aws:cloudformation:logical-id"] = req.LogicalID
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, Tag{Key: k, Value: all[k]})
	}
	return out
}

func (bp *bucketProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := parseBucketSpec(req)
	if err != nil {
		return nil, err
	}
	region := regionOf(ctx, req)
	if _, err := bp.e.CreateBucket(ctx, s.Name, CreateBucketOptions{Region: region, ObjectLockEnabled: s.ObjectLock}); err != nil {
		if errBucketAlreadyOwnedByYou.Is(err) || errBucketAlreadyExists.Is(err) {
			return nil, fmt.Errorf("%s already exists", s.Name)
		}
		return nil, err
	}
	if err := bp.apply(ctx, req, s, nil); err != nil {
		bp.e.DeleteBucket(ctx, s.Name)
		return nil, err
	}
	return &provider.Result{PhysicalID: s.Name, Attributes: bucketAttributes(s.Name, region)}, nil
}

// apply makes the bucket match the spec; old is the previous spec on
// update (nil on create) so removed settings are removed.
func (bp *bucketProvider) apply(ctx context.Context, req *provider.Request, s, old *bucketSpec) error {
	e, b := bp.e, s.Name
	if s.Ownership != nil {
		if err := e.PutBucketOwnershipControls(ctx, b, s.Ownership); err != nil {
			return err
		}
	} else if old != nil && old.Ownership != nil {
		if err := e.DeleteBucketOwnershipControls(ctx, b); err != nil {
			return err
		}
	}
	if s.PAB != nil {
		if err := e.PutPublicAccessBlock(ctx, b, s.PAB); err != nil {
			return err
		}
	} else if old != nil && old.PAB != nil {
		if err := e.DeletePublicAccessBlock(ctx, b); err != nil {
			return err
		}
	}
	if s.ACL != "" || (old != nil && old.ACL != "") {
		acl := s.ACL
		if acl == "" {
			acl = "private"
		}
		if err := e.PutBucketACL(ctx, b, acl); err != nil {
			if errACLNotSupported.Is(err) {
				return errInvalidBucketACLWithOwnership()
			}
			return err
		}
	}
	if err := e.SetBucketTags(ctx, b, bucketTags(req, s)); err != nil {
		return err
	}
	if s.Versioning != "" {
		if err := e.PutBucketVersioning(ctx, b, s.Versioning, ""); err != nil {
			return err
		}
	} else if old != nil && old.Versioning == VersioningEnabled {
		if err := e.PutBucketVersioning(ctx, b, VersioningSuspended, ""); err != nil && !errInvalidBucketState.Is(err) {
			return err
		}
	}
	// Each configuration the template sets is put; one it no longer sets
	// is deleted.
	var was bucketSpec
	if old != nil {
		was = *old
	}
	for _, c := range []struct {
		set, was bool
		put, del func() error
	}{
		{s.Encryption != nil, was.Encryption != nil,
			func() error { return e.PutBucketEncryption(ctx, b, s.Encryption) }, func() error { return e.DeleteBucketEncryption(ctx, b) }},
		{s.CORS != nil, was.CORS != nil,
			func() error { return e.PutBucketCors(ctx, b, s.CORS) }, func() error { return e.DeleteBucketCors(ctx, b) }},
		{s.Lifecycle != nil, was.Lifecycle != nil,
			func() error { return e.PutBucketLifecycle(ctx, b, s.Lifecycle, s.LifecycleMinSize) }, func() error { return e.DeleteBucketLifecycle(ctx, b) }},
		{s.Website != nil, was.Website != nil,
			func() error { return e.PutBucketWebsite(ctx, b, s.Website) }, func() error { return e.DeleteBucketWebsite(ctx, b) }},
	} {
		var err error
		switch {
		case c.set:
			err = c.put()
		case c.was:
			err = c.del()
		}
		if err != nil {
			return err
		}
	}
	if s.ObjectLockConfig != nil {
		if err := e.PutObjectLockConfiguration(ctx, b, s.ObjectLockConfig); err != nil {
			return err
		}
	}
	return nil
}

func (bp *bucketProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	s, err := parseBucketSpec(req)
	if err != nil {
		return nil, err
	}
	s.Name = req.PhysicalID
	oldReq := *req
	oldReq.Properties = req.OldProperties
	old, err := parseBucketSpec(&oldReq)
	if err != nil {
		old = &bucketSpec{}
	}
	old.Name = req.PhysicalID
	info, err := bp.e.HeadBucket(ctx, s.Name)
	if err != nil {
		return nil, err
	}
	if err := bp.apply(ctx, req, s, old); err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: s.Name, Attributes: bucketAttributes(s.Name, info.Region)}, nil
}

func (bp *bucketProvider) Delete(ctx context.Context, req *provider.Request) error {
	err := bp.e.DeleteBucket(ctx, req.PhysicalID)
	if errNoSuchBucket.Is(err) {
		return nil
	}
	return err
}

func (bp *bucketProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	name := req.PhysicalID
	var b *bucketRec
	b, err := bp.e.viewBucket(ctx, name)
	if errNoSuchBucket.Is(err) {
		return nil, provider.NotFound(bp.Type(), name)
	}
	if err != nil {
		return nil, err
	}
	tmpl := req.Properties
	if tmpl == nil {
		tmpl = map[string]any{}
	}
	props := map[string]any{"BucketName": name}
	// Tags: the template's view (system and stack-propagated tags are
	// CloudFormation's, not the template's).
	tmplTags := provider.Read(map[string]any{"Tags": tmpl["Tags"]}, nil).Tags("Tags")
	user := map[string]string{}
	for _, t := range b.Tags {
		if isSystemTag(t.Key) {
			continue
		}
		if sv, ok := req.Stack.Tags[t.Key]; ok && sv == t.Value {
			if _, inTmpl := tmplTags[t.Key]; !inTmpl {
				continue
			}
		}
		user[t.Key] = t.Value
	}
	if l := provider.TagList(user); l != nil {
		props["Tags"] = l
	}
	if b.Versioning != "" {
		props["VersioningConfiguration"] = map[string]any{"Status": b.Versioning}
	}
	enc := b.Encryption
	if enc == nil {
		enc = defaultEncryption()
	}
	var rules []any
	for _, r := range enc.Rules {
		m := map[string]any{}
		if r.Default != nil {
			d := map[string]any{"SSEAlgorithm": r.Default.SSEAlgorithm}
			if r.Default.KMSMasterKeyID != "" {
				d["KMSMasterKeyID"] = r.Default.KMSMasterKeyID
			}
			m["ServerSideEncryptionByDefault"] = d
		}
		if r.BucketKeyEnabled != nil {
			m["BucketKeyEnabled"] = *r.BucketKeyEnabled
		}
		rules = append(rules, m)
	}
	props["BucketEncryption"] = map[string]any{"ServerSideEncryptionConfiguration": rules}
	if c := b.PublicAccessBlock; c != nil {
		props["PublicAccessBlockConfiguration"] = map[string]any{
			"BlockPublicAcls": c.BlockPublicAcls, "BlockPublicPolicy": c.BlockPublicPolicy,
			"IgnorePublicAcls": c.IgnorePublicAcls, "RestrictPublicBuckets": c.RestrictPublicBuckets,
		}
	}
	if c := b.CORS; c != nil {
		var rs []any
		for _, r := range c.Rules {
			m := map[string]any{"AllowedMethods": strList(r.AllowedMethods), "AllowedOrigins": strList(r.AllowedOrigins)}
			if r.ID != "" {
				m["Id"] = r.ID
			}
			if len(r.AllowedHeaders) > 0 {
				m["AllowedHeaders"] = strList(r.AllowedHeaders)
			}
			if len(r.ExposeHeaders) > 0 {
				m["ExposedHeaders"] = strList(r.ExposeHeaders)
			}
			if r.MaxAgeSeconds != nil {
				m["MaxAge"] = *r.MaxAgeSeconds
			}
			rs = append(rs, m)
		}
		props["CorsConfiguration"] = map[string]any{"CorsRules": rs}
	}
	if c := b.Lifecycle; c != nil {
		props["LifecycleConfiguration"] = renderLifecycle(c, b.LifecycleMinSize, tmpl["LifecycleConfiguration"])
	}
	if c := b.Ownership; c != nil {
		var rs []any
		for _, r := range c.Rules {
			rs = append(rs, map[string]any{"ObjectOwnership": r.ObjectOwnership})
		}
		props["OwnershipControls"] = map[string]any{"Rules": rs}
	}
	if c := b.Website; c != nil {
		props["WebsiteConfiguration"] = renderWebsite(c)
	}
	props["ObjectLockEnabled"] = b.ObjectLock
	if c := b.ObjectLockConfig; c != nil && b.ObjectLock {
		m := map[string]any{"ObjectLockEnabled": "Enabled"}
		if c.Rule != nil && c.Rule.DefaultRetention != nil {
			d := map[string]any{}
			if c.Rule.DefaultRetention.Mode != "" {
				d["Mode"] = c.Rule.DefaultRetention.Mode
			}
			if c.Rule.DefaultRetention.Days != nil {
				d["Days"] = *c.Rule.DefaultRetention.Days
			}
			if c.Rule.DefaultRetention.Years != nil {
				d["Years"] = *c.Rule.DefaultRetention.Years
			}
			m["Rule"] = map[string]any{"DefaultRetention": d}
		}
		props["ObjectLockConfiguration"] = m
	}
	acl := b.ACL
	if acl == "" {
		acl = "private"
	}
	for k, v := range cannedACLs {
		if v == acl {
			props["AccessControl"] = k
		}
	}
	// Nested settings the template leaves out read as absent when they
	// hold their default, so drift reports only real differences.
	for k, v := range props {
		if t, ok := tmpl[k]; ok {
			props[k] = prune(v, t)
		}
	}
	return &provider.Result{PhysicalID: name, Properties: props, Attributes: bucketAttributes(name, b.Region)}, nil
}

func strList(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// prune drops, inside objects, keys the template does not set whose
// value is a default (false, "", 0, empty).
func prune(actual, tmpl any) any {
	switch a := actual.(type) {
	case map[string]any:
		t, _ := tmpl.(map[string]any)
		out := make(map[string]any, len(a))
		for k, v := range a {
			tv, inT := t[k]
			if !inT && isDefault(v) {
				continue
			}
			out[k] = prune(v, tv)
		}
		return out
	case []any:
		t, _ := tmpl.([]any)
		out := make([]any, len(a))
		for i, v := range a {
			var tv any
			if i < len(t) {
				tv = t[i]
			}
			out[i] = prune(v, tv)
		}
		return out
	}
	return actual
}

func isDefault(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case int64:
		return x == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// renderLifecycle turns a stored lifecycle configuration into template
// shape, choosing the template's spelling where two exist
// (Transition/Transitions, NoncurrentVersionExpirationInDays/…).
func renderLifecycle(c *LifecycleConfig, minSize string, tmpl any) map[string]any {
	tm, _ := tmpl.(map[string]any)
	trules, _ := tm["Rules"].([]any)
	var rules []any
	for i, r := range c.Rules {
		var hint map[string]any
		if i < len(trules) {
			hint, _ = trules[i].(map[string]any)
		}
		m := map[string]any{"Status": r.Status}
		if r.ID != "" {
			m["Id"] = r.ID
		}
		var prefix *string
		var tags []Tag
		var gt, lt *int64
		if r.Prefix != nil {
			prefix = r.Prefix
		}
		if f := r.Filter; f != nil {
			switch {
			case f.And != nil:
				prefix, tags, gt, lt = f.And.Prefix, f.And.Tags, f.And.ObjectSizeGreaterThan, f.And.ObjectSizeLessThan
			case f.Tag != nil:
				tags = []Tag{*f.Tag}
			default:
				if f.Prefix != nil {
					prefix = f.Prefix
				}
				gt, lt = f.ObjectSizeGreaterThan, f.ObjectSizeLessThan
			}
		}
		if prefix != nil && (*prefix != "" || hint["Prefix"] != nil) {
			m["Prefix"] = *prefix
		}
		if len(tags) > 0 {
			var tl []any
			for _, t := range tags {
				tl = append(tl, map[string]any{"Key": t.Key, "Value": t.Value})
			}
			m["TagFilters"] = tl
		}
		if gt != nil {
			m["ObjectSizeGreaterThan"] = *gt
		}
		if lt != nil {
			m["ObjectSizeLessThan"] = *lt
		}
		if e := r.Expiration; e != nil {
			if e.Days != nil {
				m["ExpirationInDays"] = *e.Days
			}
			if e.Date != "" {
				m["ExpirationDate"] = e.Date
			}
			if e.ExpiredObjectDeleteMarker != nil {
				m["ExpiredObjectDeleteMarker"] = *e.ExpiredObjectDeleteMarker
			}
		}
		if e := r.NoncurrentVersionExpiration; e != nil {
			_, inDays := hint["NoncurrentVersionExpirationInDays"]
			if inDays && e.NewerNoncurrentVersions == nil && e.NoncurrentDays != nil {
				m["NoncurrentVersionExpirationInDays"] = *e.NoncurrentDays
			} else {
				x := map[string]any{}
				if e.NoncurrentDays != nil {
					x["NoncurrentDays"] = *e.NoncurrentDays
				}
				if e.NewerNoncurrentVersions != nil {
					x["NewerNoncurrentVersions"] = *e.NewerNoncurrentVersions
				}
				m["NoncurrentVersionExpiration"] = x
			}
		}
		if len(r.NoncurrentVersionTransitions) > 0 {
			var l []any
			for _, t := range r.NoncurrentVersionTransitions {
				x := map[string]any{"StorageClass": t.StorageClass}
				if t.NoncurrentDays != nil {
					x["TransitionInDays"] = *t.NoncurrentDays
				}
				if t.NewerNoncurrentVersions != nil {
					x["NewerNoncurrentVersions"] = *t.NewerNoncurrentVersions
				}
				l = append(l, x)
			}
			if _, single := hint["NoncurrentVersionTransition"]; single {
				m["NoncurrentVersionTransition"] = l[0]
				if len(l) > 1 {
					m["NoncurrentVersionTransitions"] = l[1:]
				}
			} else {
				m["NoncurrentVersionTransitions"] = l
			}
		}
		if len(r.Transitions) > 0 {
			var l []any
			for _, t := range r.Transitions {
				x := map[string]any{"StorageClass": t.StorageClass}
				if t.Days != nil {
					x["TransitionInDays"] = *t.Days
				}
				if t.Date != "" {
					x["TransitionDate"] = t.Date
				}
				l = append(l, x)
			}
			if _, single := hint["Transition"]; single {
				m["Transition"] = l[0]
				if len(l) > 1 {
					m["Transitions"] = l[1:]
				}
			} else {
				m["Transitions"] = l
			}
		}
		if a := r.AbortIncompleteMultipartUpload; a != nil && a.DaysAfterInitiation != nil {
			m["AbortIncompleteMultipartUpload"] = map[string]any{"DaysAfterInitiation": *a.DaysAfterInitiation}
		}
		rules = append(rules, m)
	}
	out := map[string]any{"Rules": rules}
	if minSize != "" {
		out["TransitionDefaultMinimumObjectSize"] = minSize
	}
	return out
}

func renderWebsite(c *WebsiteConfig) map[string]any {
	m := map[string]any{}
	if c.IndexDocument != nil {
		m["IndexDocument"] = c.IndexDocument.Suffix
	}
	if c.ErrorDocument != nil {
		m["ErrorDocument"] = c.ErrorDocument.Key
	}
	if r := c.RedirectAllRequestsTo; r != nil {
		x := map[string]any{"HostName": r.HostName}
		if r.Protocol != "" {
			x["Protocol"] = r.Protocol
		}
		m["RedirectAllRequestsTo"] = x
	}
	if len(c.RoutingRules) > 0 {
		var l []any
		for _, r := range c.RoutingRules {
			rd := map[string]any{}
			for k, v := range map[string]string{"HostName": r.Redirect.HostName, "HttpRedirectCode": r.Redirect.HttpRedirectCode,
				"Protocol": r.Redirect.Protocol, "ReplaceKeyPrefixWith": r.Redirect.ReplaceKeyPrefixWith, "ReplaceKeyWith": r.Redirect.ReplaceKeyWith} {
				if v != "" {
					rd[k] = v
				}
			}
			x := map[string]any{"RedirectRule": rd}
			if cnd := r.Condition; cnd != nil {
				cm := map[string]any{}
				if cnd.HttpErrorCodeReturnedEquals != "" {
					cm["HttpErrorCodeReturnedEquals"] = cnd.HttpErrorCodeReturnedEquals
				}
				if cnd.KeyPrefixEquals != "" {
					cm["KeyPrefixEquals"] = cnd.KeyPrefixEquals
				}
				x["RoutingRuleCondition"] = cm
			}
			l = append(l, x)
		}
		m["RoutingRules"] = l
	}
	return m
}

// ---- AWS::S3::BucketPolicy ----

type bucketPolicyProvider struct{ e *Engine }

var bucketPolicySchema = &provider.Schema{
	Properties: []string{"Bucket", "PolicyDocument"},
	Required:   []string{"Bucket", "PolicyDocument"},
	CreateOnly: []string{"Bucket"},
}

func (*bucketPolicyProvider) Type() string             { return "AWS::S3::BucketPolicy" }
func (*bucketPolicyProvider) Schema() *provider.Schema { return bucketPolicySchema }

func parsePolicyProps(props map[string]any) (bucket, doc string, err error) {
	p := provider.Read(props, bucketPolicySchema)
	bucket = p.String("Bucket")
	m := p.JSONDoc("PolicyDocument")
	if err := p.Err(); err != nil {
		return "", "", err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", "", err
	}
	return bucket, string(b), nil
}

func (pp *bucketPolicyProvider) PhysicalID(req *provider.Request) (string, error) {
	if _, _, err := parsePolicyProps(req.Properties); err != nil {
		return "", err
	}
	return provider.Name(req, 255, false), nil
}

func (pp *bucketPolicyProvider) Create(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	bucket, doc, err := parsePolicyProps(req.Properties)
	if err != nil {
		return nil, err
	}
	if err := pp.e.PutBucketPolicy(ctx, bucket, doc); err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: provider.Name(req, 255, false), Attributes: map[string]any{}}, nil
}

func (pp *bucketPolicyProvider) Update(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	bucket, doc, err := parsePolicyProps(req.Properties)
	if err != nil {
		return nil, err
	}
	if err := pp.e.PutBucketPolicy(ctx, bucket, doc); err != nil {
		return nil, err
	}
	return &provider.Result{PhysicalID: req.PhysicalID, Attributes: map[string]any{}}, nil
}

func policyBucket(req *provider.Request) string {
	if s, ok := provider.Scalar(req.Properties["Bucket"]); ok {
		return s
	}
	return ""
}

func (pp *bucketPolicyProvider) Delete(ctx context.Context, req *provider.Request) error {
	bucket := policyBucket(req)
	if bucket == "" {
		return nil
	}
	err := pp.e.DeleteBucketPolicy(ctx, bucket)
	if errNoSuchBucket.Is(err) {
		return nil
	}
	return err
}

func (pp *bucketPolicyProvider) Read(ctx context.Context, req *provider.Request) (*provider.Result, error) {
	bucket := policyBucket(req)
	doc, err := pp.e.GetBucketPolicy(ctx, bucket)
	if errNoSuchBucket.Is(err) || errNoSuchBucketPolicy.Is(err) || (err == nil && bucket == "") {
		return nil, provider.NotFound(pp.Type(), req.PhysicalID)
	}
	if err != nil {
		return nil, err
	}
	actual, err := decodeJSONNumbers(doc)
	if err != nil {
		return nil, err
	}
	var policy any = actual
	if s, ok := req.Properties["PolicyDocument"].(string); ok {
		// The template wrote the document as a JSON string: answer in the
		// same form, verbatim when it means the same.
		if t, err := decodeJSONNumbers(s); err == nil && canonicalJSON(t) == canonicalJSON(actual) {
			policy = s
		} else {
			policy = canonicalJSON(actual)
		}
	}
	return &provider.Result{PhysicalID: req.PhysicalID, Attributes: map[string]any{},
		Properties: map[string]any{"Bucket": bucket, "PolicyDocument": policy}}, nil
}

func decodeJSONNumbers(s string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

func canonicalJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSpace(b.String())
}
