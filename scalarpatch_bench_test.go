package scim

import (
	"testing"

	"github.com/scimkit/scim/internal/loaduser"
	"github.com/scimkit/scim/internal/patch"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

// BenchmarkScalarPatch is a deactivation's change of the load test's
// user as stored (scalarPatch alone: its guards, the clone, the checks),
// without the request around it that BenchmarkPatchActiveHandler times.
func BenchmarkScalarPatch(b *testing.B) {
	db := memory.New()
	h, err := newHandler(Config{Users: db, Groups: db, InsecureNoAuth: true})
	if err != nil {
		b.Fatal(err)
	}
	cur, err := resources.UserFromJSON([]byte(loaduser.JSON(7)))
	if err != nil {
		b.Fatal(err)
	}
	cur.ID = "u1"
	cur.Active = resources.Bool(true)
	ops, _, err := patch.Decode([]byte(`{"schemas":["`+patch.PatchOpSchema+`"],"Operations":[{"op":"replace","path":"active","value":false}]}`), 10, nil)
	if err != nil {
		b.Fatal(err)
	}
	attr, v, ok := h.users.engine.Scalar(ops)
	if !ok {
		b.Fatal("not a scalar PATCH")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, changed, done, err := h.scalarPatch(cur, attr, v); !changed || !done || err != nil {
			b.Fatal(changed, done, err)
		}
	}
}
