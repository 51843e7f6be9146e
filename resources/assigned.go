package resources

import "github.com/scimkit/scim/internal/jsonscan"

// Assigned reports whether v, a decoded JSON value (nil, a bool, a number,
// a string, []any or map[string]any), holds a value. RFC 7643 §2.5 makes
// an unassigned attribute, null and an empty array one state; an empty
// string is that state too, as the core attributes decode it (a User's
// "title": "" is no title, an enterprise "department": "" no department)
// and as RFC 7644 §3.4.2.2's pr answers it ("a non-empty value"); and a
// list or object holds a value only when an element or member does
// ([null], {"floor": ""} hold none).
//
// It is the one rule of what holds a value: a filter's pr in
// store/query (and the SQL sqlstore compiles for it, which must answer
// the same), what a host extension's object keeps when a resource is
// compacted (appendAssigned, the same rule on JSON text), what a
// required attribute needs (Required.Missing) and what a unique one
// constrains (AssignedJSON, store/query.UniqueKeys).
func Assigned(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		for _, el := range x {
			if Assigned(el) {
				return true
			}
		}
		return false
	case map[string]any:
		for _, el := range x {
			if Assigned(el) {
				return true
			}
		}
		return false
	}
	return true
}

// AssignedJSON is Assigned on raw, the text of one JSON value (valid
// JSON, white space around it allowed), without decoding a scalar: null,
// "", and lists and objects of nothing else hold no value, and empty
// text holds none either.
func AssignedJSON(raw []byte) bool {
	i := jsonscan.SkipSpace(raw, 0)
	if i >= len(raw) {
		return false
	}
	if raw[i] != '{' && raw[i] != '[' {
		return assignedScalar(raw[i:jsonscan.ValueEnd(raw, i)])
	}
	_, held := appendAssigned(nil, raw[i:])
	return held
}

// assignedScalar is Assigned on the text of one JSON value that is not a
// list or an object (valid JSON, without surrounding white space): null
// and "" hold no value. A string holding only escapes is never empty, so
// "" is the one spelling of the empty string.
func assignedScalar(tok []byte) bool {
	switch string(tok) {
	case "null", `""`:
		return false
	}
	return true
}
