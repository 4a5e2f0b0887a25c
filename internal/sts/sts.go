// Package sts serves the Security Token Service: who am I.
package sts

import (
	"context"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/awswire"
)

type getCallerIdentityInput struct{}

type getCallerIdentityOutput struct {
	UserId  string `json:"UserId"`
	Account string `json:"Account"`
	Arn     string `json:"Arn"`
}

func getCallerIdentity(ctx context.Context, _ *getCallerIdentityInput) (*getCallerIdentityOutput, error) {
	s := awsctx.From(ctx)
	arn := s.Principal
	if arn == "" {
		arn = awsctx.ARN("iam", "", s.AccountID, "root")
	}
	return &getCallerIdentityOutput{UserId: s.AccountID, Account: s.AccountID, Arn: arn}, nil
}

// Service is STS on the wire (awsQuery).
func Service() *awswire.Service {
	return &awswire.Service{
		Name:         "sts",
		Protocols:    awswire.AWSQuery,
		XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/",
		Ops: []awswire.Op{
			awswire.Operation("GetCallerIdentity", getCallerIdentity),
		},
	}
}
