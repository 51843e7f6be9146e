package idptest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// segment is one step of a path: a key, or an index into a list.
type segment struct {
	key   string
	index int // when key is ""
}

// parsePath parses a body path: keys separated by dots, [n] list indices,
// and ['key'] for keys that contain dots (extension URNs):
//
//	Resources[0].userName
//	['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager.value
func parsePath(p string) ([]segment, error) {
	var segs []segment
	i := 0
	expectKey := true
	for i < len(p) {
		switch {
		case strings.HasPrefix(p[i:], "['"):
			end := strings.Index(p[i+2:], "']")
			if end < 0 {
				return nil, fmt.Errorf("unterminated ['")
			}
			segs = append(segs, segment{key: p[i+2 : i+2+end]})
			i += 2 + end + 2
			expectKey = false
		case p[i] == '[':
			end := strings.IndexByte(p[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unterminated [")
			}
			n, err := strconv.Atoi(p[i+1 : i+end])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad index %q", p[i+1:i+end])
			}
			segs = append(segs, segment{index: n})
			i += end + 1
			expectKey = false
		case p[i] == '.':
			if expectKey {
				return nil, fmt.Errorf("empty key")
			}
			i++
			expectKey = true
		default:
			if !expectKey {
				return nil, fmt.Errorf("missing '.' before %q", p[i:])
			}
			end := strings.IndexAny(p[i:], ".[")
			if end < 0 {
				end = len(p) - i
			}
			segs = append(segs, segment{key: p[i : i+end]})
			i += end
			expectKey = false
		}
	}
	if len(segs) == 0 || expectKey && len(p) > 0 {
		return nil, fmt.Errorf("empty path")
	}
	return segs, nil
}

// lookup finds path in v. Keys match exactly, else case-insensitively (SCIM
// attribute names are case-insensitive). A null value counts as absent.
func lookup(v any, path string) (any, bool) {
	segs, err := parsePath(path)
	if err != nil {
		return nil, false
	}
	for _, s := range segs {
		if s.key == "" {
			list, ok := v.([]any)
			if !ok || s.index >= len(list) {
				return nil, false
			}
			v = list[s.index]
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		next, ok := getKey(obj, s.key)
		if !ok {
			return nil, false
		}
		v = next
	}
	return v, v != nil
}

func getKey(obj map[string]any, key string) (any, bool) {
	if v, ok := obj[key]; ok {
		return v, true
	}
	for k, v := range obj {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// Match checks the value at path in body against want and returns what
// differs ("" when it matches). Values compare strictly by JSON type: the
// number 1 does not match the string "1", and false does not match
// "False". Objects match when every expected key matches (extra keys are
// fine); lists match element by element and must have the same length.
// An object whose keys start with $ is a matcher:
//
//	{"$absent": true}        the path is missing or null
//	{"$present": true}       the path has a non-null value
//	{"$type": "integer"}     string, integer, number, boolean, array, object
//	{"$len": 2}              a list (or string) of that length
//	{"$contains": x}         a list with an element matching x
//	{"$notContains": x}      a list with no element matching x
//	{"$all": x}              a list whose every element matches x
//	{"$oneOf": [x, y]}       matches one of the values
//	{"$ne": x}               does not match x
func Match(body any, path string, want any) string {
	got, found := lookup(body, path)
	if msg := matchValue(got, found, want); msg != "" {
		return path + ": " + msg
	}
	return ""
}

func matchValue(got any, found bool, want any) string {
	if m, ok := want.(map[string]any); ok && isMatcher(m) {
		return matchOps(got, found, m)
	}
	if !found && want != nil {
		return fmt.Sprintf("missing, want %s", show(want))
	}
	switch w := want.(type) {
	case nil:
		if found {
			return fmt.Sprintf("got %s, want null or absent", show(got))
		}
		return ""
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("got %s, want an object", show(got))
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := getKey(g, k)
			if msg := matchValue(gv, ok && gv != nil, w[k]); msg != "" {
				return k + ": " + msg
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("got %s, want a list", show(got))
		}
		if len(g) != len(w) {
			return fmt.Sprintf("got %d elements %s, want %d %s", len(g), show(got), len(w), show(want))
		}
		for i := range w {
			if msg := matchValue(g[i], g[i] != nil, w[i]); msg != "" {
				return fmt.Sprintf("[%d]: %s", i, msg)
			}
		}
		return ""
	default:
		if !scalarEqual(got, want) {
			return fmt.Sprintf("got %s, want %s", show(got), show(want))
		}
		return ""
	}
}

func isMatcher(m map[string]any) bool {
	if len(m) == 0 {
		return false
	}
	for k := range m {
		if !strings.HasPrefix(k, "$") {
			return false
		}
	}
	return true
}

func matchOps(got any, found bool, m map[string]any) string {
	ops := make([]string, 0, len(m))
	for k := range m {
		ops = append(ops, k)
	}
	sort.Strings(ops)
	for _, op := range ops {
		arg := m[op]
		var msg string
		switch op {
		case "$absent":
			if found == (arg == true) {
				msg = fmt.Sprintf("got %s, want it absent", show(got))
				if arg != true {
					msg = "missing"
				}
			}
		case "$present":
			if found != (arg == true) {
				msg = "missing"
				if arg != true {
					msg = fmt.Sprintf("got %s, want it absent", show(got))
				}
			}
		case "$type":
			if t := jsonType(got, found); t != arg {
				msg = fmt.Sprintf("got %s of type %s, want type %v", show(got), t, arg)
			}
		case "$len":
			n := -1
			switch g := got.(type) {
			case []any:
				n = len(g)
			case string:
				n = len(g)
			case nil:
				n = 0 // an unassigned list is an empty one
			}
			if want, ok := toFloat(arg); !ok || float64(n) != want {
				msg = fmt.Sprintf("got %s (length %d), want length %v", show(got), n, arg)
			}
		case "$contains", "$notContains", "$all":
			g, ok := got.([]any)
			if !ok && got != nil {
				msg = fmt.Sprintf("got %s, want a list", show(got))
				break
			}
			hits := 0
			for _, el := range g {
				if matchValue(el, el != nil, arg) == "" {
					hits++
				}
			}
			switch {
			case op == "$contains" && hits == 0:
				msg = fmt.Sprintf("got %s, want an element matching %s", show(got), show(arg))
			case op == "$notContains" && hits > 0:
				msg = fmt.Sprintf("got %s, want no element matching %s", show(got), show(arg))
			case op == "$all" && hits != len(g):
				msg = fmt.Sprintf("got %s, want every element to match %s", show(got), show(arg))
			}
		case "$oneOf":
			alts, _ := arg.([]any)
			ok := false
			for _, a := range alts {
				if matchValue(got, found, a) == "" {
					ok = true
					break
				}
			}
			if !ok {
				msg = fmt.Sprintf("got %s, want one of %s", show(got), show(arg))
			}
		case "$ne":
			if matchValue(got, found, arg) == "" {
				msg = fmt.Sprintf("got %s, want anything else", show(got))
			}
		default:
			msg = fmt.Sprintf("unknown matcher %s", op)
		}
		if msg != "" {
			return msg
		}
	}
	return ""
}

// jsonType names the JSON type of a decoded value; numbers without a
// fraction or exponent are "integer".
func jsonType(v any, found bool) string {
	if !found {
		return "absent"
	}
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "number"
		}
		return "integer"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

func scalarEqual(got, want any) bool {
	if wf, ok := toFloat(want); ok {
		gf, ok := toFloat(got)
		return ok && gf == wf
	}
	return got == want
}

// show renders a value as compact JSON for messages, cut at 300 bytes.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
