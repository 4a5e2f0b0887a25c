package codecommit

import (
	"github.com/skiff-dev/skiff/internal/apierr"
)

// CodeCommit's error table. Every code is a 400 client fault, as the
// model declares them. Codes other packages may test with Code.Is are
// exported.
var (
	ErrRepositoryDoesNotExist = code("RepositoryDoesNotExistException")
	ErrRepositoryNameExists   = code("RepositoryNameExistsException")
	ErrBranchDoesNotExist     = code("BranchDoesNotExistException")
	ErrCommitDoesNotExist     = code("CommitDoesNotExistException")

	errRepositoryNameRequired      = code("RepositoryNameRequiredException")
	errInvalidRepositoryName       = code("InvalidRepositoryNameException")
	errInvalidRepositoryDesc       = code("InvalidRepositoryDescriptionException")
	errRepositoryNamesRequired     = code("RepositoryNamesRequiredException")
	errMaximumRepositoryNames      = code("MaximumRepositoryNamesExceededException")
	errInvalidSortBy               = code("InvalidSortByException")
	errInvalidOrder                = code("InvalidOrderException")
	errInvalidContinuationToken    = code("InvalidContinuationTokenException")
	errInvalidMaxResults           = code("InvalidMaxResultsException")
	errBranchNameRequired          = code("BranchNameRequiredException")
	errInvalidBranchName           = code("InvalidBranchNameException")
	errBranchNameExists            = code("BranchNameExistsException")
	errBranchNameIsTagName         = code("BranchNameIsTagNameException")
	errDefaultBranchCannotBeDelete = code("DefaultBranchCannotBeDeletedException")
	errCommitIDRequired            = code("CommitIdRequiredException")
	errInvalidCommitID             = code("InvalidCommitIdException")
	errCommitIDDoesNotExist        = code("CommitIdDoesNotExistException")
	errCommitRequired              = code("CommitRequiredException")
	errInvalidCommit               = code("InvalidCommitException")
	errPathRequired                = code("PathRequiredException")
	errInvalidPath                 = code("InvalidPathException")
	errPathDoesNotExist            = code("PathDoesNotExistException")
	errFileDoesNotExist            = code("FileDoesNotExistException")
	errFolderDoesNotExist          = code("FolderDoesNotExistException")
	errFileTooLarge                = code("FileTooLargeException")
	errParentCommitIDRequired      = code("ParentCommitIdRequiredException")
	errInvalidParentCommitID       = code("InvalidParentCommitIdException")
	errParentCommitDoesNotExist    = code("ParentCommitDoesNotExistException")
	errParentCommitIDOutdated      = code("ParentCommitIdOutdatedException")
	errFileContentRequired         = code("FileContentRequiredException")
	errFileContentSizeLimit        = code("FileContentSizeLimitExceededException")
	errInvalidFileMode             = code("InvalidFileModeException")
	errFileModeRequired            = code("FileModeRequiredException")
	errNameLengthExceeded          = code("NameLengthExceededException")
	errInvalidEmail                = code("InvalidEmailException")
	errCommitMessageLength         = code("CommitMessageLengthExceededException")
	errSameFileContent             = code("SameFileContentException")
	errNoChange                    = code("NoChangeException")
	errFileEntryRequired           = code("FileEntryRequiredException")
	errMaximumFileEntries          = code("MaximumFileEntriesExceededException")
	errPutFileEntryConflict        = code("PutFileEntryConflictException")
	errSourceFileOrContentRequired = code("SourceFileOrContentRequiredException")
	errFileContentAndSourceFile    = code("FileContentAndSourceFileSpecifiedException")
	errSamePathRequest             = code("SamePathRequestException")
	errRestrictedSourceFile        = code("RestrictedSourceFileException")
	errFileNameConflictsWithDir    = code("FileNameConflictsWithDirectoryNameException")
	errDirNameConflictsWithFile    = code("DirectoryNameConflictsWithFileNameException")
	errFilePathConflictsSubmodule  = code("FilePathConflictsWithSubmodulePathException")
	errResourceArnRequired         = code("ResourceArnRequiredException")
	errInvalidResourceArn          = code("InvalidResourceArnException")
	errTagsMapRequired             = code("TagsMapRequiredException")
	errInvalidTagsMap              = code("InvalidTagsMapException")
	errTooManyTags                 = code("TooManyTagsException")
	errInvalidSystemTagUsage       = code("InvalidSystemTagUsageException")
	errTagKeysListRequired         = code("TagKeysListRequiredException")
	errInvalidTagKeysList          = code("InvalidTagKeysListException")
	errInvalidKMSKey               = code("EncryptionKeyInvalidIdException")
	errBlobIDRequired              = code("BlobIdRequiredException")
	errInvalidBlobID               = code("InvalidBlobIdException")
	errBlobIDDoesNotExist          = code("BlobIdDoesNotExistException")
	errTriggersListRequired        = code("RepositoryTriggersListRequiredException")
	errTriggerNameRequired         = code("RepositoryTriggerNameRequiredException")
	errTriggerDestinationRequired  = code("RepositoryTriggerDestinationArnRequiredException")
	errTriggerEventsRequired       = code("RepositoryTriggerEventsListRequiredException")
	errTriggerBranchesRequired     = code("RepositoryTriggerBranchNameListRequiredException")
	errInvalidTriggerEvents        = code("InvalidRepositoryTriggerEventsException")
	errInvalidTriggerName          = code("InvalidRepositoryTriggerNameException")
	errInvalidTriggerDestination   = code("InvalidRepositoryTriggerDestinationArnException")
	errMaximumTriggers             = code("MaximumRepositoryTriggersExceededException")
	errLimitExceeded               = apierr.Code{Name: "LimitExceeded", Status: 409}
	errNoSuchEntity                = apierr.Code{Name: "NoSuchEntity", Status: 404}
	errInvalidInput                = apierr.Code{Name: "InvalidInput", Status: 400}
)

func code(name string) apierr.Code { return apierr.Code{Name: name, Status: 400} }

// Messages. Where AWS's wording is known it is used verbatim; otherwise the
// model's description of the exception is.
const (
	msgInvalidRepoName = "The repository name is not valid. Repository names can be any valid combination of letters, numbers, " +
		"periods, underscores, and dashes between 1 and 100 characters in length. Names are case sensitive. " +
		"For more information, see Limits in the AWS CodeCommit User Guide. "
	msgRepoNameRequired   = "A repository name is required, but was not specified."
	msgBranchNameRequired = "A branch name is required, but was not specified."
	msgInvalidBranchName  = "The specified reference name is not valid."
	msgCommitIDRequired   = "A commit ID was not specified."
	msgPathRequired       = "The folderPath for a location cannot be null."
)

func repoNotFound(name string) error { return ErrRepositoryDoesNotExist.New("%s does not exist", name) }

func repoExists(name string) error {
	return ErrRepositoryNameExists.New("Repository named %s already exists", name)
}

func branchNotFound(branch string) error {
	return ErrBranchDoesNotExist.New("Branch %s does not exist", branch)
}

func commitNotFound(spec string) error {
	return ErrCommitDoesNotExist.New("Could not find commit %s", spec)
}
