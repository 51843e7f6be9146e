package patch

import (
	"strings"

	"github.com/scimkit/scim/internal/names"
	"github.com/scimkit/scim/resources"
)

// Scalar reports whether ops are one replace of a single-valued, simple
// (not complex) attribute of the core schema, named by its plain name (as
// the path, or as the one key of a value without a path, Okta's
// {"active": false}), with a value that takes no bend: the one change
// ApplyTo makes to a resource's document for them is then
// doc[attr.Name] = v, with v as the document holds it (a bool for
// "active"). A caller that holds the
// resource typed may make that change to a copy of it without rendering
// its document (the handler's deactivation, the commonest PATCH there
// is). ok false says nothing about ops: ApplyTo decides them, refusals
// included. The engine's own steps decide ok (the path's resolution and
// refusals, the value's normalisation, under a Lenience whose first
// warning sends ops to ApplyTo), so that what Scalar takes, ApplyTo
// would have applied the same way (TestScalarIsApply).
func (e *Engine) Scalar(ops []Operation) (attr *resources.Attribute, v any, ok bool) {
	if len(ops) != 1 || ops[0].kind() != "replace" {
		return nil, nil, false
	}
	var l resources.Lenience
	a := &applier{e: e, idx: 0, len: &l}
	var at loc
	value := ops[0].Value
	if path := strings.TrimSpace(ops[0].Path); path != "" {
		if !plainName(path) {
			return nil, nil, false
		}
		var done bool
		if at, done, _ = a.target(path); done {
			return nil, nil, false
		}
	} else {
		// Okta's form: a value of one attribute, {"active": false}, which
		// applyKey resolves as a path.
		obj, _ := value.(map[string]any)
		if len(obj) != 1 {
			return nil, nil, false
		}
		var key string
		for key, value = range obj {
		}
		var err error
		if !plainName(key) || names.Equal(key, "schemas") {
			return nil, nil, false
		}
		if at, err = a.resolve(a.name(asKey, key, "")); err != nil || at.missing || at.readOnly() {
			return nil, nil, false
		}
	}
	if _, null := value.(JSONNull); null || value == nil || at.attr == nil || at.ext != nil || at.sub != nil ||
		at.filter != nil || at.single != nil || at.attr.MultiValued || at.attr.Type == resources.TypeComplex ||
		at.attr.Mutability == resources.Immutable {
		return nil, nil, false
	}
	nv, err := a.normalize(at.attr, at.raw, value, false)
	if err != nil || len(l.Warnings) > 0 || nv == nil || isEmpty(nv) {
		return nil, nil, false
	}
	return at.attr, nv, true
}
