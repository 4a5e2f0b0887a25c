// Package ssm serves AWS Systems Manager Parameter Store: String,
// StringList and SecureString parameters with versions, labels, tags,
// hierarchies, tiers and policies, over the AmazonSSM awsJson 1.1 protocol,
// plus the AWS::SSM::Parameter CloudFormation resource.
//
// State lives in the store, per account and region, in two buckets:
//
//	ssm.parameters  <account>/<region>/<name>            current version, tags, label index
//	ssm.versions    <account>/<region>/<name>:<version>  every retained version (up to 100)
//
// SecureString values are sealed (internal/seal) with additional data
// binding them to the parameter ARN and version; plaintext never reaches
// the store.
//
// Names follow AWS: a single-level name is the same parameter with or
// without a leading slash ("/x" is stored as "x", as the AWS API
// normalizes it; its ARN is parameter/x), while a hierarchical name must be
// fully qualified ("/a/b"). Get* answer with the name as the caller spelled
// it.
//
// Engine methods open their own store transactions (and need the caller's
// account and region in ctx, see awsctx): do not call them from inside
// another store transaction.
//
// GetParameter is the hot path: the current version of each parameter is
// kept in a read-through cache that every write invalidates after it
// commits (see cache.go for why that is enough under concurrency).
package ssm
