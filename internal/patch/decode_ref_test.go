package patch

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/scimkit/scim/resources"
)

// refDecode is Decode as it was written first, over the decoded map, with
// an empty Operations list taken as Decode has taken it since (no
// operations, no error): the reference FuzzDecode holds the raw-member
// decoder to.
func refDecode(body []byte, maxOps int) ([]Operation, []string, error) {
	doc, err := resources.Decode(body)
	if err != nil {
		return nil, nil, envelopeError(InvalidSyntax, "%s", err.Error())
	}
	var rawOps any
	var ignored []string
	found := false
	for k, v := range doc {
		switch strings.ToLower(k) {
		case "operations":
			rawOps, found = v, true
		case "schemas":
		default:
			ignored = append(ignored, k)
		}
	}
	list, ok := rawOps.([]any)
	if !found || !ok {
		return nil, nil, envelopeError(InvalidSyntax, "no Operations list")
	}
	if len(list) == 0 {
		// No operations and no error (Decode's Envelope.NoOperations):
		// the caller bends or refuses an empty list.
		sort.Strings(ignored)
		return nil, ignored, nil
	}
	if maxOps > 0 && len(list) > maxOps {
		return nil, nil, envelopeError(InvalidValue, "too many")
	}
	ops := make([]Operation, 0, len(list))
	for i, el := range list {
		m, ok := el.(map[string]any)
		if !ok {
			return nil, nil, newError(i, InvalidSyntax, "not an object")
		}
		var op Operation
		for _, k := range []string{"op", "path", "value"} {
			for mk, v := range m {
				if !strings.EqualFold(mk, k) {
					continue
				}
				switch k {
				case "op":
					s, ok := v.(string)
					if !ok {
						return nil, nil, newError(i, InvalidSyntax, "op")
					}
					op.Op = s
				case "path":
					if v == nil {
						continue
					}
					s, ok := v.(string)
					if !ok {
						return nil, nil, newError(i, InvalidPath, "path")
					}
					op.Path = s
				case "value":
					op.Value = v
					if v == nil {
						op.Value = JSONNull{}
					}
				}
			}
		}
		if op.Op == "" {
			return nil, nil, newError(i, InvalidSyntax, "op required")
		}
		ops = append(ops, op)
	}
	sort.Strings(ignored)
	return ops, ignored, nil
}

// FuzzDecode: Decode accepts what the map-based reference accepts, with
// the same operations and ignored members, and fails where it fails, with
// the same scimType and operation index. Bodies whose members repeat a
// name in another case are skipped: which one wins differs by design
// (the reference's map order is random); so are those repeating a name as
// it is, which Decode refuses as resources.DecodeRequest refuses it in
// any other body: where one says a name is given twice, so does the other.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"T"}]}`,
		`{"id":"x","Operations":[{"Op":"Add","Path":null,"Value":{"n":1.50,"l":[1,"a\u00e9"]}}],"meta":{}}`,
		`{"operations":[{"op":"remove","path":"members[value eq \"a\\\"b\"]"},{"op":"add","value":null}]}`,
		`{"Operations":[1]}`, `{"Operations":{}}`, `[]`, `{`, ``, `{"Operations":[{"op":1}]}`, `{"Operations":[{"path":2,"op":"x"}]}`,
		`{"Operations":[{"op":"add","value":-0.5e3}," x"]}`, `{"\u004fperations":[{"op":"add","value":true}]}`,
		`{"id":"a","id":"b","Operations":[{"op":"add","value":true}]}`, `{"Operations":[{"op":"add","value":true,"x":{},"x":1}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if hasCaseDuplicates(body) {
			return
		}
		_, derr := resources.DecodeRequest(body)
		twice := derr != nil && strings.Contains(derr.Error(), "is given twice")
		got, env, gotErr := Decode(body, 3, nil)
		gotIgn := env.Ignored
		if gotErr != nil && strings.Contains(gotErr.Error(), "is given twice") != twice {
			t.Fatalf("%q: Decode %v, resources.DecodeRequest %v", body, gotErr, derr)
		}
		if twice {
			if gotErr == nil || gotErr.(*Error).ScimType != InvalidSyntax {
				t.Fatalf("%q: Decode %v, resources.DecodeRequest %v", body, gotErr, derr)
			}
			return
		}
		want, wantIgn, wantErr := refDecode(body, 3)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%q: Decode err %v, reference err %v", body, gotErr, wantErr)
		}
		if gotErr != nil {
			ge, we := gotErr.(*Error), wantErr.(*Error)
			if ge.ScimType != we.ScimType || ge.Index != we.Index {
				t.Fatalf("%q: Decode %+v, reference %+v", body, ge, we)
			}
			return
		}
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotIgn, wantIgn) {
			t.Fatalf("%q:\\nDecode    %#v %v\\nreference %#v %v", body, got, gotIgn, want, wantIgn)
		}
		if env.NoOperations != (want == nil) {
			t.Fatalf("%q: Decode's NoOperations %v, reference's operations %#v", body, env.NoOperations, want)
		}
	})
}

// hasCaseDuplicates reports whether some object of body has two members
// whose names are equal but for case.
func hasCaseDuplicates(body []byte) bool {
	doc, err := resources.Decode(body)
	if err != nil {
		return false
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			seen := map[string]bool{}
			for k, e := range x {
				if seen[strings.ToLower(k)] || walk(e) {
					return true
				}
				seen[strings.ToLower(k)] = true
			}
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(doc)
}
