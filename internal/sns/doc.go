// Package sns serves a minimal, real Amazon SNS over awsQuery (signing
// name "sns"): standard topics with attributes and tags, subscriptions
// and Publish with real HTTP(S) delivery, plus the AWS::SNS::Topic and
// AWS::SNS::Subscription CloudFormation resources. CloudWatch alarm
// actions publish through Engine.Publish.
//
// State lives in the store: sns.topics (<account>/<region>/<name>) and
// sns.subs (keyed by subscription ARN, <topic ARN>:<uuid>).
//
// Subscriptions:
//
//   - http and https endpoints receive a SubscriptionConfirmation message
//     first. Its SubscribeURL points back at skiff
//     (<endpoint>/_skiff/sns/?Action=ConfirmSubscription&TopicArn=…&Token=…,
//     served by HTTPHandler, unsigned like AWS's link); ConfirmSubscription
//     works too. Until confirmed, Subscribe answers "pending confirmation"
//     and nothing is delivered.
//   - email and email-json subscriptions are stored pending confirmation
//     (skiff sends no email). sqs, lambda, firehose and application
//     subscriptions are confirmed at once as AWS does for them, but skiff
//     does not deliver to them; sms is accepted and not delivered.
//   - Subscription filter policies are refused (they would not be
//     evaluated); RawMessageDelivery is honoured.
//
// Delivery: Publish returns at once; each confirmed HTTP(S) subscription
// gets a POST with the SNS JSON message (Type, MessageId, TopicArn,
// Subject, Message, Timestamp, UnsubscribeURL, MessageAttributes) and the
// x-amz-sns-message-type, x-amz-sns-message-id, x-amz-sns-topic-arn and
// x-amz-sns-subscription-arn headers, from a small worker pool. A failed
// delivery is retried three times, 20 s apart (the default delivery
// policy), the delay scaled by the clock set with SetClock. Pending
// deliveries are kept in memory only: a restart drops them.
//
// Messages are unsigned: SignatureVersion, Signature and SigningCertURL
// are omitted, so endpoints that verify SNS signatures must skip that
// check against skiff.
//
// Not implemented: FIFO topics (refused with a clear InvalidParameter),
// SMS and mobile push, PublishBatch, permissions (AddPermission), data
// protection enforcement, delivery status logging.
package sns
