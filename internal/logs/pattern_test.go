package logs

import (
	"strings"
	"testing"
	"time"
)

// Lines and patterns from the CloudWatch Logs user guide's "Filter pattern
// syntax" page, plus edge cases.
const (
	err400  = "[ERROR 400] BAD REQUEST"
	err401  = "[ERROR 401] UNAUTHORIZED REQUEST"
	err419  = "[ERROR 419] MISSING ARGUMENTS"
	err420  = "[ERROR 420] INVALID ARGUMENTS"
	err500  = "[ERROR 500] INTERNAL SERVER ERROR"
	ok200   = "[SUCCESS 200] AUTHORIZED REQUEST"
	info    = "[INFO] REQUEST FAILED"
	warn    = "[WARN] UNAUTHORIZED REQUEST"
	errBare = "[ERROR] 400 BAD REQUEST"

	trail = `{"eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", "arrayKey": ["value", "another value"],
	  "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}], "SomeObject": null, "cluster.name": "c",
	  "ok": true, "latency": 150, "level": "error", "bandwidth": 80, "number": [1000, 0.001]}`
	users = `{"user": {"id": 1, "email": "John.Stiles@example.com"},
	  "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
	  "actions": ["GET", "PUT", "DELETE"], "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]}`

	access  = `127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534`
	access5 = `10.0.0.7 Prod frank [10/Oct/2000:13:25:15 -0700] "POST /api HTTP/1.1" 503 2048`
	get67   = "INFO 09/25/2014 12:00:00 GET /service/resource/67 1200"
	post67  = "INFO 09/25/2014 12:00:01 POST /service/resource/67/part/111 1310"
	warnU   = "WARNING 09/25/2014 12:00:02 Invalid user request"
	errF    = "ERROR 09/25/2014 12:00:02 Failed to process request"
)

func TestFilterPatterns(t *testing.T) {
	cases := []struct {
		pattern string
		match   []string
		nomatch []string
	}{
		// Everything.
		{"", []string{err400, "x", trail}, nil},
		{`" "`, []string{err400, "x"}, nil},
		{`""`, []string{"x"}, nil},
		// Terms.
		{"ERROR", []string{err400, err401, err419, err420, errBare}, []string{ok200, info, warn}},
		{"ERROR ARGUMENTS", []string{err419, err420}, []string{err400, err401, ok200}},
		{"?ERROR ?ARGUMENTS", []string{err400, err401, err419, err420}, []string{ok200, info, warn}},
		{"?ERROR ?ARGUMENTS REQUEST", []string{info, warn, errBare, ok200}, []string{err419}},
		{`"INTERNAL SERVER ERROR"`, []string{err500}, []string{err400, "INTERNAL ERROR SERVER"}},
		{"ERROR -ARGUMENTS", []string{err400, err401}, []string{err419, err420, ok200}},
		{"-ERROR", []string{ok200, info}, []string{err400}},
		{`ERROR -"BAD REQUEST"`, []string{err401, err419}, []string{err400, errBare}},
		{`?"BAD REQUEST" ?MISSING`, []string{err400, err419}, []string{err401}},
		{"error", []string{"an error occurred", "0 invoke errors"}, []string{err400}}, // case-sensitive, anywhere
		{`"a \"quoted\" word"`, []string{`say a "quoted" word`}, []string{"a quoted word"}},
		{"401]", []string{err401}, []string{err400}},
		// Regex.
		{"%AUTHORIZED%", []string{err401, ok200, warn}, []string{err400}},
		{"%^\\[ERROR 4[0-9]{2}\\]%", []string{err400, err401, err419}, []string{err500, ok200}},
		{"%colou?r%", []string{"color", "colour"}, []string{"colr"}},
		{"%gra|ey%", []string{"gray", "grey"}, []string{"green"}},
		{"%^starting|^initializing|^shutting down%", []string{"starting x", "initializing y", "shutting down"}, []string{"skipping initializing z"}},
		{"%a{3,5}%", []string{"aaa", "xaaaaax"}, []string{"aa"}},
		{"%a{3, 5}%", []string{"aaa"}, []string{"aa"}},
		{"%10\\.10\\.0\\.1%", []string{"from 10.10.0.1"}, []string{"10010,051"}},
		{"%\\d+ ms%", []string{"took 15 ms"}, []string{"took ms"}},
		{"%\\x3A%", []string{"a:b"}, []string{"ab"}},
		{"%ab*c%", []string{"ac", "abbbc"}, []string{"adc"}},
		// JSON.
		{`{ $.eventType = "UpdateTrail" }`, []string{trail}, []string{users, err400, `{"eventType": "Other"}`, `not json {"eventType": "UpdateTrail"}`}},
		{`{$.eventType="UpdateTrail"}`, []string{trail}, nil},
		{`{ $.eventType = UpdateTrail }`, []string{trail}, nil},
		{`{ $.eventType = "Update*" }`, []string{trail}, []string{`{"eventType": "DeleteTrail"}`}},
		{`{ $.eventType = "*Trail" }`, []string{trail, `{"eventType": "DeleteTrail"}`}, []string{`{"eventType": "Trails"}`}},
		{`{ $.sourceIPAddress != 123.123.* }`, []string{trail}, []string{`{"sourceIPAddress": "123.123.0.1"}`, `{"other": 1}`}},
		{`{ $.arrayKey[0] = "value" }`, []string{trail}, nil},
		{`{ $.arrayKey[1] = "value" }`, nil, []string{trail}},
		{`{ $.arrayKey[5] = "value" }`, nil, []string{trail}},
		{`{ $.eventType = %Trail% }`, []string{trail}, []string{`{"eventType": "Rail"}`}},
		{`{ $.arrayKey[*] = %val.{2}% }`, []string{trail}, []string{`{"arrayKey": ["va"]}`}},
		{`{ $.* = %111\.111\.111\.1[0-9]{1,2}% }`, []string{trail}, []string{`{"ip": "111.111.111.2"}`}},
		{`{ $.objectList[*].name = "b" }`, []string{trail}, nil},
		{`{ $.objectList[1].id = 2 }`, []string{trail}, nil},
		{`{ $.['cluster.name'] = "c" }`, []string{trail}, nil},
		{`{ $.cluster.name = "c" }`, nil, []string{trail}},
		{`{ $.SomeObject IS NULL }`, []string{trail}, []string{`{"SomeObject": 1}`, `{}`}},
		{`{ $.ok IS TRUE }`, []string{trail}, []string{`{"ok": false}`, `{"ok": "true"}`}},
		{`{ $.ok IS FALSE }`, []string{`{"ok": false}`}, []string{trail}},
		{`{ $.SomeOtherObject NOT EXISTS }`, []string{trail, `{}`}, []string{`{"SomeOtherObject": null}`}},
		{`{ $.level = "error" }`, []string{trail}, []string{`{"level": "ERROR"}`}},
		{`{ $.latency > 100 }`, []string{trail}, []string{`{"latency": 100}`, `{"latency": "150"}`, `{"latency": null}`}},
		{`{ $.latency >= 150 }`, []string{trail}, []string{`{"latency": 149.9}`}},
		{`{ $.latency < 200 }`, []string{trail}, []string{`{"latency": 250}`}},
		{`{ $.latency <= 150 }`, []string{trail}, nil},
		{`{ $.latency = 150 }`, []string{trail, `{"latency": 150.0}`}, []string{`{"latency": 151}`}},
		{`{ $.latency != 150 }`, []string{`{"latency": 1}`}, []string{trail, `{}`}},
		{`{ $.bandwidth > 75 }`, []string{trail}, nil},
		{`{ $.number[0] = 1e+3 }`, []string{trail}, nil},
		{`{ $.number[1] != 1e-3 }`, nil, []string{trail}},
		{`{ $.number[0] = 1* }`, []string{trail}, nil},
		{`{ $.arrayKey = "value" }`, nil, []string{trail}}, // an array never matches
		{`{ $.objectList[0] = "a" }`, nil, []string{trail}},
		{`{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }`, []string{users}, nil},
		{`{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch" && $.actions[2] = "nonmatch" }`, []string{users}, nil},
		{`{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = "nonmatch") && $.actions[2] = "nonmatch" }`, nil, []string{users}},
		{`{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }`, nil, []string{users}},
		{`{ $.coordinates[1][2] = 6 && $.actions[*] = "PUT" }`, []string{users}, nil},
		{`{ $.user.id = 1 && $.missing NOT EXISTS || $.x = 1 }`, []string{users}, nil},
		// Space-delimited.
		{`[ip=%127\.0\.0\.[1-9]%, user, username, timestamp, request =*.html*, status_code = 4*, bytes]`, []string{access}, []string{access5}},
		{`[ip, user, username, timestamp, request, status_code, bytes]`, []string{access, access5}, []string{"too few fields"}},
		{`[..., request =*.html*, status_code = 4*, bytes]`, []string{access}, []string{access5}},
		{`[ip, user, username, timestamp, request =*.html*, status_code = 404 || status_code = 410, bytes]`, []string{access}, []string{access5}},
		{`[ip, user, ..., status_code = 5*, bytes > 1000]`, []string{access5}, []string{access}},
		{`[ip, user, ..., status_code = 5*, bytes > 4096]`, nil, []string{access5}},
		{`[ip, user, ..., status_code != 404, bytes]`, []string{access5}, []string{access}},
		{`[ip, ..., bytes < 1600]`, []string{access}, []string{access5}},
		{`[ip, user = Prod, username = frank, ...]`, []string{access, access5}, []string{get67}},
		{`[ip, user, username, timestamp = "10/Oct/2000:13:25:15 -0700", ...]`, []string{access}, nil},
		{`[ip, user, username, timestamp, request = "POST /api HTTP/1.1", ...]`, []string{access5}, []string{access}},
		{`[w1=ERROR, w2]`, []string{errF}, []string{get67, warnU}},
		{`[w1=ERROR || w1=WARNING, w2]`, []string{errF, warnU}, []string{get67, post67}},
		{`[w1!=ERROR && w1!=WARNING, w2]`, []string{get67, post67}, []string{errF, warnU}},
		{`[logLevel, date, time, method, url=%/service/resource/[0-9]+$%, response_time]`, []string{get67}, []string{post67}},
		{`[logLevel, date, time, method, url=%/service/resource/[0-9]+/part/[0-9]+$%, response_time]`, []string{post67}, []string{get67}},
		{`[level, date, time, method = GET, ...]`, []string{get67}, []string{post67}},
		{`[level, ..., response_time >= 1300]`, []string{post67}, []string{get67, errF}},
		{`[a, b]`, []string{"one two", "one two three"}, []string{"one"}},
		{`[...]`, []string{"", "anything at all"}, nil},
	}
	for _, c := range cases {
		p, err := ParseFilterPattern(c.pattern)
		if err != nil {
			t.Errorf("%s: %v", c.pattern, err)
			continue
		}
		for _, m := range c.match {
			if !p.Match(m) {
				t.Errorf("%s should match %q", c.pattern, m)
			}
		}
		for _, m := range c.nomatch {
			if p.Match(m) {
				t.Errorf("%s should not match %q", c.pattern, m)
			}
		}
	}
}

func TestFilterPatternErrors(t *testing.T) {
	for _, p := range []string{
		`{ $.a = "x" `, `{ a = 1 }`, `{ $.a }`, `{ $.a > "x" }`, `{ $.a = }`, `{ ($.a = 1 }`, `{ $.a IS MAYBE }`,
		`{ $.a NOT THERE }`, `{ $.a[x] = 1 }`, `{ $.a[*].b[*] = 1 }`, `{ $.a = 1 && }`,
		`[a, b`, `[a = ]`, `[a > x]`, `[, b]`, `[a, b = "x]`,
		`%something!%`, `%(a)%`, `%[%`, `%é%`,
		`"unterminated`, `ERROR ?`,
	} {
		if _, err := ParseFilterPattern(p); err == nil {
			t.Errorf("%s: accepted", p)
		} else {
			wantErr(t, err, ErrInvalidParameter, "Invalid filter pattern")
		}
	}
}

// TestDelimitedPatternBounded: several "..." over a long line cannot take
// exponential time.
func TestDelimitedPatternBounded(t *testing.T) {
	p, err := ParseFilterPattern(`[..., a = x, ..., b = y, ..., ..., c = z, ..., d = nope]`)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Repeat("x y z ", 2000)
	start := time.Now()
	if p.Match(line) {
		t.Fatal("matched")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}
}
