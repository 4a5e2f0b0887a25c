package cloudwatch

import (
	"context"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awswire"
)

// Wire shapes of the CloudWatch API (smithy-rpc-v2-cbor, awsJson 1.0 and
// awsQuery; member names as in the model).

type emptyOut struct{}

type metricDatumIn struct {
	MetricName        string        `json:"MetricName" aws:"required"`
	Dimensions        []Dimension   `json:"Dimensions,omitempty"`
	Timestamp         *time.Time    `json:"Timestamp,omitempty"`
	Value             *float64      `json:"Value,omitempty"`
	StatisticValues   *StatisticSet `json:"StatisticValues,omitempty"`
	Values            []float64     `json:"Values,omitempty"`
	Counts            []float64     `json:"Counts,omitempty"`
	Unit              string        `json:"Unit,omitempty"`
	StorageResolution *int32        `json:"StorageResolution,omitempty"`
}

type entityMetricDataIn struct {
	Entity     map[string]any  `json:"Entity,omitempty"`
	MetricData []metricDatumIn `json:"MetricData,omitempty"`
}

type putMetricDataIn struct {
	Namespace              string               `json:"Namespace" aws:"required"`
	MetricData             []metricDatumIn      `json:"MetricData,omitempty"`
	EntityMetricData       []entityMetricDataIn `json:"EntityMetricData,omitempty"`
	StrictEntityValidation *bool                `json:"StrictEntityValidation,omitempty"`
}

type getMetricStatisticsIn struct {
	Namespace          string      `json:"Namespace" aws:"required"`
	MetricName         string      `json:"MetricName" aws:"required"`
	Dimensions         []Dimension `json:"Dimensions,omitempty"`
	StartTime          *time.Time  `json:"StartTime" aws:"required"`
	EndTime            *time.Time  `json:"EndTime" aws:"required"`
	Period             *int32      `json:"Period" aws:"required"`
	Statistics         []string    `json:"Statistics,omitempty"`
	ExtendedStatistics []string    `json:"ExtendedStatistics,omitempty"`
	Unit               string      `json:"Unit,omitempty"`
}

type datapointOut struct {
	Timestamp          time.Time          `json:"Timestamp"`
	SampleCount        *float64           `json:"SampleCount,omitempty"`
	Average            *float64           `json:"Average,omitempty"`
	Sum                *float64           `json:"Sum,omitempty"`
	Minimum            *float64           `json:"Minimum,omitempty"`
	Maximum            *float64           `json:"Maximum,omitempty"`
	Unit               string             `json:"Unit,omitempty"`
	ExtendedStatistics map[string]float64 `json:"ExtendedStatistics,omitempty"`
}

type getMetricStatisticsOut struct {
	Label      string         `json:"Label"`
	Datapoints []datapointOut `json:"Datapoints"`
}

// MetricShape is a metric identity on the wire.
type metricShape struct {
	Namespace  string      `json:"Namespace,omitempty"`
	MetricName string      `json:"MetricName,omitempty"`
	Dimensions []Dimension `json:"Dimensions"`
}

type metricStatShape struct {
	Metric *metricShape `json:"Metric" aws:"required"`
	Period *int32       `json:"Period" aws:"required"`
	Stat   string       `json:"Stat" aws:"required"`
	Unit   string       `json:"Unit,omitempty"`
}

// MetricDataQuery is one query of GetMetricData or of a metric-math alarm.
type metricDataQuery struct {
	Id         string           `json:"Id" aws:"required"`
	MetricStat *metricStatShape `json:"MetricStat,omitempty"`
	Expression string           `json:"Expression,omitempty"`
	Label      string           `json:"Label,omitempty"`
	ReturnData *bool            `json:"ReturnData,omitempty"`
	Period     *int32           `json:"Period,omitempty"`
	AccountId  string           `json:"AccountId,omitempty"`
}

type labelOptions struct {
	Timezone string `json:"Timezone,omitempty"`
}

type getMetricDataIn struct {
	MetricDataQueries []metricDataQuery `json:"MetricDataQueries" aws:"required"`
	StartTime         *time.Time        `json:"StartTime" aws:"required"`
	EndTime           *time.Time        `json:"EndTime" aws:"required"`
	NextToken         string            `json:"NextToken,omitempty"`
	ScanBy            string            `json:"ScanBy,omitempty"`
	MaxDatapoints     *int32            `json:"MaxDatapoints,omitempty"`
	LabelOptions      *labelOptions     `json:"LabelOptions,omitempty"`
}

type messageData struct {
	Code  string `json:"Code,omitempty"`
	Value string `json:"Value,omitempty"`
}

type metricDataResult struct {
	Id         string        `json:"Id"`
	Label      string        `json:"Label"`
	Timestamps []time.Time   `json:"Timestamps"`
	Values     []float64     `json:"Values"`
	StatusCode string        `json:"StatusCode"`
	Messages   []messageData `json:"Messages,omitempty"`
}

type getMetricDataOut struct {
	MetricDataResults []metricDataResult `json:"MetricDataResults"`
	NextToken         string             `json:"NextToken,omitempty"`
	Messages          []messageData      `json:"Messages"`
}

type dimensionFilter struct {
	Name  string `json:"Name" aws:"required"`
	Value string `json:"Value,omitempty"`
}

type listMetricsIn struct {
	Namespace             string            `json:"Namespace,omitempty"`
	MetricName            string            `json:"MetricName,omitempty"`
	Dimensions            []dimensionFilter `json:"Dimensions,omitempty"`
	NextToken             string            `json:"NextToken,omitempty"`
	RecentlyActive        string            `json:"RecentlyActive,omitempty"`
	IncludeLinkedAccounts *bool             `json:"IncludeLinkedAccounts,omitempty"`
	OwningAccount         string            `json:"OwningAccount,omitempty"`
}

type listMetricsOut struct {
	Metrics        []metricShape `json:"Metrics"`
	NextToken      string        `json:"NextToken,omitempty"`
	OwningAccounts []string      `json:"OwningAccounts,omitempty"`
	lastKey        string
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"Key" aws:"required"`
	Value string `json:"Value" aws:"required"`
}

type putMetricAlarmIn struct {
	AlarmName                        string            `json:"AlarmName" aws:"required"`
	AlarmDescription                 *string           `json:"AlarmDescription,omitempty"`
	ActionsEnabled                   *bool             `json:"ActionsEnabled,omitempty"`
	OKActions                        []string          `json:"OKActions,omitempty"`
	AlarmActions                     []string          `json:"AlarmActions,omitempty"`
	InsufficientDataActions          []string          `json:"InsufficientDataActions,omitempty"`
	MetricName                       string            `json:"MetricName,omitempty"`
	Namespace                        string            `json:"Namespace,omitempty"`
	Statistic                        string            `json:"Statistic,omitempty"`
	ExtendedStatistic                string            `json:"ExtendedStatistic,omitempty"`
	Dimensions                       []Dimension       `json:"Dimensions,omitempty"`
	Period                           *int32            `json:"Period,omitempty"`
	Unit                             string            `json:"Unit,omitempty"`
	EvaluationPeriods                *int32            `json:"EvaluationPeriods" aws:"required"`
	DatapointsToAlarm                *int32            `json:"DatapointsToAlarm,omitempty"`
	Threshold                        *float64          `json:"Threshold,omitempty"`
	ComparisonOperator               string            `json:"ComparisonOperator" aws:"required"`
	TreatMissingData                 string            `json:"TreatMissingData,omitempty"`
	EvaluateLowSampleCountPercentile string            `json:"EvaluateLowSampleCountPercentile,omitempty"`
	Metrics                          []metricDataQuery `json:"Metrics,omitempty"`
	Tags                             []Tag             `json:"Tags,omitempty"`
	ThresholdMetricId                string            `json:"ThresholdMetricId,omitempty"`
	EvaluationCriteria               map[string]any    `json:"EvaluationCriteria,omitempty"`
	EvaluationInterval               *int32            `json:"EvaluationInterval,omitempty"`
}

type putCompositeAlarmIn struct {
	ActionsEnabled                   *bool    `json:"ActionsEnabled,omitempty"`
	AlarmActions                     []string `json:"AlarmActions,omitempty"`
	AlarmDescription                 *string  `json:"AlarmDescription,omitempty"`
	AlarmName                        string   `json:"AlarmName" aws:"required"`
	AlarmRule                        string   `json:"AlarmRule" aws:"required"`
	InsufficientDataActions          []string `json:"InsufficientDataActions,omitempty"`
	OKActions                        []string `json:"OKActions,omitempty"`
	Tags                             []Tag    `json:"Tags,omitempty"`
	ActionsSuppressor                string   `json:"ActionsSuppressor,omitempty"`
	ActionsSuppressorWaitPeriod      *int32   `json:"ActionsSuppressorWaitPeriod,omitempty"`
	ActionsSuppressorExtensionPeriod *int32   `json:"ActionsSuppressorExtensionPeriod,omitempty"`
}

type metricAlarmOut struct {
	AlarmName                          string            `json:"AlarmName"`
	AlarmArn                           string            `json:"AlarmArn"`
	AlarmDescription                   *string           `json:"AlarmDescription,omitempty"`
	AlarmConfigurationUpdatedTimestamp time.Time         `json:"AlarmConfigurationUpdatedTimestamp"`
	ActionsEnabled                     bool              `json:"ActionsEnabled"`
	OKActions                          []string          `json:"OKActions"`
	AlarmActions                       []string          `json:"AlarmActions"`
	InsufficientDataActions            []string          `json:"InsufficientDataActions"`
	StateValue                         string            `json:"StateValue"`
	StateReason                        string            `json:"StateReason"`
	StateReasonData                    string            `json:"StateReasonData,omitempty"`
	StateUpdatedTimestamp              time.Time         `json:"StateUpdatedTimestamp"`
	MetricName                         string            `json:"MetricName,omitempty"`
	Namespace                          string            `json:"Namespace,omitempty"`
	Statistic                          string            `json:"Statistic,omitempty"`
	ExtendedStatistic                  string            `json:"ExtendedStatistic,omitempty"`
	Dimensions                         []Dimension       `json:"Dimensions"`
	Period                             *int32            `json:"Period,omitempty"`
	Unit                               string            `json:"Unit,omitempty"`
	EvaluationPeriods                  int32             `json:"EvaluationPeriods"`
	DatapointsToAlarm                  *int32            `json:"DatapointsToAlarm,omitempty"`
	Threshold                          *float64          `json:"Threshold,omitempty"`
	ComparisonOperator                 string            `json:"ComparisonOperator"`
	TreatMissingData                   string            `json:"TreatMissingData,omitempty"`
	EvaluateLowSampleCountPercentile   string            `json:"EvaluateLowSampleCountPercentile,omitempty"`
	Metrics                            []metricDataQuery `json:"Metrics,omitempty"`
	ThresholdMetricId                  string            `json:"ThresholdMetricId,omitempty"`
	StateTransitionedTimestamp         time.Time         `json:"StateTransitionedTimestamp"`
}

type compositeAlarmOut struct {
	ActionsEnabled                     bool      `json:"ActionsEnabled"`
	AlarmActions                       []string  `json:"AlarmActions"`
	AlarmArn                           string    `json:"AlarmArn"`
	AlarmConfigurationUpdatedTimestamp time.Time `json:"AlarmConfigurationUpdatedTimestamp"`
	AlarmDescription                   *string   `json:"AlarmDescription,omitempty"`
	AlarmName                          string    `json:"AlarmName"`
	AlarmRule                          string    `json:"AlarmRule"`
	InsufficientDataActions            []string  `json:"InsufficientDataActions"`
	OKActions                          []string  `json:"OKActions"`
	StateReason                        string    `json:"StateReason"`
	StateReasonData                    string    `json:"StateReasonData,omitempty"`
	StateUpdatedTimestamp              time.Time `json:"StateUpdatedTimestamp"`
	StateValue                         string    `json:"StateValue"`
	StateTransitionedTimestamp         time.Time `json:"StateTransitionedTimestamp"`
	ActionsSuppressedBy                string    `json:"ActionsSuppressedBy,omitempty"`
	ActionsSuppressedReason            string    `json:"ActionsSuppressedReason,omitempty"`
	ActionsSuppressor                  string    `json:"ActionsSuppressor,omitempty"`
	ActionsSuppressorWaitPeriod        *int32    `json:"ActionsSuppressorWaitPeriod,omitempty"`
	ActionsSuppressorExtensionPeriod   *int32    `json:"ActionsSuppressorExtensionPeriod,omitempty"`
}

type describeAlarmsIn struct {
	AlarmNames          []string `json:"AlarmNames,omitempty"`
	AlarmNamePrefix     string   `json:"AlarmNamePrefix,omitempty"`
	AlarmTypes          []string `json:"AlarmTypes,omitempty"`
	ChildrenOfAlarmName string   `json:"ChildrenOfAlarmName,omitempty"`
	ParentsOfAlarmName  string   `json:"ParentsOfAlarmName,omitempty"`
	StateValue          string   `json:"StateValue,omitempty"`
	ActionPrefix        string   `json:"ActionPrefix,omitempty"`
	MaxRecords          *int32   `json:"MaxRecords,omitempty"`
	NextToken           string   `json:"NextToken,omitempty"`
}

type describeAlarmsOut struct {
	CompositeAlarms []compositeAlarmOut `json:"CompositeAlarms"`
	MetricAlarms    []metricAlarmOut    `json:"MetricAlarms"`
	NextToken       string              `json:"NextToken,omitempty"`
}

type describeAlarmsForMetricIn struct {
	MetricName        string      `json:"MetricName" aws:"required"`
	Namespace         string      `json:"Namespace" aws:"required"`
	Statistic         string      `json:"Statistic,omitempty"`
	ExtendedStatistic string      `json:"ExtendedStatistic,omitempty"`
	Dimensions        []Dimension `json:"Dimensions,omitempty"`
	Period            *int32      `json:"Period,omitempty"`
	Unit              string      `json:"Unit,omitempty"`
}

type describeAlarmsForMetricOut struct {
	MetricAlarms []metricAlarmOut `json:"MetricAlarms"`
}

type alarmNamesIn struct {
	AlarmNames []string `json:"AlarmNames" aws:"required"`
}

type setAlarmStateIn struct {
	AlarmName       string `json:"AlarmName" aws:"required"`
	StateValue      string `json:"StateValue" aws:"required"`
	StateReason     string `json:"StateReason" aws:"required"`
	StateReasonData string `json:"StateReasonData,omitempty"`
}

type describeAlarmHistoryIn struct {
	AlarmName          string     `json:"AlarmName,omitempty"`
	AlarmContributorId string     `json:"AlarmContributorId,omitempty"`
	AlarmTypes         []string   `json:"AlarmTypes,omitempty"`
	HistoryItemType    string     `json:"HistoryItemType,omitempty"`
	StartDate          *time.Time `json:"StartDate,omitempty"`
	EndDate            *time.Time `json:"EndDate,omitempty"`
	MaxRecords         *int32     `json:"MaxRecords,omitempty"`
	NextToken          string     `json:"NextToken,omitempty"`
	ScanBy             string     `json:"ScanBy,omitempty"`
}

type alarmHistoryItemOut struct {
	AlarmName       string    `json:"AlarmName"`
	AlarmType       string    `json:"AlarmType"`
	Timestamp       time.Time `json:"Timestamp"`
	HistoryItemType string    `json:"HistoryItemType"`
	HistorySummary  string    `json:"HistorySummary"`
	HistoryData     string    `json:"HistoryData"`
}

type describeAlarmHistoryOut struct {
	AlarmHistoryItems []alarmHistoryItemOut `json:"AlarmHistoryItems"`
	NextToken         string                `json:"NextToken,omitempty"`
}

type tagResourceIn struct {
	ResourceARN string `json:"ResourceARN" aws:"required"`
	Tags        []Tag  `json:"Tags" aws:"required"`
}

type untagResourceIn struct {
	ResourceARN string   `json:"ResourceARN" aws:"required"`
	TagKeys     []string `json:"TagKeys" aws:"required"`
}

type listTagsIn struct {
	ResourceARN string `json:"ResourceARN" aws:"required"`
}

type listTagsOut struct {
	Tags []Tag `json:"Tags"`
}

// Service is CloudWatch on the wire: Smithy RPC v2 CBOR (the Go SDK),
// awsJson 1.0 (botocore, the AWS CLI v1) and awsQuery (older clients, AWS
// CLI v2.9), query-compatible, signing name monitoring.
func (e *Engine) Service() *awswire.Service {
	return &awswire.Service{
		Name:            "monitoring",
		Protocols:       awswire.RPCv2CBOR | awswire.AWSJSON | awswire.AWSQuery,
		JSONVersion:     "1.0",
		TargetPrefix:    "GraniteServiceVersion20100801",
		CBORName:        "GraniteServiceVersion20100801",
		QueryCompatible: true,
		XMLNamespace:    "http://monitoring.amazonaws.com/doc/2010-08-01/",
		ValidationCode:  ErrValidation,
		Ops: []awswire.Op{
			awswire.Operation("PutMetricData", e.opPutMetricData),
			awswire.Operation("GetMetricStatistics", e.opGetMetricStatistics),
			awswire.Operation("GetMetricData", e.opGetMetricData),
			awswire.Operation("ListMetrics", e.opListMetrics),
			awswire.Operation("PutMetricAlarm", e.opPutMetricAlarm),
			awswire.Operation("PutCompositeAlarm", e.opPutCompositeAlarm),
			awswire.Operation("DescribeAlarms", e.opDescribeAlarms),
			awswire.Operation("DescribeAlarmsForMetric", e.opDescribeAlarmsForMetric),
			awswire.Operation("DeleteAlarms", e.opDeleteAlarms),
			awswire.Operation("SetAlarmState", e.opSetAlarmState),
			awswire.Operation("DescribeAlarmHistory", e.opDescribeAlarmHistory),
			awswire.Operation("EnableAlarmActions", e.opEnableAlarmActions),
			awswire.Operation("DisableAlarmActions", e.opDisableAlarmActions),
			awswire.Operation("TagResource", e.opTagResource),
			awswire.Operation("UntagResource", e.opUntagResource),
			awswire.Operation("ListTagsForResource", e.opListTagsForResource),
		},
	}
}

func (e *Engine) opPutMetricData(ctx context.Context, in *putMetricDataIn) (*emptyOut, error) {
	if strings.HasPrefix(in.Namespace, "AWS/") {
		return nil, invalidValue("The value %s for parameter Namespace is invalid.", in.Namespace)
	}
	all := in.MetricData
	for _, em := range in.EntityMetricData {
		all = append(all, em.MetricData...)
	}
	if len(all) > maxDatumsPerRequest {
		return nil, invalidValue("The collection MetricData must not have a size greater than %d.", maxDatumsPerRequest)
	}
	if n := requestSize(in.Namespace, all); n > maxRequestBytes {
		return nil, errRequestEntityTooLarge.New("Request size %d exceeded %d bytes", n, maxRequestBytes)
	}
	data := make([]Datum, len(all))
	for i := range all {
		d := &all[i]
		p := "MetricData.member." + itoa(i+1)
		if d.Value != nil && len(d.Values) > 0 {
			return nil, ErrInvalidParameterCombo.New("The parameters %s.Value and %s.Values are mutually exclusive and you have specified both.", p, p)
		}
		if d.Value != nil && d.StatisticValues != nil {
			return nil, ErrInvalidParameterCombo.New("The parameters %s.Value and %s.StatisticValues are mutually exclusive and you have specified both.", p, p)
		}
		if d.Value == nil && len(d.Values) == 0 && d.StatisticValues == nil {
			return nil, ErrMissingParameter.New("At least one of the parameters %s.Value, %s.StatisticValues or %s.Values must be specified.", p, p, p)
		}
		data[i] = Datum{MetricName: d.MetricName, Dimensions: d.Dimensions, Values: d.Values, Counts: d.Counts,
			StatisticValues: d.StatisticValues, Unit: d.Unit}
		if d.Value != nil {
			data[i].Value = *d.Value
		}
		if d.Timestamp != nil {
			data[i].Timestamp = *d.Timestamp
		}
		if d.StorageResolution != nil {
			if *d.StorageResolution < 1 {
				return nil, rangeErr(int64(*d.StorageResolution), "metricData."+itoa(i+1)+".member.storageResolution", 1)
			}
			data[i].StorageResolution = int(*d.StorageResolution)
		}
	}
	if len(data) == 0 {
		return nil, missing("MetricData")
	}
	if err := e.PutMetricData(ctx, in.Namespace, data); err != nil {
		return nil, err
	}
	return &emptyOut{}, nil
}

// requestSize approximates the size of the request as sent (JSON-like).
func requestSize(ns string, data []metricDatumIn) int {
	n := len(ns) + 64
	for i := range data {
		d := &data[i]
		n += len(d.MetricName) + len(d.Unit) + 80
		for _, dm := range d.Dimensions {
			n += len(dm.Name) + len(dm.Value) + 24
		}
		n += 20 * (len(d.Values) + len(d.Counts))
		if d.StatisticValues != nil {
			n += 100
		}
	}
	return n
}
