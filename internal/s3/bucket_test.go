package s3

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/skiff-dev/skiff/internal/skifftest"
)

func TestSDKBuckets(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	c := srv.client()
	mustCreate(t, c, "b-one")
	// us-east-1 keeps its legacy 200 for a bucket you already own.
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b-one")}); err != nil {
		t.Fatalf("re-create in us-east-1: %v", err)
	}
	west := srv.client(func(o *s3.Options) { o.Region = "us-west-2" })
	_, err := west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b-west")})
	wantCode(t, err, "IllegalLocationConstraintException", 400)
	if _, err := west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b-west"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintUsWest2}}); err != nil {
		t.Fatal(err)
	}
	_, err = west.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b-west"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintUsWest2}})
	wantCode(t, err, "BucketAlreadyOwnedByYou", 409)
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("b-x"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "us-east-1"}})
	wantCode(t, err, "InvalidLocationConstraint", 400)
	for _, bad := range []string{"UpperCase", "ab", "a..b", "-dash", "192.168.1.1", "xn--abc", "has_underscore", strings.Repeat("a", 64)} {
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bad)})
		if apiCode(err) != "InvalidBucketName" {
			t.Errorf("CreateBucket(%q): %v, want InvalidBucketName", bad, err)
		}
	}
	loc, err := west.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("b-west")})
	if err != nil || loc.LocationConstraint != types.BucketLocationConstraintUsWest2 {
		t.Fatalf("GetBucketLocation: %v %v", loc.LocationConstraint, err)
	}
	loc, err = c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("b-one")})
	if err != nil || loc.LocationConstraint != "" {
		t.Fatalf("GetBucketLocation us-east-1: %q %v", loc.LocationConstraint, err)
	}
	hb, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("b-west")})
	if err != nil || aws.ToString(hb.BucketRegion) != "us-west-2" {
		t.Fatalf("HeadBucket: %+v %v", hb, err)
	}
	_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("nope-missing")})
	var nf *types.NotFound
	if httpStatus(err) != 404 || !errorsAs(err, &nf) {
		t.Fatalf("HeadBucket missing: %v", err)
	}
	lb, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil || len(lb.Buckets) != 2 || aws.ToString(lb.Buckets[0].Name) != "b-one" || lb.Owner == nil {
		t.Fatalf("ListBuckets: %+v %v", lb, err)
	}
	lb, err = c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(1)})
	if err != nil || len(lb.Buckets) != 1 || lb.ContinuationToken == nil {
		t.Fatalf("ListBuckets page: %+v %v", lb, err)
	}
	lb, err = c.ListBuckets(ctx, &s3.ListBucketsInput{MaxBuckets: aws.Int32(1), ContinuationToken: lb.ContinuationToken})
	if err != nil || len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "b-west" {
		t.Fatalf("ListBuckets page 2: %+v %v", lb, err)
	}
	mustPut(t, c, "b-one", "k", []byte("x"))
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b-one")})
	wantCode(t, err, "BucketNotEmpty", 409)
	c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("b-one"), Key: aws.String("k")})
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b-one")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("b-one")})
	wantCode(t, err, "NoSuchBucket", 404)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b-one"), Key: aws.String("k"), Body: strings.NewReader("x")})
	wantCode(t, err, "NoSuchBucket", 404)
}

func errorsAs[T any](err error, target *T) bool {
	for err != nil {
		if v, ok := err.(T); ok {
			*target = v
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func TestSDKBucketConfigurations(t *testing.T) {
	srv := startServer(t)
	ctx := context.Background()
	c := srv.client()
	b := aws.String("configs")
	mustCreate(t, c, "configs")

	// Policy.
	_, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	wantCode(t, err, "NoSuchBucketPolicy", 404)
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["s3:GetObject"],"Resource":"arn:aws:s3:::configs/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	gp, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	if err != nil || aws.ToString(gp.Policy) != policy {
		t.Fatalf("GetBucketPolicy: %q %v", aws.ToString(gp.Policy), err)
	}
	for _, bad := range []string{
		`not json`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other-bucket/*"}]}`,
		`{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::configs/*"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::configs/*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ec2:RunInstances","Resource":"arn:aws:s3:::configs/*"}]}`,
		`{"Version":"2012-10-17"}`,
	} {
		_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(bad)})
		if apiCode(err) != "MalformedPolicy" {
			t.Errorf("policy %s: %v, want MalformedPolicy", bad, err)
		}
	}
	ps, err := c.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: b})
	if err != nil || aws.ToBool(ps.PolicyStatus.IsPublic) {
		t.Fatalf("GetBucketPolicyStatus: %+v %v", ps, err)
	}
	if _, err := c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	wantCode(t, err, "NoSuchBucketPolicy", 404)

	// Tagging.
	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	wantCode(t, err, "NoSuchTagSet", 404)
	if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}}); err != nil {
		t.Fatal(err)
	}
	gt, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	if err != nil || len(gt.TagSet) != 1 || aws.ToString(gt.TagSet[0].Value) != "dev" {
		t.Fatalf("GetBucketTagging: %+v %v", gt, err)
	}
	_, err = c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}}})
	wantCode(t, err, "InvalidTag", 400)
	c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: b})
	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	wantCode(t, err, "NoSuchTagSet", 404)

	// Encryption: SSE-S3 by default.
	ge, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
	if err != nil || ge.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
		t.Fatalf("default encryption: %+v %v", ge, err)
	}
	if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
		Rules: []types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/mine")}, BucketKeyEnabled: aws.Bool(true)}}}}); err != nil {
		t.Fatal(err)
	}
	put := mustPut(t, c, "configs", "enc", []byte("x"))
	if put.ServerSideEncryption != types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != "alias/mine" || !aws.ToBool(put.BucketKeyEnabled) {
		t.Fatalf("object encryption: %v %v %v", put.ServerSideEncryption, aws.ToString(put.SSEKMSKeyId), aws.ToBool(put.BucketKeyEnabled))
	}
	c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: b})
	ge, _ = c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
	if ge.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
		t.Fatal("encryption not back to default")
	}

	// Public access block: on for new buckets.
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) {
		t.Fatalf("default PAB: %+v %v", pab, err)
	}
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	pab, _ = c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	if aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) {
		t.Fatalf("PAB: %+v", pab.PublicAccessBlockConfiguration)
	}
	c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: b})
	_, err = c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	wantCode(t, err, "NoSuchPublicAccessBlockConfiguration", 404)

	// CORS.
	_, err = c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b})
	wantCode(t, err, "NoSuchCORSConfiguration", 404)
	if _, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{{
		AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"https://example.com"}, AllowedHeaders: []string{"*"}, MaxAgeSeconds: aws.Int32(300), ID: aws.String("r1")}}}}); err != nil {
		t.Fatal(err)
	}
	gc, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b})
	if err != nil || len(gc.CORSRules) != 1 || len(gc.CORSRules[0].AllowedMethods) != 2 || aws.ToInt32(gc.CORSRules[0].MaxAgeSeconds) != 300 {
		t.Fatalf("GetBucketCors: %+v %v", gc, err)
	}
	_, err = c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{{
		AllowedMethods: []string{"PATCH"}, AllowedOrigins: []string{"*"}}}}})
	wantCode(t, err, "InvalidRequest", 400)
	c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: b})
	_, err = c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b})
	wantCode(t, err, "NoSuchCORSConfiguration", 404)

	// Lifecycle.
	_, err = c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	wantCode(t, err, "NoSuchLifecycleConfiguration", 404)
	if _, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
		ID: aws.String("expire-logs"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
		Expiration:                     &types.LifecycleExpiration{Days: aws.Int32(30)},
		Transitions:                    []types.Transition{{Days: aws.Int32(7), StorageClass: types.TransitionStorageClassGlacier}},
		AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(2)},
	}}}}); err != nil {
		t.Fatal(err)
	}
	gl, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if err != nil || len(gl.Rules) != 1 || aws.ToInt32(gl.Rules[0].Expiration.Days) != 30 || aws.ToString(gl.Rules[0].Filter.Prefix) != "logs/" {
		t.Fatalf("GetBucketLifecycleConfiguration: %+v %v", gl, err)
	}
	_, err = c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
		Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")}}}}})
	wantCode(t, err, "InvalidRequest", 400)
	c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: b})
	_, err = c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	wantCode(t, err, "NoSuchLifecycleConfiguration", 404)

	// Website.
	if _, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: b, WebsiteConfiguration: &types.WebsiteConfiguration{
		IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}, ErrorDocument: &types.ErrorDocument{Key: aws.String("err.html")},
		RoutingRules: []types.RoutingRule{{Condition: &types.Condition{KeyPrefixEquals: aws.String("old/")}, Redirect: &types.Redirect{ReplaceKeyPrefixWith: aws.String("new/")}}}}}); err != nil {
		t.Fatal(err)
	}
	gw, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: b})
	if err != nil || aws.ToString(gw.IndexDocument.Suffix) != "index.html" || len(gw.RoutingRules) != 1 {
		t.Fatalf("GetBucketWebsite: %+v %v", gw, err)
	}
	c.DeleteBucketWebsite(ctx, &s3.DeleteBucketWebsiteInput{Bucket: b})
	_, err = c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: b})
	wantCode(t, err, "NoSuchWebsiteConfiguration", 404)

	// Ownership controls and ACLs.
	oc, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
	if err != nil || oc.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("GetBucketOwnershipControls: %+v %v", oc, err)
	}
	acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	if err != nil || len(acl.Grants) != 1 || aws.ToString(acl.Owner.ID) != CanonicalUserID(skifftest.AccountID) {
		t.Fatalf("GetBucketAcl: %+v %v", acl, err)
	}
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead})
	wantCode(t, err, "AccessControlListNotSupported", 400)
	if _, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &types.OwnershipControls{
		Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipObjectWriter}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	acl, _ = c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	if len(acl.Grants) != 2 {
		t.Fatalf("public-read ACL grants: %+v", acl.Grants)
	}

	// Versioning config errors and object lock.
	_, err = c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: b})
	wantCode(t, err, "ObjectLockConfigurationNotFoundError", 404)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("locked"), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	gv, _ := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("locked")})
	if gv.Status != types.BucketVersioningStatusEnabled {
		t.Fatalf("object lock bucket versioning: %v", gv.Status)
	}
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("locked"), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	wantCode(t, err, "InvalidBucketState", 409)
	if _, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String("locked"), ObjectLockConfiguration: &types.ObjectLockConfiguration{
		ObjectLockEnabled: types.ObjectLockEnabledEnabled, Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}}); err != nil {
		t.Fatal(err)
	}
	ol, err := c.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("locked")})
	if err != nil || aws.ToInt32(ol.ObjectLockConfiguration.Rule.DefaultRetention.Days) != 1 {
		t.Fatalf("GetObjectLockConfiguration: %+v %v", ol, err)
	}
	// Sub-resources read with their defaults.
	if _, err := c.GetBucketAccelerateConfiguration(ctx, &s3.GetBucketAccelerateConfigurationInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if rp, err := c.GetBucketRequestPayment(ctx, &s3.GetBucketRequestPaymentInput{Bucket: b}); err != nil || rp.Payer != types.PayerBucketOwner {
		t.Fatalf("GetBucketRequestPayment: %v %v", rp, err)
	}
	if _, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: b})
	wantCode(t, err, "ReplicationConfigurationNotFoundError", 404)
}

// rawRequest sends a request signed with SigV4 (payload hash as given)
// and returns the status, body and headers.
func rawRequest(t *testing.T, srv *testServer, method, path string, body io.Reader, length int64, hdr map[string]string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = length
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	payload := "UNSIGNED-PAYLOAD"
	if b, ok := body.(*strings.Reader); ok && length >= 0 {
		all, _ := io.ReadAll(b)
		sum := sha256.Sum256(all)
		payload = hex.EncodeToString(sum[:])
		req.Body = io.NopCloser(strings.NewReader(string(all)))
	}
	if body == nil {
		sum := sha256.Sum256(nil)
		payload = hex.EncodeToString(sum[:])
	}
	if v := req.Header.Get("X-Amz-Content-Sha256"); v != "" {
		payload = v
	}
	req.Header.Set("X-Amz-Content-Sha256", payload)
	cfg := srv.Config()
	creds, _ := cfg.Credentials.Retrieve(context.Background())
	if err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(), creds, req, payload, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestMalformedRequests(t *testing.T) {
	srv := startServer(t)
	mustCreate(t, srv.client(), "raw")
	cases := []struct {
		name, method, path, body string
		length                   int64
		hdr                      map[string]string
		status                   int
		code                     string
	}{
		{"bad xml", "PUT", "/raw?tagging", "<Tagging><TagSet><Tag>", -2, nil, 400, "MalformedXML"},
		{"wrong root", "PUT", "/raw?versioning", "<Foo/>", -2, nil, 400, "MalformedXML"},
		{"bad versioning status", "PUT", "/raw?versioning", "<VersioningConfiguration><Status>On</Status></VersioningConfiguration>", -2, nil, 400, "MalformedXML"},
		{"empty lifecycle", "PUT", "/raw?lifecycle", "", -2, nil, 400, "MissingRequestBodyError"},
		{"bad create config", "PUT", "/raw2", "<CreateBucketConfiguration><LocationConstraint>", -2, nil, 400, "MalformedXML"},
		{"bad location", "PUT", "/raw3", "<CreateBucketConfiguration><LocationConstraint>mars-1</LocationConstraint></CreateBucketConfiguration>", -2, nil, 400, "InvalidLocationConstraint"},
		{"bad delete xml", "POST", "/raw?delete", "<Delete><Object>", -2, nil, 400, "MalformedXML"},
		{"bad complete xml", "POST", "/raw/k?uploadId=x", "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>", -2, nil, 400, "MalformedXML"},
		{"no content length", "PUT", "/raw/k", "streamed body", -1, nil, 501, "NotImplemented"},
		{"aws-chunked without decoded length", "PUT", "/raw/k", "5\r\nhello\r\n0\r\n\r\n", -2,
			map[string]string{"X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked"}, 411, "MissingContentLength"},
		{"aws-chunked short of decoded length", "PUT", "/raw/k", "5\r\nhello\r\n0\r\n\r\n", -2,
			map[string]string{"X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked", "X-Amz-Decoded-Content-Length": "9"}, 400, "IncompleteBody"},
		{"bad range", "GET", "/raw/none", "", -2, map[string]string{"Range": "bytes=5-"}, 404, "NoSuchKey"},
		{"bad max-keys", "GET", "/raw?list-type=2&max-keys=abc", "", -2, nil, 400, "InvalidArgument"},
		{"bad encoding", "GET", "/raw?encoding-type=base64", "", -2, nil, 400, "InvalidArgument"},
		{"bad token", "GET", "/raw?list-type=2&continuation-token=%21%21", "", -2, nil, 400, "InvalidArgument"},
		{"bad part number", "PUT", "/raw/k?partNumber=0&uploadId=x", "x", -2, nil, 400, "InvalidArgument"},
		{"bad copy source", "PUT", "/raw/k", "", -2, map[string]string{"x-amz-copy-source": "nobucket"}, 400, "InvalidArgument"},
		{"bad directive", "PUT", "/raw/k2", "", -2, map[string]string{"x-amz-copy-source": "raw/k", "x-amz-metadata-directive": "MERGE"}, 400, "InvalidArgument"},
		{"bad tagging header", "PUT", "/raw/k3", "x", -2, map[string]string{"x-amz-tagging": "a=1&a=2"}, 400, "InvalidArgument"},
		{"invalid bucket name", "PUT", "/Bad_Bucket", "", -2, nil, 400, "InvalidBucketName"},
		{"service post", "POST", "/", "", -2, nil, 405, "MethodNotAllowed"},
		{"unsupported subresource", "GET", "/raw?analytics", "", -2, nil, 501, "NotImplemented"},
		{"sse-c", "PUT", "/raw/k4", "x", -2, map[string]string{"x-amz-server-side-encryption-customer-algorithm": "AES256"}, 501, "NotImplemented"},
		{"bad checksum header", "PUT", "/raw/k5", "x", -2, map[string]string{"x-amz-checksum-crc32": "!!"}, 400, "InvalidRequest"},
		{"expected owner", "GET", "/raw?list-type=2", "", -2, map[string]string{"x-amz-expected-bucket-owner": "999999999999"}, 403, "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			length := tc.length
			if tc.body != "" || tc.length == -1 {
				body = strings.NewReader(tc.body)
			}
			if length == -2 {
				length = int64(len(tc.body))
			}
			if length == -1 {
				body = io.NopCloser(strings.NewReader(tc.body))
			}
			status, resp, _ := rawRequest(t, srv, tc.method, tc.path, body, length, tc.hdr)
			if status != tc.status || !strings.Contains(resp, "<Code>"+tc.code+"</Code>") {
				t.Fatalf("%s %s: %d %s, want %d %s", tc.method, tc.path, status, resp, tc.status, tc.code)
			}
		})
	}
	// HEAD errors carry no body.
	status, body, _ := rawRequest(t, srv, "HEAD", "/raw/missing", nil, 0, nil)
	if status != 404 || body != "" {
		t.Fatalf("HEAD missing: %d %q", status, body)
	}
	// Another account's bucket.
	other := srv.e
	ctx := awsctxWithAccount("210987654321")
	if _, err := other.CreateBucket(ctx, "theirs", CreateBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := srv.client().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("theirs")})
	wantCode(t, err, "BucketAlreadyExists", 409)
	_, err = srv.client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("theirs")})
	wantCode(t, err, "AccessDenied", 403)
}
