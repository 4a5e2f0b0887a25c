package sts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/skiff-dev/skiff/internal/awswire"
	"github.com/skiff-dev/skiff/internal/skifftest"
	"github.com/skiff-dev/skiff/internal/store"
	skiffsts "github.com/skiff-dev/skiff/internal/sts"
)

type roles struct{}

func (roles) Role(_ context.Context, account, name string) (string, int32, bool) {
	return "AROATESTROLE000000001", 3600, account == skifftest.AccountID && name == "builder"
}

// chain resolves the test root key, then STS sessions, like the server.
type chain struct{ e *skiffsts.Engine }

func (c chain) Lookup(ctx context.Context, akid string) (awswire.Credential, bool) {
	if cr, ok := skifftest.Credentials().Lookup(ctx, akid); ok {
		return cr, true
	}
	return c.e.Lookup(ctx, akid)
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestAssumeRoleCredentialsWork(t *testing.T) {
	e := skiffsts.New(store.NewMemory(), roles{})
	g := awswire.NewGateway(chain{e}, nil, e.Service())
	srv := skifftest.Start(t)
	srv.Gateway = g
	ts := newServer(t, g)
	cfg := srv.Config()
	cfg.BaseEndpoint = aws.String(ts)
	c := sts.NewFromConfig(cfg)
	ctx := context.Background()
	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + skifftest.AccountID + ":role/builder"), RoleSessionName: aws.String("build-1")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*out.Credentials.AccessKeyId, "ASIA") || *out.AssumedRoleUser.Arn != "arn:aws:sts::"+skifftest.AccountID+":assumed-role/builder/build-1" {
		t.Fatalf("got %+v %+v", out.Credentials, out.AssumedRoleUser)
	}
	temp := cfg
	temp.Credentials = credentials.NewStaticCredentialsProvider(*out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey, *out.Credentials.SessionToken)
	who, err := sts.NewFromConfig(temp).GetCallerIdentity(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *who.Arn != *out.AssumedRoleUser.Arn || *who.UserId != "AROATESTROLE000000001:build-1" {
		t.Fatalf("caller %s %s", *who.Arn, *who.UserId)
	}
	// Without the session token the key is refused.
	noTok := cfg
	noTok.Credentials = credentials.NewStaticCredentialsProvider(*out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey, "")
	if _, err := sts.NewFromConfig(noTok).GetCallerIdentity(ctx, nil); code(err) != "InvalidClientTokenId" {
		t.Fatalf("missing token: %v", err)
	}
	// Past expiry: ExpiredToken.
	g.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := sts.NewFromConfig(temp).GetCallerIdentity(ctx, nil); code(err) != "ExpiredToken" {
		t.Fatalf("expired: %v", err)
	}
	g.Now = time.Now
	if _, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + skifftest.AccountID + ":role/nobody"), RoleSessionName: aws.String("x1")}); code(err) != "AccessDenied" {
		t.Fatalf("unknown role: %v", err)
	}
}
