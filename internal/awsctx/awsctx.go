// Package awsctx carries who is calling and where (account, region, request
// id) through a request's context, and builds ARNs from it. Engines read the
// scope from here so they never depend on the wire layer.
package awsctx

import (
	"context"
	"strings"
)

// Scope is the caller's account and region for one request.
type Scope struct {
	AccountID   string
	Region      string
	AccessKeyID string
	// Principal is the caller's ARN (for STS GetCallerIdentity and
	// CodeBuild's CODEBUILD_INITIATOR).
	Principal string
	RequestID string
}

// Partition is the only partition skiff serves.
const Partition = "aws"

// URLSuffix is what AWS::URLSuffix resolves to.
const URLSuffix = "amazonaws.com"

type scopeKey struct{}

// With returns a context carrying s.
func With(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// From returns the scope in ctx. The zero Scope is returned when none was
// set (for example inside background work that forgot to carry it).
func From(ctx context.Context) Scope {
	s, _ := ctx.Value(scopeKey{}).(Scope)
	return s
}

// ARN builds an ARN in the aws partition. Region is empty for global
// services (IAM, S3 buckets).
func ARN(service, region, account, resource string) string {
	return "arn:" + Partition + ":" + service + ":" + region + ":" + account + ":" + resource
}

// ARN builds an ARN for a regional resource in the scope's account and
// region.
func (s Scope) ARN(service, resource string) string {
	return ARN(service, s.Region, s.AccountID, resource)
}

// ParsedARN is an ARN split into its parts.
type ParsedARN struct {
	Partition, Service, Region, Account, Resource string
}

// ParseARN splits an ARN; ok is false when s is not one.
func ParseARN(s string) (ParsedARN, bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] == "" {
		return ParsedARN{}, false
	}
	return ParsedARN{parts[1], parts[2], parts[3], parts[4], parts[5]}, true
}
