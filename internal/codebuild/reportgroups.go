package codebuild

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skiff-dev/skiff/internal/awsctx"
	"github.com/skiff-dev/skiff/internal/codebuild/artifacts"
	"github.com/skiff-dev/skiff/internal/codebuild/buildspec"
	"github.com/skiff-dev/skiff/internal/codebuild/reports"
	"github.com/skiff-dev/skiff/internal/store"
)

// Reports expire 30 days after they are created.
const reportLifetime = 30 * 24 * time.Hour

func reportGroupARN(region, acct, name string) string {
	return awsctx.ARN("codebuild", region, acct, "report-group/"+name)
}

// reportGroupName extracts the name from a report group ARN of the
// caller's account and region.
func reportGroupName(ctx context.Context, arn string) (string, bool) {
	s := awsctx.From(ctx)
	a, ok := awsctx.ParseARN(arn)
	if !ok || a.Service != "codebuild" || a.Account != s.AccountID || a.Region != s.Region || !strings.HasPrefix(a.Resource, "report-group/") {
		return "", false
	}
	return strings.TrimPrefix(a.Resource, "report-group/"), true
}

// reportKey parses a report ARN (".../report/<group>:<uuid>") into its
// store key.
func reportKey(ctx context.Context, arn string) (string, bool) {
	s := awsctx.From(ctx)
	a, ok := awsctx.ParseARN(arn)
	if !ok || a.Service != "codebuild" || a.Account != s.AccountID || a.Region != s.Region || !strings.HasPrefix(a.Resource, "report/") {
		return "", false
	}
	group, id, ok := strings.Cut(strings.TrimPrefix(a.Resource, "report/"), ":")
	if !ok || group == "" || id == "" {
		return "", false
	}
	return projectKey(s.AccountID, s.Region, group) + "/" + id, true
}

// reportRecord is a stored report.
type reportRecord struct {
	Report Report `json:"report"`
	Group  string `json:"group"`
	Seq    int64  `json:"seq"`
}

func checkExportConfig(c *ReportExportConfig) error {
	var v validation
	v.enum("exportConfig.exportConfigType", c.ExportConfigType, "S3", "NO_EXPORT")
	if c.S3Destination != nil {
		v.enum("exportConfig.s3Destination.packaging", c.S3Destination.Packaging, "ZIP", "NONE")
	}
	if err := v.err(); err != nil {
		return err
	}
	if c.ExportConfigType == "S3" && (c.S3Destination == nil || c.S3Destination.Bucket == "") {
		return invalid("Invalid export config: an S3 bucket is required for export config type S3")
	}
	return nil
}

// CreateReportGroup creates a report group.
func (e *Engine) CreateReportGroup(ctx context.Context, name, typ string, export ReportExportConfig, tags []Tag) (*ReportGroup, error) {
	var v validation
	v.length("name", name, 2, 128)
	v.enum("type", typ, ReportTypeTest, ReportTypeCodeCoverage)
	if typ == "" {
		v.add("Value null at 'type' failed to satisfy constraint: Member must not be null")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkExportConfig(&export); err != nil {
		return nil, err
	}
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	now := e.clk.Now()
	if tags == nil {
		tags = []Tag{}
	}
	g := &ReportGroup{ARN: reportGroupARN(s.Region, s.AccountID, name), Name: name, Type: typ, ExportConfig: export,
		Created: now, LastModified: now, Tags: tags, Status: "ACTIVE"}
	err := e.st.Update(ctx, func(tx store.Tx) error {
		key := projectKey(s.AccountID, s.Region, name)
		if _, err := tx.GetRaw(bucketReportGroups, key); err == nil {
			return ErrResourceAlreadyExists.New("Report group already exists: %s", g.ARN)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Put(bucketReportGroups, key, g)
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

func (e *Engine) getReportGroup(ctx context.Context, arn string) (*ReportGroup, error) {
	name, ok := reportGroupName(ctx, arn)
	if !ok {
		return nil, ErrResourceNotFound.New("Report group not found: %s", arn)
	}
	s := awsctx.From(ctx)
	var g ReportGroup
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Get(bucketReportGroups, projectKey(s.AccountID, s.Region, name), &g)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrResourceNotFound.New("Report group not found: %s", arn)
	}
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// UpdateReportGroup changes a group's export configuration and/or tags.
func (e *Engine) UpdateReportGroup(ctx context.Context, arn string, export *ReportExportConfig, tags []Tag) (*ReportGroup, error) {
	if export != nil {
		if err := checkExportConfig(export); err != nil {
			return nil, err
		}
	}
	if err := checkTags(tags); err != nil {
		return nil, err
	}
	g, err := e.getReportGroup(ctx, arn)
	if err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	err = e.st.Update(ctx, func(tx store.Tx) error {
		if export != nil {
			g.ExportConfig = *export
		}
		if tags != nil {
			g.Tags = tags
		}
		g.LastModified = e.clk.Now()
		return tx.Put(bucketReportGroups, projectKey(s.AccountID, s.Region, g.Name), g)
	})
	return g, err
}

// DeleteReportGroup deletes a report group; one with reports only with
// deleteReports, which deletes them too.
func (e *Engine) DeleteReportGroup(ctx context.Context, arn string, deleteReports bool) error {
	name, ok := reportGroupName(ctx, arn)
	if !ok {
		return invalid("Invalid report group ARN: %s", arn)
	}
	s := awsctx.From(ctx)
	gk := projectKey(s.AccountID, s.Region, name)
	return e.st.Update(ctx, func(tx store.Tx) error {
		var keys []string
		var seqs []int64
		err := tx.Scan(bucketReports, store.ScanOptions{Prefix: gk + "/"}, func(k string, v []byte) error {
			var r reportRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			keys = append(keys, k)
			seqs = append(seqs, r.Seq)
			return nil
		})
		if err != nil {
			return err
		}
		if len(keys) > 0 && !deleteReports {
			return invalid("Report group %s has reports. Set deleteReports to delete the report group with its reports", arn)
		}
		for i, k := range keys {
			if err := deleteReportTx(tx, s.AccountID, s.Region, k, seqs[i]); err != nil {
				return err
			}
		}
		return tx.Delete(bucketReportGroups, gk)
	})
}

func deleteReportTx(tx store.Tx, acct, region, key string, seq int64) error {
	if err := tx.Delete(bucketReports, key); err != nil {
		return err
	}
	if err := tx.Delete(bucketReportSeq, projectKey(acct, region, seqKey(seq))); err != nil {
		return err
	}
	if _, err := tx.DeletePrefix(bucketTestCases, key+"/"); err != nil {
		return err
	}
	_, err := tx.DeletePrefix(bucketCoverage, key+"/")
	return err
}

// DeleteReport deletes one report.
func (e *Engine) DeleteReport(ctx context.Context, arn string) error {
	key, ok := reportKey(ctx, arn)
	if !ok {
		return invalid("Invalid report ARN: %s", arn)
	}
	s := awsctx.From(ctx)
	return e.st.Update(ctx, func(tx store.Tx) error {
		var r reportRecord
		if err := tx.Get(bucketReports, key, &r); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil
			}
			return err
		}
		return deleteReportTx(tx, s.AccountID, s.Region, key, r.Seq)
	})
}

// BatchGetReportGroups returns report groups by ARN.
func (e *Engine) BatchGetReportGroups(ctx context.Context, arns []string) ([]*ReportGroup, []string, error) {
	if len(arns) == 0 || len(arns) > 100 {
		return nil, nil, invalid("1 validation error detected: Value at 'reportGroupArns' failed to satisfy constraint: Member must have length between 1 and 100")
	}
	found, missing := []*ReportGroup{}, []string{}
	for _, a := range arns {
		g, err := e.getReportGroup(ctx, a)
		if err != nil {
			if ErrResourceNotFound.Is(err) {
				missing = append(missing, a)
				continue
			}
			return nil, nil, err
		}
		found = append(found, g)
	}
	return found, missing, nil
}

func pageSize(maxResults *int32) (int, error) {
	if maxResults == nil {
		return 100, nil
	}
	if *maxResults < 1 || *maxResults > 100 {
		var v validation
		v.rangeInt("maxResults", maxResults, 1, 100)
		return 0, v.err()
	}
	return int(*maxResults), nil
}

// ListReportGroups lists report group ARNs.
func (e *Engine) ListReportGroups(ctx context.Context, sortBy, sortOrder, nextToken string, maxResults *int32) ([]string, string, error) {
	var v validation
	v.enum("sortBy", sortBy, "NAME", "CREATED_TIME", "LAST_MODIFIED_TIME")
	v.enum("sortOrder", sortOrder, "ASCENDING", "DESCENDING")
	if err := v.err(); err != nil {
		return nil, "", err
	}
	size, err := pageSize(maxResults)
	if err != nil {
		return nil, "", err
	}
	s := awsctx.From(ctx)
	var gs []ReportGroup
	err = e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketReportGroups, store.ScanOptions{Prefix: s.AccountID + "/" + s.Region + "/"}, func(_ string, b []byte) error {
			var g ReportGroup
			if err := json.Unmarshal(b, &g); err != nil {
				return err
			}
			gs = append(gs, g)
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	less := func(a, b *ReportGroup) bool { return a.Name < b.Name }
	switch sortBy {
	case "CREATED_TIME":
		less = func(a, b *ReportGroup) bool { return a.Created.Before(b.Created) }
	case "LAST_MODIFIED_TIME":
		less = func(a, b *ReportGroup) bool { return a.LastModified.Before(b.LastModified) }
	}
	sort.SliceStable(gs, func(i, j int) bool {
		if sortOrder == "DESCENDING" {
			return less(&gs[j], &gs[i])
		}
		return less(&gs[i], &gs[j])
	})
	return page(len(gs), nextToken, size, func(i int) string { return gs[i].ARN })
}

// listReports returns reports (of one group, or all), newest first unless
// ASCENDING, filtered by status.
func (e *Engine) listReports(ctx context.Context, group, sortOrder, status string) ([]reportRecord, error) {
	var v validation
	v.enum("sortOrder", sortOrder, "ASCENDING", "DESCENDING")
	v.enum("filter.status", status, "GENERATING", "SUCCEEDED", "FAILED", "INCOMPLETE", "DELETING")
	if err := v.err(); err != nil {
		return nil, err
	}
	s := awsctx.From(ctx)
	prefix := s.AccountID + "/" + s.Region + "/"
	if group != "" {
		prefix += group + "/"
	}
	var rs []reportRecord
	err := e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketReports, store.ScanOptions{Prefix: prefix}, func(_ string, b []byte) error {
			var r reportRecord
			if err := json.Unmarshal(b, &r); err != nil {
				return err
			}
			if status == "" || r.Report.Status == status {
				rs = append(rs, r)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(rs, func(i, j int) bool {
		if sortOrder == "ASCENDING" {
			return rs[i].Seq < rs[j].Seq
		}
		return rs[i].Seq > rs[j].Seq
	})
	return rs, nil
}

// ListReports lists report ARNs of the account and region.
func (e *Engine) ListReports(ctx context.Context, sortOrder, nextToken string, maxResults *int32, status string) ([]string, string, error) {
	size, err := pageSize(maxResults)
	if err != nil {
		return nil, "", err
	}
	rs, err := e.listReports(ctx, "", sortOrder, status)
	if err != nil {
		return nil, "", err
	}
	return page(len(rs), nextToken, size, func(i int) string { return rs[i].Report.ARN })
}

// ListReportsForReportGroup lists one group's report ARNs.
func (e *Engine) ListReportsForReportGroup(ctx context.Context, groupARN, sortOrder, nextToken string, maxResults *int32, status string) ([]string, string, error) {
	size, err := pageSize(maxResults)
	if err != nil {
		return nil, "", err
	}
	g, err := e.getReportGroup(ctx, groupARN)
	if err != nil {
		return nil, "", err
	}
	rs, err := e.listReports(ctx, g.Name, sortOrder, status)
	if err != nil {
		return nil, "", err
	}
	return page(len(rs), nextToken, size, func(i int) string { return rs[i].Report.ARN })
}

// BatchGetReports returns reports by ARN.
func (e *Engine) BatchGetReports(ctx context.Context, arns []string) ([]*Report, []string, error) {
	if len(arns) == 0 || len(arns) > 100 {
		return nil, nil, invalid("1 validation error detected: Value at 'reportArns' failed to satisfy constraint: Member must have length between 1 and 100")
	}
	found, missing := []*Report{}, []string{}
	err := e.st.View(ctx, func(tx store.Tx) error {
		for _, a := range arns {
			key, ok := reportKey(ctx, a)
			var r reportRecord
			if ok {
				if err := tx.Get(bucketReports, key, &r); err == nil {
					rep := r.Report
					found = append(found, &rep)
					continue
				} else if !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
			missing = append(missing, a)
		}
		return nil
	})
	return found, missing, err
}

func (e *Engine) getReport(ctx context.Context, arn string) (string, *reportRecord, error) {
	key, ok := reportKey(ctx, arn)
	if !ok {
		return "", nil, ErrResourceNotFound.New("Report not found: %s", arn)
	}
	var r reportRecord
	err := e.st.View(ctx, func(tx store.Tx) error { return tx.Get(bucketReports, key, &r) })
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, ErrResourceNotFound.New("Report not found: %s", arn)
	}
	return key, &r, err
}

// DescribeTestCases pages through a report's test cases, filtered by
// status and by a keyword in the name or prefix.
func (e *Engine) DescribeTestCases(ctx context.Context, reportARN, nextToken string, maxResults *int32, status, keyword string) ([]TestCase, string, error) {
	size, err := pageSize(maxResults)
	if err != nil {
		return nil, "", err
	}
	key, _, err := e.getReport(ctx, reportARN)
	if err != nil {
		return nil, "", err
	}
	var cases []TestCase
	err = e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketTestCases, store.ScanOptions{Prefix: key + "/"}, func(_ string, b []byte) error {
			var tc TestCase
			if err := json.Unmarshal(b, &tc); err != nil {
				return err
			}
			if status != "" && tc.Status != status {
				return nil
			}
			if keyword != "" && !strings.Contains(tc.Name, keyword) && !strings.Contains(tc.Prefix, keyword) {
				return nil
			}
			cases = append(cases, tc)
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	start, end, next, err := pageRange(len(cases), nextToken, size)
	if err != nil {
		return nil, "", err
	}
	return cases[start:end], next, nil
}

func pageRange(n int, nextToken string, size int) (int, int, string, error) {
	start := 0
	if nextToken != "" {
		i, err := parseIndexToken(nextToken)
		if err != nil || i > n {
			return 0, 0, "", invalid("Invalid next token provided")
		}
		start = i
	}
	end := min(start+size, n)
	next := ""
	if end < n {
		next = indexToken(end)
	}
	return start, end, next, nil
}

// DescribeCodeCoverages pages through a coverage report's files.
func (e *Engine) DescribeCodeCoverages(ctx context.Context, reportARN, nextToken string, maxResults *int32, sortOrder, sortBy string, minLine, maxLine *float64) ([]CodeCoverage, string, error) {
	var v validation
	v.enum("sortOrder", sortOrder, "ASCENDING", "DESCENDING")
	v.enum("sortBy", sortBy, "LINE_COVERAGE_PERCENTAGE", "FILE_PATH")
	if err := v.err(); err != nil {
		return nil, "", err
	}
	size, err := pageSize(maxResults)
	if err != nil {
		return nil, "", err
	}
	key, ok := reportKey(ctx, reportARN)
	if !ok {
		return nil, "", invalid("Invalid report ARN: %s", reportARN)
	}
	var covs []CodeCoverage
	err = e.st.View(ctx, func(tx store.Tx) error {
		return tx.Scan(bucketCoverage, store.ScanOptions{Prefix: key + "/"}, func(_ string, b []byte) error {
			var c CodeCoverage
			if err := json.Unmarshal(b, &c); err != nil {
				return err
			}
			if minLine != nil && c.LineCoveragePercentage < *minLine {
				return nil
			}
			if maxLine != nil && c.LineCoveragePercentage > *maxLine {
				return nil
			}
			covs = append(covs, c)
			return nil
		})
	})
	if err != nil {
		return nil, "", err
	}
	sort.SliceStable(covs, func(i, j int) bool {
		a, b := &covs[i], &covs[j]
		if sortBy == "LINE_COVERAGE_PERCENTAGE" && a.LineCoveragePercentage != b.LineCoveragePercentage {
			return a.LineCoveragePercentage < b.LineCoveragePercentage
		}
		return a.FilePath < b.FilePath
	})
	if sortOrder == "DESCENDING" {
		for i, j := 0, len(covs)-1; i < j; i, j = i+1, j-1 {
			covs[i], covs[j] = covs[j], covs[i]
		}
	}
	start, end, next, err := pageRange(len(covs), nextToken, size)
	if err != nil {
		return nil, "", err
	}
	return covs[start:end], next, nil
}

// ReportGroupTrendStats is GetReportGroupTrend's stats.
type ReportGroupTrendStats struct {
	Average string `json:"average,omitempty"`
	Max     string `json:"max,omitempty"`
	Min     string `json:"min,omitempty"`
}

// ReportWithRawData is one report's trend value.
type ReportWithRawData struct {
	ReportArn string `json:"reportArn"`
	Data      string `json:"data"`
}

func formatStat(f float64) string {
	if f == math.Trunc(f) {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

// GetReportGroupTrend computes a trend over a group's latest reports
// (numOfReports, default 100).
func (e *Engine) GetReportGroupTrend(ctx context.Context, groupARN string, numOfReports *int32, field string) (*ReportGroupTrendStats, []ReportWithRawData, error) {
	var v validation
	v.enum("trendField", field, "PASS_RATE", "DURATION", "TOTAL", "LINE_COVERAGE", "LINES_COVERED", "LINES_MISSED", "BRANCH_COVERAGE", "BRANCHES_COVERED", "BRANCHES_MISSED")
	if field == "" {
		v.add("Value null at 'trendField' failed to satisfy constraint: Member must not be null")
	}
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	n, err := pageSize(numOfReports)
	if err != nil {
		return nil, nil, err
	}
	g, err := e.getReportGroup(ctx, groupARN)
	if err != nil {
		return nil, nil, err
	}
	rs, err := e.listReports(ctx, g.Name, "DESCENDING", "")
	if err != nil {
		return nil, nil, err
	}
	if len(rs) > n {
		rs = rs[:n]
	}
	raw := []ReportWithRawData{}
	var sum, lo, hi float64
	count := 0
	for _, r := range rs {
		val, ok := trendValue(&r.Report, field)
		if !ok {
			continue
		}
		raw = append(raw, ReportWithRawData{ReportArn: r.Report.ARN, Data: formatStat(val)})
		if count == 0 || val < lo {
			lo = val
		}
		if count == 0 || val > hi {
			hi = val
		}
		sum += val
		count++
	}
	stats := &ReportGroupTrendStats{}
	if count > 0 {
		stats.Average, stats.Max, stats.Min = formatStat(sum/float64(count)), formatStat(hi), formatStat(lo)
	}
	return stats, raw, nil
}

func trendValue(r *Report, field string) (float64, bool) {
	if t := r.TestSummary; t != nil {
		switch field {
		case "PASS_RATE":
			if t.Total == 0 {
				return 0, true
			}
			return float64(t.StatusCounts[reports.Succeeded]) * 100 / float64(t.Total), true
		case "DURATION":
			return float64(t.DurationInNanoSeconds), true
		case "TOTAL":
			return float64(t.Total), true
		}
	}
	if c := r.CodeCoverageSummary; c != nil {
		switch field {
		case "LINE_COVERAGE":
			return c.LineCoveragePercentage, true
		case "LINES_COVERED":
			return float64(c.LinesCovered), true
		case "LINES_MISSED":
			return float64(c.LinesMissed), true
		case "BRANCH_COVERAGE":
			return c.BranchCoveragePercentage, true
		case "BRANCHES_COVERED":
			return float64(c.BranchesCovered), true
		case "BRANCHES_MISSED":
			return float64(c.BranchesMissed), true
		}
	}
	return 0, false
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// processReports turns the buildspec's reports into reports of their
// groups (UPLOAD_ARTIFACTS). A group named in the buildspec is
// "<project>-<name>" and created on first use; report problems are logged
// and never fail the build.
func (x *execution) processReports() {
	for _, r := range x.spec.Reports {
		x.processReport(r)
	}
}

func (x *execution) processReport(r buildspec.Report) {
	ctx := x.bg
	b := &x.rec.Build
	typ := ReportTypeTest
	if buildspec.IsCoverageFormat(r.FileFormat) {
		typ = ReportTypeCodeCoverage
	}
	var groupARN string
	if a, ok := awsctx.ParseARN(r.Group); ok && strings.HasPrefix(a.Resource, "report-group/") {
		groupARN = r.Group
	} else {
		groupARN = reportGroupARN(x.rec.Region, x.rec.Account, b.ProjectName+"-"+r.Group)
	}
	g, err := x.e.getReportGroup(ctx, groupARN)
	if ErrResourceNotFound.Is(err) && groupARN != r.Group {
		name, _ := reportGroupName(ctx, groupARN)
		g, err = x.e.CreateReportGroup(ctx, name, typ, ReportExportConfig{ExportConfigType: "NO_EXPORT"}, nil)
		if ErrResourceAlreadyExists.Is(err) {
			g, err = x.e.getReportGroup(ctx, groupARN)
		}
	}
	if err != nil {
		x.sink.container(fmt.Sprintf("Error in UPLOAD_ARTIFACTS phase: report group %s: %v", groupARN, err))
		return
	}
	if g.Type != typ {
		x.sink.container(fmt.Sprintf("Error in UPLOAD_ARTIFACTS phase: report group %s is of type %s, file format %s needs %s", groupARN, g.Type, r.FileFormat, typ))
		return
	}
	x.sink.container(fmt.Sprintf("Preparing to copy %s report files for report group %s", typ, groupARN))
	files, err := artifacts.Collect(x.srcDir, artifacts.Spec{Files: r.Files, BaseDirectory: r.BaseDirectory, DiscardPaths: r.DiscardPaths})
	if err != nil {
		x.sink.container(fmt.Sprintf("Error in UPLOAD_ARTIFACTS phase: report group %s: %v", groupARN, err))
		return
	}
	now := x.now()
	uuid := newUUID()
	rep := Report{
		ARN:  awsctx.ARN("codebuild", x.rec.Region, x.rec.Account, "report/"+g.Name+":"+uuid),
		Type: typ, Name: g.Name, ReportGroupArn: g.ARN, ExecutionID: b.ARN, Status: "SUCCEEDED",
		Created: now, Expired: now.Add(reportLifetime), ExportConfig: g.ExportConfig,
	}
	var cases []TestCase
	var covs []CodeCoverage
	parsed, failedFiles := 0, 0
	for _, f := range files {
		fh, err := os.Open(f.Path)
		if err != nil {
			failedFiles++
			continue
		}
		if typ == ReportTypeTest {
			tcs, err := reports.ParseTests(r.FileFormat, fh)
			if err != nil {
				x.sink.container(fmt.Sprintf("Error parsing report file %s: %v", f.Name, err))
				failedFiles++
			} else {
				parsed++
			}
			for _, tc := range tcs {
				cases = append(cases, TestCase{ReportArn: rep.ARN, TestRawDataPath: f.Name, Prefix: tc.Prefix, Name: tc.Name,
					Status: tc.Status, DurationInNanoSeconds: tc.DurationNanos, Message: x.mask(tc.Message), Expired: rep.Expired, TestSuiteName: tc.Suite})
			}
		} else {
			fcs, err := reports.ParseCoverage(r.FileFormat, fh)
			if err != nil {
				x.sink.container(fmt.Sprintf("Error parsing report file %s: %v", f.Name, err))
				failedFiles++
			} else {
				parsed++
			}
			for _, fc := range fcs {
				covs = append(covs, CodeCoverage{ID: newUUID(), ReportARN: rep.ARN, FilePath: fc.Path,
					LineCoveragePercentage: round2(fc.LinePercent()), LinesCovered: int32(fc.LinesCovered), LinesMissed: int32(fc.LinesMissed),
					BranchCoveragePercentage: round2(fc.BranchPercent()), BranchesCovered: int32(fc.BranchesCovered), BranchesMissed: int32(fc.BranchesMissed),
					Expired: rep.Expired})
			}
		}
		fh.Close()
	}
	if typ == ReportTypeTest {
		var rc []reports.TestCase
		for _, tc := range cases {
			rc = append(rc, reports.TestCase{Status: tc.Status, DurationNanos: tc.DurationInNanoSeconds})
		}
		sum := reports.SummarizeTests(rc)
		counts := map[string]int32{}
		for k, v := range sum.StatusCounts {
			counts[k] = int32(v)
		}
		rep.TestSummary = &TestReportSummary{Total: int32(sum.Total), StatusCounts: counts, DurationInNanoSeconds: sum.DurationNanos}
		if counts[reports.Failed]+counts[reports.Error] > 0 {
			rep.Status = "FAILED"
		}
	} else {
		var fcs []reports.FileCoverage
		for _, c := range covs {
			fcs = append(fcs, reports.FileCoverage{LinesCovered: int(c.LinesCovered), LinesMissed: int(c.LinesMissed), BranchesCovered: int(c.BranchesCovered), BranchesMissed: int(c.BranchesMissed)})
		}
		sum := reports.SummarizeCoverage(fcs)
		rep.CodeCoverageSummary = &CodeCoverageReportSummary{
			LineCoveragePercentage: round2(sum.LinePercent()), LinesCovered: int32(sum.LinesCovered), LinesMissed: int32(sum.LinesMissed),
			BranchCoveragePercentage: round2(sum.BranchPercent()), BranchesCovered: int32(sum.BranchesCovered), BranchesMissed: int32(sum.BranchesMissed),
		}
	}
	if failedFiles > 0 {
		rep.Status = "INCOMPLETE"
		if parsed == 0 {
			rep.Status = "FAILED"
		}
	}
	x.exportReport(g, &rep, files)
	key, _ := reportKey(ctx, rep.ARN)
	err = x.e.st.Update(ctx, func(tx store.Tx) error {
		seq, err := tx.NextSeq("codebuild.reports")
		if err != nil {
			return err
		}
		if err := tx.Put(bucketReports, key, reportRecord{Report: rep, Group: g.Name, Seq: seq}); err != nil {
			return err
		}
		if err := tx.PutRaw(bucketReportSeq, projectKey(x.rec.Account, x.rec.Region, seqKey(seq)), []byte(key)); err != nil {
			return err
		}
		for i, tc := range cases {
			if err := tx.Put(bucketTestCases, fmt.Sprintf("%s/%08d", key, i), tc); err != nil {
				return err
			}
		}
		for i, c := range covs {
			if err := tx.Put(bucketCoverage, fmt.Sprintf("%s/%08d", key, i), c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		x.sink.container(fmt.Sprintf("Error in UPLOAD_ARTIFACTS phase: store report: %v", err))
		return
	}
	b.ReportArns = append(b.ReportArns, rep.ARN)
	if typ == ReportTypeTest {
		x.sink.container(fmt.Sprintf("Report %s: %d test case(s), status %s", rep.ARN, len(cases), rep.Status))
	} else {
		x.sink.container(fmt.Sprintf("Report %s: %d file(s), line coverage %s%%", rep.ARN, len(covs), formatStat(rep.CodeCoverageSummary.LineCoveragePercentage)))
	}
}

// exportReport copies the raw report files to the group's S3 export
// destination: <path>/<report uuid>.zip, or the files under
// <path>/<report uuid>/.
func (x *execution) exportReport(g *ReportGroup, rep *Report, files []artifacts.File) {
	d := g.ExportConfig.S3Destination
	if g.ExportConfig.ExportConfigType != "S3" || d == nil || x.e.deps.Objects == nil {
		return
	}
	id := rep.ARN[strings.LastIndexByte(rep.ARN, ':')+1:]
	var err error
	if d.Packaging == "ZIP" {
		_, _, err = x.putZip(d.Bucket, joinKey(d.Path, id+".zip"), files)
	} else {
		for _, f := range files {
			if err = x.putFile(d.Bucket, joinKey(d.Path, id, f.Name), f); err != nil {
				break
			}
		}
	}
	if err != nil {
		x.sink.container(fmt.Sprintf("Unable to export report files to s3://%s/%s: %v", d.Bucket, d.Path, err))
	}
}
