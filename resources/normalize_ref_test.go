package resources

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The reference normaliser below is the implementation that built a new
// map and list for every value, kept verbatim (renamed) so the tests can
// hold the in-place one to it.

func (rt *ResourceType) refNormalize(doc map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(doc))
	for k, v := range doc {
		if err := rt.refPut(out, k, v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (rt *ResourceType) refPut(out map[string]any, key string, v any) error {
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
	if IsURN(key) {
		return rt.refPutURN(out, key, v)
	}
	a, _ := rt.Attr("", key)
	if a == nil {
		return &AttrError{Path: key, Msg: "is not an attribute of the " + rt.Name + " schema or a registered extension"}
	}
	if a.ReadOnly() {
		return nil
	}
	nv, err := refNormalizeValue(a, a.Name, v)
	if err != nil {
		return err
	}
	out[a.Name] = nv
	return nil
}

func (rt *ResourceType) refPutURN(out map[string]any, key string, v any) error {
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
			if err := refPutExt(ext, dst, k, ev); err != nil {
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
			if IsURN(k) {
				return &AttrError{Path: key + ":" + k, Msg: "schema URNs do not nest"}
			}
			if err := rt.refPut(out, k, cv); err != nil {
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
				if IsURN(name) {
					return &AttrError{Path: key, Msg: "schema URNs do not nest"}
				}
				return rt.refPut(out, name, v)
			}
			ext := rt.Extension(urn)
			dst, _ := out[ext.ID].(map[string]any)
			if dst == nil {
				dst = make(map[string]any)
			}
			if err := refPutExt(ext, dst, name, v); err != nil {
				return err
			}
			out[ext.ID] = dst
			return nil
		}
	}
	// A known URN starting a later segment, after an unknown URN: the
	// unknown one ends before it, and URNs do not nest.
	lower := strings.ToLower(key)
	for _, urn := range rt.KnownSchemaURNs() {
		u := strings.ToLower(urn)
		for i := strings.Index(lower, ":"+u); i >= 0; {
			end := i + 1 + len(u)
			if end == len(key) || key[end] == ':' {
				return &AttrError{Path: key, Msg: "schema URNs do not nest"}
			}
			next := strings.Index(lower[i+1:], ":"+u)
			if next < 0 {
				break
			}
			i += 1 + next
		}
	}
	return &AttrError{Path: key, Msg: "is not a schema this server knows; known schemas are " + strings.Join(rt.SchemaURNs(), ", ")}
}

func refPutExt(ext *Schema, dst map[string]any, key string, v any) error {
	a := ext.Attr(key)
	if a == nil {
		// Unknown attributes of a registered extension are kept as sent.
		dst[key] = v
		return nil
	}
	if a.ReadOnly() {
		return nil
	}
	nv, err := refNormalizeValue(a, ext.ID+":"+a.Name, v)
	if err != nil {
		return err
	}
	dst[a.Name] = nv
	return nil
}

// refNormalizeValue is the former NormalizeValue: it checks and canonicalises a value for attribute a (see
// Normalize); path names the attribute in errors. nil stays nil (unset).
func refNormalizeValue(a *Attribute, path string, v any) (any, error) {
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
			nv, err := refNormalizeSingle(a, path, el)
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
	return refNormalizeSingle(a, path, v)
}

// refNormalizeSingle is the former NormalizeSingle: it checks and canonicalises one value of attribute a (one
// element, for a multi-valued attribute).
func refNormalizeSingle(a *Attribute, path string, v any) (any, error) {
	if a.Type == TypeComplex {
		switch x := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, sv := range x {
				sa := a.Sub(k)
				if sa == nil {
					return nil, &AttrError{Path: path + "." + k, Msg: "is not a sub-attribute of " + a.Name}
				}
				if sa.ReadOnly() && a.Mutability != ReadOnly && !sa.readAsValue { // the manager's $ref is kept, as normalize keeps it
					continue
				}
				nv, err := refNormalizeValue(sa, path+"."+sa.Name, sv)
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
			if _, err := strconv.ParseFloat(string(x), 64); a.Type == TypeDecimal && err != nil {
				return nil, &AttrError{Path: path, Msg: fmt.Sprintf("must be a number a 64-bit float can hold (at most about ±1.8e308), got %s", x)}
			}
			return x, nil
		case float64:
			return json.Number(fmt.Sprint(x)), nil
		}
		return nil, &AttrError{Path: path, Msg: fmt.Sprintf("must be a number, got %s", DescribeValue(v))}
	default:
		if s, ok := v.(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, s); a.Type == TypeDateTime && err != nil {
				if _, err := time.Parse("2006-01-02T15:04:05.999999999", s); err != nil {
					return nil, &AttrError{Path: path, Msg: fmt.Sprintf("must be a date and time such as \"2024-01-02T15:04:05Z\" (RFC 7643 §2.3.5, xsd:dateTime), got %s", DescribeValue(v))}
				}
			}
			return s, nil
		}
		return nil, &AttrError{Path: path, Msg: fmt.Sprintf("must be a string, got %s", DescribeValue(v))}
	}
}
