package awswire_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/skifftest"
)

var when = time.Date(2026, 11, 22, 10, 30, 0, 123e6, time.UTC)

// A fake JSON 1.1 service shaped like SSM.
type getParameterIn struct {
	Name           string `json:"Name" aws:"required"`
	WithDecryption *bool  `json:"WithDecryption,omitempty"`
}
type parameter struct {
	Name             string    `json:"Name"`
	Value            string    `json:"Value"`
	Version          int64     `json:"Version"`
	LastModifiedDate time.Time `json:"LastModifiedDate"`
}
type getParameterOut struct {
	Parameter *parameter `json:"Parameter,omitempty"`
}

var errParamNotFound = apierr.Code{Name: "ParameterNotFound", Status: 400}

func fakeSSM() *awswire.Service {
	return &awswire.Service{
		Name: "ssm", Protocols: awswire.AWSJSON, JSONVersion: "1.1", TargetPrefix: "AmazonSSM",
		Ops: []awswire.Op{awswire.Operation("GetParameter", func(ctx context.Context, in *getParameterIn) (*getParameterOut, error) {
			if in.Name != "/app/x" {
				return nil, errParamNotFound.New("")
			}
			if awsctx.From(ctx).AccountID != skifftest.AccountID {
				return nil, errors.New("scope not set")
			}
			return &getParameterOut{Parameter: &parameter{Name: in.Name, Value: "v", Version: 3, LastModifiedDate: when}}, nil
		})},
	}
}

// A fake query service shaped like CloudFormation.
type describeStacksIn struct {
	StackName string `json:"StackName,omitempty"`
}
type stack struct {
	StackName    string     `json:"StackName"`
	StackStatus  string     `json:"StackStatus"`
	CreationTime time.Time  `json:"CreationTime"`
	Parameters   []param    `json:"Parameters,omitempty"`
	Capabilities []string   `json:"Capabilities,omitempty"`
	Outputs      []output   `json:"Outputs,omitempty"`
	DriftInfo    *driftInfo `json:"DriftInformation,omitempty"`
}
type param struct {
	ParameterKey   string `json:"ParameterKey"`
	ParameterValue string `json:"ParameterValue"`
}
type output struct {
	OutputKey   string `json:"OutputKey"`
	OutputValue string `json:"OutputValue"`
}
type driftInfo struct {
	StackDriftStatus string `json:"StackDriftStatus"`
}
type describeStacksOut struct {
	Stacks []stack `json:"Stacks"`
}

func fakeCFN() *awswire.Service {
	return &awswire.Service{
		Name: "cloudformation", Protocols: awswire.AWSQuery, XMLNamespace: "http://cloudformation.amazonaws.com/doc/2010-05-15/",
		Ops: []awswire.Op{awswire.Operation("DescribeStacks", func(ctx context.Context, in *describeStacksIn) (*describeStacksOut, error) {
			if in.StackName == "missing" {
				return nil, apierr.ValidationError.New("Stack with id missing does not exist")
			}
			return &describeStacksOut{Stacks: []stack{{
				StackName: "web & <co>", StackStatus: "CREATE_COMPLETE", CreationTime: when,
				Parameters:   []param{{"Env", "prod"}, {"Size", "3"}},
				Capabilities: []string{"CAPABILITY_IAM"},
				Outputs:      []output{{"Url", "http://x"}},
				DriftInfo:    &driftInfo{"NOT_CHECKED"},
			}}}, nil
		})},
	}
}

// A fake CBOR + JSON 1.0 + query service shaped like CloudWatch.
type describeAlarmsIn struct {
	AlarmNames []string `json:"AlarmNames,omitempty"`
	MaxRecords *int32   `json:"MaxRecords,omitempty"`
}
type alarm struct {
	AlarmName             string    `json:"AlarmName"`
	StateValue            string    `json:"StateValue"`
	StateUpdatedTimestamp time.Time `json:"StateUpdatedTimestamp"`
	Threshold             float64   `json:"Threshold"`
	EvaluationPeriods     int32     `json:"EvaluationPeriods"`
	Dimensions            []dim     `json:"Dimensions"`
	AlarmActions          []string  `json:"AlarmActions"`
}
type dim struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}
type describeAlarmsOut struct {
	MetricAlarms []alarm `json:"MetricAlarms"`
}

func fakeCloudWatch() *awswire.Service {
	return &awswire.Service{
		Name: "monitoring", Protocols: awswire.RPCv2CBOR | awswire.AWSJSON | awswire.AWSQuery, JSONVersion: "1.0",
		TargetPrefix: "GraniteServiceVersion20100801", CBORName: "GraniteServiceVersion20100801", QueryCompatible: true,
		XMLNamespace: "http://monitoring.amazonaws.com/doc/2010-08-01/",
		Ops: []awswire.Op{awswire.Operation("DescribeAlarms", func(ctx context.Context, in *describeAlarmsIn) (*describeAlarmsOut, error) {
			if len(in.AlarmNames) > 0 && in.AlarmNames[0] == "bad" {
				return nil, apierr.Code{Name: "ResourceNotFound", Status: 404}.New("no alarm bad")
			}
			return &describeAlarmsOut{MetricAlarms: []alarm{{
				AlarmName: strings.Join(in.AlarmNames, ","), StateValue: "ALARM", StateUpdatedTimestamp: when,
				Threshold: 1.5, EvaluationPeriods: 3, Dimensions: []dim{{"LoadBalancer", "app/x/1"}},
			}}}, nil
		})},
	}
}

func start(t *testing.T) *skifftest.Server {
	return skifftest.Start(t, fakeSSM(), fakeCFN(), fakeCloudWatch())
}

func TestJSONWithSDK(t *testing.T) {
	srv := start(t)
	c := ssm.NewFromConfig(srv.Config())
	out, err := c.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/app/x")})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Parameter.Value != "v" || out.Parameter.Version != 3 || !out.Parameter.LastModifiedDate.Equal(when) {
		t.Fatalf("got %+v", out.Parameter)
	}
	_, err = c.GetParameter(context.Background(), &ssm.GetParameterInput{Name: aws.String("/nope")})
	var nf *ssmtypes.ParameterNotFound
	if !errors.As(err, &nf) {
		t.Fatalf("want ParameterNotFound, got %v", err)
	}
}

func TestQueryWithSDK(t *testing.T) {
	srv := start(t)
	c := cloudformation.NewFromConfig(srv.Config())
	out, err := c.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{})
	if err != nil {
		t.Fatal(err)
	}
	s := out.Stacks[0]
	if *s.StackName != "web & <co>" || s.StackStatus != cfntypes.StackStatusCreateComplete || !s.CreationTime.Equal(when) ||
		len(s.Parameters) != 2 || *s.Parameters[1].ParameterValue != "3" || s.Capabilities[0] != cfntypes.CapabilityCapabilityIam ||
		s.DriftInformation.StackDriftStatus != cfntypes.StackDriftStatusNotChecked {
		t.Fatalf("got %+v", s)
	}
	_, err = c.DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String("missing")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" || ae.ErrorMessage() != "Stack with id missing does not exist" {
		t.Fatalf("got %v", err)
	}
}

func TestCBORWithSDK(t *testing.T) {
	srv := start(t)
	c := cloudwatch.NewFromConfig(srv.Config())
	out, err := c.DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"a", "b"}, MaxRecords: aws.Int32(5)})
	if err != nil {
		t.Fatal(err)
	}
	a := out.MetricAlarms[0]
	if *a.AlarmName != "a,b" || a.StateValue != cwtypes.StateValueAlarm || *a.Threshold != 1.5 || *a.EvaluationPeriods != 3 ||
		!a.StateUpdatedTimestamp.Equal(when) || *a.Dimensions[0].Value != "app/x/1" {
		t.Fatalf("got %+v", a)
	}
	_, err = c.DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"bad"}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ResourceNotFound" {
		t.Fatalf("got %v", err)
	}
}

func TestAuthErrorsPerProtocol(t *testing.T) {
	srv := start(t)
	bad := srv.Config()
	bad.Credentials = credentials.NewStaticCredentialsProvider(skifftest.AccessKeyID, "wrong-secret", "")
	unknown := srv.Config()
	unknown.Credentials = credentials.NewStaticCredentialsProvider("AKIAUNKNOWN000000000", "x", "")
	skewed := srv.Config()
	skewed.Credentials = bad.Credentials
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return err.Error()
	}
	ctx := context.Background()
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"json bad secret", func() error {
			_, e := ssm.NewFromConfig(bad).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("x")})
			return e
		}(), "InvalidSignatureException"},
		{"json unknown key", func() error {
			_, e := ssm.NewFromConfig(unknown).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("x")})
			return e
		}(), "UnrecognizedClientException"},
		{"query bad secret", func() error { _, e := cloudformation.NewFromConfig(bad).DescribeStacks(ctx, nil); return e }(), "SignatureDoesNotMatch"},
		{"query unknown key", func() error { _, e := cloudformation.NewFromConfig(unknown).DescribeStacks(ctx, nil); return e }(), "InvalidClientTokenId"},
		{"cbor unknown key", func() error { _, e := cloudwatch.NewFromConfig(unknown).DescribeAlarms(ctx, nil); return e }(), "InvalidClientTokenId"},
	}
	for _, c := range cases {
		if got := code(c.err); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	// Clock skew: move the server clock 20 minutes ahead.
	srv.Gateway.Now = func() time.Time { return time.Now().Add(20 * time.Minute) }
	_, err := ssm.NewFromConfig(srv.Config()).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/app/x")})
	if got := code(err); got != "InvalidSignatureException" || !strings.Contains(err.Error(), "Signature expired") {
		t.Errorf("skewed json: %v", err)
	}
	_, err = cloudformation.NewFromConfig(srv.Config()).DescribeStacks(ctx, nil)
	if got := code(err); got != "SignatureDoesNotMatch" || !strings.Contains(err.Error(), "Signature expired") {
		t.Errorf("skewed query: %v", err)
	}
}

func TestUnsignedRequest(t *testing.T) {
	srv := start(t)
	req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader("{}"))
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Fatalf("status %d type %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
}
