package patch

import (
	"github.com/scimkit/scim/filter"
	"github.com/scimkit/scim/resources"
)

// Sets forecasts the string value ops give name, a single-valued simple
// attribute of the core schema: the value ApplyTo leaves it with when it
// applies ops to a document, given by the last add or replace that names
// it in any way the engine names a target (its path, in any case, with
// the core schema's URN before it; a key of a value without a path,
// Okta's {"password": "…"}, plain or qualified; a key of the object the
// core schema's URN holds, as a path or a key); ok false when the
// operations leave it as it was stored, set it to null or to no string,
// remove it, or when ApplyTo would refuse an operation's op, or a path
// or value key it cannot parse or resolve. It is a forecast, not ApplyTo,
// which may still refuse a value, or another attribute's value filter,
// or bend a value: a caller readies with it what applying ops will
// most likely need (the handler hashes the password a PATCH sets before
// the store's transaction runs the PATCH), and the handler, which tells
// by it a password the PATCH sent from the stored one, needs it exact
// whenever ApplyTo succeeds (TestSetsIsApply).
//
// It runs the applier ApplyTo runs, on a document of its own that only
// name is written to (applier.only): one rule for where an operation's
// path and a no-path value's keys land.
func (e *Engine) Sets(ops []Operation, name string) (v string, ok bool) {
	want := e.rt.Resolve(filter.AttrPath{Name: name})
	if want.Attr == nil || want.Extension != nil || want.Attr.MultiValued || want.Attr.Type == resources.TypeComplex {
		return "", false
	}
	a := &applier{e: e, doc: map[string]any{}, only: want.Attr}
	for i, op := range ops {
		a.idx = i
		if a.apply(op) != nil {
			return "", false
		}
	}
	v, ok = a.doc[want.Attr.Name].(string)
	return v, ok
}
