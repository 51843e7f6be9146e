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

// ToBool reads a boolean operand: a bool, or the strings "true" and
// "false" in any ASCII case (keywords fold as names do, in ASCII only, so
// "falſe" is no boolean), as a filter's operand and an identity provider's
// PATCH value may spell one. A value of a stored document is read by
// storedBool instead.
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

// storedBool reads v, a value of a stored document, as a boolean: only a
// JSON boolean is one (RFC 7643 §2.3.2; §2.4 makes primary a boolean).
// The handler stores the strings identity providers send for booleans as
// booleans, so a string there ("primary": "true") is a host's own write,
// and it is no boolean: it matches neither "eq true" nor "eq false",
// marks no element primary and sorts as missing. That is what the SQL
// sqlstore compiles reads (a JSON true by its JSON type, no text
// comparison), so that memory and SQL answer a list alike; reading such
// strings as ToBool does would cost that SQL a case-folded text test of
// every value.
func storedBool(v any) (b, ok bool) {
	b, ok = v.(bool)
	return b, ok
}

// ParseTime parses an RFC 3339 date-time; without a zone (xsd:dateTime
// allows it) it is taken as UTC. It is resources.ParseDateTime, which
// also decides what a dateTime attribute may hold, so that every stored
// value is one a filter can compare.
func ParseTime(s string) (time.Time, bool) {
	return resources.ParseDateTime(s)
}
