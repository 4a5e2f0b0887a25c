package s3

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/skiff-dev/skiff/internal/cloudformation/provider"
	"github.com/skiff-dev/skiff/internal/cloudformation/provider/providertest"
)

// tmpl decodes template-shaped JSON (numbers stay json.Number, as the
// CloudFormation engine hands them over).
func tmpl(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func providerFor(e *Engine, typ string) provider.Provider {
	for _, p := range e.Providers() {
		if p.Type() == typ {
			return p
		}
	}
	return nil
}

func TestBucketProviderConformance(t *testing.T) {
	e, _ := newTestEngine(t)
	p := providerFor(e, "AWS::S3::Bucket")
	create := tmpl(t, `{
		"Tags": [{"Key": "team", "Value": "storage"}, {"Key": "env", "Value": "test"}],
		"VersioningConfiguration": {"Status": "Enabled"},
		"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/app"}, "BucketKeyEnabled": true}]},
		"PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "BlockPublicPolicy": "true", "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"CorsConfiguration": {"CorsRules": [{"AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"], "MaxAge": 3000, "Id": "all"}]},
		"LifecycleConfiguration": {"Rules": [
			{"Id": "logs", "Status": "Enabled", "Prefix": "logs/", "ExpirationInDays": 30, "NoncurrentVersionExpirationInDays": "7",
			 "Transitions": [{"StorageClass": "GLACIER", "TransitionInDays": 10}], "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
			{"Id": "tagged", "Status": "Disabled", "TagFilters": [{"Key": "tmp", "Value": "yes"}], "ObjectSizeGreaterThan": 1024, "ExpirationDate": "2030-01-01T00:00:00Z",
			 "NoncurrentVersionTransition": {"StorageClass": "STANDARD_IA", "TransitionInDays": 30}}
		]},
		"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]},
		"WebsiteConfiguration": {"IndexDocument": "index.html", "ErrorDocument": "error.html",
			"RoutingRules": [{"RoutingRuleCondition": {"KeyPrefixEquals": "docs/"}, "RedirectRule": {"ReplaceKeyPrefixWith": "documents/", "HttpRedirectCode": "301"}}]},
		"ObjectLockEnabled": false
	}`)
	update := tmpl(t, `{
		"Tags": [{"Key": "team", "Value": "platform"}],
		"VersioningConfiguration": {"Status": "Suspended"},
		"PublicAccessBlockConfiguration": {"BlockPublicAcls": false, "RestrictPublicBuckets": true},
		"LifecycleConfiguration": {"Rules": [{"Status": "Enabled", "ExpirationInDays": 5}], "TransitionDefaultMinimumObjectSize": "varies_by_storage_class"},
		"WebsiteConfiguration": {"RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "https"}},
		"AccessControl": "Private",
		"ObjectLockEnabled": false
	}`)
	replace := tmpl(t, `{
		"BucketName": "explicit-name-bucket",
		"ObjectLockEnabled": true,
		"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 3}}},
		"BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
	}`)
	providertest.Run(t, p, providertest.Case{
		Ctx:    testCtx(),
		Create: create, Update: update, Replace: replace,
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			b, err := e.viewBucket(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if id == "explicit-name-bucket" {
				if !b.ObjectLock || b.Versioning != VersioningEnabled {
					t.Fatalf("object lock bucket: %+v", b)
				}
				return
			}
			if !strings.HasPrefix(id, "conformance-subject-") {
				t.Fatalf("generated name %q", id)
			}
			tags := map[string]string{}
			for _, tg := range b.Tags {
				tags[tg.Key] = tg.Value
			}
			if tags["aws:cloudformation:logical-id"] != "Subject" || tags["aws:cloudformation:stack-name"] != "conformance" {
				t.Fatalf("system tags: %v", tags)
			}
			if _, ok := props["CorsConfiguration"]; ok && b.CORS == nil {
				t.Fatal("CORS not stored")
			}
			if _, ok := props["CorsConfiguration"]; !ok && b.CORS != nil {
				t.Fatal("CORS not removed on update")
			}
			if b.Website == nil || b.Lifecycle == nil {
				t.Fatal("website or lifecycle missing")
			}
		},
		Gone: func(t *testing.T, ctx context.Context, id string) {
			if ok, _ := e.BucketExists(ctx, id); ok {
				t.Fatalf("bucket %s still exists", id)
			}
		},
	})
}

func TestBucketProviderBehaviour(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := testCtx()
	p := providerFor(e, "AWS::S3::Bucket")
	stack := provider.StackInfo{Name: "MyStack", ID: "arn:aws:cloudformation:us-west-2:123456789012:stack/MyStack/1", Region: "us-west-2", AccountID: "123456789012",
		Tags: map[string]string{"cost-center": "42"}}
	req := &provider.Request{LogicalID: "AssetsBucket", Type: p.Type(), Properties: map[string]any{}, Stack: stack, Suffix: "A1B2C3D4E5F6"}
	id, err := p.PhysicalID(req)
	if err != nil || id != "mystack-assetsbucket-a1b2c3d4e5f6" {
		t.Fatalf("PhysicalID %q %v", id, err)
	}
	res, err := p.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Arn": "arn:aws:s3:::" + id, "DomainName": id + ".s3.amazonaws.com", "RegionalDomainName": id + ".s3.us-west-2.amazonaws.com",
		"DualStackDomainName": id + ".s3.dualstack.us-west-2.amazonaws.com", "WebsiteURL": "http://" + id + ".s3-website-us-west-2.amazonaws.com",
	}
	for k, v := range want {
		if res.Attributes[k] != v {
			t.Errorf("%s = %v, want %v", k, res.Attributes[k], v)
		}
	}
	if region, _ := e.GetBucketLocation(ctx, id); region != "us-west-2" {
		t.Fatalf("region %q", region)
	}
	// Stack tags are applied but not reported as template drift.
	tags, _ := e.GetBucketTagging(ctx, id)
	if len(tags) != 4 {
		t.Fatalf("tags %v", tags)
	}
	read, err := p.Read(ctx, &provider.Request{PhysicalID: id, Properties: map[string]any{}, Stack: stack})
	if err != nil || read.Properties["Tags"] != nil {
		t.Fatalf("Read tags: %v %v", read.Properties["Tags"], err)
	}
	// Drift: a change made outside CloudFormation shows up.
	e.PutBucketVersioning(ctx, id, VersioningEnabled, "")
	tplProps := tmpl(t, `{"VersioningConfiguration": {"Status": "Suspended"}}`)
	read, _ = p.Read(ctx, &provider.Request{PhysicalID: id, Properties: tplProps, Stack: stack})
	if d := provider.Diff(tplProps, read.Properties, p.Schema()); len(d) != 1 || d[0].PropertyPath != "/VersioningConfiguration/Status" {
		t.Fatalf("drift: %+v", d)
	}
	// Deleting a non-empty bucket fails with S3's message.
	e.PutObject(ctx, id, "k", strings.NewReader("x"), PutOptions{})
	err = p.Delete(ctx, &provider.Request{PhysicalID: id, Stack: stack})
	if codeOf(err) != "BucketNotEmpty" || !strings.Contains(err.Error(), "The bucket you tried to delete is not empty") {
		t.Fatalf("Delete of a non-empty bucket: %v", err)
	}
	// Invalid properties are rejected with every problem.
	for _, bad := range []string{
		`{"Bogus": 1}`,
		`{"BucketName": "Not_Valid"}`,
		`{"VersioningConfiguration": {"Status": "On"}}`,
		`{"VersioningConfiguration": {"Status": "Enabled", "Extra": 1}}`,
		`{"CorsConfiguration": {"CorsRules": [{"AllowedMethods": ["GET"]}]}}`,
		`{"LifecycleConfiguration": {"Rules": [{"Status": "Enabled"}]}}`,
		`{"AccessControl": "Everyone"}`,
		`{"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}}`,
	} {
		if _, err := p.PhysicalID(&provider.Request{LogicalID: "B", Properties: tmpl(t, bad), Stack: stack, Suffix: "X"}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	// Public ACLs need ownership controls that allow them (as on AWS).
	_, err = p.Create(ctx, &provider.Request{LogicalID: "Pub", Properties: tmpl(t, `{"BucketName": "public-acl-bucket", "AccessControl": "PublicRead"}`), Stack: stack})
	if err == nil {
		t.Fatal("PublicRead with BucketOwnerEnforced accepted")
	}
	if ok, _ := e.BucketExists(ctx, "public-acl-bucket"); ok {
		t.Fatal("failed create left the bucket")
	}
	if _, err := p.Create(ctx, &provider.Request{LogicalID: "Pub", Properties: tmpl(t, `{"BucketName": "public-acl-bucket", "AccessControl": "PublicRead",
		"OwnershipControls": {"Rules": [{"ObjectOwnership": "ObjectWriter"}]}}`), Stack: stack}); err != nil {
		t.Fatal(err)
	}
	// An existing name fails.
	if _, err := p.Create(ctx, &provider.Request{LogicalID: "Dup", Properties: tmpl(t, `{"BucketName": "public-acl-bucket"}`), Stack: stack}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate create: %v", err)
	}
	if _, err := p.Read(ctx, &provider.Request{PhysicalID: "never-existed-bucket"}); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("Read missing: %v", err)
	}
}

func TestBucketPolicyProviderConformance(t *testing.T) {
	e, _ := newTestEngine(t)
	ctx := testCtx()
	for _, b := range []string{"policy-bucket-one", "policy-bucket-two"} {
		if _, err := e.CreateBucket(ctx, b, CreateBucketOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	p := providerFor(e, "AWS::S3::BucketPolicy")
	create := tmpl(t, `{"Bucket": "policy-bucket-one", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
		{"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
		 "Resource": ["arn:aws:s3:::policy-bucket-one", "arn:aws:s3:::policy-bucket-one/*"],
		 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}`)
	// The document as a JSON string, as some templates write it.
	update := map[string]any{"Bucket": "policy-bucket-one", "PolicyDocument": `{
		"Version": "2012-10-17",
		"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::policy-bucket-one/*"}]
	}`}
	replace := tmpl(t, `{"Bucket": "policy-bucket-two", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::policy-bucket-two/logs/*"}]}}`)
	providertest.Run(t, p, providertest.Case{
		Ctx: ctx, Create: create, Update: update, Replace: replace,
		Check: func(t *testing.T, ctx context.Context, id string, props map[string]any) {
			bucket := props["Bucket"].(string)
			doc, err := e.GetBucketPolicy(ctx, bucket)
			if err != nil || !strings.Contains(doc, `"Statement"`) {
				t.Fatalf("policy of %s: %q %v", bucket, doc, err)
			}
			if !strings.HasPrefix(id, "conformance-Subject-") {
				t.Fatalf("physical id %q", id)
			}
		},
	})
	// A malformed policy fails with S3's error.
	_, err := p.Create(ctx, &provider.Request{LogicalID: "Bad", Properties: tmpl(t, `{"Bucket": "policy-bucket-one", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}`)})
	if codeOf(err) != "MalformedPolicy" {
		t.Fatalf("malformed policy: %v", err)
	}
	_, err = p.PhysicalID(&provider.Request{LogicalID: "Bad", Properties: tmpl(t, `{"Bucket": "x"}`)})
	if err == nil {
		t.Fatal("missing PolicyDocument accepted")
	}
}
