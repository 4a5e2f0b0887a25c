// Package template owns everything skiff knows about the CloudFormation
// template language itself, independent of any AWS service emulation:
//
//   - Parse turns a JSON or YAML template body into a generic value tree
//     (map[string]any, []any, string, bool, json.Number, nil), converting YAML
//     short-form tags (!Ref, !Sub, !GetAtt …) to their long form and keeping
//     the source position of every key and list element so that errors can
//     point at a line and column.
//   - Validate performs the static checks CloudFormation performs in
//     ValidateTemplate / CreateStack before anything is provisioned, collecting
//     every problem instead of stopping at the first.
//   - ResolveParameters applies defaults, previous values, SSM parameter types
//     and parameter constraints to the values supplied by a caller.
//   - Evaluator evaluates Conditions, Rules and every intrinsic function.
//     Values that depend on resources that do not exist yet evaluate to
//     Unknown, which is how change-set previews are computed.
//   - Expand implements the AWS::LanguageExtensions transform (Fn::ForEach).
//   - ResolveDynamicRefs handles {{resolve:…}} dynamic references.
//
// The package deliberately imports no other skiff package: the stack engine
// supplies everything stateful (physical IDs, attributes, exports, SSM values)
// through the Resolver interface and callbacks.
//
// AWS's documented behaviour is the specification; error messages keep AWS's
// wording wherever AWS has one, because users and tools match on it.
package template
