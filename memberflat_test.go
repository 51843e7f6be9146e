package scim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/race"
)

// TestMemberPatchFlat holds a one-member PATCH of a group (an add, then
// the member's removal, as examples/loadtest's member phase sends them)
// on the memory store to the same number of allocations whatever the
// group's size: issue 11 wants a change to a 20,000-member group within
// 1.2x of a 10-member group's time, and a count is what a test can hold
// (a cost that grew with the members would allocate with them).
func TestMemberPatchFlat(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates on its own")
	}
	h, tok := allocHandler(t)
	send := func(method, path, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://app.example.com"+path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	const big = 20000
	ids := make([]string, big+1)
	for i := range ids {
		rec := send("POST", "/Users", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"flat%d@example.com"}`, i))
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		var u struct{ ID string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &u))
		ids[i] = u.ID
	}
	group := func(name string, n int) string {
		var members []string
		for _, id := range ids[:n] {
			members = append(members, fmt.Sprintf(`{"value":%q}`, id))
		}
		rec := send("POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":%q,"members":[%s]}`, name, strings.Join(members, ",")))
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		var g struct{ ID string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &g))
		return g.ID
	}
	small, large := group("small", 10), group("large", big)
	extra := ids[big]
	add := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":%q}]}]}`, extra)
	remove := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"%s\"]"}]}`, extra)
	allocs := func(id string) float64 {
		return testing.AllocsPerRun(50, func() {
			for _, body := range []string{add, remove} {
				r := httptest.NewRequest("PATCH", "http://app.example.com/Groups/"+id, strings.NewReader(body))
				r.Header.Set("Authorization", "Bearer "+tok)
				r.Header.Set("Content-Type", "application/scim+json")
				w := &allocWriter{h: http.Header{}}
				h.ServeHTTP(w, r)
				if w.status != http.StatusNoContent && w.status != http.StatusOK {
					t.Fatalf("PATCH %s: status %d", id, w.status)
				}
			}
		})
	}
	for _, id := range []string{small, large} {
		for _, body := range []string{add, remove} {
			rec := send("PATCH", "/Groups/"+id, body)
			require.Contains(t, []int{http.StatusOK, http.StatusNoContent}, rec.Code, rec.Body.String())
		}
	}
	s, l := allocs(small), allocs(large)
	t.Logf("add+remove: %v allocations on 10 members, %v on %d", s, l, big)
	require.LessOrEqual(t, l, s+2, "a one-member change to a %d-member group allocates more than one to a 10-member group", big)
}
