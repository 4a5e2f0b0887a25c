package iam

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestParsePolicyIdentity(t *testing.T) {
	ok := []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`,
		`{"Version":"2008-10-17","Statement":{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"*"}}`,
		`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, // no Version: allowed, as IAM
		`{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A1","Effect":"Allow","Action":["ec2:Describe*","ec2:Get*"],"Resource":["*"]},{"Sid":"B2","Effect":"Allow","Action":"logs:*","Resource":"arn:aws:logs:us-east-1:123456789012:log-group:x:*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},"ForAnyValue:StringLike":{"aws:TagKeys":["a*","b*"]},"NumericLessThanIfExists":{"s3:max-keys":10},"Null":{"aws:TokenIssueTime":true}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"DateLessThan":{"aws:EpochTime":"1700000000"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/x"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}`,
		`  {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}  `,
		url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`), // URL-encoded
	}
	for _, doc := range ok {
		if _, err := ParsePolicy(doc, IdentityPolicy); err != nil {
			t.Errorf("ParsePolicy(%s): %v", doc, err)
		}
	}
	bad := []struct{ doc, msg string }{
		{`{`, "Syntax errors in policy."},
		{`[]`, "Syntax errors in policy."},
		{`"x"`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17"}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-18","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Bogus":1,"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Extra":1}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[{"Action":"*","Resource":"*"}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`, "The policy failed legacy parsing"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[1],"Resource":"*"}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`, "Policy statement must contain actions."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`, "Policy statement must contain actions."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`, "Policy statement must contain resources."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`, "Policy document should not specify a principal."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}]}`, "Policy document should not specify a principal."},
		{`{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"a","Effect":"Deny","Action":"*","Resource":"*"}]}`, "Statement IDs (SID) in a single policy must be unique."},
		{`{"Version":"2012-10-17","Statement":[{"Sid":"not ok","Effect":"Allow","Action":"*","Resource":"*"}]}`, "Statement IDs (SID) must be alpha-numeric."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}`, "Actions/Conditions must be prefaced by a vendor"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get:Object","Resource":"*"}]}`, "Actions/Condition can contain only one colon."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s 3:Get","Resource":"*"}]}`, "Vendor s 3 is not valid"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}]}`, `Resource bucket must be in ARN format or "*".`},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:foo:s3:::b"}]}`, `Partition "foo" is not valid for resource "arn:foo:s3:::b".`},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam:us-east-1:123456789012:role/x"}]}`, "IAM resource arn:aws:iam:us-east-1:123456789012:role/x cannot contain region information."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":"x"}}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"a":{"b":"c"}}}}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"yesterday"}}}]}`, "The policy failed legacy parsing"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]} trailing`, "Syntax errors in policy."},
	}
	for _, c := range bad {
		_, err := ParsePolicy(c.doc, IdentityPolicy)
		if err == nil || !ErrMalformedPolicyDocument.Is(err) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParsePolicy(%s) = %v, want MalformedPolicyDocument %q", c.doc, err, c.msg)
		}
	}
}

func TestParsePolicyTrust(t *testing.T) {
	ok := []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ecs-tasks.amazonaws.com","ec2.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:o/r:*"}}}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
	}
	for _, doc := range ok {
		if _, err := ParsePolicy(doc, TrustPolicy); err != nil {
			t.Errorf("ParsePolicy(%s): %v", doc, err)
		}
	}
	bad := []struct{ doc, msg string }{
		{`{not json`, "This policy contains invalid Json"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`, "Has prohibited field Resource"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","NotResource":"*"}]}`, "Has prohibited field NotResource"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, "Missing required field Principal"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"}}]}`, "Policy statement must contain actions."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"s3:GetObject"}]}`, "AssumeRole policy may only specify STS AssumeRole actions."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"not-an-account"},"Action":"sts:AssumeRole"}]}`, `Invalid principal in policy: "AWS":"not-an-account"`},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Wizard":"x"},"Action":"sts:AssumeRole"}]}`, `Invalid principal in policy: "Wizard":"x"`},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"someone","Action":"sts:AssumeRole"}]}`, "Syntax errors in policy."},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":[]},"Action":"sts:AssumeRole"}]}`, "Syntax errors in policy."},
	}
	for _, c := range bad {
		_, err := ParsePolicy(c.doc, TrustPolicy)
		if err == nil || !ErrMalformedPolicyDocument.Is(err) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParsePolicy(%s) = %v, want MalformedPolicyDocument %q", c.doc, err, c.msg)
		}
	}
}

func TestParsedShape(t *testing.T) {
	p, err := ParsePolicy(`{"Version":"2012-10-17","Statement":{"Sid":"S","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::a/*","arn:aws:s3:::b/*"],"Condition":{"NumericEquals":{"k":5}}}}`, IdentityPolicy)
	if err != nil {
		t.Fatal(err)
	}
	st := p.Statements[0]
	if p.Version != "2012-10-17" || st.Sid != "S" || st.Action[0] != "s3:GetObject" || len(st.Resource) != 2 || st.Condition["NumericEquals"]["k"][0] != "5" {
		t.Fatalf("parsed %+v", p)
	}
	tp, err := ParsePolicy(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`, TrustPolicy)
	if err != nil || tp.Statements[0].Principal["*"][0] != "*" {
		t.Fatalf("trust %+v %v", tp, err)
	}
}

// Every catalogued AWS managed policy is a valid identity policy.
func TestAWSCatalogueDocumentsValid(t *testing.T) {
	c := awsCatalogue()
	if len(c.list) < 25 {
		t.Fatalf("catalogue has %d policies", len(c.list))
	}
	for _, p := range c.list {
		if len(p.ID) != 21 || !strings.HasPrefix(p.ID, "ANPA") {
			t.Errorf("%s: id %q", p.Name, p.ID)
		}
		if _, err := ParsePolicy(p.Versions[0].Document, IdentityPolicy); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
	for _, want := range []string{"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
		"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "arn:aws:iam::aws:policy/AWSCodePipeline_FullAccess",
		"arn:aws:iam::aws:policy/service-role/AWSCodeDeployRole", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"} {
		if _, path, name, _ := parsePolicyARN(want); func() bool { _, ok := awsPolicy(path, name); return !ok }() {
			t.Errorf("catalogue lacks %s", want)
		}
	}
}

func TestDocumentEncoding(t *testing.T) {
	doc := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::a+b/*"}]}`
	enc := EncodeDocument(doc)
	if strings.ContainsAny(enc, `{}":, +`) || !strings.HasPrefix(enc, "%7B%22Version%22%3A%20%222012-10-17%22") {
		t.Fatalf("encoded %s", enc)
	}
	if dec, _ := url.QueryUnescape(enc); dec != doc {
		t.Fatalf("QueryUnescape gave %s", dec)
	}
	if dec, _ := url.PathUnescape(enc); dec != doc {
		t.Fatalf("PathUnescape gave %s", dec)
	}
	if DecodeDocument(enc) != doc || DecodeDocument(doc) != doc {
		t.Fatal("DecodeDocument did not round-trip")
	}
	if n := policySize(doc); n != len(strings.ReplaceAll(doc, " ", "")) {
		t.Fatalf("policySize = %d", n)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(DecodeDocument(enc)), &m); err != nil {
		t.Fatal(err)
	}
}
