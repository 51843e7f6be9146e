package query

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
)

// ToText turns a scalar filter operand into the text a string attribute is
// compared with: a number or boolean literal compares as written. ok is
// false for other types.
func ToText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// ToBool reads a boolean operand or value: a bool, or the strings "true"
// and "false" in any ASCII case (keywords fold as names do, in ASCII only,
// so "falſe" is no boolean).
func ToBool(v any) (b, ok bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		if names.Equal(x, "true") {
			return true, true
		}
		if names.Equal(x, "false") {
			return false, true
		}
	}
	return false, false
}

// ParseTime parses an RFC 3339 date-time; without a zone (xsd:dateTime
// allows it) it is taken as UTC. It is resources.ParseDateTime, which
// also decides what a dateTime attribute may hold, so that every stored
// value is one a filter can compare.
func ParseTime(s string) (time.Time, bool) {
	return resources.ParseDateTime(s)
}
