package scim_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/memory"
)

// BenchmarkRequiredExtensionPOST is POST /Users of a user holding a
// host extension with a required attribute and a complex one with a
// required sub-attribute: the cost of what the extension requires
// (kind.checkRequired) on a create.
func BenchmarkRequiredExtensionPOST(b *testing.B) {
	ext, err := resources.NewSchema(acme, "Acme", "",
		&resources.Attribute{Name: "badge", Type: resources.TypeString, Required: true},
		&resources.Attribute{Name: "note", Type: resources.TypeString},
		&resources.Attribute{Name: "desk", Type: resources.TypeComplex, SubAttributes: []*resources.Attribute{
			{Name: "building", Type: resources.TypeString, Required: true}, {Name: "floor", Type: resources.TypeString}}})
	require.NoError(b, err)
	model, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{ext}})
	require.NoError(b, err)
	db := memory.New(memory.WithModel(model))
	e := newEnv(b, func(c *scim.Config) { c.Users, c.Groups = db, db })
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		body, err := json.Marshal(map[string]any{"schemas": []string{resources.UserSchema, acme}, "userName": "u" + strconv.Itoa(i),
			acme: map[string]any{"badge": "B", "note": "n", "desk": map[string]any{"building": "A", "floor": "2"}}})
		require.NoError(b, err)
		req := httptest.NewRequest("POST", "http://app.example.com/Users", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != 201 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
		e.logs.Reset() // the log lines are not what is measured
	}
}
