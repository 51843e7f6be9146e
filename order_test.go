package scim_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProjectedOrder: a response projected by attributes= or
// excludedAttributes= writes its members in the order a full response
// does ("schemas", id, externalId, the core attributes in their schema's
// order, meta, the extensions; inside a value its sub-attributes in
// theirs), with strings escaped alike, where it wrote every object's
// members sorted by name, "schemas" after "emails". A projection that
// leaves nothing out is byte for byte the full response; one that leaves
// some out is the full response without them.
func TestProjectedOrder(t *testing.T) {
	e := newEnv(t)
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	boss := e.createUser("boss")["id"].(string)
	full := map[string]any{
		"externalId": "ext-1", "displayName": "Babs", "nickName": "B", "profileUrl": "https://example.com/b",
		"title": "R&D <lead>", "userType": "Employee", "preferredLanguage": "en", "locale": "en-US", "timezone": "UTC",
		"name":         map[string]any{"formatted": "Ms. B J", "familyName": "J", "givenName": "B", "middleName": "M", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
		"emails":       []any{map[string]any{"value": "b@example.com", "display": "work", "type": "work", "primary": true}},
		"phoneNumbers": []any{map[string]any{"value": "555", "type": "work"}},
		"addresses":    []any{map[string]any{"formatted": "1 Main", "streetAddress": "1 Main", "locality": "X", "region": "Y", "postalCode": "1", "country": "US", "type": "work", "primary": true}},
		"roles":        []any{map[string]any{"value": "admin", "display": "Admin", "type": "t", "primary": false}},
		ent:            map[string]any{"employeeNumber": "7", "costCenter": "c", "organization": "o", "division": "d", "department": "dp", "manager": map[string]any{"value": boss}},
		"schemas":      []any{"urn:ietf:params:scim:schemas:core:2.0:User", ent},
	}
	id := e.createUser("babs", full)["id"].(string)
	e.createGroup("Admins", id)
	gid := e.createGroup("Ops", id, boss)["id"].(string)

	user := e.do("GET", "/Users/"+id, nil)
	require.Equal(t, 200, user.Code, user.Raw)
	group := e.do("GET", "/Groups/"+gid, nil)
	require.Equal(t, 200, group.Code, group.Raw)
	for _, tc := range []struct {
		name, path, full string
		left             []string // the members the projection leaves out, as the full response holds them
	}{
		{"excluded an attribute the user lacks", "/Users/" + id + "?excludedAttributes=ims", user.Raw, nil},
		{"excluded an attribute the group lacks", "/Groups/" + gid + "?excludedAttributes=externalId", group.Raw, nil},
		{"listed", "/Users?filter=userName+eq+%22babs%22&excludedAttributes=ims", "", nil},
		{"excluded name and groups", "/Users/" + id + "?excludedAttributes=name,groups", user.Raw, []string{"name", "groups"}},
		{"attributes", "/Users/" + id + "?attributes=emails,userName,meta.created," + ent + ":manager", user.Raw, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", tc.path, nil)
			require.Equal(t, 200, r.Code, r.Raw)
			got := r.Raw
			if tc.full == "" { // a page: its one resource, as the page wrote it
				start := strings.Index(got, `"Resources":[`) + len(`"Resources":[`)
				assert.Equal(t, user.Raw, got[start:len(got)-len("]}")])
				return
			}
			if strings.Contains(tc.path, "attributes=emails") {
				assert.True(t, strings.HasPrefix(got, `{"schemas":`), got)
				assert.Equal(t, orderOf(t, tc.full, keysOf(t, got)), keysOf(t, got), "the full response's order")
				return
			}
			assert.Equal(t, withoutKeys(t, tc.full, tc.left), got)
		})
	}
}

// keysOf returns the member names of the JSON object s in their order,
// at every depth, each after its parent's ("meta.created").
func keysOf(t *testing.T, s string) []string {
	dec := json.NewDecoder(strings.NewReader(s))
	var out []string
	var walk func(prefix string)
	walk = func(prefix string) {
		tok, err := dec.Token()
		require.NoError(t, err)
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				k, err := dec.Token()
				require.NoError(t, err)
				out = append(out, prefix+k.(string))
				walk(prefix + k.(string) + ".")
			}
			_, err = dec.Token()
		case json.Delim('['):
			for dec.More() {
				walk(prefix)
			}
			_, err = dec.Token()
		}
		require.NoError(t, err)
	}
	walk("")
	return out
}

// orderOf returns keys sorted by where each first appears in full's.
func orderOf(t *testing.T, full string, keys []string) []string {
	pos := map[string]int{}
	for i, k := range keysOf(t, full) {
		if _, ok := pos[k]; !ok {
			pos[k] = i
		}
	}
	for _, k := range keys {
		require.Contains(t, pos, k, "not in the full response")
	}
	out := slices.Clone(keys)
	slices.SortStableFunc(out, func(a, b string) int { return pos[a] - pos[b] })
	return out
}

// withoutKeys returns full, a JSON object, without its top-level members
// named, re-encoded in place (the others as they were).
func withoutKeys(t *testing.T, full string, drop []string) string {
	out := full
	for _, k := range drop {
		var m map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(out), &m))
		raw, ok := m[k]
		require.True(t, ok, k)
		member := `"` + k + `":` + string(raw)
		if strings.Contains(out, ","+member) {
			out = strings.Replace(out, ","+member, "", 1)
		} else {
			out = strings.Replace(out, member+",", "", 1)
		}
	}
	return out
}
