package idptest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// varRef matches an innermost ${name}.
var varRef = regexp.MustCompile(`\$\{([^${}]+)\}`)

// vars holds a run's variables: captured values and generated ones.
type vars struct {
	run    string
	token  string
	values map[string]string
	gen    map[string]string // ${uuid:x} and ${hex32:x}, stable per run
}

func newVars(run, token string) *vars {
	return &vars{run: run, token: token, values: map[string]string{}, gen: map[string]string{}}
}

// errUnset reports a variable with no value yet.
type errUnset struct{ name string }

func (e errUnset) Error() string {
	return fmt.Sprintf("variable ${%s} has no value (an earlier capture failed?)", e.name)
}

// get resolves one name in scope (loop variables) first.
func (v *vars) get(name string, scope map[string]string) (string, error) {
	if s, ok := scope[name]; ok {
		return s, nil
	}
	switch name {
	case "run":
		return v.run, nil
	case "token":
		return v.token, nil
	}
	if kind, label, ok := strings.Cut(name, ":"); ok && (kind == "uuid" || kind == "hex32") {
		key := kind + ":" + label
		if s, ok := v.gen[key]; ok {
			return s, nil
		}
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		s := hex.EncodeToString(b)
		if kind == "uuid" {
			b[6] = b[6]&0x0f | 0x40
			b[8] = b[8]&0x3f | 0x80
			h := hex.EncodeToString(b)
			s = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		}
		v.gen[key] = s
		return s, nil
	}
	if s, ok := v.values[name]; ok {
		return s, nil
	}
	return "", errUnset{name}
}

// expand replaces every ${name} in s, innermost first.
func (v *vars) expand(s string, scope map[string]string) (string, error) {
	for range 16 {
		loc := varRef.FindStringSubmatchIndex(s)
		if loc == nil {
			return s, nil
		}
		val, err := v.get(s[loc[2]:loc[3]], scope)
		if err != nil {
			return "", err
		}
		s = s[:loc[0]] + val + s[loc[1]:]
	}
	return "", fmt.Errorf("too many nested variables in %q", s)
}

// expandJSON substitutes variables in every string of a JSON document
// (keys included) and expands $range lists.
func (v *vars) expandJSON(raw json.RawMessage, scope map[string]string) ([]byte, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	out, err := v.expandValue(doc, scope)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func (v *vars) expandValue(x any, scope map[string]string) (any, error) {
	switch t := x.(type) {
	case string:
		return v.expand(t, scope)
	case []any:
		out := make([]any, 0, len(t))
		for _, el := range t {
			e, err := v.expandValue(el, scope)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	case map[string]any:
		if r, ok := t["$range"]; ok {
			return v.expandRange(r, t["$item"], scope)
		}
		out := make(map[string]any, len(t))
		for k, el := range t {
			k2, err := v.expand(k, scope)
			if err != nil {
				return nil, err
			}
			e, err := v.expandValue(el, scope)
			if err != nil {
				return nil, err
			}
			out[k2] = e
		}
		return out, nil
	}
	return x, nil
}

// expandRange turns {"$range": {"var","from","to"}, "$item": t} into a list.
func (v *vars) expandRange(spec, item any, scope map[string]string) (any, error) {
	data, _ := json.Marshal(spec)
	var r Range
	if err := json.Unmarshal(data, &r); err != nil || r.Var == "" || r.To < r.From {
		return nil, fmt.Errorf("$range needs {\"var\", \"from\", \"to\"} with from <= to, got %s", data)
	}
	out := make([]any, 0, r.To-r.From+1)
	for i := r.From; i <= r.To; i++ {
		inner := make(map[string]string, len(scope)+1)
		for k, val := range scope {
			inner[k] = val
		}
		inner[r.Var] = strconv.Itoa(i)
		e, err := v.expandValue(item, inner)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
