package scim_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// TestBulkOperationBodyBound: a /Bulk operation's data is held to
// Config.MaxBodyBytes, as the same request sent alone is (413). Only the
// whole bulk request was bounded (MaxBulkPayloadBytes, 4 MiB), so one
// operation stored a user of 1.9 MB that no POST could have made (a
// list then answers it to every reader). The refused operation writes
// nothing; the others run.
func TestBulkOperationBodyBound(t *testing.T) {
	const limit = 4096
	for name, open := range modelStores(nil) {
		t.Run(name, func(t *testing.T) {
			users, groups := open(t)
			e := newEnv(t, func(c *scim.Config) { c.Users, c.Groups, c.MaxBodyBytes = users, groups, limit })
			id := e.createUser("victim")["id"].(string)
			before := e.do("GET", "/Users/"+id, nil).Raw
			big := strings.Repeat("x", limit)
			patch := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
				"Operations": []any{map[string]any{"op": "replace", "path": "title", "value": big}}}
			for _, tc := range []struct {
				name string
				op   map[string]any
				code string
			}{
				{"POST", map[string]any{"method": "POST", "path": "/Users", "bulkId": "u", "data": map[string]any{"userName": "big", "title": big}}, "413"},
				{"PUT", map[string]any{"method": "PUT", "path": "/Users/" + id, "data": map[string]any{"userName": "victim", "title": big}}, "413"},
				{"PATCH", map[string]any{"method": "PATCH", "path": "/Users/" + id, "data": patch}, "413"},
				{"POST of a group", map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g", "data": map[string]any{"displayName": "big", "externalId": big}}, "413"},
				{"within the bound", map[string]any{"method": "POST", "path": "/Users", "bulkId": "s", "data": map[string]any{"userName": "small", "title": big[:limit/2]}}, "201"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := e.do("POST", "/Bulk", map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}, "Operations": []any{tc.op}})
					require.Equal(t, 200, r.Code, r.Raw)
					ops := r.Body["Operations"].([]any)
					require.Len(t, ops, 1)
					res := ops[0].(map[string]any)
					require.Equal(t, tc.code, res["status"], r.Raw)
					if tc.code != "413" {
						return
					}
					var detail struct{ Detail string }
					raw, _ := json.Marshal(res["response"])
					require.NoError(t, json.Unmarshal(raw, &detail))
					assert.Contains(t, detail.Detail, "at most 4096 bytes", r.Raw)
					assert.Equal(t, before, e.do("GET", "/Users/"+id, nil).Raw, "the refused operation changed nothing")
					assert.Equal(t, float64(1), e.do("GET", "/Users?count=0", nil).Body["totalResults"], "nor created a user")
					assert.Equal(t, float64(0), e.do("GET", "/Groups?count=0", nil).Body["totalResults"], "nor a group")
				})
			}
		})
	}
}
