// Package patch applies SCIM PATCH operations (RFC 7644 §3.5.2) to resource
// documents, accepting the variants real identity providers send (see
// IDP-QUIRKS.md): capitalised ops, "True"/"False" strings for booleans,
// no-path values whose keys are attribute paths, value-path filters that
// create the element they select, member removal by value list, and more.
//
// Documents are map[string]any in the canonical form of resources.ToMap and
// ResourceType.Normalize. Apply never changes its input: a request either
// applies in full or fails with an *Error and changes nothing.
//
// PlanMembers turns a group PATCH that only touches members into a
// membership change the store can apply without rewriting the group.
package patch

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/query"
)

// SCIM error keywords (RFC 7644 §3.12) that PATCH failures carry in
// Error.ScimType.
const (
	// InvalidSyntax: an operation is malformed (unknown op, missing value).
	InvalidSyntax = "invalidSyntax"
	// InvalidPath: a path is malformed or names no attribute.
	InvalidPath = "invalidPath"
	// InvalidFilter: a value filter in a path names an unknown
	// sub-attribute or compares it in a way its type does not allow.
	InvalidFilter = "invalidFilter"
	// InvalidValue: a value does not fit the attribute, or a no-path
	// value names an unknown attribute.
	InvalidValue = "invalidValue"
	// NoTarget: remove without a path, or a value filter that selects
	// nothing and cannot create what it describes.
	NoTarget = "noTarget"
	// Mutability: the target is readOnly, immutable with a value, or
	// required and being removed.
	Mutability = "mutability"
)

// Operation is one PATCH operation as decoded from the request (Value from
// a json.Decoder with UseNumber).
//
// A nil Value means the request had no "value" member. Decoding an
// Operation with encoding/json (UnmarshalJSON) sets Value to JSONNull{}
// for an explicit "value": null, so a replace with null can unassign an
// attribute while a forgotten value is still an error.
type Operation struct {
	// Op is "add", "replace" or "remove", in any case.
	Op string `json:"op"`
	// Path is the target (RFC 7644 §3.5.2), "" when absent.
	Path string `json:"path,omitempty"`
	// Value is the operation's value: nil when absent, JSONNull{} for an
	// explicit null.
	Value any `json:"value,omitempty"`
}

// JSONNull is the Value of an Operation whose "value" member is an
// explicit JSON null.
type JSONNull struct{}

// MarshalJSON renders JSON null.
func (JSONNull) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// UnmarshalJSON decodes an operation, keeping numbers exact (json.Number)
// and telling an explicit "value": null (JSONNull{}) from a missing value
// (nil). Member names match case-insensitively.
func (o *Operation) UnmarshalJSON(data []byte) error {
	var raw struct {
		Op    string          `json:"op"`
		Path  *string         `json:"path"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*o = Operation{Op: raw.Op}
	if raw.Path != nil {
		o.Path = *raw.Path
	}
	v := bytes.TrimSpace(raw.Value)
	switch {
	case len(v) == 0:
	case bytes.Equal(v, []byte("null")):
		o.Value = JSONNull{}
	default:
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&o.Value); err != nil {
			return err
		}
	}
	return nil
}

// Error is a PATCH failure; the handler answers 400 (Status) with ScimType
// and Detail.
type Error struct {
	// Status is the HTTP status, always 400.
	Status int
	// ScimType is the RFC 7644 §3.12 keyword, e.g. "invalidPath".
	ScimType string
	// Detail is a human-readable message naming the operation (by its
	// index in Operations) and the attribute or path at fault. It never
	// contains anything but the request's own content.
	Detail string
	// Index is the 0-based index of the failing operation.
	Index int
}

// Error returns the detail.
func (e *Error) Error() string { return "scim patch: " + e.Detail }

// Engine applies PATCH operations for one resource type. Build it once per
// resource type with NewEngine; it holds no per-request state and is safe
// for concurrent use.
type Engine struct {
	rt      *resources.ResourceType
	parser  *filter.Parser
	eval    *query.Evaluator
	members *resources.Attribute // the Group members attribute, or nil
}

// NewEngine returns an Engine for rt. Paths are parsed with the resource
// type's schema URNs, so that fully qualified paths of host extensions
// split at the right place.
func NewEngine(rt *resources.ResourceType) *Engine {
	e := &Engine{
		rt:     rt,
		parser: &filter.Parser{Schemas: rt.SchemaURNs()},
		eval:   query.NewEvaluator(rt),
	}
	if a := rt.Schema.Attr("members"); a != nil && a.MultiValued && a.Type == resources.TypeComplex && a.Sub("value") != nil {
		e.members = a
	}
	return e
}

// Apply applies ops in order to a deep copy of doc and returns the copy;
// doc is never modified (the whole request is atomic: one bad operation
// and nothing changes). Errors are *Error.
func Apply(rt *resources.ResourceType, doc map[string]any, ops []Operation) (map[string]any, error) {
	return NewEngine(rt).Apply(doc, ops)
}

// Apply applies ops in order to a deep copy of doc and returns the copy;
// doc is never modified. Any failure is an *Error naming the operation,
// and then nothing is returned.
func (e *Engine) Apply(doc map[string]any, ops []Operation) (map[string]any, error) {
	a := &applier{e: e, doc: copyMap(doc)}
	for i, op := range ops {
		a.idx = i
		if err := a.apply(op); err != nil {
			return nil, err
		}
	}
	return a.doc, nil
}

func newError(idx int, scimType, format string, args ...any) *Error {
	return &Error{
		Status:   400,
		ScimType: scimType,
		Detail:   fmt.Sprintf("Operations[%d]: ", idx) + fmt.Sprintf(format, args...),
		Index:    idx,
	}
}
