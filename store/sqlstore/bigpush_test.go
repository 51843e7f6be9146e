package sqlstore_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestBigPushStatements: what a provider's push of a whole group costs in
// statements does not grow with its members. A POST /Groups with n
// members, a PUT replacing them with n others, a PATCH adding the first n
// back and a PATCH removing them each send as many statements for 40
// members as for 400 (a removal of 20,000 was 1,250 statements of 16 on
// PostgreSQL), through the handler with the change feed on; and the group
// holds exactly the members sent, the feed's entries exactly those added
// and removed.
func TestBigPushStatements(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		costs := map[int][]budget{}
		for _, n := range []int{40, 400} {
			// Seeded through a store of its own: the counting one's
			// connections take no COPY.
			cfg := sqlstore.Config{DSN: db.dsn(t), ChangeFeed: true}
			seeder, err := sqlstore.New(ctx, cfg)
			require.NoError(t, err)
			users := make([]*resources.User, 2*n)
			for i := range users {
				users[i] = &resources.User{UserName: fmt.Sprintf("u%04d", i)}
			}
			ids, err := seeder.SeedUsersForTest(ctx, "", users)
			require.NoError(t, err)
			require.NoError(t, seeder.Close())
			s, log, err := sqlstore.NewCountingForTest(ctx, cfg)
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			h, err := scim.NewHandler(scim.Config{BaseURL: "https://scim.example/v2", Users: s, Groups: s, InsecureNoAuth: true,
				Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			first, second := ids[:n], ids[n:]
			log.Take()

			var gid string
			seq := int64(0)
			entries := func(t *testing.T, kind store.ChangeKind) []string {
				t.Helper()
				changes, err := s.Feed().Changes(ctx, seq, 100000)
				require.NoError(t, err)
				var got []string
				for _, c := range changes {
					seq = c.Seq
					if c.Kind == kind {
						got = append(got, c.Members...)
					}
				}
				return sorted(got)
			}
			steps := []struct {
				method string
				body   func() string
				status int
				kind   store.ChangeKind
				want   []string // the group's members after it
				feed   []string // the feed's entries of kind
			}{
				// A repeat, folded, and an id of nothing, left out.
				{"POST", func() string {
					return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"big","members":` +
						memberJSON(append(append([]string{"00000000-0000-4000-8000-000000000000"}, first...), first[0])) + `}`
				}, http.StatusCreated, store.MembersAdded, first, first},
				{"PUT", func() string {
					return `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"big","members":` + memberJSON(second) + `}`
				}, http.StatusOK, store.MembersRemoved, second, first},
				{"PATCH", func() string {
					return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":` + memberJSON(first) + `}]}`
				}, http.StatusNoContent, store.MembersAdded, ids, first},
				{"PATCH", func() string {
					return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members","value":` + memberJSON(first) + `}]}`
				}, http.StatusNoContent, store.MembersRemoved, second, first},
			}
			for _, st := range steps {
				path := "/Groups"
				if gid != "" {
					path += "/" + gid
				}
				rec := serve(h, st.method, path, st.body())
				require.Equal(t, st.status, rec.Code, "%s: %.300s", st.method, rec.Body.String())
				costs[n] = append(costs[n], measure(log.Take()))
				if gid == "" {
					gid = idOfBody(rec.Body.String())
				}
				g, err := s.GetGroup(ctx, gid, store.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, sorted(st.want), sorted(memberValues(g.Members)), st.method)
				assert.Equal(t, sorted(st.feed), entries(t, st.kind), "%s: the feed's %s entries", st.method, st.kind)
				log.Take()
			}
		}
		for i, name := range []string{"POST", "PUT", "PATCH add", "PATCH remove"} {
			small, big := costs[40][i], costs[400][i]
			assert.Equal(t, small.Outside+small.InTx, big.Outside+big.InTx, "%s: statements for 40 members (%s) and for 400 (%s)", name, small, big)
			assert.Equal(t, small.Txs, big.Txs, "%s: transactions", name)
		}
	})
}

// sorted returns a sorted copy of ids.
func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
