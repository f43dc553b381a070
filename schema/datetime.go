package schema

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// isoRE is an ISO 8601 date, optionally followed by a time (after "T" or a
// space) with optional seconds, fraction and UTC offset. This is what Grist's
// engine accepts for Date and DateTime cells ("YYYY-MM-DD[THH:mm[:ss[.SSS]]][Z|±hh[:mm]]").
var isoRE = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})` +
	`(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?` +
	` ?([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$`)

// isoTime is a parsed ISO 8601 date or date-time.
type isoTime struct {
	year, month, day int
	hour, min, sec   int
	nsec             int
	hasOffset        bool
	offset           int // seconds east of UTC, when hasOffset
}

func parseISO(s string) (isoTime, bool) {
	m := isoRE.FindStringSubmatch(s)
	if m == nil {
		return isoTime{}, false
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	t := isoTime{year: atoi(m[1]), month: atoi(m[2]), day: atoi(m[3])}
	if m[4] != "" {
		t.hour, t.min = atoi(m[4]), atoi(m[5])
		if m[6] != "" {
			t.sec = atoi(m[6])
		}
		if frac := m[7]; frac != "" {
			if len(frac) > 9 {
				frac = frac[:9]
			}
			t.nsec = atoi(frac + strings.Repeat("0", 9-len(frac)))
		}
	}
	if t.month < 1 || t.month > 12 || t.day < 1 || t.hour > 23 || t.min > 59 || t.sec > 59 {
		return isoTime{}, false
	}
	if d := time.Date(t.year, time.Month(t.month), t.day, 0, 0, 0, 0, time.UTC); d.Day() != t.day {
		return isoTime{}, false // e.g. February 30th
	}
	if z := m[8]; z != "" {
		t.hasOffset = true
		if z != "Z" && z != "z" {
			digits := strings.ReplaceAll(z[1:], ":", "")
			h, mm := atoi(digits[:2]), 0
			if len(digits) == 4 {
				mm = atoi(digits[2:])
			}
			if h > 23 || mm > 59 {
				return isoTime{}, false
			}
			t.offset = h*3600 + mm*60
			if z[0] == '-' {
				t.offset = -t.offset
			}
		}
	}
	return t, true
}

// dateSeconds is the Date cell for the calendar date of t (its time and
// offset ignored, as Grist ignores them).
func (t isoTime) dateSeconds() int64 {
	return time.Date(t.year, time.Month(t.month), t.day, 0, 0, 0, 0, time.UTC).Unix()
}

// instant resolves t to a point in time: by its own offset when it has
// one, else as a wall-clock time in loc.
func (t isoTime) instant(loc *time.Location) time.Time {
	if t.hasOffset {
		loc = time.FixedZone("", t.offset)
	}
	return time.Date(t.year, time.Month(t.month), t.day, t.hour, t.min, t.sec, t.nsec, loc)
}

// unixSeconds is a DateTime cell value: seconds since the epoch with the
// sub-second part as a fraction.
func unixSeconds(tm time.Time) float64 {
	return float64(tm.Unix()) + float64(tm.Nanosecond())/1e9
}

// location resolves a DateTime column's zone. An empty or unknown zone is
// UTC, as in Grist. time.LoadLocation reads the zone database (the system's,
// or the copy embedded when the binary imports time/tzdata); it is only
// needed for date-time text without an offset in a non-UTC column.
func location(tz string) *time.Location {
	if tz == "" || tz == "UTC" {
		return time.UTC
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ZoneName is the zone shown in typed DateTime values: the type's time
// zone, "UTC" when it names none.
func (t Type) ZoneName() string {
	if t.TZ == "" {
		return "UTC"
	}
	return t.TZ
}
