// Package secretsmanager serves AWS Secrets Manager: secrets with
// versions and staging labels (AWSCURRENT, AWSPREVIOUS, AWSPENDING and
// custom ones), scheduled deletion and restore, tags, random passwords and
// batch reads, over the secretsmanager awsJson 1.1 protocol, plus the
// AWS::SecretsManager::Secret CloudFormation resource.
//
// State lives in the store per account and region:
//
//	secretsmanager.secrets  <account>/<region>/<name>               metadata, versions and their labels
//	secretsmanager.values   <account>/<region>/<name>:<version id>  the sealed value of one version
//
// Secret values are sealed (internal/seal) with additional data binding
// each to the secret ARN, version id and kind (string or binary): the store
// never holds a plaintext value.
//
// Engine methods open their own store transactions (and need the caller's
// account and region in ctx, see awsctx): do not call them from inside
// another store transaction. GetSecretValue writes too, at most once a day
// per version, to record LastAccessedDate.
package secretsmanager
