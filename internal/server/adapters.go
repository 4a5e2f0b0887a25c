package server

import (
	"context"
	"encoding/json"
	"fmt"

	"io"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/cloudwatch"
	"github.com/skiff-dev/skiff/internal/elbv2"
	"github.com/skiff-dev/skiff/internal/s3"
	"github.com/skiff-dev/skiff/internal/secretsmanager"
	"github.com/skiff-dev/skiff/internal/ssm"
)

// Adapters between engines: each consumer declares the small interface it
// needs; these types satisfy them with the real engines.

// cfnParams resolves SSM parameters for CloudFormation.
type cfnParams struct{ e *ssm.Engine }

func (a cfnParams) ResolveParameter(ctx context.Context, name string, decrypt bool) (string, error) {
	p, err := a.e.GetParameter(ctx, name, decrypt)
	if err != nil {
		return "", err
	}
	return p.Value, nil
}

// cfnSecrets resolves Secrets Manager references for CloudFormation.
type cfnSecrets struct{ e *secretsmanager.Engine }

func (a cfnSecrets) ResolveSecret(ctx context.Context, id, jsonKey, stage, versionID string) (string, error) {
	v, err := a.e.GetSecretValue(ctx, id, versionID, stage)
	if err != nil {
		return "", err
	}
	if jsonKey == "" {
		return v.SecretString, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(v.SecretString), &m); err != nil {
		return "", fmt.Errorf("secret %s is not a JSON object, so key %s cannot be read", id, jsonKey)
	}
	val, ok := m[jsonKey]
	if !ok {
		return "", fmt.Errorf("secret %s has no key %s", id, jsonKey)
	}
	if s, ok := val.(string); ok {
		return s, nil
	}
	b, _ := json.Marshal(val)
	return string(b), nil
}

// cfnObjects reads templates (TemplateURL) from skiff's S3.
type cfnObjects struct{ e *s3.Engine }

func (a cfnObjects) ReadURL(ctx context.Context, url string, limit int64) ([]byte, error) {
	bucket, key, version, err := s3.ParseS3URL(url)
	if err != nil {
		return nil, err
	}
	r, _, err := a.e.GetObject(ctx, bucket, key, version)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(io.LimitReader(r, limit))
}

// ccObjects lets CodeCommit seed repositories from S3 zips.
type ccObjects struct{ e *s3.Engine }

func (a ccObjects) GetObject(ctx context.Context, bucket, key, version string) (io.ReadCloser, error) {
	r, _, err := a.e.GetObject(ctx, bucket, key, version)
	return r, err
}

// lbMetrics publishes the load balancer's metrics to CloudWatch.
type lbMetrics struct{ cw *cloudwatch.Engine }

func (s lbMetrics) PutMetricData(ctx context.Context, namespace string, data []elbv2.Datum) error {
	out := make([]cloudwatch.Datum, len(data))
	for i, d := range data {
		c := cloudwatch.Datum{MetricName: d.MetricName, Timestamp: d.Timestamp, Value: d.Value, Unit: d.Unit}
		for _, dim := range d.Dimensions {
			c.Dimensions = append(c.Dimensions, cloudwatch.Dimension{Name: dim.Name, Value: dim.Value})
		}
		if sv := d.StatisticValues; sv != nil {
			c.StatisticValues = &cloudwatch.StatisticSet{SampleCount: sv.SampleCount, Sum: sv.Sum, Minimum: sv.Min, Maximum: sv.Max}
		}
		out[i] = c
	}
	return s.cw.PutMetricData(ctx, namespace, out)
}

// CDKQualifier is the CDK's default bootstrap qualifier.
const CDKQualifier = "hnb659fds"

// CDKBootstrapVersion is the bootstrap version skiff reports; CDK
// templates require at least 6 (their CheckBootstrapVersion rule), and the
// CDK CLI's asset publishing wants a recent one.
const CDKBootstrapVersion = "30"

// bootstrapCDK makes a region ready for `cdk synth` output: the
// /cdk-bootstrap/<qualifier>/version parameter the templates read and the
// assets bucket cdk-<qualifier>-assets-<account>-<region>.
func (s *Server) bootstrapCDK(ctx context.Context, region, qualifier string) error {
	acct := s.dir.Identity.AccountID
	ctx = awsctx.With(ctx, awsctx.Scope{AccountID: acct, Region: region, RequestID: "cdk-bootstrap"})
	if _, err := s.ssm.PutParameter(ctx, ssm.PutParameterInput{
		Name: "/cdk-bootstrap/" + qualifier + "/version", Value: CDKBootstrapVersion, Type: "String", Overwrite: true,
		Description: "CDK bootstrap version (created by skiff)",
	}); err != nil {
		return err
	}
	bucket := "cdk-" + qualifier + "-assets-" + acct + "-" + region
	if ok, err := s.s3.BucketExists(ctx, bucket); err != nil || ok {
		return err
	}
	_, err := s.s3.CreateBucket(ctx, bucket, s3.CreateBucketOptions{Region: region})
	return err
}
