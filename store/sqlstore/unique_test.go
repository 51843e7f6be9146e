package sqlstore_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

const budgetURN = "urn:example:params:scim:schemas:extension:acme:2.0:User"

// badgeModel is a model whose user extension has a badge, declared with
// uniqueness u.
func badgeModel(t testing.TB, u string) *resources.Model {
	t.Helper()
	s, err := resources.NewSchema(budgetURN, "Acme", "", &resources.Attribute{Name: "badge", Type: resources.TypeString, Uniqueness: u})
	require.NoError(t, err)
	m, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{s}})
	require.NoError(t, err)
	return m
}

// TestUniqueAttributeBudget holds what a unique extension attribute costs
// a write, in statements, against the same model with the attribute not
// unique: on PostgreSQL nothing (a create's rows ride in its one
// statement; an update's DELETE and INSERT of the values it gives up and
// takes ride in its conditional UPDATE); on SQLite, where a statement is
// no round trip, a create's INSERT, and a change of the value its rows'
// DELETE and INSERT. A write that keeps the value (a PATCH of active, the
// deactivation every provider sends) and a delete (ON DELETE CASCADE) add
// none anywhere. A model without unique attributes pays nothing: that is
// TestRoundTripBudget's, unchanged.
func TestUniqueAttributeBudget(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		steps := []struct{ name, method, path, body string }{
			{"POST user", "POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + budgetURN + `"],"userName":"a","` + budgetURN + `":{"badge":"B1"}}`},
			{"PATCH active", "PATCH", "/Users/{id}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`},
			{"PATCH badge", "PATCH", "/Users/{id}", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"` + budgetURN + `:badge","value":"B2"}]}`},
			{"PUT user", "PUT", "/Users/{id}", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","` + budgetURN + `"],"userName":"a","` + budgetURN + `":{"badge":"B3"}}`},
			{"DELETE user", "DELETE", "/Users/{id}", ``},
		}
		cost := map[string]map[string]budget{}
		for _, u := range []string{resources.UniquenessNone, resources.UniquenessServer} {
			s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: db.dsn(t), Model: badgeModel(t, u)})
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			h, err := scim.NewHandler(scim.Config{BaseURL: "https://scim.example/v2", Users: s, Groups: s, InsecureNoAuth: true, Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			log.Take()
			cost[u] = map[string]budget{}
			var id string
			for _, st := range steps {
				rec := serve(h, st.method, strings.ReplaceAll(st.path, "{id}", id), st.body)
				require.Less(t, rec.Code, 300, "%s: %s", st.name, rec.Body.String())
				if id == "" {
					_, rest, _ := strings.Cut(rec.Body.String(), `"id":"`)
					id, _, _ = strings.Cut(rest, `"`)
				}
				cost[u][st.name] = measure(log.Take())
			}
		}
		pg := db.name != "sqlite"
		for name, want := range map[string]int{
			"POST user":    map[bool]int{true: 0, false: 1}[pg],
			"PATCH active": 0,
			"PATCH badge":  map[bool]int{true: 0, false: 2}[pg],
			"PUT user":     map[bool]int{true: 0, false: 2}[pg],
			"DELETE user":  0,
		} {
			off, on := cost[resources.UniquenessNone][name], cost[resources.UniquenessServer][name]
			t.Logf("%s: not unique %s; unique %s", name, off, on)
			assert.Equal(t, want, on.Outside+on.InTx-off.Outside-off.InTx, "%s: statements a unique attribute adds (not unique: %s; unique: %s)", name, off, on)
			assert.Equal(t, off.Txs, on.Txs, "%s: a unique attribute adds no transaction", name)
		}
	})
}

// TestReindexFilesUniqueValues: values written before an attribute was
// declared unique are filed by Reindex, which two resources holding one
// value do not fail (the older keeps it).
func TestReindexFilesUniqueValues(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		dsn := db.dsn(t)
		ext := func(v string) map[string]json.RawMessage {
			return map[string]json.RawMessage{budgetURN: json.RawMessage(`{"badge":"` + v + `"}`)}
		}
		before, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, Model: badgeModel(t, resources.UniquenessNone)})
		require.NoError(t, err)
		for i, v := range []string{"B1", "b1", "B2"} {
			_, err := before.CreateUser(ctx, &resources.User{UserName: fmt.Sprintf("u%d", i), Active: resources.Bool(true), Extensions: ext(v)})
			require.NoError(t, err, "not unique yet")
		}
		require.NoError(t, before.Close())

		s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, Model: badgeModel(t, resources.UniquenessServer)})
		require.NoError(t, err)
		defer s.Close()
		require.NoError(t, s.Reindex(ctx), "two users holding one value do not fail Reindex")
		for _, v := range []string{"B2", "b1"} {
			_, err := s.CreateUser(ctx, &resources.User{UserName: "new-" + v, Active: resources.Bool(true), Extensions: ext(v)})
			require.ErrorIs(t, err, store.ErrConflict, "after Reindex, %s is filed", v)
		}
		_, err = s.CreateUser(ctx, &resources.User{UserName: "new-B3", Active: resources.Bool(true), Extensions: ext("B3")})
		require.NoError(t, err)
	})
}

// TestUniqueConflictNamesTheFirstTaken: with two unique attributes, the
// conflict names the first, in the model's order, that another resource
// holds (as store/memory checks them), read after the failed write.
func TestUniqueConflictNamesTheFirstTaken(t *testing.T) {
	s, err := resources.NewSchema(budgetURN, "Acme", "",
		&resources.Attribute{Name: "badge", Type: resources.TypeString, Uniqueness: resources.UniquenessServer},
		&resources.Attribute{Name: "code", Type: resources.TypeString, Uniqueness: resources.UniquenessServer})
	require.NoError(t, err)
	m, err := resources.NewModel(resources.ModelConfig{UserExtensions: []*resources.Schema{s}})
	require.NoError(t, err)
	ext := func(badge, code string) map[string]json.RawMessage {
		return map[string]json.RawMessage{budgetURN: json.RawMessage(`{"badge":"` + badge + `","code":"` + code + `"}`)}
	}
	forEachDB(t, func(t *testing.T, db opener) {
		st := db.open(t, sqlstore.Config{Model: m})
		_, err := st.CreateUser(ctx, &resources.User{UserName: "a", Active: resources.Bool(true), Extensions: ext("X", "Y")})
		require.NoError(t, err)
		for _, tc := range []struct{ badge, code, names string }{
			{"X", "Y", budgetURN + ":badge"},
			{"X2", "Y", budgetURN + ":code"},
			{"X", "Y2", budgetURN + ":badge"},
		} {
			_, err := st.CreateUser(ctx, &resources.User{UserName: "b", Active: resources.Bool(true), Extensions: ext(tc.badge, tc.code)})
			require.ErrorIs(t, err, store.ErrConflict)
			assert.Contains(t, err.Error(), tc.names+" ", "badge %s, code %s", tc.badge, tc.code)
		}
	})
}
