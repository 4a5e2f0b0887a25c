package s3

import (
	"strconv"

	"github.com/skiff-dev/skiff/internal/apierr"
)

// S3's error table. The wire layer (internal/awswire) encodes these as
// <Error><Code>…</Code><Message>…</Message>…</Error>; extra fields (BucketName,
// Key, …) become extra elements as S3 sends them.
var (
	errAccessDenied            = apierr.Code{Name: "AccessDenied", Status: 403}
	errACLNotSupported         = apierr.Code{Name: "AccessControlListNotSupported", Status: 400}
	errBadDigest               = apierr.Code{Name: "BadDigest", Status: 400}
	errBucketAlreadyExists     = apierr.Code{Name: "BucketAlreadyExists", Status: 409}
	errBucketAlreadyOwnedByYou = apierr.Code{Name: "BucketAlreadyOwnedByYou", Status: 409}
	errBucketNotEmpty          = apierr.Code{Name: "BucketNotEmpty", Status: 409}
	errEntityTooLarge          = apierr.Code{Name: "EntityTooLarge", Status: 400}
	errEntityTooSmall          = apierr.Code{Name: "EntityTooSmall", Status: 400}
	errIllegalLocation         = apierr.Code{Name: "IllegalLocationConstraintException", Status: 400}
	errIllegalVersioning       = apierr.Code{Name: "IllegalVersioningConfigurationException", Status: 400}
	errIncompleteBody          = apierr.Code{Name: "IncompleteBody", Status: 400}
	errInternal                = apierr.Code{Name: "InternalError", Status: 500, Receiver: true}
	errInvalidArgument         = apierr.Code{Name: "InvalidArgument", Status: 400}
	errInvalidBucketName       = apierr.Code{Name: "InvalidBucketName", Status: 400}
	errInvalidBucketState      = apierr.Code{Name: "InvalidBucketState", Status: 409}
	errInvalidDigest           = apierr.Code{Name: "InvalidDigest", Status: 400}
	errInvalidLocation         = apierr.Code{Name: "InvalidLocationConstraint", Status: 400}
	errInvalidPart             = apierr.Code{Name: "InvalidPart", Status: 400}
	errInvalidPartOrder        = apierr.Code{Name: "InvalidPartOrder", Status: 400}
	errInvalidRange            = apierr.Code{Name: "InvalidRange", Status: 416}
	errInvalidRequest          = apierr.Code{Name: "InvalidRequest", Status: 400}
	errInvalidStorageClass     = apierr.Code{Name: "InvalidStorageClass", Status: 400}
	errInvalidTag              = apierr.Code{Name: "InvalidTag", Status: 400}
	errInvalidURI              = apierr.Code{Name: "InvalidURI", Status: 400}
	errInvalidEncryption       = apierr.Code{Name: "InvalidEncryptionAlgorithmError", Status: 400}
	errKeyTooLong              = apierr.Code{Name: "KeyTooLongError", Status: 400}
	errMalformedPolicy         = apierr.Code{Name: "MalformedPolicy", Status: 400}
	errMalformedXML            = apierr.Code{Name: "MalformedXML", Status: 400}
	errMetadataTooLarge        = apierr.Code{Name: "MetadataTooLarge", Status: 400}
	errMethodNotAllowed        = apierr.Code{Name: "MethodNotAllowed", Status: 405}
	errMissingContentLength    = apierr.Code{Name: "MissingContentLength", Status: 411}
	errNoSuchBucket            = apierr.Code{Name: "NoSuchBucket", Status: 404}
	errNoSuchBucketPolicy      = apierr.Code{Name: "NoSuchBucketPolicy", Status: 404}
	errNoSuchCORS              = apierr.Code{Name: "NoSuchCORSConfiguration", Status: 404}
	errNoSuchKey               = apierr.Code{Name: "NoSuchKey", Status: 404}
	errNoSuchLifecycle         = apierr.Code{Name: "NoSuchLifecycleConfiguration", Status: 404}
	errNoSuchObjectLockConfig  = apierr.Code{Name: "ObjectLockConfigurationNotFoundError", Status: 404}
	errNoSuchOwnershipControls = apierr.Code{Name: "OwnershipControlsNotFoundError", Status: 404}
	errNoSuchPublicAccessBlock = apierr.Code{Name: "NoSuchPublicAccessBlockConfiguration", Status: 404}
	errNoSuchTagSet            = apierr.Code{Name: "NoSuchTagSet", Status: 404}
	errNoSuchUpload            = apierr.Code{Name: "NoSuchUpload", Status: 404}
	errNoSuchVersion           = apierr.Code{Name: "NoSuchVersion", Status: 404}
	errNoSuchWebsite           = apierr.Code{Name: "NoSuchWebsiteConfiguration", Status: 404}
	errNotImplemented          = apierr.Code{Name: "NotImplemented", Status: 501, Receiver: true}
	errPreconditionFailed      = apierr.Code{Name: "PreconditionFailed", Status: 412}
	errReplicationNotFound     = apierr.Code{Name: "ReplicationConfigurationNotFoundError", Status: 404}
	errNoSuchEncryptionConfig  = apierr.Code{Name: "ServerSideEncryptionConfigurationNotFoundError", Status: 404}
	errConditionalConflict     = apierr.Code{Name: "ConditionalRequestConflict", Status: 409}
	errInvalidObjectState      = apierr.Code{Name: "InvalidObjectState", Status: 403}
)

const msgMalformedXML = "The XML you provided was not well-formed or did not validate against our published schema"

func noSuchBucket(b string) *apierr.Error {
	return errNoSuchBucket.New("The specified bucket does not exist").With("BucketName", b)
}

func noSuchKey(k string) *apierr.Error {
	return errNoSuchKey.New("The specified key does not exist.").With("Key", k)
}

func noSuchVersion(k, v string) *apierr.Error {
	return errNoSuchVersion.New("The specified version does not exist.").With("Key", k).With("VersionId", v)
}

func noSuchUpload(id string) *apierr.Error {
	return errNoSuchUpload.New("The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").With("UploadId", id)
}

func malformedXML() *apierr.Error { return errMalformedXML.New(msgMalformedXML) }

func invalidArgument(msg, name, value string) *apierr.Error {
	return errInvalidArgument.New("%s", msg).With("ArgumentName", name).With("ArgumentValue", value)
}

func preconditionFailed(cond string) *apierr.Error {
	return errPreconditionFailed.New("At least one of the pre-conditions you specified did not hold").With("Condition", cond)
}

func accessDenied() *apierr.Error { return errAccessDenied.New("Access Denied") }

func keyTooLong(k string) *apierr.Error {
	return errKeyTooLong.New("Your key is too long").With("Size", strconv.Itoa(len(k))).With("MaxSizeAllowed", "1024")
}

func notImplemented(header string) *apierr.Error {
	e := errNotImplemented.New("A header you provided implies functionality that is not implemented.")
	if header != "" {
		e = e.With("Header", header)
	}
	return e
}
