package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/skiff-dev/skiff/internal/apierr"
	"github.com/skiff-dev/skiff/internal/awsctx"
)

// PutMetricData stores data in namespace for the account and region in
// ctx. It returns once the data is durable. Other skiff services publish
// their AWS/* metrics through it; the wire operation adds the checks that
// only apply to callers (the AWS/ namespace reservation, the request size).
func (e *Engine) PutMetricData(ctx context.Context, namespace string, data []Datum) error {
	sc := awsctx.From(ctx)
	if sc.AccountID == "" || sc.Region == "" {
		return errors.New("cloudwatch: PutMetricData needs an account and region in the context")
	}
	if err := validateNamespace(namespace); err != nil {
		return err
	}
	if len(data) == 0 {
		return missing("MetricData")
	}
	if len(data) > maxDatumsPerRequest {
		return invalidValue("The collection MetricData must not have a size greater than %d.", maxDatumsPerRequest)
	}
	now := e.clk.Now()
	nowMs := now.UnixMilli()
	r := &walReq{entries: make([]walEntry, 0, len(data))}
	var dimBuf []Dimension
	var last *series
	for i := range data {
		d := &data[i]
		if err := validateDatum(d, i+1, now); err != nil {
			return err
		}
		dims := d.Dimensions
		if !dimsSorted(dims) {
			dimBuf = append(dimBuf[:0], dims...)
			dims = sortedDims(dimBuf)
		}
		hires := d.StorageResolution == 1
		// Consecutive datums of one series (the common batch shape) skip
		// the registry.
		var s *series
		if last != nil && last.name == d.MetricName && last.unit == unitName(d.Unit) && last.hires == hires && sameDims(last.dims, dims) {
			s = last
		} else {
			var created bool
			s, created = e.db.lookup(sc.AccountID, sc.Region, namespace, d.MetricName, dims, unitName(d.Unit), hires)
			if created || !s.persisted.Load() {
				r.newSeries = append(r.newSeries, s)
			}
			last = s
		}
		s.lastPut.Store(nowMs)
		ts := nowMs
		if !d.Timestamp.IsZero() {
			ts = d.Timestamp.UnixMilli()
		}
		we := walEntry{s: s, ts: ts}
		switch {
		case d.StatisticValues != nil:
			we.kind, we.set = 2, *d.StatisticValues
		case len(d.Values) > 0:
			we.kind, we.vals, we.cnts = 1, d.Values, d.Counts
		default:
			we.kind, we.v = 0, d.Value
		}
		r.entries = append(r.entries, we)
	}
	r.rec = encodeWAL(make([]byte, 0, 16+len(r.entries)*20), r.entries)
	return e.db.submit(ctx, r)
}

// unitName stores "no unit" as None, as CloudWatch reports it.
func unitName(u string) string {
	if u == "" {
		return "None"
	}
	return u
}

func sameDims(a, b []Dimension) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func validateNamespace(ns string) error {
	if ns == "" {
		return missing("Namespace")
	}
	if len(ns) > 255 {
		return lengthErr(ns, "namespace", 1, 255)
	}
	if ns[0] == ':' {
		return ErrValidation.New("1 validation error detected: Value '%s' at 'namespace' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:].*", ns)
	}
	for _, r := range ns {
		if r < 0x20 || r > 0x7e {
			return invalidValue("The parameter Namespace must be a valid ascii string.")
		}
	}
	return nil
}

func validateDimensions(dims []Dimension, path string) error {
	if len(dims) > maxDimensions {
		return invalidValue("The collection %s must not have a size greater than %d.", path, maxDimensions)
	}
	for j, dm := range dims {
		if dm.Name != "" && dm.Value != "" && len(dm.Name) <= 255 && len(dm.Value) <= 1024 {
			dup := false
			for _, o := range dims[:j] {
				if o.Name == dm.Name {
					dup = true
					break
				}
			}
			if !dup {
				continue
			}
		}
		p := fmt.Sprintf("%s.member.%d", path, j+1)
		if dm.Name == "" {
			return missing(p + ".Name")
		}
		if dm.Value == "" {
			return missing(p + ".Value")
		}
		if len(dm.Name) > 255 {
			return invalidValue("The parameter %s.Name must be shorter than 256 characters.", p)
		}
		if len(dm.Value) > 1024 {
			return invalidValue("The parameter %s.Value must be shorter than 1025 characters.", p)
		}
		return invalidValue("No metric may have duplicate dimension names: %s.", dm.Name)
	}
	return nil
}

func validateDatum(d *Datum, n int, now time.Time) *apierr.Error {
	if datumOK(d, now) {
		return nil
	}
	p := "MetricData.member." + strconv.Itoa(n)
	if d.MetricName == "" {
		return missing(p + ".MetricName")
	}
	if len(d.MetricName) > 255 {
		return lengthErr(d.MetricName, fmt.Sprintf("metricData.%d.member.metricName", n), 1, 255)
	}
	if err := validateDimensions(d.Dimensions, p+".Dimensions"); err != nil {
		ae, _ := apierr.As(err)
		return ae
	}
	if !validUnit(d.Unit) {
		return enumErr(d.Unit, fmt.Sprintf("metricData.%d.member.unit", n), unitEnumList)
	}
	if d.StorageResolution != 0 && d.StorageResolution != 1 && d.StorageResolution != 60 {
		return invalidValue("The value %d for parameter %s.StorageResolution is invalid. Valid values are 1 and 60.", d.StorageResolution, p)
	}
	if !d.Timestamp.IsZero() {
		if d.Timestamp.Before(now.Add(-datumMaxAge)) {
			return invalidValue("The parameter %s.Timestamp must specify a time within the past two weeks.", p)
		}
		if d.Timestamp.After(now.Add(datumMaxAhead)) {
			return invalidValue("The parameter %s.Timestamp must specify a time no more than two hours in the future.", p)
		}
	}
	switch {
	case d.StatisticValues != nil:
		if len(d.Values) > 0 {
			return ErrInvalidParameterCombo.New("The parameters %s.Values and %s.StatisticValues are mutually exclusive and you have specified both.", p, p)
		}
		s := d.StatisticValues
		sp := p + ".StatisticValues"
		for _, f := range []struct {
			name string
			v    float64
		}{{"SampleCount", s.SampleCount}, {"Sum", s.Sum}, {"Minimum", s.Minimum}, {"Maximum", s.Maximum}} {
			if !validValue(f.v) {
				return invalidValue("The value %s for parameter %s.%s is invalid.", fmtFloat(f.v), sp, f.name)
			}
		}
		if s.SampleCount <= 0 {
			return invalidValue("The parameter %s.SampleCount must be greater than 0.", sp)
		}
		if s.Maximum < s.Minimum {
			return invalidValue("The parameter %s.Maximum must be greater than %s.Minimum.", sp, sp)
		}
	case len(d.Values) > 0:
		if len(d.Values) > maxValuesPerDatum {
			return invalidValue("The collection %s.Values must not have a size greater than %d.", p, maxValuesPerDatum)
		}
		if len(d.Counts) > 0 && len(d.Counts) != len(d.Values) {
			return invalidValue("The parameters %s.Values and %s.Counts must be of the same size.", p, p)
		}
		for j, v := range d.Values {
			if !validValue(v) {
				return invalidValue("The value %s for parameter %s.Values.member.%d is invalid.", fmtFloat(v), p, j+1)
			}
		}
		for j, c := range d.Counts {
			if !validValue(c) || c < 0 {
				return invalidValue("The value %s for parameter %s.Counts.member.%d is invalid.", fmtFloat(c), p, j+1)
			}
		}
	default:
		if len(d.Counts) > 0 {
			return invalidValue("The parameters %s.Values and %s.Counts must be of the same size.", p, p)
		}
		if !validValue(d.Value) {
			return invalidValue("The value %s for parameter %s.Value is invalid.", fmtFloat(d.Value), p)
		}
	}
	return nil
}

// datumOK is the fast path of validateDatum for well-formed datums.
func datumOK(d *Datum, now time.Time) bool {
	if d.MetricName == "" || len(d.MetricName) > 255 || len(d.Dimensions) > maxDimensions || !validUnit(d.Unit) {
		return false
	}
	if d.StorageResolution != 0 && d.StorageResolution != 1 && d.StorageResolution != 60 {
		return false
	}
	for j, dm := range d.Dimensions {
		if dm.Name == "" || dm.Value == "" || len(dm.Name) > 255 || len(dm.Value) > 1024 {
			return false
		}
		for _, o := range d.Dimensions[:j] {
			if o.Name == dm.Name {
				return false
			}
		}
	}
	if !d.Timestamp.IsZero() && (d.Timestamp.Before(now.Add(-datumMaxAge)) || d.Timestamp.After(now.Add(datumMaxAhead))) {
		return false
	}
	if d.StatisticValues != nil || len(d.Values) > 0 || len(d.Counts) > 0 {
		return false // checked in full
	}
	return validValue(d.Value)
}

var unitEnumList = func() string {
	s := ""
	for i, u := range StandardUnits {
		if i > 0 {
			s += ", "
		}
		s += u
	}
	return s
}()
