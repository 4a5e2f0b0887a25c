package cloudwatch

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
)

func itoa(i int) string { return strconv.Itoa(i) }

// alignStart rounds a query start time as CloudWatch does: to the period
// for high-resolution periods, else by its age to the minute, 5 minutes or
// hour.
func alignStart(start time.Time, periodSec int64, now time.Time) time.Time {
	if periodSec < 60 && periodSec > 0 && 60%periodSec == 0 {
		return start.Truncate(time.Duration(periodSec) * time.Second)
	}
	age := now.Sub(start)
	switch {
	case age > 63*24*time.Hour:
		return start.Truncate(time.Hour)
	case age > 15*24*time.Hour:
		return start.Truncate(5 * time.Minute)
	}
	return start.Truncate(time.Minute)
}

func validPeriod(p int64) bool {
	switch p {
	case 1, 5, 10, 20, 30:
		return true
	}
	return p >= 60 && p%60 == 0
}

// collect aggregates the data of metric m (only unit when unit != "") into
// n windows of step ms from start, per unit (or merged under "" when
// byUnit is false). dist keeps the value distributions (percentiles).
func (e *Engine) collect(ctx context.Context, m *metric, unit string, start, step int64, n int, byUnit, dist bool) (map[string][]*agg, error) {
	out := map[string][]*agg{}
	end := start + step*int64(n)
	for _, s := range e.db.seriesOf(m) {
		if unit != "" && s.unit != unit {
			continue
		}
		key := ""
		if byUnit {
			key = s.unit
		}
		aggs := out[key]
		if aggs == nil {
			aggs = make([]*agg, n)
		}
		err := e.db.read(ctx, s, start, end, func(t, w int64, a *agg) {
			if w > step {
				return // rolled up coarser than the period: no data, as CloudWatch
			}
			i := (t - start) / step
			if i < 0 || i >= int64(n) {
				return
			}
			cur := aggs[i]
			if cur == nil {
				cur = newAgg()
				aggs[i] = cur
			}
			if dist {
				cur.merge(a)
			} else {
				cur.n += a.n
				cur.sum += a.sum
				cur.min = math.Min(cur.min, a.min)
				cur.max = math.Max(cur.max, a.max)
			}
		})
		if err != nil {
			return nil, err
		}
		out[key] = aggs
	}
	// Units with no data in range are dropped.
	for k, aggs := range out {
		empty := true
		for _, a := range aggs {
			if a != nil {
				empty = false
				break
			}
		}
		if empty {
			delete(out, k)
		}
	}
	return out, nil
}

func (e *Engine) findMetric(ctx context.Context, ns, name string, dims []Dimension) *metric {
	sc := awsctx.From(ctx)
	return e.db.metricByKey(metricKey(sc.AccountID, sc.Region, ns, name, sortedDims(dims)))
}

const maxStatisticsDatapoints = 1440

func (e *Engine) opGetMetricStatistics(ctx context.Context, in *getMetricStatisticsIn) (*getMetricStatisticsOut, error) {
	if err := validateDimensions(in.Dimensions, "Dimensions"); err != nil {
		return nil, err
	}
	if in.Unit != "" && !validUnit(in.Unit) {
		return nil, enumErr(in.Unit, "unit", unitEnumList)
	}
	period := int64(*in.Period)
	if period < 1 {
		return nil, rangeErr(period, "period", 1)
	}
	if !validPeriod(period) {
		return nil, invalidValue("The parameter Period must be 1, 5, 10, 20, 30, or a multiple of 60.")
	}
	if len(in.Statistics) > 0 && len(in.ExtendedStatistics) > 0 {
		return nil, ErrInvalidParameterCombo.New("The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.")
	}
	if len(in.Statistics) == 0 && len(in.ExtendedStatistics) == 0 {
		return nil, ErrMissingParameter.New("Must specify either Statistics or ExtendedStatistics.")
	}
	if len(in.Statistics) > 5 {
		return nil, invalidValue("The collection Statistics must not have a size greater than 5.")
	}
	if len(in.ExtendedStatistics) > 10 {
		return nil, invalidValue("The collection ExtendedStatistics must not have a size greater than 10.")
	}
	var stats []stat
	for _, s := range in.Statistics {
		k, ok := basicStats[s]
		if !ok {
			return nil, enumErr(s, "statistics", "Maximum, SampleCount, Sum, Minimum, Average")
		}
		stats = append(stats, stat{kind: k, name: s})
	}
	dist := false
	for _, s := range in.ExtendedStatistics {
		st, ok := parseExtended(s, true)
		if !ok {
			return nil, invalidValue("The value %s for parameter ExtendedStatistics is not supported.", s)
		}
		stats = append(stats, st)
		dist = true
	}
	start, end := *in.StartTime, *in.EndTime
	if !start.Before(end) {
		return nil, invalidValue("The parameter StartTime must be less than the parameter EndTime.")
	}
	now := e.clk.Now()
	if want := int64(math.Ceil(end.Sub(start).Seconds() / float64(period))); want > maxStatisticsDatapoints {
		return nil, ErrInvalidParameterCombo.New("You have requested up to %d datapoints, which exceeds the limit of %d. You may reduce the datapoints requested by increasing Period, or decreasing the time range.", want, maxStatisticsDatapoints)
	}
	out := &getMetricStatisticsOut{Label: in.MetricName, Datapoints: []datapointOut{}}
	m := e.findMetric(ctx, in.Namespace, in.MetricName, in.Dimensions)
	if m == nil {
		return out, nil
	}
	as := alignStart(start, period, now)
	step := period * 1000
	n := int((end.UnixMilli() - as.UnixMilli() + step - 1) / step)
	byUnit, err := e.collect(ctx, m, in.Unit, as.UnixMilli(), step, n, true, dist)
	if err != nil {
		return nil, err
	}
	units := make([]string, 0, len(byUnit))
	for u := range byUnit {
		units = append(units, u)
	}
	sort.Strings(units)
	for i := 0; i < n; i++ {
		for _, u := range units {
			a := byUnit[u][i]
			if a == nil || a.n <= 0 {
				continue
			}
			dp := datapointOut{Timestamp: time.UnixMilli(as.UnixMilli() + int64(i)*step).UTC(), Unit: u}
			for _, st := range stats {
				v, ok := st.value(a)
				if !ok {
					continue
				}
				switch st.kind {
				case statSampleCount:
					dp.SampleCount = &v
				case statAverage:
					dp.Average = &v
				case statSum:
					dp.Sum = &v
				case statMinimum:
					dp.Minimum = &v
				case statMaximum:
					dp.Maximum = &v
				default:
					if dp.ExtendedStatistics == nil {
						dp.ExtendedStatistics = map[string]float64{}
					}
					dp.ExtendedStatistics[st.name] = v
				}
			}
			out.Datapoints = append(out.Datapoints, dp)
		}
	}
	return out, nil
}

var reMetricID = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// mdq is a validated MetricDataQuery.
type mdq struct {
	q       *metricDataQuery
	idx     int
	stat    stat
	expr    mnode
	period  int64 // seconds (AWS)
	label   string
	returns bool
}

// parseQueries validates GetMetricData or alarm Metrics queries. member is
// the parameter name used in messages ("MetricDataQueries" or "Metrics").
func parseQueries(qs []metricDataQuery, member string) ([]*mdq, map[string]*mdq, error) {
	if len(qs) == 0 {
		return nil, nil, missing(member)
	}
	out := make([]*mdq, len(qs))
	byID := map[string]*mdq{}
	for i := range qs {
		q := &qs[i]
		p := fmt.Sprintf("%s.member.%d", member, i+1)
		if !reMetricID.MatchString(q.Id) {
			return nil, nil, validation("Invalid metric id '%s' for %s.Id: it must start with a lowercase letter and contain only letters, numbers and underscores.", q.Id, p)
		}
		if byID[q.Id] != nil {
			return nil, nil, validation("The values for parameter id in %s are not unique.", member)
		}
		x := &mdq{q: q, idx: i, returns: q.ReturnData == nil || *q.ReturnData, label: q.Label}
		switch {
		case q.MetricStat != nil && q.Expression != "":
			return nil, nil, validation("The parameters %s.Expression and %s.MetricStat are mutually exclusive and you have specified both.", p, p)
		case q.MetricStat != nil:
			if q.Period != nil {
				return nil, nil, validation("The parameters %s.Period and %s.MetricStat are mutually exclusive and you have specified both.", p, p)
			}
			ms := q.MetricStat
			if ms.Metric == nil || ms.Metric.MetricName == "" || ms.Metric.Namespace == "" {
				return nil, nil, missing(p + ".MetricStat.Metric.MetricName")
			}
			if err := validateDimensions(ms.Metric.Dimensions, p+".MetricStat.Metric.Dimensions"); err != nil {
				return nil, nil, err
			}
			if ms.Period == nil || !validPeriod(int64(*ms.Period)) {
				pv := int64(0)
				if ms.Period != nil {
					pv = int64(*ms.Period)
				}
				return nil, nil, validation("The value %d for parameter %s.MetricStat.Period is invalid. The period must be 1, 5, 10, 20, 30, or a multiple of 60.", pv, p)
			}
			st, ok := parseStat(ms.Stat)
			if !ok {
				return nil, nil, validation("The value %s for parameter %s.MetricStat.Stat is invalid.", ms.Stat, p)
			}
			if ms.Unit != "" && !validUnit(ms.Unit) {
				return nil, nil, enumErr(ms.Unit, strings.ToLower(member[:1])+member[1:]+"."+itoa(i+1)+".member.metricStat.unit", unitEnumList)
			}
			x.stat, x.period = st, int64(*ms.Period)
		case q.Expression != "":
			if len(q.Expression) > 2048 {
				return nil, nil, lengthErr(q.Expression, "expression", 1, 2048)
			}
			n, err := parseExpr(q.Expression)
			if err != nil {
				return nil, nil, validation("Error in expression '%s': %v", q.Id, err)
			}
			x.expr = n
			if q.Period != nil {
				if !validPeriod(int64(*q.Period)) {
					return nil, nil, validation("The value %d for parameter %s.Period is invalid. The period must be 1, 5, 10, 20, 30, or a multiple of 60.", *q.Period, p)
				}
				x.period = int64(*q.Period)
			}
		default:
			return nil, nil, validation("The parameter %s must specify either Expression or MetricStat.", p)
		}
		out[i] = x
		byID[q.Id] = x
	}
	// References must exist and not loop.
	for _, x := range out {
		if x.expr == nil {
			continue
		}
		refs := map[string]bool{}
		exprIDs(x.expr, refs)
		for id := range refs {
			if byID[id] == nil {
				return nil, nil, validation("Error in expression '%s': Unrecognized identifier '%s'", x.q.Id, id)
			}
		}
	}
	for _, x := range out {
		if err := checkCycle(x, byID, map[string]bool{}); err != nil {
			return nil, nil, err
		}
	}
	return out, byID, nil
}

func checkCycle(x *mdq, byID map[string]*mdq, path map[string]bool) error {
	if x.expr == nil {
		return nil
	}
	if path[x.q.Id] {
		return validation("Error in expression '%s': circular dependency between metric data queries", x.q.Id)
	}
	path[x.q.Id] = true
	defer delete(path, x.q.Id)
	refs := map[string]bool{}
	exprIDs(x.expr, refs)
	for id := range refs {
		if err := checkCycle(byID[id], byID, path); err != nil {
			return err
		}
	}
	return nil
}

// defaultLabels fills in labels for MetricStat queries without one: the
// metric name, plus the statistic and/or the period when those differ
// between the request's queries (what CloudWatch returns).
func defaultLabels(qs []*mdq) {
	statSet, periodSet := map[string]bool{}, map[int64]bool{}
	for _, x := range qs {
		if x.q.MetricStat != nil {
			statSet[x.q.MetricStat.Stat] = true
			periodSet[x.period] = true
		}
	}
	for _, x := range qs {
		if x.label != "" {
			continue
		}
		if x.q.MetricStat == nil {
			x.label = x.q.Id
			continue
		}
		l := x.q.MetricStat.Metric.MetricName
		if len(statSet) > 1 {
			l += " " + x.q.MetricStat.Stat
		}
		if len(periodSet) > 1 {
			l += " " + strconv.FormatInt(x.period, 10)
		}
		x.label = l
	}
}

// evalQueries evaluates the queries over [start, end). scale converts AWS
// periods to the widths used (1 for the API, the clock's factor for alarms).
type queryEval struct {
	e        *Engine
	ctx      context.Context
	qs       []*mdq
	byID     map[string]*mdq
	start    int64 // ms (aligned)
	end      int64
	scale    float64
	cache    map[string]mval
	messages map[string][]messageData
	counts   map[string][]float64 // per-window sample counts of metric queries
}

func (qe *queryEval) width(periodSec int64) int64 {
	w := int64(math.Round(float64(periodSec*1000) * qe.scale))
	if w < 1 {
		w = 1
	}
	return w
}

func (qe *queryEval) defaultPeriod(x *mdq) int64 {
	if x.period > 0 {
		return x.period
	}
	p := int64(0)
	for _, y := range qe.qs {
		if y.q.MetricStat != nil && (p == 0 || y.period < p) {
			p = y.period
		}
	}
	if p == 0 {
		p = 60
	}
	return p
}

func (qe *queryEval) value(id string) (mval, error) {
	if v, ok := qe.cache[id]; ok {
		return v, nil
	}
	x := qe.byID[id]
	var v mval
	if x.q.MetricStat != nil {
		s, err := qe.metricSeries(x)
		if err != nil {
			return mval{}, err
		}
		v = mval{k: kSeries, ser: s}
	} else {
		p := qe.defaultPeriod(x)
		env := &mathEnv{start: qe.start, end: qe.end, step: qe.width(p), nominal: float64(p), scale: qe.scale, resolve: qe.value}
		for _, y := range qe.qs {
			if y.q.MetricStat != nil {
				env.metricIDs = append(env.metricIDs, y.q.Id)
			}
		}
		r, err := env.eval(x.expr)
		if err != nil {
			return mval{}, validation("Error in expression '%s': %v", id, err)
		}
		switch r.k {
		case kSeries:
			s := *r.ser
			s.id, s.label, s.isMetric = id, x.label, false
			v = mval{k: kSeries, ser: &s}
		case kArray:
			arr := make([]*tseries, len(r.arr))
			for i, s := range r.arr {
				c := *s
				c.id = id
				if x.q.Label != "" {
					c.label = x.q.Label + " " + s.label
				}
				arr[i] = &c
			}
			v = mval{k: kArray, arr: arr}
		case kScalar:
			v = r
		default:
			return mval{}, validation("Error in expression '%s': the expression does not produce a time series", id)
		}
	}
	qe.cache[id] = v
	return v, nil
}

func (qe *queryEval) metricSeries(x *mdq) (*tseries, error) {
	ms := x.q.MetricStat
	step := qe.width(x.period)
	out := &tseries{id: x.q.Id, label: x.label, step: step, nominal: float64(x.period), isMetric: true}
	m := qe.e.findMetric(qe.ctx, ms.Metric.Namespace, ms.Metric.MetricName, ms.Metric.Dimensions)
	if m == nil {
		return out, nil
	}
	n := int((qe.end - qe.start + step - 1) / step)
	dist := x.stat.kind >= statPercentile
	byUnit, err := qe.e.collect(qe.ctx, m, ms.Unit, qe.start, step, n, false, dist)
	if err != nil {
		return nil, err
	}
	if ms.Unit == "" {
		var units []string
		for _, s := range qe.e.db.seriesOf(m) {
			units = append(units, s.unit)
		}
		sort.Strings(units)
		units = uniq(units)
		if len(units) > 1 && len(byUnit) > 0 {
			qe.messages[x.q.Id] = append(qe.messages[x.q.Id], messageData{Code: "MultipleUnits", Value: "Multiple units returned: '[" + strings.Join(units, ", ") + "]'"})
		}
		if len(units) == 1 {
			out.units = units
		}
	} else {
		out.units = []string{ms.Unit}
	}
	aggs := byUnit[""]
	counts := make([]float64, n)
	for i, a := range aggs {
		if a == nil {
			continue
		}
		counts[i] = a.n
		if v, ok := x.stat.value(a); ok {
			out.push(qe.start+int64(i)*step, v)
		}
	}
	if qe.counts != nil {
		qe.counts[x.q.Id] = counts
	}
	return out, nil
}

func uniq(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

const defaultMaxDatapoints = 100800

func (e *Engine) opGetMetricData(ctx context.Context, in *getMetricDataIn) (*getMetricDataOut, error) {
	if len(in.MetricDataQueries) > 500 {
		return nil, invalidValue("The collection MetricDataQueries must not have a size greater than 500.")
	}
	qs, byID, err := parseQueries(in.MetricDataQueries, "MetricDataQueries")
	if err != nil {
		return nil, err
	}
	returns := 0
	for _, x := range qs {
		if x.returns {
			returns++
		}
	}
	if returns == 0 {
		return nil, validation("No MetricDataQuery has ReturnData set to true: there is nothing to return.")
	}
	start, end := *in.StartTime, *in.EndTime
	if !start.Before(end) {
		return nil, invalidValue("The parameter StartTime must be less than the parameter EndTime.")
	}
	scanBy := in.ScanBy
	if scanBy == "" {
		scanBy = "TimestampDescending"
	}
	if scanBy != "TimestampDescending" && scanBy != "TimestampAscending" {
		return nil, enumErr(scanBy, "scanBy", "TimestampDescending, TimestampAscending")
	}
	maxDP := defaultMaxDatapoints
	if in.MaxDatapoints != nil {
		if *in.MaxDatapoints < 1 {
			return nil, rangeErr(int64(*in.MaxDatapoints), "maxDatapoints", 1)
		}
		maxDP = int(*in.MaxDatapoints)
	}
	offset := 0
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		o, cerr := strconv.Atoi(strings.TrimPrefix(string(b), "gmd:"))
		if err != nil || cerr != nil || !strings.HasPrefix(string(b), "gmd:") || o < 0 {
			return nil, ErrInvalidNextToken.New("The service cannot complete the request because the NextToken is invalid.")
		}
		offset = o
	}
	defaultLabels(qs)
	minPeriod := int64(0)
	for _, x := range qs {
		if x.period > 0 && (minPeriod == 0 || x.period < minPeriod) {
			minPeriod = x.period
		}
	}
	if minPeriod == 0 {
		minPeriod = 60
	}
	as := alignStart(start, minPeriod, e.clk.Now())
	qe := &queryEval{e: e, ctx: ctx, qs: qs, byID: byID, start: as.UnixMilli(), end: end.UnixMilli(), scale: 1,
		cache: map[string]mval{}, messages: map[string][]messageData{}}
	var results []metricDataResult
	var series [][]int // index order of points per result
	for _, x := range qs {
		if !x.returns {
			continue
		}
		v, err := qe.value(x.q.Id)
		if err != nil {
			return nil, err
		}
		var list []*tseries
		switch v.k {
		case kSeries:
			list = []*tseries{v.ser}
		case kArray:
			list = v.arr
		default:
			return nil, validation("Error in expression '%s': the expression must produce a time series or an array of time series", x.q.Id)
		}
		for _, s := range list {
			r := metricDataResult{Id: x.q.Id, Label: s.label, StatusCode: "Complete", Timestamps: []time.Time{}, Values: []float64{}, Messages: qe.messages[x.q.Id]}
			if x.q.Label != "" && v.k == kSeries {
				r.Label = x.q.Label
			}
			idx := make([]int, len(s.ts))
			for i := range idx {
				idx[i] = i
			}
			if scanBy == "TimestampDescending" {
				for i, j := 0, len(idx)-1; i < j; i, j = i+1, j-1 {
					idx[i], idx[j] = idx[j], idx[i]
				}
			}
			for _, i := range idx {
				r.Timestamps = append(r.Timestamps, time.UnixMilli(s.ts[i]).UTC())
				r.Values = append(r.Values, s.vs[i])
			}
			results = append(results, r)
			series = append(series, idx)
		}
	}
	// Paging over the concatenation of all results' points.
	out := &getMetricDataOut{Messages: []messageData{}, MetricDataResults: []metricDataResult{}}
	pos, emitted := 0, 0
	for _, r := range results {
		n := len(r.Values)
		from := 0
		if offset > pos {
			from = min(offset-pos, n)
		}
		pos += n
		take := min(n-from, maxDP-emitted)
		pr := r
		pr.Timestamps = r.Timestamps[from : from+take]
		pr.Values = r.Values[from : from+take]
		emitted += take
		if from+take < n {
			pr.StatusCode = "PartialData"
		}
		if from > 0 && from+take >= n && take == 0 {
			// Fully returned on an earlier page.
			pr.Timestamps, pr.Values = []time.Time{}, []float64{}
		}
		out.MetricDataResults = append(out.MetricDataResults, pr)
	}
	if offset+emitted < pos {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte("gmd:" + strconv.Itoa(offset+emitted)))
	}
	return out, nil
}

func (e *Engine) opListMetrics(ctx context.Context, in *listMetricsIn) (*listMetricsOut, error) {
	if in.RecentlyActive != "" && in.RecentlyActive != "PT3H" {
		return nil, invalidValue("The value %s for parameter RecentlyActive is invalid.", in.RecentlyActive)
	}
	if len(in.Dimensions) > 10 {
		return nil, invalidValue("The collection Dimensions must not have a size greater than 10.")
	}
	sc := awsctx.From(ctx)
	now := e.clk.Now()
	cutoff := now.Add(-14 * 24 * time.Hour).UnixMilli()
	if in.RecentlyActive == "PT3H" {
		cutoff = now.Add(-3 * time.Hour).UnixMilli()
	}
	type row struct {
		key string
		m   *metric
	}
	var rows []row
	for _, m := range e.db.metricsOf(sc.AccountID, sc.Region) {
		if in.Namespace != "" && m.ns != in.Namespace {
			continue
		}
		if in.MetricName != "" && m.name != in.MetricName {
			continue
		}
		if !matchDimFilters(m.dims, in.Dimensions) {
			continue
		}
		e.db.regMu.RLock()
		lp := m.lastPut()
		e.db.regMu.RUnlock()
		if lp < cutoff {
			continue
		}
		rows = append(rows, row{m.ns + "\x00" + m.name + "\x00" + m.key, m})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].key < rows[j].key })
	after := ""
	if in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil {
			return nil, ErrInvalidNextToken.New("The service cannot complete the request because the NextToken is invalid.")
		}
		after = string(b)
	}
	out := &listMetricsOut{Metrics: []metricShape{}}
	const page = 500
	for _, r := range rows {
		if after != "" && r.key <= after {
			continue
		}
		if len(out.Metrics) == page {
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(out.lastKey))
			break
		}
		dims := r.m.dims
		if dims == nil {
			dims = []Dimension{}
		}
		out.Metrics = append(out.Metrics, metricShape{Namespace: r.m.ns, MetricName: r.m.name, Dimensions: dims})
		out.lastKey = r.key
	}
	return out, nil
}

func matchDimFilters(dims []Dimension, filters []dimensionFilter) bool {
	for _, f := range filters {
		found := false
		for _, d := range dims {
			if d.Name == f.Name && (f.Value == "" || f.Value == d.Value) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
