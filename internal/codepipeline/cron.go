package codepipeline

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// cronExpr is a DeploymentWindow Cron: the Quartz-style expression AWS
// documents (seconds minutes hours day-of-month month day-of-week [year]),
// matched at minute granularity. Seconds must be "*" (or 0). Day of week
// runs 1-7 = SUN-SAT. Supported: * ? , - / L W # and names (JAN, MON).
type cronExpr struct {
	minutes, hours, months uint64
	years                  map[int]bool // nil = every year
	dom                    daySpec
	dow                    daySpec
}

type daySpec struct {
	any     bool     // * or ?
	set     uint64   // day-of-month 1-31 or weekday 0-6 (SUN=0)
	last    bool     // dom: L (with offset); dow: nL
	off     int      // dom: L-n
	lastW   bool     // dom: LW
	near    []int    // dom: nW
	lastDow []int    // dow: nL, weekday 0-6
	nth     [][2]int // dow: n#k → {weekday, k}
}

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

func parseCron(s string) (*cronExpr, error) {
	f := strings.Fields(s)
	if len(f) != 6 && len(f) != 7 {
		return nil, fmt.Errorf("invalid Cron %q: want 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year])", s)
	}
	if f[0] != "*" && f[0] != "0" {
		return nil, fmt.Errorf("invalid Cron %q: the seconds field must be *", s)
	}
	c := &cronExpr{}
	var err error
	if c.minutes, err = parseField(f[1], 0, 59, nil); err != nil {
		return nil, fmt.Errorf("invalid Cron %q: minutes: %v", s, err)
	}
	if c.hours, err = parseField(f[2], 0, 23, nil); err != nil {
		return nil, fmt.Errorf("invalid Cron %q: hours: %v", s, err)
	}
	if c.months, err = parseField(f[4], 1, 12, monthNames); err != nil {
		return nil, fmt.Errorf("invalid Cron %q: month: %v", s, err)
	}
	if c.dom, err = parseDom(f[3]); err != nil {
		return nil, fmt.Errorf("invalid Cron %q: day-of-month: %v", s, err)
	}
	if c.dow, err = parseDow(f[5]); err != nil {
		return nil, fmt.Errorf("invalid Cron %q: day-of-week: %v", s, err)
	}
	if len(f) == 7 && f[6] != "*" {
		c.years = map[int]bool{}
		if err := parseYears(f[6], c.years); err != nil {
			return nil, fmt.Errorf("invalid Cron %q: year: %v", s, err)
		}
	}
	return c, nil
}

func parseYears(s string, out map[int]bool) error {
	for _, part := range strings.Split(s, ",") {
		lo, hi, step, err := parseRange(part, 1970, 2199, nil)
		if err != nil {
			return err
		}
		for y := lo; y <= hi; y += step {
			out[y] = true
		}
	}
	return nil
}

// parseField parses a list of values, ranges and steps into a bit set.
func parseField(s string, lo, hi int, names map[string]int) (uint64, error) {
	var set uint64
	for _, part := range strings.Split(s, ",") {
		a, b, step, err := parseRange(part, lo, hi, names)
		if err != nil {
			return 0, err
		}
		for v := a; v <= b; v += step {
			set |= 1 << uint(v)
		}
	}
	return set, nil
}

func parseRange(part string, lo, hi int, names map[string]int) (a, b, step int, err error) {
	step = 1
	if r, st, ok := strings.Cut(part, "/"); ok {
		step, err = strconv.Atoi(st)
		if err != nil || step < 1 {
			return 0, 0, 0, fmt.Errorf("bad step %q", st)
		}
		part = r
		if part != "*" && !strings.Contains(part, "-") {
			a, err = parseValue(part, lo, hi, names)
			return a, hi, step, err
		}
	}
	if part == "*" || part == "?" {
		return lo, hi, step, nil
	}
	if x, y, ok := strings.Cut(part, "-"); ok {
		if a, err = parseValue(x, lo, hi, names); err != nil {
			return
		}
		if b, err = parseValue(y, lo, hi, names); err != nil {
			return
		}
		if b < a {
			return 0, 0, 0, fmt.Errorf("bad range %q", part)
		}
		return a, b, step, nil
	}
	a, err = parseValue(part, lo, hi, names)
	return a, a, step, err
}

func parseValue(s string, lo, hi int, names map[string]int) (int, error) {
	if v, ok := names[strings.ToUpper(s)]; ok {
		return v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("value %q out of range %d-%d", s, lo, hi)
	}
	return v, nil
}

func parseDom(s string) (daySpec, error) {
	if s == "*" || s == "?" {
		return daySpec{any: true}, nil
	}
	var d daySpec
	for _, part := range strings.Split(s, ",") {
		switch {
		case part == "L":
			d.last = true
		case part == "LW":
			d.lastW = true
		case strings.HasPrefix(part, "L-"):
			n, err := strconv.Atoi(part[2:])
			if err != nil || n < 0 || n > 30 {
				return d, fmt.Errorf("bad offset %q", part)
			}
			d.last, d.off = true, n
		case strings.HasSuffix(part, "W"):
			n, err := parseValue(part[:len(part)-1], 1, 31, nil)
			if err != nil {
				return d, err
			}
			d.near = append(d.near, n)
		default:
			set, err := parseField(part, 1, 31, nil)
			if err != nil {
				return d, err
			}
			d.set |= set
		}
	}
	return d, nil
}

func parseDow(s string) (daySpec, error) {
	if s == "*" || s == "?" {
		return daySpec{any: true}, nil
	}
	var d daySpec
	for _, part := range strings.Split(s, ",") {
		switch {
		case part == "L":
			d.set |= 1 << 6 // SAT
		case strings.HasSuffix(part, "L"):
			n, err := parseValue(part[:len(part)-1], 1, 7, dayNames)
			if err != nil {
				return d, err
			}
			d.lastDow = append(d.lastDow, n-1)
		case strings.Contains(part, "#"):
			x, y, _ := strings.Cut(part, "#")
			n, err := parseValue(x, 1, 7, dayNames)
			if err != nil {
				return d, err
			}
			k, err := strconv.Atoi(y)
			if err != nil || k < 1 || k > 5 {
				return d, fmt.Errorf("bad occurrence %q", part)
			}
			d.nth = append(d.nth, [2]int{n - 1, k})
		default:
			set, err := parseField(part, 1, 7, dayNames)
			if err != nil {
				return d, err
			}
			d.set |= set >> 1 // 1-7 → 0-6
		}
	}
	return d, nil
}

func daysIn(t time.Time) int {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
}

func (d daySpec) matchDom(t time.Time) bool {
	if d.any {
		return true
	}
	day, n := t.Day(), daysIn(t)
	if d.set&(1<<uint(day)) != 0 {
		return true
	}
	if d.last && day == n-d.off {
		return true
	}
	if d.lastW && day == nearestWeekday(t, n) {
		return true
	}
	for _, w := range d.near {
		if w <= n && day == nearestWeekday(t, w) {
			return true
		}
	}
	return false
}

// nearestWeekday is the weekday (Mon-Fri) nearest to day `day` of t's
// month, staying inside the month (Quartz's W).
func nearestWeekday(t time.Time, day int) int {
	d := time.Date(t.Year(), t.Month(), day, 0, 0, 0, 0, t.Location())
	n := daysIn(t)
	switch d.Weekday() {
	case time.Saturday:
		if day == 1 {
			return 3
		}
		return day - 1
	case time.Sunday:
		if day == n {
			return day - 2
		}
		return day + 1
	}
	return day
}

func (d daySpec) matchDow(t time.Time) bool {
	if d.any {
		return true
	}
	wd := int(t.Weekday())
	if d.set&(1<<uint(wd)) != 0 {
		return true
	}
	for _, l := range d.lastDow {
		if wd == l && t.Day()+7 > daysIn(t) {
			return true
		}
	}
	for _, nk := range d.nth {
		if wd == nk[0] && (t.Day()-1)/7+1 == nk[1] {
			return true
		}
	}
	return false
}

func (c *cronExpr) matchDay(t time.Time) bool {
	if c.months&(1<<uint(t.Month())) == 0 {
		return false
	}
	if c.years != nil && !c.years[t.Year()] {
		return false
	}
	return c.dom.matchDom(t) && c.dow.matchDow(t)
}

func (c *cronExpr) matches(t time.Time) bool {
	return c.matchDay(t) && c.hours&(1<<uint(t.Hour())) != 0 && c.minutes&(1<<uint(t.Minute())) != 0
}

// next returns the first minute at or after t that matches, if any before
// limit.
func (c *cronExpr) next(t, limit time.Time) (time.Time, bool) {
	t = t.Truncate(time.Minute)
	for t.Before(limit) {
		if !c.matchDay(t) {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
			continue
		}
		if c.hours&(1<<uint(t.Hour())) == 0 {
			t = t.Truncate(time.Hour).Add(time.Hour)
			continue
		}
		if c.minutes&(1<<uint(t.Minute())) == 0 {
			t = t.Add(time.Minute)
			continue
		}
		return t, true
	}
	return time.Time{}, false
}
