package reports

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestParseTests(t *testing.T) {
	for _, c := range []struct {
		format, file string
		// want lists "suite|prefix|name|status|durationNanos" per case.
		want    []string
		message map[string]string // test name → message substring
	}{
		{"JUNITXML", "junit.xml", []string{
			"calculator|calculator add|adds 1 + 2 to equal 3|SUCCEEDED|3000000",
			"calculator|calculator add|adds negatives|FAILED|250000000",
			"calculator|calculator div|divides by zero|ERROR|1000000",
			"calculator|calculator div|later|SKIPPED|0",
			"inner|pkg.Inner|nested|SUCCEEDED|1500000000",
		}, map[string]string{"adds negatives": "expected -3, got 3\nAssertionError", "divides by zero": "TypeError", "later": "not implemented"}},
		{"JUNITXML", "go-junit.xml", []string{
			"github.com/acme/app|github.com/acme/app|TestA|SUCCEEDED|4000000",
			"github.com/acme/app|github.com/acme/app|TestB|SUCCEEDED|6000000",
		}, nil},
		{"TESTNGXML", "testng-results.xml", []string{
			"Default suite|com.acme.CalculatorTest|testAdd|SUCCEEDED|12000000",
			"Default suite|com.acme.CalculatorTest|testDivide|FAILED|30000000",
			"Default suite|com.acme.CalculatorTest|testLater|SKIPPED|0",
			"Default suite|com.acme.CalculatorTest|testSub|SUCCEEDED|1000000000",
		}, map[string]string{"testDivide": "java.lang.ArithmeticException\n/ by zero"}},
		{"NUNITXML", "nunit2.xml", []string{
			"CalculatorTests|Acme.CalculatorTests|Add|SUCCEEDED|10000000",
			"CalculatorTests|Acme.CalculatorTests|Divide|FAILED|20000000",
			"CalculatorTests|Acme.CalculatorTests|Crash|ERROR|1000000",
			"CalculatorTests|Acme.CalculatorTests|Later|SKIPPED|0",
		}, map[string]string{"Divide": "Expected: 2  But was:  3", "Later": "not yet"}},
		{"NUNIT3XML", "nunit3.xml", []string{
			"MathTests|Acme.MathTests|Adds|SUCCEEDED|12000000",
			"MathTests|Acme.MathTests|Divides|FAILED|100000000",
			"MathTests|Acme.MathTests|Throws|ERROR|1000000",
			"MathTests|Acme.MathTests|Later|SKIPPED|0",
		}, map[string]string{"Throws": "boom"}},
		{"VISUALSTUDIOTRX", "results.trx", []string{
			"builder@host 2023-05-01 10:00:00|Acme.Tests.CalculatorTests|Add_ReturnsSum|SUCCEEDED|12345600",
			"builder@host 2023-05-01 10:00:00|Acme.Tests.CalculatorTests|Divide_ByZero|FAILED|1500000000",
			"builder@host 2023-05-01 10:00:00|Acme.Tests.CalculatorTests|Later|SKIPPED|0",
		}, map[string]string{"Divide_ByZero": "Expected:<1>. Actual:<0>."}},
		{"CUCUMBERJSON", "cucumber.json", []string{
			"Login|features/login.feature|Successful login|SUCCEEDED|5000000",
			"Login|features/login.feature|Wrong password|FAILED|1500000",
			"Login|features/login.feature|Not yet|SKIPPED|0",
		}, map[string]string{"Wrong password": "Then I see an error\nexpected error banner"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			f, err := os.Open("testdata/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cases, err := ParseTests(c.format, f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tc := range cases {
				got = append(got, fmt.Sprintf("%s|%s|%s|%s|%d", tc.Suite, tc.Prefix, tc.Name, tc.Status, tc.DurationNanos))
				if want, ok := c.message[tc.Name]; ok && !strings.Contains(tc.Message, want) {
					t.Errorf("%s: message %q lacks %q", tc.Name, tc.Message, want)
				}
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestParseCoverage(t *testing.T) {
	for _, c := range []struct {
		format, file string
		// want lists "path lines-covered/missed branches-covered/missed".
		want []string
	}{
		{"COBERTURAXML", "cobertura.xml", []string{"app/calc.py 4/1 3/1", "app/util.py 2/2 0/0"}},
		{"JACOCOXML", "jacoco.xml", []string{"com/acme/Calculator.java 8/2 3/1", "com/acme/Util.java 5/5 0/0"}},
		{"CLOVERXML", "clover.xml", []string{"/src/index.js 4/0 0/0", "/src/lib/math.js 6/4 2/2"}},
		{"SIMPLECOV", "simplecov-coverage.json", []string{"/src/lib/calc.rb 3/2 1/1", "/src/lib/util.rb 2/0 0/0"}},
		{"SIMPLECOV", "simplecov-resultset.json", []string{"/src/lib/calc.rb 2/1 0/0", "/src/lib/old.rb 1/1 0/0"}},
	} {
		t.Run(c.file, func(t *testing.T) {
			f, err := os.Open("testdata/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			files, err := ParseCoverage(c.format, f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, fc := range files {
				got = append(got, fmt.Sprintf("%s %d/%d %d/%d", fc.Path, fc.LinesCovered, fc.LinesMissed, fc.BranchesCovered, fc.BranchesMissed))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestSummaries(t *testing.T) {
	s := SummarizeTests([]TestCase{{Status: Succeeded, DurationNanos: 5}, {Status: Failed, DurationNanos: 7}, {Status: Succeeded}})
	if s.Total != 3 || s.StatusCounts[Succeeded] != 2 || s.StatusCounts[Failed] != 1 || s.StatusCounts[Unknown] != 0 || len(s.StatusCounts) != 5 || s.DurationNanos != 12 {
		t.Fatalf("%+v", s)
	}
	cs := SummarizeCoverage([]FileCoverage{{LinesCovered: 3, LinesMissed: 1, BranchesCovered: 1, BranchesMissed: 1}, {LinesCovered: 1}})
	if cs.LinePercent() != 80 || cs.BranchPercent() != 50 {
		t.Fatalf("%+v %v %v", cs, cs.LinePercent(), cs.BranchPercent())
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ format, body string }{
		{"JUNITXML", "<html></html>"},
		{"JUNITXML", "not xml"},
		{"CUCUMBERJSON", "{"},
		{"TESTNGXML", "<testsuite/>"},
		{"VISUALSTUDIOTRX", "<x/>"},
	} {
		if _, err := ParseTests(c.format, strings.NewReader(c.body)); err == nil {
			t.Errorf("%s %q: accepted", c.format, c.body)
		}
	}
	for _, c := range []struct{ format, body string }{
		{"COBERTURAXML", "<report/>"},
		{"SIMPLECOV", `{"x": 1}`},
		{"JACOCOXML", "<<"},
	} {
		if _, err := ParseCoverage(c.format, strings.NewReader(c.body)); err == nil {
			t.Errorf("%s %q: accepted", c.format, c.body)
		}
	}
}
