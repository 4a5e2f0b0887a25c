// Package s3 is skiff's Amazon S3: buckets, objects, versions and
// multipart uploads served over S3's restXml wire protocol, so the AWS CLI
// and SDKs work unchanged, plus the CloudFormation providers for
// AWS::S3::Bucket and AWS::S3::BucketPolicy.
//
// The package owns:
//
//   - the Engine (engine.go, object.go, list.go, multipart.go, copy.go,
//     bucketconfig.go): the business logic other skiff services call
//     directly — PutObject, GetObject, HeadObject, DeleteObject,
//     CreateBucket, DeleteBucket, BucketExists, … — with typed errors from
//     errors.go and no knowledge of HTTP;
//   - the wire layer (wire.go, the only file importing net/http): request
//     routing by method, bucket, key and sub-resource, path-style and
//     virtual-hosted-style addressing (address.go), XML documents
//     (xmltypes.go, config.go);
//   - object storage: metadata in the state store (model.go describes the
//     layout), bytes in files under a blob directory (blob.go). Writes
//     stream to a temporary file while MD5 and the checksum are computed,
//     are fsynced and renamed under a fresh name, and only then committed
//     in one store transaction; blobs a commit replaced are removed after
//     it (or when their last reader closes). New removes blobs no metadata
//     references, left by a crash between rename and commit;
//   - the CloudFormation providers (cfn.go);
//   - ParseS3URL, for services that take S3 URLs (TemplateURL, …).
//
// Buckets belong to the account that created them; bucket names are one
// namespace across accounts, as on AWS (another account's name is
// BucketAlreadyExists, its bucket AccessDenied).
//
// Not implemented: SSE-C, object retention and legal hold enforcement,
// replication, inventory/analytics/metrics configurations, website
// endpoints, lifecycle execution, POST (browser form) uploads and
// Signature Version 2.
package s3
