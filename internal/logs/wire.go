package logs

import (
	"context"

	"github.com/skiff-dev/skiff/internal/awswire"
)

// Wire shapes (awsJson 1.1). Timestamps are int64 epoch milliseconds, as
// the model's long "Timestamp" shape says.

type logGroupShape struct {
	LogGroupName         string `json:"logGroupName"`
	CreationTime         int64  `json:"creationTime"`
	RetentionInDays      *int32 `json:"retentionInDays,omitempty"`
	MetricFilterCount    int32  `json:"metricFilterCount"`
	Arn                  string `json:"arn"`
	StoredBytes          int64  `json:"storedBytes"`
	KmsKeyId             string `json:"kmsKeyId,omitempty"`
	DataProtectionStatus string `json:"dataProtectionStatus,omitempty"`
	LogGroupClass        string `json:"logGroupClass"`
	LogGroupArn          string `json:"logGroupArn"`
}

func groupOut(g *LogGroup) logGroupShape {
	s := logGroupShape{
		LogGroupName: g.Name, CreationTime: g.CreationTime, Arn: g.WildcardARN(), StoredBytes: g.StoredBytes,
		KmsKeyId: g.KmsKeyID, LogGroupClass: g.Class, LogGroupArn: g.ARN(),
	}
	if g.RetentionInDays != 0 {
		d := g.RetentionInDays
		s.RetentionInDays = &d
	}
	if g.DataProtectionPolicy != "" {
		s.DataProtectionStatus = "ACTIVATED"
	}
	return s
}

type emptyOut struct{}

type createLogGroupIn struct {
	LogGroupName  string            `json:"logGroupName" aws:"required"`
	KmsKeyId      string            `json:"kmsKeyId,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
	LogGroupClass string            `json:"logGroupClass,omitempty"`
}

type logGroupNameIn struct {
	LogGroupName string `json:"logGroupName" aws:"required"`
}

type describeLogGroupsIn struct {
	AccountIdentifiers    []string `json:"accountIdentifiers,omitempty"`
	LogGroupNamePrefix    string   `json:"logGroupNamePrefix,omitempty"`
	LogGroupNamePattern   string   `json:"logGroupNamePattern,omitempty"`
	NextToken             string   `json:"nextToken,omitempty"`
	Limit                 *int32   `json:"limit,omitempty"`
	IncludeLinkedAccounts bool     `json:"includeLinkedAccounts,omitempty"`
	LogGroupClass         string   `json:"logGroupClass,omitempty"`
	LogGroupIdentifiers   []string `json:"logGroupIdentifiers,omitempty"`
}

type describeLogGroupsOut struct {
	LogGroups []logGroupShape `json:"logGroups"`
	NextToken string          `json:"nextToken,omitempty"`
}

type putRetentionPolicyIn struct {
	LogGroupName    string `json:"logGroupName" aws:"required"`
	RetentionInDays *int32 `json:"retentionInDays" aws:"required"`
}

type tagResourceIn struct {
	ResourceArn string            `json:"resourceArn" aws:"required"`
	Tags        map[string]string `json:"tags" aws:"required"`
}

type untagResourceIn struct {
	ResourceArn string   `json:"resourceArn" aws:"required"`
	TagKeys     []string `json:"tagKeys" aws:"required"`
}

type resourceArnIn struct {
	ResourceArn string `json:"resourceArn" aws:"required"`
}

type tagsOut struct {
	Tags map[string]string `json:"tags"`
}

type tagLogGroupIn struct {
	LogGroupName string            `json:"logGroupName" aws:"required"`
	Tags         map[string]string `json:"tags" aws:"required"`
}

type untagLogGroupIn struct {
	LogGroupName string   `json:"logGroupName" aws:"required"`
	Tags         []string `json:"tags" aws:"required"`
}

type associateKmsKeyIn struct {
	LogGroupName       string `json:"logGroupName,omitempty"`
	KmsKeyId           string `json:"kmsKeyId" aws:"required"`
	ResourceIdentifier string `json:"resourceIdentifier,omitempty"`
}

type disassociateKmsKeyIn struct {
	LogGroupName       string `json:"logGroupName,omitempty"`
	ResourceIdentifier string `json:"resourceIdentifier,omitempty"`
}

type putDataProtectionPolicyIn struct {
	LogGroupIdentifier string `json:"logGroupIdentifier" aws:"required"`
	PolicyDocument     string `json:"policyDocument" aws:"required"`
}

type logGroupIdentifierIn struct {
	LogGroupIdentifier string `json:"logGroupIdentifier" aws:"required"`
}

type dataProtectionPolicyOut struct {
	LogGroupIdentifier string `json:"logGroupIdentifier,omitempty"`
	PolicyDocument     string `json:"policyDocument,omitempty"`
	LastUpdatedTime    int64  `json:"lastUpdatedTime,omitempty"`
}

type streamIn struct {
	LogGroupName  string `json:"logGroupName" aws:"required"`
	LogStreamName string `json:"logStreamName" aws:"required"`
}

type describeLogStreamsIn struct {
	LogGroupName        string `json:"logGroupName,omitempty"`
	LogGroupIdentifier  string `json:"logGroupIdentifier,omitempty"`
	LogStreamNamePrefix string `json:"logStreamNamePrefix,omitempty"`
	OrderBy             string `json:"orderBy,omitempty"`
	Descending          bool   `json:"descending,omitempty"`
	NextToken           string `json:"nextToken,omitempty"`
	Limit               *int32 `json:"limit,omitempty"`
}

type logStreamShape struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp *int64 `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  *int64 `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   *int64 `json:"lastIngestionTime,omitempty"`
	UploadSequenceToken string `json:"uploadSequenceToken,omitempty"`
	Arn                 string `json:"arn"`
	// StoredBytes is always 0 for streams, as CloudWatch Logs reports it
	// since 2019.
	StoredBytes int64 `json:"storedBytes"`
}

type describeLogStreamsOut struct {
	LogStreams []logStreamShape `json:"logStreams"`
	NextToken  string           `json:"nextToken,omitempty"`
}

type inputLogEventShape struct {
	Timestamp *int64  `json:"timestamp"`
	Message   *string `json:"message"`
}

type putLogEventsIn struct {
	LogGroupName  string               `json:"logGroupName" aws:"required"`
	LogStreamName string               `json:"logStreamName" aws:"required"`
	LogEvents     []inputLogEventShape `json:"logEvents" aws:"required"`
	SequenceToken string               `json:"sequenceToken,omitempty"`
}

type rejectedShape struct {
	TooNewLogEventStartIndex *int32 `json:"tooNewLogEventStartIndex,omitempty"`
	TooOldLogEventEndIndex   *int32 `json:"tooOldLogEventEndIndex,omitempty"`
	ExpiredLogEventEndIndex  *int32 `json:"expiredLogEventEndIndex,omitempty"`
}

type putLogEventsOut struct {
	NextSequenceToken     string         `json:"nextSequenceToken,omitempty"`
	RejectedLogEventsInfo *rejectedShape `json:"rejectedLogEventsInfo,omitempty"`
}

type getLogEventsIn struct {
	LogGroupName       string `json:"logGroupName,omitempty"`
	LogGroupIdentifier string `json:"logGroupIdentifier,omitempty"`
	LogStreamName      string `json:"logStreamName" aws:"required"`
	StartTime          *int64 `json:"startTime,omitempty"`
	EndTime            *int64 `json:"endTime,omitempty"`
	NextToken          string `json:"nextToken,omitempty"`
	Limit              *int32 `json:"limit,omitempty"`
	StartFromHead      bool   `json:"startFromHead,omitempty"`
	Unmask             bool   `json:"unmask,omitempty"`
}

type outputLogEventShape struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

type getLogEventsOut struct {
	Events            []outputLogEventShape `json:"events"`
	NextForwardToken  string                `json:"nextForwardToken"`
	NextBackwardToken string                `json:"nextBackwardToken"`
}

type filterLogEventsIn struct {
	LogGroupName        string   `json:"logGroupName,omitempty"`
	LogGroupIdentifier  string   `json:"logGroupIdentifier,omitempty"`
	LogStreamNames      []string `json:"logStreamNames,omitempty"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix,omitempty"`
	StartTime           *int64   `json:"startTime,omitempty"`
	EndTime             *int64   `json:"endTime,omitempty"`
	FilterPattern       string   `json:"filterPattern,omitempty"`
	NextToken           string   `json:"nextToken,omitempty"`
	Limit               *int32   `json:"limit,omitempty"`
	Interleaved         bool     `json:"interleaved,omitempty"`
	Unmask              bool     `json:"unmask,omitempty"`
}

type filteredLogEventShape struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventId       string `json:"eventId"`
}

type searchedLogStreamShape struct {
	LogStreamName      string `json:"logStreamName"`
	SearchedCompletely bool   `json:"searchedCompletely"`
}

type filterLogEventsOut struct {
	Events []filteredLogEventShape `json:"events"`
	// SearchedLogStreams is always empty, as CloudWatch Logs returns it
	// since 2020.
	SearchedLogStreams []searchedLogStreamShape `json:"searchedLogStreams"`
	NextToken          string                   `json:"nextToken,omitempty"`
}

func streamOut(s *LogStream) logStreamShape {
	return logStreamShape{
		LogStreamName: s.Name, CreationTime: s.CreationTime, FirstEventTimestamp: s.FirstEventTimestamp,
		LastEventTimestamp: s.LastEventTimestamp, LastIngestionTime: s.LastIngestionTime,
		UploadSequenceToken: s.UploadSequenceToken, Arn: s.ARN,
	}
}

// putLogEventsInput checks the members the model requires in each event
// and converts the batch.
func putLogEventsInput(in *putLogEventsIn) (PutLogEventsInput, error) {
	var v validation
	evs := make([]InputLogEvent, len(in.LogEvents))
	for i, ev := range in.LogEvents {
		if ev.Timestamp == nil {
			v.add("Value null at 'logEvents.%d.member.timestamp' failed to satisfy constraint: Member must not be null", i+1)
		} else {
			evs[i].Timestamp = *ev.Timestamp
		}
		if ev.Message == nil {
			v.add("Value null at 'logEvents.%d.member.message' failed to satisfy constraint: Member must not be null", i+1)
		} else {
			evs[i].Message = *ev.Message
		}
	}
	return PutLogEventsInput{
		LogGroupName: in.LogGroupName, LogStreamName: in.LogStreamName, Events: evs, SequenceToken: in.SequenceToken,
	}, v.err()
}

func done(err error) (*emptyOut, error) {
	if err != nil {
		return nil, err
	}
	return &emptyOut{}, nil
}

func tagsResult(tags map[string]string, err error) (*tagsOut, error) {
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = map[string]string{}
	}
	return &tagsOut{Tags: tags}, nil
}

// kmsTarget picks the group an (Dis)AssociateKmsKey call names.
func kmsTarget(name, resource string) string {
	if name != "" {
		return name
	}
	return resource
}

// Service is CloudWatch Logs on the wire.
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:           "logs",
		Protocols:      awswire.AWSJSON,
		JSONVersion:    "1.1",
		TargetPrefix:   "Logs_20140328",
		ValidationCode: ErrInvalidParameter,
		Ops: []awswire.Op{
			awswire.Operation("CreateLogGroup", func(ctx context.Context, in *createLogGroupIn) (*emptyOut, error) {
				_, err := e.CreateLogGroup(ctx, CreateLogGroupInput{Name: in.LogGroupName, KmsKeyID: in.KmsKeyId, Tags: in.Tags, Class: in.LogGroupClass})
				return done(err)
			}),
			awswire.Operation("DeleteLogGroup", func(ctx context.Context, in *logGroupNameIn) (*emptyOut, error) {
				return done(e.DeleteLogGroup(ctx, in.LogGroupName))
			}),
			awswire.Operation("DescribeLogGroups", func(ctx context.Context, in *describeLogGroupsIn) (*describeLogGroupsOut, error) {
				gs, next, err := e.DescribeLogGroups(ctx, DescribeLogGroupsInput{
					NamePrefix: in.LogGroupNamePrefix, NamePattern: in.LogGroupNamePattern, Identifiers: in.LogGroupIdentifiers,
					Class: in.LogGroupClass, Limit: in.Limit, NextToken: in.NextToken,
				})
				if err != nil {
					return nil, err
				}
				out := &describeLogGroupsOut{LogGroups: make([]logGroupShape, len(gs)), NextToken: next}
				for i, g := range gs {
					out.LogGroups[i] = groupOut(g)
				}
				return out, nil
			}),
			awswire.Operation("PutRetentionPolicy", func(ctx context.Context, in *putRetentionPolicyIn) (*emptyOut, error) {
				return done(e.PutRetentionPolicy(ctx, in.LogGroupName, *in.RetentionInDays))
			}),
			awswire.Operation("DeleteRetentionPolicy", func(ctx context.Context, in *logGroupNameIn) (*emptyOut, error) {
				return done(e.DeleteRetentionPolicy(ctx, in.LogGroupName))
			}),
			awswire.Operation("TagResource", func(ctx context.Context, in *tagResourceIn) (*emptyOut, error) {
				return done(e.TagResource(ctx, in.ResourceArn, in.Tags))
			}),
			awswire.Operation("UntagResource", func(ctx context.Context, in *untagResourceIn) (*emptyOut, error) {
				return done(e.UntagResource(ctx, in.ResourceArn, in.TagKeys))
			}),
			awswire.Operation("ListTagsForResource", func(ctx context.Context, in *resourceArnIn) (*tagsOut, error) {
				return tagsResult(e.ListTagsForResource(ctx, in.ResourceArn))
			}),
			awswire.Operation("TagLogGroup", func(ctx context.Context, in *tagLogGroupIn) (*emptyOut, error) {
				return done(e.TagLogGroup(ctx, in.LogGroupName, in.Tags))
			}),
			awswire.Operation("UntagLogGroup", func(ctx context.Context, in *untagLogGroupIn) (*emptyOut, error) {
				return done(e.UntagLogGroup(ctx, in.LogGroupName, in.Tags))
			}),
			awswire.Operation("ListTagsLogGroup", func(ctx context.Context, in *logGroupNameIn) (*tagsOut, error) {
				return tagsResult(e.ListTags(ctx, in.LogGroupName))
			}),
			awswire.Operation("AssociateKmsKey", func(ctx context.Context, in *associateKmsKeyIn) (*emptyOut, error) {
				return done(e.AssociateKmsKey(ctx, kmsTarget(in.LogGroupName, in.ResourceIdentifier), in.KmsKeyId))
			}),
			awswire.Operation("DisassociateKmsKey", func(ctx context.Context, in *disassociateKmsKeyIn) (*emptyOut, error) {
				return done(e.DisassociateKmsKey(ctx, kmsTarget(in.LogGroupName, in.ResourceIdentifier)))
			}),
			awswire.Operation("PutDataProtectionPolicy", func(ctx context.Context, in *putDataProtectionPolicyIn) (*dataProtectionPolicyOut, error) {
				g, err := e.PutDataProtectionPolicy(ctx, in.LogGroupIdentifier, in.PolicyDocument)
				if err != nil {
					return nil, err
				}
				return &dataProtectionPolicyOut{LogGroupIdentifier: in.LogGroupIdentifier, PolicyDocument: g.DataProtectionPolicy, LastUpdatedTime: g.DataProtectionUpdated}, nil
			}),
			awswire.Operation("GetDataProtectionPolicy", func(ctx context.Context, in *logGroupIdentifierIn) (*dataProtectionPolicyOut, error) {
				g, err := e.GetDataProtectionPolicy(ctx, in.LogGroupIdentifier)
				if err != nil {
					return nil, err
				}
				return &dataProtectionPolicyOut{LogGroupIdentifier: in.LogGroupIdentifier, PolicyDocument: g.DataProtectionPolicy, LastUpdatedTime: g.DataProtectionUpdated}, nil
			}),
			awswire.Operation("DeleteDataProtectionPolicy", func(ctx context.Context, in *logGroupIdentifierIn) (*emptyOut, error) {
				return done(e.DeleteDataProtectionPolicy(ctx, in.LogGroupIdentifier))
			}),
			awswire.Operation("CreateLogStream", func(ctx context.Context, in *streamIn) (*emptyOut, error) {
				return done(e.CreateLogStream(ctx, in.LogGroupName, in.LogStreamName))
			}),
			awswire.Operation("DeleteLogStream", func(ctx context.Context, in *streamIn) (*emptyOut, error) {
				return done(e.DeleteLogStream(ctx, in.LogGroupName, in.LogStreamName))
			}),
			awswire.Operation("DescribeLogStreams", func(ctx context.Context, in *describeLogStreamsIn) (*describeLogStreamsOut, error) {
				ss, next, err := e.DescribeLogStreams(ctx, DescribeLogStreamsInput{
					LogGroupName: in.LogGroupName, LogGroupIdentifier: in.LogGroupIdentifier, NamePrefix: in.LogStreamNamePrefix,
					OrderBy: in.OrderBy, Descending: in.Descending, Limit: in.Limit, NextToken: in.NextToken,
				})
				if err != nil {
					return nil, err
				}
				out := &describeLogStreamsOut{LogStreams: make([]logStreamShape, len(ss)), NextToken: next}
				for i, s := range ss {
					out.LogStreams[i] = streamOut(s)
				}
				return out, nil
			}),
			awswire.Operation("PutLogEvents", func(ctx context.Context, in *putLogEventsIn) (*putLogEventsOut, error) {
				pin, err := putLogEventsInput(in)
				if err != nil {
					return nil, err
				}
				res, err := e.PutLogEvents(ctx, pin)
				if err != nil {
					return nil, err
				}
				out := &putLogEventsOut{NextSequenceToken: res.NextSequenceToken}
				if r := res.Rejected; r != nil {
					out.RejectedLogEventsInfo = &rejectedShape{
						TooNewLogEventStartIndex: r.TooNewLogEventStartIndex, TooOldLogEventEndIndex: r.TooOldLogEventEndIndex,
						ExpiredLogEventEndIndex: r.ExpiredLogEventEndIndex,
					}
				}
				return out, nil
			}),
			awswire.Operation("GetLogEvents", func(ctx context.Context, in *getLogEventsIn) (*getLogEventsOut, error) {
				res, err := e.GetLogEvents(ctx, GetLogEventsInput{
					LogGroupName: in.LogGroupName, LogGroupIdentifier: in.LogGroupIdentifier, LogStreamName: in.LogStreamName,
					StartTime: in.StartTime, EndTime: in.EndTime, NextToken: in.NextToken, Limit: in.Limit, StartFromHead: in.StartFromHead,
				})
				if err != nil {
					return nil, err
				}
				out := &getLogEventsOut{Events: make([]outputLogEventShape, len(res.Events)), NextForwardToken: res.NextForwardToken, NextBackwardToken: res.NextBackwardToken}
				for i, ev := range res.Events {
					out.Events[i] = outputLogEventShape{Timestamp: ev.Timestamp, Message: ev.Message, IngestionTime: ev.IngestionTime}
				}
				return out, nil
			}),
			awswire.Operation("FilterLogEvents", func(ctx context.Context, in *filterLogEventsIn) (*filterLogEventsOut, error) {
				res, err := e.FilterLogEvents(ctx, FilterLogEventsInput{
					LogGroupName: in.LogGroupName, LogGroupIdentifier: in.LogGroupIdentifier, LogStreamNames: in.LogStreamNames,
					LogStreamNamePrefix: in.LogStreamNamePrefix, StartTime: in.StartTime, EndTime: in.EndTime,
					FilterPattern: in.FilterPattern, NextToken: in.NextToken, Limit: in.Limit,
				})
				if err != nil {
					return nil, err
				}
				out := &filterLogEventsOut{Events: make([]filteredLogEventShape, len(res.Events)), SearchedLogStreams: []searchedLogStreamShape{}, NextToken: res.NextToken}
				for i, ev := range res.Events {
					out.Events[i] = filteredLogEventShape{
						LogStreamName: ev.LogStreamName, Timestamp: ev.Timestamp, Message: ev.Message,
						IngestionTime: ev.IngestionTime, EventId: ev.EventID,
					}
				}
				return out, nil
			}),
		},
	}
}
