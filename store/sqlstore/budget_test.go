package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// budget is what one request cost the database.
type budget struct {
	Outside int // statements outside any transaction
	Txs     int // transactions (each BEGIN ... COMMIT)
	InTx    int // statements inside transactions
	Writes  int // INSERT, UPDATE and DELETE statements
	Writer  int // events on the writer pool (SQLite: the connection holding the write lock)
	Pgx     int // statements sent through pgx itself (PostgreSQL's reads, rdb.query)
}

func (b budget) String() string {
	return fmt.Sprintf("%d statement(s), %d transaction(s) of %d statement(s), %d write(s)", b.Outside, b.Txs, b.InTx, b.Writes)
}

func measure(events []sqlstore.SQLEvent) budget {
	var b budget
	for _, e := range events {
		if e.Pool == "w" {
			b.Writer++
		}
		if e.Pgx {
			b.Pgx++
		}
		switch {
		case e.Begin:
			b.Txs++
		case e.InTx:
			b.InTx++
		default:
			b.Outside++
		}
		if !e.Begin {
			switch strings.ToUpper(strings.Fields(e.SQL)[0]) {
			case "INSERT", "UPDATE", "DELETE":
				b.Writes++
			case "WITH": // a data-modifying WITH writes (the feed's, folded)
				if u := strings.ToUpper(e.SQL); strings.Contains(u, "INSERT INTO") || strings.Contains(u, "UPDATE ") || strings.Contains(u, "DELETE FROM") {
					b.Writes++
				}
			}
		}
	}
	return b
}

// TestRoundTripBudget drives the real handler over a statement-counting
// store through each kind of request and holds each to its round-trip
// budget: a GET is one statement, a list at most two (a lookup of a
// unique name one, whatever its startIndex and count; a group's
// members come in its page's statement, a deep page's and a cursor
// page's too, and a user's groups in a deep page's), a write one transaction, each
// BEGIN ends in one COMMIT or ROLLBACK and a read sends none of them, a
// read writes nothing (on SQLite it does not touch the writer's
// connection) and on PostgreSQL goes through pgx, its count included. It runs with the change feed off and on, and
// holds the feed to its cost in statements: on PostgreSQL none for a
// write that folds the append into a statement of its own (foldWrite), one
// for a delete; on SQLite one, its INSERT, for a write of any number of
// entries (a deactivation's two, a group created with members: one row),
// numbered from the tenant's last entry in the same statement.
//
// It runs a third time with the mapping bridge (Config.Bridge over
// hostSchema, adopting by email), and holds the bridge to its cost in
// statements: on PostgreSQL none for a user's create (still one
// statement, its own transaction), an update or a member change (the
// host's rows ride in the store's statements, Bridge.fold); on SQLite,
// where a statement is no round trip, the adopting UPDATE and the INSERT
// of a create, and one statement for an update or a member change. A
// group's create (its team and join rows) and update (PUT, or a rename)
// and a member change of two entries (a removal and an add) add none on
// PostgreSQL either; a deletion adds none on PostgreSQL (the host's join
// rows and row ride in the DELETE) and two on SQLite (the join rows, the
// row), the entries of a deletion being worked out only for the feed.
// (What the feed adds to a write with Config.OnChange:
// TestOnChangeFeedStatements.)
func TestRoundTripBudget(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		inTx := map[bool]map[string]budget{}
		for _, feed := range []bool{false, true} {
			t.Run(map[bool]string{false: "feed=off", true: "feed=on"}[feed], func(t *testing.T) {
				inTx[feed] = roundTripBudget(t, db, feed, false)
			})
		}
		var bridged map[string]budget
		t.Run("bridge", func(t *testing.T) {
			bridged = roundTripBudget(t, db, false, true)
		})
		if inTx[false] == nil {
			return
		}
		if bridged != nil {
			pg := db.name != "sqlite"
			for name, want := range map[string]int{
				"POST user":                                      map[bool]int{true: 0, false: 2}[pg],
				"POST second user":                               map[bool]int{true: 0, false: 2}[pg],
				"PATCH group: add one member":                    map[bool]int{true: 0, false: 1}[pg],
				"PATCH group: remove one member":                 map[bool]int{true: 0, false: 1}[pg],
				"PATCH group: add one, remove another":           map[bool]int{true: 0, false: 2}[pg], // SQLite: the removal, the add
				"PATCH group: and back":                          map[bool]int{true: 0, false: 2}[pg],
				"PATCH group: Okta's add, displayName resent":    map[bool]int{true: 0, false: 1}[pg],
				"PATCH group: Okta's remove, displayName resent": map[bool]int{true: 0, false: 1}[pg],
				"GET user (with its groups)":                     0,
				"list users by userName":                         0,
				"PATCH user changing nothing":                    0,
				"PATCH user":                                     map[bool]int{true: 0, false: 1}[pg], // the active column
				"PUT user":                                       0,                                   // it changes displayName, which no column holds
				"DELETE user":                                    map[bool]int{true: 0, false: 2}[pg], // its memberships, its row
				"DELETE group":                                   map[bool]int{true: 0, false: 2}[pg], // likewise
				"POST group with a member":                       map[bool]int{true: 0, false: 3}[pg], // SQLite: the adopting UPDATE, the INSERT, the member
				"POST group to delete":                           map[bool]int{true: 0, false: 3}[pg], // likewise
				"POST group holding a group":                     map[bool]int{true: 0, false: 3}[pg], // likewise (a group is no user: no join row)
				"PATCH group: rename":                            map[bool]int{true: 0, false: 1}[pg], // SQLite: the team's UPDATE
				"PUT group":                                      map[bool]int{true: 0, false: 2}[pg], // SQLite: the team's UPDATE, the member added
				"PUT group: one member for another":              map[bool]int{true: 0, false: 2}[pg], // SQLite: the removal, the add
				"PUT group changing nothing":                     0,
			} {
				off, on := inTx[false][name], bridged[name]
				assert.Equal(t, want, on.Outside+on.InTx-off.Outside-off.InTx, "%s: statements the bridge adds (off: %s; on: %s)", name, off, on)
				assert.Equal(t, off.Txs, on.Txs, "%s: the bridge adds no transaction", name)
			}
		}
		if inTx[true] == nil {
			return
		}
		for name, offB := range inTx[false] {
			off := offB.InTx
			want := 0
			switch {
			case strings.HasPrefix(name, "GET") || strings.HasPrefix(name, "list") || strings.HasSuffix(name, "changing nothing"):
			case name == "DELETE group":
				// The group's members, read for the entries, and the
				// append (on PostgreSQL the group's row is locked with
				// its parents' either way, lockGroupDelete).
				want = 2
			case db.name == "sqlite":
				want = 1
			case strings.HasPrefix(name, "DELETE"):
				want = 1
			}
			assert.Equal(t, want, inTx[true][name].InTx-off, "%s: statements the feed adds", name)
		}
	})
}

// roundTripBudget is TestRoundTripBudget on one database, the feed on or
// off, with or without the mapping bridge; it returns what each step
// cost.
func roundTripBudget(t *testing.T, db opener, feed, bridge bool) map[string]budget {
	inTx := map[string]budget{}
	{
		cfg := sqlstore.Config{DSN: db.dsn(t), ChangeFeed: feed}
		if bridge {
			b, err := hostTables(true, false).Bridge(cfg.DSN)
			require.NoError(t, err)
			cfg.Bridge = b
		}
		s, log, err := sqlstore.NewCountingForTest(ctx, cfg)
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		if bridge {
			for _, q := range hostSchema(isPG(s), false) {
				_, err := s.DB().Exec(q)
				require.NoError(t, err, q)
			}
		}
		h, err := scim.NewHandler(scim.Config{BaseURL: "https://scim.example/v2", Users: s, Groups: s, InsecureNoAuth: true,
			Logger: slog.New(slog.DiscardHandler), PasswordHasher: prefixHasher{}})
		require.NoError(t, err)
		log.Take() // migrations
		log.TakeEnds()

		ids := map[string]string{}
		ends := 0 // the COMMITs and ROLLBACKs of the last request
		do := func(t *testing.T, method, path, body string) (int, string, budget) {
			t.Helper()
			for k, v := range ids {
				path = strings.ReplaceAll(path, "{"+k+"}", v)
				body = strings.ReplaceAll(body, "{"+k+"}", v)
			}
			rec := serve(h, method, path, body)
			ev := log.Take()
			ends = log.TakeEnds()
			for _, e := range ev {
				t.Logf("  %+v", e)
			}
			return rec.Code, rec.Body.String(), measure(ev)
		}
		idOf := func(body string) string {
			_, rest, ok := strings.Cut(body, `"id":"`)
			require.True(t, ok, body)
			id, _, _ := strings.Cut(rest, `"`)
			return id
		}

		// read is a request that must read in one snapshot and write nothing.
		type step struct {
			name         string
			method, path string
			body         string
			status       int
			save         string // name the id of the created resource
			saveCursor   string // name the nextCursor of the page
			want         budget // Outside, Txs (InTx, Writes, Writer are checked by kind)
			read         bool
			noWrite      bool   // a write request that changes nothing: it writes no row
			contains     string // the response must contain it
			// pg, when set, is the budget on PostgreSQL: a create is
			// one statement, its own transaction; a PUT or PATCH that
			// keeps the value rows is a read and one conditional UPDATE
			// (no BEGIN and COMMIT round trips either way).
			pg *budget
			// pgInTx, when not 0, is how many statements the write's
			// transaction sends on PostgreSQL: a one-member change
			// writes the member, the version, the feed's entry and the
			// bridge's join row in one.
			pgInTx int
			// inTx, when not 0, is how many statements the write's
			// transaction sends on either database.
			inTx int
		}
		steps := []step{
			{name: "POST user", method: "POST", path: "/Users", status: 201, save: "alice", want: budget{Txs: 1}, pg: &budget{Outside: 1},
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alice","emails":[{"value":"a@example.com","primary":true}]}`},
			{name: "POST second user", method: "POST", path: "/Users", status: 201, save: "bob", want: budget{Txs: 1}, pg: &budget{Outside: 1},
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob"}`},
			{name: "POST group with a member", method: "POST", path: "/Groups", status: 201, save: "g", want: budget{Txs: 1},
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"{alice}"}]}`},
			{name: "GET user (with its groups)", method: "GET", path: "/Users/{alice}", status: 200, read: true, want: budget{Outside: 1}, contains: `"display":"G"`},
			{name: "GET user without groups", method: "GET", path: "/Users/{alice}?excludedAttributes=groups", status: 200, read: true, want: budget{Outside: 1}},
			{name: "GET user not found", method: "GET", path: "/Users/00000000-0000-4000-8000-000000000000", status: 404, read: true, want: budget{Outside: 1}},
			{name: "GET group without members", method: "GET", path: "/Groups/{g}?excludedAttributes=members", status: 200, read: true, want: budget{Outside: 1}},
			// members: the group and its members in one statement (UNION ALL)
			{name: "GET group with members", method: "GET", path: "/Groups/{g}", status: 200, read: true, want: budget{Outside: 1}, contains: `"display":"alice"`},
			{name: "GET group not found", method: "GET", path: "/Groups/00000000-0000-4000-8000-000000000000", status: 404, read: true, want: budget{Outside: 1}},
			{name: "list users by userName", method: "GET", path: "/Users?filter=userName%20eq%20%22alice%22", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":1`},
			{name: "list users, page 1 of 2", method: "GET", path: "/Users?count=1", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":2`},
			// A page deep in the list (Okta's and OneLogin's imports page
			// to the end): its users' groups read for its own rows, in
			// the page's statement.
			{name: "list users, a deep page with groups", method: "GET", path: "/Users?startIndex=2&count=1&sortBy=userName&sortOrder=descending", status: 200, read: true, want: budget{Outside: 1}, contains: `"display":"G"`},
			{name: "list users, past the end", method: "GET", path: "/Users?startIndex=5&count=1", status: 200, read: true, want: budget{Outside: 2}, contains: `"totalResults":2`},
			{name: "list users, total only", method: "GET", path: "/Users?count=0", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":2`},
			{name: "list groups without members", method: "GET", path: "/Groups?excludedAttributes=members", status: 200, read: true, want: budget{Outside: 1}},
			// The lookups providers send before a push (Entra ID and Okta:
			// a group by displayName, members included unless excluded; a
			// user by userName): one statement, no BEGIN or COMMIT, the
			// total read from the rows themselves (a unique name matches
			// at most one), for a startIndex up to 2^29+1 (a skip of
			// maxLookupSkip) and a count up to 2^29; beyond, a page past
			// the end counts in a second statement, as any list's.
			{name: "list groups by displayName", method: "GET", path: "/Groups?filter=displayName%20eq%20%22g%22", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":1`},
			{name: "list groups by displayName, members read", method: "GET", path: "/Groups?filter=displayName%20eq%20%22G%22&attributes=members", status: 200, read: true, want: budget{Outside: 1}, contains: `"display":"alice"`},
			{name: "list groups by displayName without members", method: "GET", path: "/Groups?filter=displayName%20eq%20%22G%22&excludedAttributes=members", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":1`},
			{name: "list groups by displayName, a miss", method: "GET", path: "/Groups?filter=displayName%20eq%20%22nobody%22", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":0`},
			{name: "list groups by displayName, past the end", method: "GET", path: "/Groups?filter=displayName%20eq%20%22G%22&startIndex=2", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":1,"itemsPerPage":0`},
			{name: "list groups by displayName, total only", method: "GET", path: "/Groups?filter=displayName%20eq%20%22G%22&count=0", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":1`},
			{name: "list users by userName, a miss", method: "GET", path: "/Users?filter=userName%20eq%20%22nobody%22", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":0`},
			{name: "list users by userName, count 1", method: "GET", path: "/Users?filter=userName%20eq%20%22ALICE%22&count=1", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":1,"itemsPerPage":1`},
			{name: "list users by userName, past the end", method: "GET", path: "/Users?filter=userName%20eq%20%22alice%22&startIndex=2", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":1,"itemsPerPage":0`},
			{name: "list users by userName, the last startIndex a lookup reads", method: "GET", path: "/Users?filter=userName%20eq%20%22alice%22&startIndex=536870913", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":1,"itemsPerPage":0`},
			{name: "list users by userName, beyond the lookup's startIndex", method: "GET", path: "/Users?filter=userName%20eq%20%22alice%22&startIndex=536870914", status: 200, read: true, want: budget{Outside: 2}, contains: `"totalResults":1,"itemsPerPage":0`},
			{name: "list users by userName, total only", method: "GET", path: "/Users?filter=userName%20eq%20%22alice%22&count=0", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":1`},
			// A list of groups with their members: the page, its total and
			// its groups' members in one statement.
			{name: "list groups with members", method: "GET", path: "/Groups", status: 200, read: true, want: budget{Outside: 1}, contains: `"display":"alice"`},
			{name: "list groups with members, past the end", method: "GET", path: "/Groups?startIndex=5", status: 200, read: true, want: budget{Outside: 2}, contains: `"totalResults":1`},
			{name: "list groups, total only", method: "GET", path: "/Groups?count=0", status: 200, read: true, want: budget{Outside: 1}, contains: `"totalResults":1`},
			{name: "PATCH group: add one member", method: "PATCH", path: "/Groups/{g}", status: 204, want: budget{Txs: 1}, pgInTx: 3, // resolve, lock, write
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"{bob}"}]}]}`},
			{name: "PATCH group: remove one member", method: "PATCH", path: "/Groups/{g}", status: 204, want: budget{Txs: 1}, pgInTx: 2, // lock, write
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"{bob}\"]"}]}`},
			// Several members in one request: a removal and an add, two
			// entries, and back.
			{name: "PATCH group: add one, remove another", method: "PATCH", path: "/Groups/{g}", status: 204, want: budget{Txs: 1},
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"{bob}"}]},{"op":"remove","path":"members[value eq \"{alice}\"]"}]}`},
			{name: "PATCH group: and back", method: "PATCH", path: "/Groups/{g}", status: 204, want: budget{Txs: 1},
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members","value":[{"value":"{bob}"}]},{"op":"add","path":"members","value":[{"value":"{alice}"}]}]}`},
			// Okta's membership update resends the displayName: the
			// handler checks it in ModifyMembersChecked, under the lock
			// the member change takes (store.CheckedMemberModifier), and
			// the lock's statement reads the group: what a member-only
			// PATCH costs.
			{name: "PATCH group: Okta's add, displayName resent", method: "PATCH", path: "/Groups/{g}", status: 204, want: budget{Txs: 1}, pgInTx: 3, // resolve, lock and read, write
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"{g}","displayName":"G"}},{"op":"add","path":"members","value":[{"value":"{bob}"}]}]}`},
			{name: "PATCH group: Okta's remove, displayName resent", method: "PATCH", path: "/Groups/{g}", status: 204, want: budget{Txs: 1}, pgInTx: 2, // lock and read, write
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"displayName":"G"}},{"op":"remove","path":"members[value eq \"{bob}\"]"}]}`},
			// PUT and PATCH: the handler runs the read-modify-write through
			// store.UserUpdater, in one transaction (PostgreSQL: a read
			// and one conditional UPDATE).
			{name: "PATCH user", method: "PATCH", path: "/Users/{alice}?excludedAttributes=groups", status: 200, want: budget{Txs: 1}, pg: &budget{Outside: 2},
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`},
			// A password beside another change: hashed before the
			// store's call (scim.Config.PasswordHasher), so the
			// updater's transaction runs once.
			{name: "PATCH user: password and title", method: "PATCH", path: "/Users/{alice}?excludedAttributes=groups", status: 200, want: budget{Txs: 1}, pg: &budget{Outside: 2},
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"password","value":"s3cret!"},{"op":"replace","path":"title","value":"Engineer"}]}`},
			{name: "PATCH user: password in a value without a path", method: "PATCH", path: "/Users/{alice}?excludedAttributes=groups", status: 200, want: budget{Txs: 1}, pg: &budget{Outside: 2},
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"password":"0th3r!","title":"Lead"}}]}`},
			{name: "PATCH user changing nothing", method: "PATCH", path: "/Users/{alice}?excludedAttributes=groups", status: 200, noWrite: true, want: budget{Txs: 1}, pg: &budget{Outside: 1},
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`},
			{name: "PATCH group: rename", method: "PATCH", path: "/Groups/{g}?excludedAttributes=members", status: 200, want: budget{Txs: 1},
				body: `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"G renamed"}]}`},
			{name: "PUT group: one member for another", method: "PUT", path: "/Groups/{g}?excludedAttributes=members", status: 200, want: budget{Txs: 1},
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G renamed","members":[{"value":"{bob}"}]}`},
			{name: "PUT group", method: "PUT", path: "/Groups/{g}?excludedAttributes=members", status: 200, want: budget{Txs: 1},
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"{alice}"},{"value":"{bob}"}]}`},
			// A PUT of what is stored writes nothing; it reads the group
			// under its lock, the member ids (store.WithMemberIDs) and,
			// for the response, the members with their names: the last
			// read is one statement more than a read of the members with
			// their names up front, which a PUT that changes them would
			// pay in full. Neither read folds into the lock's statement on
			// PostgreSQL: the members it read would be those of the
			// snapshot taken before it waited for the lock.
			{name: "PUT group changing nothing", method: "PUT", path: "/Groups/{g}", status: 200, noWrite: true, want: budget{Txs: 1}, inTx: 3,
				contains: `"display":"alice"`,
				body:     `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","members":[{"value":"{bob}"},{"value":"{alice}"}]}`},
			{name: "PUT user", method: "PUT", path: "/Users/{bob}?excludedAttributes=groups", status: 200, want: budget{Txs: 1}, pg: &budget{Outside: 2},
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bob","displayName":"Bob"}`},
			{name: "DELETE user", method: "DELETE", path: "/Users/{bob}", status: 204, want: budget{Txs: 1}},
			// A group in a group: the user's read finds its group nested
			// and the handler's GroupsOf walks the indirect memberships,
			// a second statement only for such a user.
			{name: "POST group holding a group", method: "POST", path: "/Groups", status: 201, want: budget{Txs: 1},
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Outer","members":[{"value":"{g}"}]}`},
			// A deep page of groups with members, and cursor pages
			// (RFC 9865) of groups with members: one statement each.
			{name: "list groups, a deep page with members", method: "GET", path: "/Groups?startIndex=2&count=1", status: 200, read: true, want: budget{Outside: 1}, contains: `"displayName":"Outer"`},
			{name: "list groups by cursor, first page with members", method: "GET", path: "/Groups?cursor&count=1", status: 200, read: true, want: budget{Outside: 1}, contains: `"display":"alice"`, saveCursor: "cursor"},
			{name: "list groups by cursor, next page with members", method: "GET", path: "/Groups?cursor={cursor}&count=1", status: 200, read: true, want: budget{Outside: 1}, contains: `"displayName":"Outer"`},
			{name: "GET user in a nested group", method: "GET", path: "/Users/{alice}", status: 200, read: true, want: budget{Outside: 2}, contains: `"display":"Outer","type":"indirect"`},
			{name: "POST group to delete", method: "POST", path: "/Groups", status: 201, save: "doomed", want: budget{Txs: 1},
				body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Doomed","members":[{"value":"{alice}"}]}`},
			{name: "DELETE group", method: "DELETE", path: "/Groups/{doomed}", status: 204, want: budget{Txs: 1}},
		}
		for _, st := range steps {
			t.Run(st.name, func(t *testing.T) {
				code, body, got := do(t, st.method, st.path, st.body)
				require.Equal(t, st.status, code, body)
				inTx[st.name] = got
				if st.save != "" {
					ids[st.save] = idOf(body)
				}
				if st.saveCursor != "" {
					_, rest, ok := strings.Cut(body, `"nextCursor":"`)
					require.True(t, ok, body)
					ids[st.saveCursor], _, _ = strings.Cut(rest, `"`)
				}
				t.Logf("%s %s: %s", st.method, st.path, got)
				want := st.want
				if st.pg != nil && isPG(s) {
					want = *st.pg
				}
				assert.Equal(t, want.Outside, got.Outside, "statements outside a transaction")
				assert.Equal(t, want.Txs, got.Txs, "transactions")
				assert.Equal(t, got.Txs, ends, "each BEGIN ends in one COMMIT or ROLLBACK, and a request without one sends neither")
				if st.pgInTx != 0 && isPG(s) {
					assert.Equal(t, st.pgInTx, got.InTx, "statements in the transaction")
				}
				if st.inTx != 0 {
					assert.Equal(t, st.inTx, got.InTx, "statements in the transaction")
				}
				if st.contains != "" {
					assert.Contains(t, body, st.contains)
				}
				if st.read || st.noWrite {
					assert.Zero(t, got.Writes, "a read writes nothing")
				}
				if st.read {
					if !isPG(s) {
						assert.Zero(t, got.Writer, "a SQLite read does not touch the writer's connection")
					} else {
						assert.Equal(t, got.Outside, got.Pgx, "a PostgreSQL read goes through pgx, a count too (rdb.query)")
					}
				} else if !st.noWrite {
					assert.Positive(t, got.Writes, "a write writes")
				}
			})
		}

		// The read-modify-write of PUT and PATCH through the updaters:
		// one transaction, nothing outside it; on PostgreSQL a read and
		// one conditional UPDATE, no transaction around them.
		t.Run("UpdateUser", func(t *testing.T) {
			out, err := s.UpdateUser(tctx(), ids["alice"], "", func(cur *resources.User) (*resources.User, error) {
				cur.Title = "T"
				return cur, nil
			})
			require.NoError(t, err)
			assert.Equal(t, "T", out.Title)
			got := measure(log.Take())
			t.Logf("UpdateUser: %s", got)
			want := budget{Txs: 1}
			if isPG(s) {
				want = budget{Outside: 2}
			}
			assert.Equal(t, want, budget{Outside: got.Outside, Txs: got.Txs})
		})
		t.Run("UpdateUser changing nothing", func(t *testing.T) {
			_, err := s.UpdateUser(tctx(), ids["alice"], "", func(*resources.User) (*resources.User, error) { return nil, nil })
			require.NoError(t, err)
			got := measure(log.Take())
			t.Logf("UpdateUser (nil): %s", got)
			want := budget{Txs: 1, InTx: 1}
			if isPG(s) {
				want = budget{Outside: 1}
			}
			assert.Equal(t, want, budget{Outside: got.Outside, Txs: got.Txs, InTx: got.InTx, Writes: got.Writes})
		})
		// ModifyMembersChecked costs what ModifyMembers costs, and one
		// statement more when it adds a group (the group's read after
		// the lock of the groups in id order, lockForMembers).
		t.Run("ModifyMembersChecked", func(t *testing.T) {
			c := tctx()
			outer, err := s.CreateGroup(c, &resources.Group{DisplayName: "budget outer"})
			require.NoError(t, err)
			inner, err := s.CreateGroup(c, &resources.Group{DisplayName: "budget inner"})
			require.NoError(t, err)
			pass := func(*resources.Group) error { return nil }
			for _, tc := range []struct {
				name  string
				add   []string
				extra int
			}{{"a user", []string{ids["alice"]}, 0}, {"a group", []string{inner.ID}, map[bool]int{true: 1, false: 0}[isPG(s)]}} {
				log.Take()
				_, err := s.ModifyMembers(c, outer.ID, tc.add, nil, "")
				require.NoError(t, err)
				plain := measure(log.Take())
				_, err = s.ModifyMembers(c, outer.ID, nil, tc.add, "")
				require.NoError(t, err)
				log.Take()
				_, err = s.ModifyMembersChecked(c, outer.ID, tc.add, nil, "", pass)
				require.NoError(t, err)
				checked := measure(log.Take())
				t.Logf("%s: ModifyMembers %s; ModifyMembersChecked %s", tc.name, plain, checked)
				assert.Equal(t, plain.Txs, checked.Txs, "%s: one transaction", tc.name)
				assert.Equal(t, plain.Outside, checked.Outside, "%s: nothing outside it", tc.name)
				assert.Equal(t, tc.extra, checked.InTx-plain.InTx, "%s: statements ModifyMembersChecked adds to ModifyMembers", tc.name)
				assert.Equal(t, plain.Writes, checked.Writes, "%s: the same writes", tc.name)
				_, err = s.ModifyMembers(c, outer.ID, nil, tc.add, "")
				require.NoError(t, err)
			}
			log.Take()
		})
		t.Run("UpdateGroup with members", func(t *testing.T) {
			_, err := s.UpdateGroup(tctx(), ids["g"], "", true, func(cur *resources.Group) (*resources.Group, error) {
				cur.DisplayName = "G2"
				return cur, nil
			})
			require.NoError(t, err)
			got := measure(log.Take())
			t.Logf("UpdateGroup: %s", got)
			assert.Equal(t, budget{Txs: 1}, budget{Outside: got.Outside, Txs: got.Txs})
		})
	}
	return inTx
}

func tctx() context.Context { return store.WithTenant(ctx, "") }

// prefixHasher is a scim.PasswordHasher that costs nothing: what a
// request's statements are does not depend on the hash.
type prefixHasher struct{}

func (prefixHasher) Hash(password string) (string, error) { return "hashed:" + password, nil }

// TestSQLitePragmasPerConnection: every pooled connection has the
// settings the README documents, readers are query_only (a read cannot
// take the write lock) and the writer is not.
func TestSQLitePragmasPerConnection(t *testing.T) {
	s := databases()[0].open(t, sqlstore.Config{MaxOpenConns: 3})
	w, rs, err := s.SQLitePragmasForTest(ctx, 3)
	require.NoError(t, err)
	want := map[string]string{"journal_mode": "wal", "synchronous": "1", "busy_timeout": "10000", "foreign_keys": "1", "query_only": "0", "secure_delete": "1"}
	assert.Equal(t, want, w, "writer")
	want["query_only"] = "1"
	require.Len(t, rs, 3)
	for i, r := range rs {
		assert.Equal(t, want, r, "reader %d", i)
	}
}

// TestSQLiteWriterStatementCache: on SQLite a write's statements are
// compiled the first time their SQL is seen and then run prepared (the
// writer's statement cache); PostgreSQL leaves that to pgx.
func TestSQLiteWriterStatementCache(t *testing.T) {
	for _, tc := range []struct {
		name         string
		feed, bridge bool
	}{{"feed=off", false, false}, {"feed=on", true, false}, {"host tables", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sqlstore.Config{DSN: sqliteDSN(t), ChangeFeed: tc.feed}
			if tc.bridge {
				// The bridge's statements go through the cache too.
				b, err := sqlstore.HostTables{
					Users: sqlstore.UserTable{Table: "app_users", ID: "scim_id", Key: "id", Columns: map[string]string{"userName": "email", "title": "title"},
						Adopt: &sqlstore.Match{Column: "email", Attribute: "userName"}},
					Groups:  &sqlstore.GroupTable{Table: "app_teams", ID: "scim_id", Columns: map[string]string{"displayName": "name"}},
					Members: &sqlstore.MemberTable{Table: "app_members", Group: "team", User: "usr"},
				}.Bridge(cfg.DSN)
				require.NoError(t, err)
				cfg.Bridge = b
			}
			s, log, err := sqlstore.NewCountingForTest(ctx, cfg)
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			_, err = s.DB().ExecContext(ctx, `CREATE TABLE app_users (id INTEGER PRIMARY KEY, scim_id TEXT UNIQUE, email TEXT, title TEXT);
				CREATE TABLE app_teams (id INTEGER PRIMARY KEY, scim_id TEXT UNIQUE, name TEXT);
				CREATE TABLE app_members (team TEXT, usr TEXT, PRIMARY KEY (team, usr))`)
			require.NoError(t, err)
			c := tctx()
			var uids []string
			for i := range 4 {
				u, err := s.CreateUser(c, &resources.User{UserName: fmt.Sprintf("seed%d", i)})
				require.NoError(t, err)
				uids = append(uids, u.ID)
			}
			g, err := s.CreateGroup(c, &resources.Group{DisplayName: "G"})
			require.NoError(t, err)
			ops := []struct {
				name  string
				write func(i int) error
			}{
				{"CreateUser", func(i int) error {
					_, err := s.CreateUser(c, &resources.User{UserName: fmt.Sprintf("u%d", i), Emails: []resources.MultiValue{{Value: fmt.Sprintf("u%d@example.com", i)}}})
					return err
				}},
				{"UpdateUser", func(i int) error {
					_, err := s.UpdateUser(c, uids[i], "", func(cur *resources.User) (*resources.User, error) {
						cur.Title = fmt.Sprint("T", i)
						return cur, nil
					})
					return err
				}},
				{"ModifyMembers add", func(i int) error {
					_, err := s.ModifyMembers(c, g.ID, []string{uids[i]}, nil, "")
					return err
				}},
				{"ModifyMembers remove", func(i int) error {
					_, err := s.ModifyMembers(c, g.ID, nil, []string{uids[i]}, "")
					return err
				}},
				{"UpdateGroup", func(i int) error {
					_, err := s.UpdateGroup(c, g.ID, "", false, func(cur *resources.Group) (*resources.Group, error) {
						cur.DisplayName = fmt.Sprint("G", i)
						return cur, nil
					})
					return err
				}},
				{"DeleteUser", func(i int) error { return s.DeleteUser(c, uids[2+i], "") }},
			}
			for _, op := range ops {
				t.Run(op.name, func(t *testing.T) {
					log.Take()
					require.NoError(t, op.write(0))
					log.Take() // the first run compiles, then prepares
					require.NoError(t, op.write(1))
					n := 0
					for _, e := range log.Take() {
						if e.InTx {
							n++
							assert.True(t, e.Prepared, "compiled again: %s", e.SQL)
						}
					}
					assert.Positive(t, n)
				})
			}
			if tc.bridge {
				var n int
				require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT count(*) FROM app_users WHERE scim_id IS NOT NULL`).Scan(&n))
				assert.Equal(t, 4, n, "the bridge wrote the users (6 created, 2 deleted)")
			}
		})
	}
}

// TestSQLiteReaderStatementCache: on SQLite a read's SQL is compiled once
// per text and runs prepared from then on (the reader pool's cache):
// GetUser with and without groups, GetGroup with and without members, and
// lookups, as the handler sends them.
func TestSQLiteReaderStatementCache(t *testing.T) {
	s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: sqliteDSN(t)})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	c := tctx()
	u, err := s.CreateUser(c, &resources.User{UserName: "alice", Emails: []resources.MultiValue{{Value: "a@work.example", Type: "work"}}})
	require.NoError(t, err)
	g, err := s.CreateGroup(c, &resources.Group{DisplayName: "G", Members: []resources.Member{{Value: u.ID}}})
	require.NoError(t, err)
	reads := []struct {
		name string
		read func() error
	}{
		{"GetUser", func() error { _, err := s.GetUser(c, u.ID, store.GetOptions{}); return err }},
		{"GetUser without groups", func() error { _, err := s.GetUser(c, u.ID, store.GetOptions{ExcludeGroups: true}); return err }},
		{"GetGroup", func() error { _, err := s.GetGroup(c, g.ID, store.GetOptions{}); return err }},
		{"GetGroup without members", func() error { _, err := s.GetGroup(c, g.ID, store.GetOptions{ExcludeMembers: true}); return err }},
		{"ListUsers userName eq", func() error {
			_, err := s.ListUsers(c, store.Query{Filter: mustParse(t, `userName eq "alice"`), StartIndex: 1, Count: 100})
			return err
		}},
		{"ListUsers email", func() error {
			_, err := s.ListUsers(c, store.Query{Filter: mustParse(t, `emails[type eq "work"].value eq "a@work.example"`), StartIndex: 1, Count: 100})
			return err
		}},
		{"ListGroups displayName eq", func() error {
			_, err := s.ListGroups(c, store.Query{Filter: mustParse(t, `displayName eq "G"`), StartIndex: 1, Count: 100, ExcludeMembers: true})
			return err
		}},
	}
	for _, r := range reads {
		t.Run(r.name, func(t *testing.T) {
			log.Take()
			require.NoError(t, r.read())
			log.Take() // the first run prepares
			require.NoError(t, r.read())
			ev := log.Take()
			require.NotEmpty(t, ev)
			for _, e := range ev {
				assert.Equal(t, "r", e.Pool, "a read runs on the reader pool: %s", e.SQL)
				assert.True(t, e.Prepared, "compiled again: %s", e.SQL)
			}
		})
	}
}

// TestUpdateKeepsValueRows: an update that leaves a user's emails and
// phone numbers as they are writes no row of scim_user_values (a PATCH of
// active is one UPDATE); one that changes them rewrites them, and a
// lookup by email follows.
func TestUpdateKeepsValueRows(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: db.dsn(t)})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		c := tctx()
		// Each subtest changes a user of its own, created as this one.
		create := func(t *testing.T, userName, email string) *resources.User {
			u, err := s.CreateUser(c, &resources.User{UserName: userName, Active: ptr(true),
				Emails: []resources.MultiValue{{Value: email, Type: "work", Primary: resources.Bool(true)}}})
			require.NoError(t, err)
			return u
		}
		update := func(t *testing.T, u *resources.User, change func(u *resources.User)) {
			_, err := s.UpdateUser(c, u.ID, "", func(cur *resources.User) (*resources.User, error) {
				change(cur)
				return cur, nil
			})
			require.NoError(t, err)
		}
		byEmail := func(t *testing.T, email string) int {
			p, err := s.ListUsers(c, store.Query{Filter: mustParse(t, `emails.value eq "`+email+`"`), StartIndex: 1, Count: 10})
			require.NoError(t, err)
			return p.Total
		}
		touchesValues := func() bool {
			for _, e := range log.Take() {
				if strings.Contains(e.SQL, "scim_user_values") {
					return true
				}
			}
			return false
		}
		tests := []struct {
			name   string
			change func(u *resources.User)
			values bool // the value rows are written again
		}{
			{"active", func(u *resources.User) { u.Active = ptr(false) }, false},
			{"title", func(u *resources.User) { u.Title = "CEO" }, false},
			{"same emails in new values", func(u *resources.User) {
				u.Emails = []resources.MultiValue{{Value: "a@work.example", Type: "work", Primary: resources.Bool(true)}}
			}, false},
			{"email changed", func(u *resources.User) { u.Emails[0].Value = "b@work.example" }, true},
			{"phone added", func(u *resources.User) { u.PhoneNumbers = []resources.MultiValue{{Value: "+1 555 0100"}} }, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				u := create(t, tt.name, "a@work.example")
				log.Take()
				update(t, u, tt.change)
				assert.Equal(t, tt.values, touchesValues(), "the value rows are written again only when emails or phone numbers change")
			})
		}
		t.Run("a lookup by email follows", func(t *testing.T) {
			u := create(t, "lookup", "old@lookup.example")
			require.Equal(t, 1, byEmail(t, "old@lookup.example"))
			update(t, u, func(u *resources.User) { u.Emails[0].Value = "new@lookup.example" })
			assert.Equal(t, 0, byEmail(t, "old@lookup.example"), "the old email no longer finds the user")
			assert.Equal(t, 1, byEmail(t, "new@lookup.example"), "the new email finds the user")
		})
	})
}

// TestRequestLogBatchPlaceholders: a batch of the request log is one
// INSERT whose parameters SQLite binds by position. Numbered ?n
// placeholders are names to SQLite, and the driver looks each one up by
// walking the statement's list of names when it binds, so a batch of
// admin.DefaultAsyncBatch entries (2,816 parameters) cost the square of
// that: 38 µs an entry, against 8 µs with bare ? (BenchmarkRecordBatch).
func TestRequestLogBatchPlaceholders(t *testing.T) {
	s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: sqliteDSN(t), RequestLogSize: admin.DefaultAsyncBatch})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	batch := make([]admin.Request, admin.DefaultAsyncBatch)
	for i := range batch {
		batch[i] = admin.Request{TenantID: "t", RequestID: fmt.Sprint(i), Method: "GET", Path: "/Users", Status: 200}
	}
	log.Take()
	require.NoError(t, s.RecordBatch(ctx, batch))
	var inserts []string
	for _, e := range log.Take() {
		if strings.HasPrefix(e.SQL, "INSERT INTO scim_request_log") {
			inserts = append(inserts, e.SQL)
		}
	}
	require.Len(t, inserts, 1, "one INSERT for the batch")
	assert.Equal(t, len(batch)*13, strings.Count(inserts[0], "?"), "one placeholder a value")
	assert.False(t, regexp.MustCompile(`\?[0-9]`).MatchString(inserts[0]), "a numbered placeholder in the batch's INSERT")
	got, err := s.Recent(ctx, "t", 1)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, fmt.Sprint(len(batch)-1), got[0].RequestID, "the newest first, every value in its column")
	assert.Equal(t, "/Users", got[0].Path)
}

// TestRequestLogBatchOneText: on PostgreSQL a batch of the request log
// is one INSERT of thirteen parameters, each column an array, the same
// text whatever the batch's size, so that one prepared statement and one
// plan serve every batch; on both databases every field of an entry
// comes back as it was recorded.
func TestRequestLogBatchOneText(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: db.dsn(t), RequestLogSize: 500})
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		entry := func(i int) admin.Request {
			return admin.Request{At: t0.Add(time.Duration(i) * time.Millisecond), TenantID: "t", RequestID: fmt.Sprint("req-", i), Method: "PATCH",
				Path: fmt.Sprint("/Users/", i), Status: 400 + i%2, ScimType: "invalidValue", Detail: fmt.Sprint("detail ", i),
				Latency: time.Duration(i) * time.Microsecond, TokenHint: "scim_ab…", Warnings: []string{fmt.Sprint("warning ", i), "another"}}
		}
		texts := map[string]int{}
		next := 0
		for _, size := range []int{1, 7, 300} {
			batch := make([]admin.Request, size)
			for i := range batch {
				batch[i] = entry(next)
				next++
			}
			log.Take()
			require.NoError(t, s.RecordBatch(ctx, batch))
			for _, e := range log.Take() {
				if strings.HasPrefix(e.SQL, "INSERT INTO scim_request_log") {
					texts[e.SQL]++
					if isPG(s) {
						assert.Equal(t, 13, len(e.Args), "a batch of %d: one parameter a column", size)
					}
				}
			}
		}
		if isPG(s) {
			assert.Equal(t, 1, len(texts), "one statement text for batches of 1, 7 and 300 entries")
		} else {
			assert.Equal(t, 3, len(texts), "SQLite: a VALUES list of the batch's size")
		}
		got, err := s.Recent(ctx, "t", 500)
		require.NoError(t, err)
		require.Len(t, got, next)
		for i, r := range got {
			want := entry(next - 1 - i)
			assert.True(t, want.At.Equal(r.At), "entry %d: at %v, want %v", i, r.At, want.At)
			r.At = want.At
			assert.Equal(t, want, r, "newest first, every field as recorded")
		}
	})
}

// TestResidualListRoundTrips: a list whose filter is partly finished in
// Go (here a host extension's integer, which no column holds) reads its
// rows in one statement outside a transaction, unless it also reads the
// groups of the users the SQL part selects, for a filter on groups: two
// statements that must see one snapshot, in a read-only transaction. The
// groups read names those users (an id list) unless the SQL part selects
// every user of the tenant.
func TestResidualListRoundTrips(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: db.dsn(t), Model: acmeModel(t)})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		c := tctx()
		alice, err := s.CreateUser(c, &resources.User{UserName: "alice"})
		require.NoError(t, err)
		_, err = s.CreateUser(c, &resources.User{UserName: "bob"})
		require.NoError(t, err)
		for _, tt := range []struct {
			filter string
			want   budget // Outside, Txs, InTx
			// groupsOf: the ids whose groups the second statement reads
			// (nil: the tenant's)
			groupsOf []string
		}{
			{filter: acme + `:level gt 2`, want: budget{Outside: 1}},
			{filter: acme + `:level gt 2 or userName eq "alice"`, want: budget{Outside: 1}},
			{filter: acme + `:level gt 2 or groups.value eq "x"`, want: budget{Txs: 1, InTx: 2}}, // the users, their groups
			{filter: `userName eq "alice" and (` + acme + `:level gt 2 or groups.value eq "x")`, want: budget{Txs: 1, InTx: 2}, groupsOf: []string{alice.ID}},
		} {
			t.Run(tt.filter, func(t *testing.T) {
				q := store.Query{Filter: mustParse(t, tt.filter), StartIndex: 1, Count: 10}
				_, _, _, residual, err := s.PlanForTest(c, true, q)
				require.NoError(t, err)
				require.True(t, residual, "the filter is finished in Go")
				log.Take()
				_, err = s.ListUsers(c, q)
				require.NoError(t, err)
				events := log.Take()
				got := measure(events)
				assert.Equal(t, tt.want, budget{Outside: got.Outside, Txs: got.Txs, InTx: got.InTx}, "%s", got)
				if tt.want.InTx == 2 {
					groups := events[len(events)-1]
					want := []any{store.Tenant(c)}
					if tt.groupsOf != nil {
						want = append(want, s.ListArgForTest(tt.groupsOf))
					}
					assert.Equal(t, want, groups.Args, "the groups read names the users the SQL part selected, or none when it selected the tenant's")
				}
				assert.Zero(t, got.Writes)
				if isPG(s) {
					assert.Equal(t, got.Outside, got.Pgx, "a read outside a transaction goes through pgx")
				}
			})
		}
	})
}

// TestOnChangeFeedStatements holds what the change feed adds to a write
// with Config.OnChange. On PostgreSQL exactly what it adds to a write
// without OnChange (TestRoundTripBudget): the write appends its entries
// to scim_feed_pending in a statement it sends anyway (one statement more
// for a deletion) and numbers nothing, so OnChange is handed Seq 0; the
// entries are numbered once committed, by a reader of the feed. Numbering
// them in the write was one statement more, which held the tenant's feed
// head until the commit: a tenant's writes one at a time. On SQLite, one
// writer at a time, OnChange is handed each entry's Seq: the read of the
// tenant's last Seq and the INSERT, where a write without OnChange
// numbers in its INSERT.
func TestOnChangeFeedStatements(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		type op struct {
			name string
			do   func(c context.Context, s *sqlstore.Store, ids map[string]string) error
		}
		ops := []op{
			{"create user", func(c context.Context, s *sqlstore.Store, ids map[string]string) error {
				u, err := s.CreateUser(c, &resources.User{UserName: "alice", Active: ptr(true)})
				if err == nil {
					ids["alice"] = u.ID
				}
				return err
			}},
			{"create group", func(c context.Context, s *sqlstore.Store, ids map[string]string) error {
				g, err := s.CreateGroup(c, &resources.Group{DisplayName: "G"})
				if err == nil {
					ids["g"] = g.ID
				}
				return err
			}},
			{"update user", func(c context.Context, s *sqlstore.Store, ids map[string]string) error {
				_, err := s.UpdateUser(c, ids["alice"], "", func(cur *resources.User) (*resources.User, error) {
					cur.DisplayName = "Alice"
					return cur, nil
				})
				return err
			}},
			{"add member", func(c context.Context, s *sqlstore.Store, ids map[string]string) error {
				_, err := s.ModifyMembers(c, ids["g"], []string{ids["alice"]}, nil, "")
				return err
			}},
			{"delete user", func(c context.Context, s *sqlstore.Store, ids map[string]string) error {
				return s.DeleteUser(c, ids["alice"], "")
			}},
		}
		pg := db.name != "sqlite"
		want := map[string]int{
			"create user":  map[bool]int{true: 0, false: 2}[pg],
			"create group": map[bool]int{true: 0, false: 2}[pg],
			"update user":  map[bool]int{true: 0, false: 2}[pg],
			"add member":   map[bool]int{true: 0, false: 2}[pg],
			"delete user":  map[bool]int{true: 1, false: 2}[pg],
		}
		// costs[hooked][feed]: each write's statements, with OnChange or
		// without, with the feed or without.
		costs := map[bool]map[bool]map[string]budget{}
		for _, hooked := range []bool{false, true} {
			costs[hooked] = map[bool]map[string]budget{}
			for _, feed := range []bool{false, true} {
				handed := 0
				cfg := sqlstore.Config{DSN: db.dsn(t), ChangeFeed: feed}
				if hooked {
					cfg.OnChange = func(_ context.Context, _ *sql.Tx, c sqlstore.Change) error {
						if feed && !pg && c.Seq <= 0 {
							return fmt.Errorf("entry %s of %s handed without its Seq", c.Kind, c.ID)
						}
						if pg && c.Seq != 0 {
							return fmt.Errorf("entry %s of %s handed with Seq %d before it is numbered", c.Kind, c.ID, c.Seq)
						}
						handed++
						return nil
					}
				}
				s, log, err := sqlstore.NewCountingForTest(ctx, cfg)
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				log.Take()
				costs[hooked][feed] = map[string]budget{}
				ids := map[string]string{}
				c := store.WithTenant(ctx, "acme")
				for _, o := range ops {
					require.NoError(t, o.do(c, s, ids), o.name)
					costs[hooked][feed][o.name] = measure(log.Take())
				}
				assert.Equal(t, hooked, handed > 0)
			}
		}
		adds := func(hooked bool, name string) int {
			off, on := costs[hooked][false][name], costs[hooked][true][name]
			return on.Outside + on.InTx - off.Outside - off.InTx
		}
		for _, o := range ops {
			off, on := costs[true][false][o.name], costs[true][true][o.name]
			t.Logf("%s: feed off %s; on %s", o.name, off, on)
			assert.Equal(t, want[o.name], adds(true, o.name), "%s: statements the feed adds with OnChange", o.name)
			assert.Equal(t, off.Txs, on.Txs, "%s: the feed adds no transaction", o.name)
			if pg {
				assert.Equal(t, adds(false, o.name), adds(true, o.name), "%s: the feed adds what it adds without OnChange", o.name)
			}
		}
	})
}

// TestLongIDTouchesNoStore: a GET, HEAD, PUT, PATCH or DELETE of
// /Users/{id} or /Groups/{id} naming an id longer than any the store
// gives (MaxIDLen, a UUID's 36 bytes), up to 100 KB of path, is a 404
// that sends the database nothing: no statement, no transaction; and so
// is such an operation of a /Bulk. An id of the store's length that
// names nothing still asks the store (one statement for a GET).
func TestLongIDTouchesNoStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s, log, err := sqlstore.NewCountingForTest(ctx, sqlstore.Config{DSN: db.dsn(t)})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		require.Equal(t, 36, s.MaxIDLen())
		h, err := scim.NewHandler(scim.Config{BaseURL: "https://scim.example/v2", Users: s, Groups: s, InsecureNoAuth: true,
			Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		log.Take() // migrations

		user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x"}`
		group := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"x"}`
		patch := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"y"}]}`
		for _, id := range []string{strings.Repeat("a", 37), strings.Repeat("0", 100<<10)} {
			for _, tc := range []struct{ method, seg, body string }{
				{"GET", "Users", ""}, {"HEAD", "Users", ""}, {"PUT", "Users", user}, {"PATCH", "Users", patch}, {"DELETE", "Users", ""},
				{"GET", "Groups", ""}, {"HEAD", "Groups", ""}, {"PUT", "Groups", group}, {"PATCH", "Groups", patch}, {"DELETE", "Groups", ""},
			} {
				t.Run(fmt.Sprintf("%s %s of %d bytes", tc.method, tc.seg, len(id)), func(t *testing.T) {
					rec := serve(h, tc.method, "/"+tc.seg+"/"+id, tc.body)
					assert.Equal(t, http.StatusNotFound, rec.Code, rec.Body.String())
					if tc.method != "HEAD" {
						assert.Contains(t, rec.Body.String(), `"status":"404"`)
					}
					assert.Empty(t, log.Take(), "no statement")
				})
			}
			t.Run(fmt.Sprintf("Bulk of %d bytes", len(id)), func(t *testing.T) {
				bulk := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` +
					`{"method":"DELETE","path":"/Users/` + id + `"},{"method":"PATCH","path":"/Groups/` + id + `","data":` + patch + `}]}`
				rec := serve(h, "POST", "/Bulk", bulk)
				require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
				assert.Equal(t, 2, strings.Count(rec.Body.String(), `"status":"404","response"`), rec.Body.String())
				assert.Empty(t, log.Take(), "no statement")
			})
		}
		rec := serve(h, "GET", "/Users/"+strings.Repeat("a", 36), "")
		assert.Equal(t, http.StatusNotFound, rec.Code)
		assert.Equal(t, 1, measure(log.Take()).Outside, "an id of the store's length is the store's to find")
	})
}
