package resources

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// AttrError reports a value that does not fit the schema. The handler
// answers it with 400 and ScimType ("invalidValue" unless set otherwise)
// and Error() as the detail.
type AttrError struct {
	// Path is the attribute path, e.g. "emails.primary".
	Path string
	// Msg says what is wrong, for a human.
	Msg string
	// ScimType is the RFC 7644 §3.12 error keyword: "invalidValue" when
	// empty.
	ScimType string
}

func (e *AttrError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return fmt.Sprintf("attribute %q: %s", e.Path, e.Msg)
}

// Decode parses a JSON object with numbers kept exact (json.Number). A body
// that is not a JSON object gives an error whose text says where it broke.
func Decode(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, describeJSONError(data, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON object")
	}
	if m == nil {
		return nil, fmt.Errorf("the body must be a JSON object")
	}
	return m, nil
}

func describeJSONError(data []byte, err error) error {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Errorf("malformed JSON at byte %d: %s", e.Offset, e.Error())
	case *json.UnmarshalTypeError:
		return fmt.Errorf("the body must be a JSON object, not %s", e.Value)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fmt.Errorf("the body is empty; a JSON object is required")
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

// Normalize checks a resource document (a decoded request body) against
// the resource type and returns a copy in canonical form:
//   - attribute names in their schema spelling (names match
//     case-insensitively), extension objects under the extension URN, and
//     fully qualified keys ("urn:...:User:userName", "urn:...:enterprise:2.0:User:department")
//     folded into place;
//   - read-only attributes (id, meta, groups, ...) dropped, as RFC 7644
//     §3.3 says clients' values for them are ignored;
//   - booleans given as the strings "true"/"false" in any case (Entra ID)
//     turned into booleans, a single value for a multi-valued attribute
//     wrapped in a list, and a bare string for a complex attribute whose
//     sub-attribute "value" exists (the enterprise manager) turned into
//     {"value": s}.
//
// An attribute no schema defines, or a value of the wrong type, gives an
// *AttrError naming it. Unknown attributes inside a registered extension
// are kept as sent.
func (rt *ResourceType) Normalize(doc map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		if err := rt.put(out, k, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (rt *ResourceType) put(out map[string]any, key string, v any) error {
	if strings.EqualFold(key, "schemas") {
		list, ok := v.([]any)
		if !ok {
			return &AttrError{Path: "schemas", Msg: "must be a list of schema URNs", ScimType: "invalidSyntax"}
		}
		for _, s := range list {
			if _, ok := s.(string); !ok {
				return &AttrError{Path: "schemas", Msg: "must be a list of schema URNs", ScimType: "invalidSyntax"}
			}
		}
		return nil // recomputed from content on output
	}
	if isURN(key) {
		return rt.putURN(out, key, v)
	}
	a, _ := rt.Attr("", key)
	if a == nil {
		return &AttrError{Path: key, Msg: "is not an attribute of the " + rt.Name + " schema or a registered extension"}
	}
	if a.ReadOnly() {
		return nil
	}
	nv, err := NormalizeValue(a, a.Name, v)
	if err != nil {
		return err
	}
	out[a.Name] = nv
	return nil
}

func (rt *ResourceType) putURN(out map[string]any, key string, v any) error {
	if ext := rt.Extension(key); ext != nil {
		if v == nil {
			out[ext.ID] = nil
			return nil
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return &AttrError{Path: key, Msg: "an extension must be a JSON object"}
		}
		dst, _ := out[ext.ID].(map[string]any)
		if dst == nil {
			dst = make(map[string]any, len(obj))
		}
		for k, ev := range obj {
			if err := putExt(ext, dst, k, ev); err != nil {
				return err
			}
		}
		out[ext.ID] = dst
		return nil
	}
	if strings.EqualFold(key, rt.Schema.ID) {
		obj, ok := v.(map[string]any)
		if !ok {
			return &AttrError{Path: key, Msg: "must be a JSON object"}
		}
		for k, cv := range obj {
			if isURN(k) {
				return &AttrError{Path: key + ":" + k, Msg: "schema URNs do not nest"}
			}
			if err := rt.put(out, k, cv); err != nil {
				return err
			}
		}
		return nil
	}
	// A fully qualified attribute: the longest known URN prefix followed by ':'.
	for _, urn := range rt.SchemaURNs() {
		if len(key) > len(urn)+1 && strings.EqualFold(key[:len(urn)], urn) && key[len(urn)] == ':' {
			name := key[len(urn)+1:]
			if strings.EqualFold(urn, rt.Schema.ID) {
				return rt.put(out, name, v)
			}
			ext := rt.Extension(urn)
			dst, _ := out[ext.ID].(map[string]any)
			if dst == nil {
				dst = make(map[string]any)
			}
			if err := putExt(ext, dst, name, v); err != nil {
				return err
			}
			out[ext.ID] = dst
			return nil
		}
	}
	return &AttrError{Path: key, Msg: "is not a schema this server knows; known schemas are " + strings.Join(rt.SchemaURNs(), ", ")}
}

func putExt(ext *Schema, dst map[string]any, key string, v any) error {
	a := ext.Attr(key)
	if a == nil {
		// Unknown attributes of a registered extension are kept as sent.
		dst[key] = v
		return nil
	}
	if a.ReadOnly() {
		return nil
	}
	nv, err := NormalizeValue(a, ext.ID+":"+a.Name, v)
	if err != nil {
		return err
	}
	dst[a.Name] = nv
	return nil
}

func isURN(s string) bool { return len(s) > 4 && strings.EqualFold(s[:4], "urn:") }

// NormalizeValue checks and canonicalises a value for attribute a (see
// Normalize); path names the attribute in errors. nil stays nil (unset).
func NormalizeValue(a *Attribute, path string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.MultiValued {
		list, ok := v.([]any)
		if !ok {
			list = []any{v}
		}
		out := make([]any, 0, len(list))
		for _, el := range list {
			if el == nil {
				continue
			}
			nv, err := NormalizeSingle(a, path, el)
			if err != nil {
				return nil, err
			}
			out = append(out, nv)
		}
		return out, nil
	}
	if _, ok := v.([]any); ok {
		return nil, &AttrError{Path: path, Msg: "is single-valued; a list was given"}
	}
	return NormalizeSingle(a, path, v)
}

// NormalizeSingle checks and canonicalises one value of attribute a (one
// element, for a multi-valued attribute).
func NormalizeSingle(a *Attribute, path string, v any) (any, error) {
	if a.Type == TypeComplex {
		switch x := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, sv := range x {
				sa := a.Sub(k)
				if sa == nil {
					return nil, &AttrError{Path: path + "." + k, Msg: "is not a sub-attribute of " + a.Name}
				}
				if sa.ReadOnly() && a.Mutability != ReadOnly {
					continue
				}
				nv, err := NormalizeValue(sa, path+"."+sa.Name, sv)
				if err != nil {
					return nil, err
				}
				if nv != nil {
					out[sa.Name] = nv
				}
			}
			return out, nil
		case string:
			if sa := a.Sub("value"); sa != nil {
				return map[string]any{sa.Name: x}, nil
			}
		}
		return nil, &AttrError{Path: path, Msg: "must be a JSON object"}
	}
	switch a.Type {
	case TypeBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if strings.EqualFold(x, "true") {
				return true, nil
			}
			if strings.EqualFold(x, "false") {
				return false, nil
			}
		}
		return nil, &AttrError{Path: path, Msg: fmt.Sprintf("must be a boolean, got %s", DescribeValue(v))}
	case TypeInteger, TypeDecimal:
		switch x := v.(type) {
		case json.Number:
			if a.Type == TypeInteger {
				if _, err := x.Int64(); err != nil {
					return nil, &AttrError{Path: path, Msg: fmt.Sprintf("must be an integer, got %s", x)}
				}
			}
			return x, nil
		case float64:
			return json.Number(fmt.Sprint(x)), nil
		}
		return nil, &AttrError{Path: path, Msg: fmt.Sprintf("must be a number, got %s", DescribeValue(v))}
	default:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, &AttrError{Path: path, Msg: fmt.Sprintf("must be a string, got %s", DescribeValue(v))}
	}
}

// DescribeValue names a decoded JSON value for an error message: "null",
// "the boolean true", "the string \"x\"", "the number 7", "a list" or
// "an object".
func DescribeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case string:
		return fmt.Sprintf("the string %q", x)
	case json.Number, float64:
		return fmt.Sprintf("the number %v", x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
