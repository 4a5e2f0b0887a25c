// Package iam serves AWS Identity and Access Management (awsQuery,
// signing name "iam", global: ARNs carry no region).
//
// Roles, users, access keys, inline and managed policies (with versions),
// attachments, permissions boundaries and instance profiles are stored and
// validated as IAM does, but not enforced: every policy document is parsed
// into a Policy (see policydoc.go) and IdentityPolicies gathers what applies
// to a principal, so an evaluator can be added without changing the model.
//
// AWS managed policies (arn:aws:iam::aws:policy/...) come from a built-in
// catalogue (awsmanaged_table.go): the public names and paths with
// documents skiff wrote from each policy's purpose. They are attachable in
// every account.
//
// State lives in the store under the iam.* buckets, keyed by account:
//
//	iam.roles        <acct>/<lower(name)>            → Role (inline policies, attachments embedded)
//	iam.users        <acct>/<lower(name)>            → User
//	iam.policies     <acct>/<lower(name)>            → ManagedPolicy (versions embedded)
//	iam.profiles     <acct>/<lower(name)>            → InstanceProfile
//	iam.attachments  <acct>|<policyArn>|<usage>|<kind>|<lower(name)> → "" (reverse index)
//	iam.accesskeys   <AKID>                          → AccessKey (global: keys are looked up by id)
//
// IAM names are unique per account regardless of case, so keys use the
// lowercase name and records keep the name as given.
package iam
