package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/testlog"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// TestHostTablesInvalid: a mapping that cannot work is refused when the
// bridge is built, with an error that names the field.
func TestHostTablesInvalid(t *testing.T) {
	users := func(f func(u *sqlstore.UserTable)) sqlstore.HostTables {
		m := sqlstore.HostTables{Users: sqlstore.UserTable{Table: "users", ID: "scim_id", Columns: map[string]string{"userName": "email"}}}
		f(&m.Users)
		return m
	}
	groups := &sqlstore.GroupTable{Table: "teams", ID: "scim_id", Columns: map[string]string{"displayName": "name"}}
	for _, tc := range []struct {
		name string
		m    sqlstore.HostTables
		dsn  string
		want string
	}{
		{"empty table", users(func(u *sqlstore.UserTable) { u.Table = "" }), "", "Users.Table is empty"},
		{"no id column", users(func(u *sqlstore.UserTable) { u.ID = "" }), "", "Users.ID"},
		{"odd table name", users(func(u *sqlstore.UserTable) { u.Table = `users"; DROP TABLE x; --` }), "", "not a plain SQL name"},
		{"three-part name", users(func(u *sqlstore.UserTable) { u.Table = "a.b.c" }), "", "at most schema.table"},
		{"odd column", users(func(u *sqlstore.UserTable) { u.Columns["userName"] = "e mail" }), "", "Users.Columns[userName]"},
		{"unknown path", users(func(u *sqlstore.UserTable) { u.Columns["emails.type"] = "t" }), "", `"emails.type" is not a single-valued user attribute`},
		{"two paths, one column", users(func(u *sqlstore.UserTable) { u.Columns["emails"] = "email" }), "", `are both column "email"`},
		{"column is the id column", users(func(u *sqlstore.UserTable) { u.Columns["externalId"] = "scim_id" }), "", `are both column "scim_id"`},
		{"adopt without key", users(func(u *sqlstore.UserTable) { u.Adopt = &sqlstore.Match{Column: "email", Attribute: "userName"} }), "", "Users.Adopt needs Users.Key"},
		{"adopt on active", users(func(u *sqlstore.UserTable) {
			u.Key = "id"
			u.Adopt = &sqlstore.Match{Column: "email", Attribute: "active"}
		}), "", "not a string user attribute"},
		{"members without groups", sqlstore.HostTables{Users: sqlstore.UserTable{Table: "u", ID: "s"}, Members: &sqlstore.MemberTable{Table: "m", Group: "g", User: "u"}}, "", "Members needs Groups"},
		{"host keys without keys", sqlstore.HostTables{Users: sqlstore.UserTable{Table: "u", ID: "s"}, Groups: groups,
			Members: &sqlstore.MemberTable{Table: "m", Group: "g", User: "u", HostKeys: true}}, "", "Members.HostKeys needs Users.Key and Groups.Key"},
		{"unknown group path", sqlstore.HostTables{Users: sqlstore.UserTable{Table: "u", ID: "s"},
			Groups: &sqlstore.GroupTable{Table: "teams", ID: "scim_id", Columns: map[string]string{"members": "m"}}}, "", `"members" is not a group attribute`},
		{"no DSN", users(func(*sqlstore.UserTable) {}), " ", "empty DSN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := tc.dsn
			if dsn == "" {
				dsn = "app.db"
			}
			_, err := tc.m.Bridge(dsn)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := users(func(u *sqlstore.UserTable) {
		u.Table = "app.users"
		u.Columns["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"] = "dept"
		u.Columns["Name.GivenName"] = "given"
	}).Bridge("postgres://db/app")
	require.NoError(t, err, "schema-qualified tables, URN paths and any case are fine")
}

// hostSchema is a host's tables: users and teams keyed by integers, with
// a nullable SCIM id, and a join table of those integer keys.
func hostSchema(pg, intFlags bool) []string {
	serial, flag, yes, no := "INTEGER PRIMARY KEY", "BOOLEAN", "TRUE", "FALSE"
	if pg {
		serial = "BIGSERIAL PRIMARY KEY"
	}
	if intFlags {
		flag, yes, no = "INTEGER", "1", "0"
	}
	return []string{
		`CREATE TABLE app_users (id ` + serial + `, scim_id TEXT, org TEXT NOT NULL DEFAULT '', email TEXT NOT NULL, given_name TEXT, work_email TEXT, dept TEXT,
			active ` + flag + ` NOT NULL DEFAULT ` + yes + `, deleted ` + flag + `)`,
		`CREATE UNIQUE INDEX app_users_scim_id ON app_users (scim_id) WHERE scim_id IS NOT NULL`,
		// An address is unique among the accounts not deleted.
		`CREATE UNIQUE INDEX app_users_email ON app_users (org, email) WHERE deleted IS NULL OR deleted = ` + no,
		`CREATE INDEX app_users_adopt ON app_users (lower(email))`,
		`CREATE TABLE app_teams (id ` + serial + `, scim_id TEXT, org TEXT NOT NULL DEFAULT '', name TEXT NOT NULL)`,
		`CREATE UNIQUE INDEX app_teams_scim_id ON app_teams (scim_id) WHERE scim_id IS NOT NULL`,
		// The adoption by name, as Match advises.
		`CREATE INDEX app_teams_adopt ON app_teams (lower(name))`,
		`CREATE TABLE app_team_members (team_id BIGINT NOT NULL REFERENCES app_teams (id), user_id BIGINT NOT NULL REFERENCES app_users (id), PRIMARY KEY (team_id, user_id))`,
		`CREATE INDEX app_team_members_user ON app_team_members (user_id)`,
	}
}

// hostTables maps hostSchema; soft deletes flag users instead of deleting
// them.
func hostTables(soft, intFlags bool) sqlstore.HostTables {
	m := sqlstore.HostTables{
		Users: sqlstore.UserTable{Table: "app_users", ID: "scim_id", Key: "id", Tenant: "org", IntFlags: intFlags,
			Columns: map[string]string{"userName": "email", "name.givenName": "given_name", "emails[primary].value": "work_email",
				"active": "active", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "dept"},
			Adopt: &sqlstore.Match{Column: "email", Attribute: "userName"}},
		Groups:  &sqlstore.GroupTable{Table: "app_teams", ID: "scim_id", Key: "id", Tenant: "org", Columns: map[string]string{"displayName": "name"}, Adopt: &sqlstore.Match{Column: "name", Attribute: "displayName"}},
		Members: &sqlstore.MemberTable{Table: "app_team_members", Group: "team_id", User: "user_id", HostKeys: true},
	}
	if soft {
		m.Users.SoftDelete = "deleted"
	}
	return m
}

// scimClient drives a handler in process.
type scimClient struct {
	t testing.TB
	h http.Handler
}

func (c scimClient) do(method, path, body string) (int, map[string]any) {
	rec := serve(c.h, method, path, body)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return rec.Code, out
}

func (c scimClient) must(want int, method, path, body string) map[string]any {
	c.t.Helper()
	code, out := c.do(method, path, body)
	if want == http.StatusOK && code == http.StatusNoContent {
		want = code // a group PATCH may answer without the group
	}
	require.Equal(c.t, want, code, "%s %s: %v", method, path, out)
	return out
}

// newHostStore opens a store with the bridge of m over hostSchema, set
// as Config.Bridge, or, asOnChange, as a hand-written Config.OnChange
// would be (the store then folds none of its statements into its own).
func newHostStore(t *testing.T, db opener, m sqlstore.HostTables, intFlags, asOnChange, feed bool) (*sqlstore.Store, scimClient) {
	dsn := db.dsn(t)
	bridge, err := m.Bridge(dsn)
	require.NoError(t, err)
	cfg := bridgeConfig(dsn, bridge, asOnChange)
	cfg.ChangeFeed = feed
	s, err := sqlstore.New(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	for _, q := range hostSchema(isPG(s), intFlags) {
		_, err := s.DB().Exec(q)
		require.NoError(t, err, q)
	}
	h, err := scim.NewHandler(scim.Config{BaseURL: "https://app.example/scim/v2", Users: s, Groups: s, InsecureNoAuth: true,
		Logger: testlog.Errors(t)}) // a 503's cause in the test's log
	require.NoError(t, err)
	return s, scimClient{t: t, h: h}
}

// bridgeConfig is the store's Config with bridge set as Config.Bridge,
// or, asOnChange, as Config.OnChange.
func bridgeConfig(dsn string, bridge *sqlstore.Bridge, asOnChange bool) sqlstore.Config {
	if asOnChange {
		return sqlstore.Config{DSN: dsn, OnChange: bridge.OnChangeForTest}
	}
	return sqlstore.Config{DSN: dsn, Bridge: bridge}
}

// rowsOf returns the rows of q, each rendered as its columns joined by
// spaces (NULL as -).
func rowsOf(t testing.TB, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		parts := make([]string, len(cols))
		for i, v := range vals {
			parts[i] = "-"
			if v.Valid {
				parts[i] = map[string]string{"true": "1", "false": "0"}[v.String]
				if parts[i] == "" {
					parts[i] = v.String
				}
			}
		}
		out = append(out, strings.Join(parts, " "))
	}
	require.NoError(t, rows.Err())
	return out
}

const userSchema = `"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]`

// TestHostTablesBridge drives the mapping bridge through the handler on
// each database, with boolean and integer flags, soft and hard deletes:
// adoption, updates, deactivation, membership (a nested group skipped),
// deletes, and a host's unique constraint answered with a 409 that
// changes nothing.
func TestHostTablesBridge(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, v := range []struct {
			name                             string
			soft, intFlags, asOnChange, feed bool
		}{
			{"hard delete, boolean flags", false, false, false, false},
			{"soft delete, integer flags", true, true, false, false},
			{"soft delete, with the change feed", true, false, false, true},
			{"soft delete, as OnChange", true, false, true, false},
			{"soft delete, as OnChange, with the change feed", true, false, true, true},
		} {
			t.Run(v.name, func(t *testing.T) {
				s, c := newHostStore(t, db, hostTables(v.soft, v.intFlags), v.intFlags, v.asOnChange, v.feed)
				q := s.DB()
				ph := paramsOf(s)
				// The app's accounts before SCIM: ann will be adopted, zed
				// stays the app's own, and another org's ann is not touched.
				for _, r := range [][2]string{{"", "Ann@Example.com"}, {"", "zed@example.com"}, {"other", "ann@example.com"}} {
					_, err := q.Exec(`INSERT INTO app_users (org, email, given_name) VALUES (`+ph(1)+`, `+ph(2)+`, 'app')`, r[0], r[1])
					require.NoError(t, err)
				}
				_, err := q.Exec(`INSERT INTO app_teams (name) VALUES ('Eng')`)
				require.NoError(t, err)

				ann := c.must(201, "POST", "/Users", `{`+userSchema+`,"userName":"ann@example.com","name":{"givenName":"Ann"},
					"emails":[{"value":"a@home.example"},{"value":"ann@work.example","primary":true}],
					"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R&D"}}`)["id"].(string)
				bob := c.must(201, "POST", "/Users", `{`+userSchema+`,"userName":"bob@example.com","name":{"givenName":"Bob"}}`)["id"].(string)
				users := func() []string {
					return rowsOf(t, q, `SELECT id, scim_id IS NOT NULL, org, email, given_name, work_email, dept, active, deleted FROM app_users ORDER BY id`)
				}
				del := map[bool]string{true: "0", false: "-"}[v.soft]
				assert.Equal(t, []string{
					"1 1  ann@example.com Ann ann@work.example R&D 1 " + del, // adopted: the app's row 1, with SCIM's values
					"2 0  zed@example.com app - - 1 -",
					"3 0 other ann@example.com app - - 1 -",
					"4 1  bob@example.com Bob - - 1 " + del,
				}, users())

				// The team is adopted by name; a nested group is no user.
				eng := c.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"eng","members":[{"value":"`+ann+`"}]}`)["id"].(string)
				sub := c.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"sub"}`)["id"].(string)
				c.must(200, "PATCH", "/Groups/"+eng, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
					{"op":"add","path":"members","value":[{"value":"`+bob+`"},{"value":"`+sub+`"}]}]}`)
				teams := func() []string {
					return rowsOf(t, q, `SELECT t.id, t.name, u.email FROM app_team_members m JOIN app_teams t ON t.id = m.team_id JOIN app_users u ON u.id = m.user_id ORDER BY t.id, u.id`)
				}
				assert.Equal(t, []string{"1 eng ann@example.com", "1 eng bob@example.com"}, teams())
				c.must(200, "PATCH", "/Groups/"+eng, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
					{"op":"remove","path":"members[value eq \"`+ann+`\"]"},{"op":"replace","path":"displayName","value":"Engineering"}]}`)
				assert.Equal(t, []string{"1 Engineering bob@example.com"}, teams())

				// Deactivation, and an update of a mapped attribute.
				c.must(200, "PATCH", "/Users/"+bob, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
					{"op":"replace","path":"active","value":false},{"op":"replace","path":"name.givenName","value":"Robert"}]}`)
				assert.Equal(t, "4 1  bob@example.com Robert - - 0 "+del, users()[3])

				// bob renamed to zed's address: the app's UNIQUE (org, email)
				// refuses, so the SCIM write is refused too.
				code, body := c.do("PATCH", "/Users/"+bob, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"zed@example.com"}]}`)
				assert.Equal(t, http.StatusConflict, code, body)
				assert.Contains(t, body["detail"], "the application already has another account")
				got := c.must(200, "GET", "/Users/"+bob, "")
				assert.Equal(t, "bob@example.com", got["userName"])

				// A create whose address another account holds, one SCIM
				// manages (not adoptable): the host's refusal is the
				// create's, a 409 with its detail, and neither set of
				// tables changes (on PostgreSQL the host's row rides in the
				// create's statement: its error is still mapped).
				_, err = q.Exec(`INSERT INTO app_users (email, scim_id) VALUES ('taken@example.com', 'someone-else')`)
				require.NoError(t, err)
				before := users()
				code, body = c.do("POST", "/Users", `{`+userSchema+`,"userName":"taken@example.com"}`)
				assert.Equal(t, http.StatusConflict, code, body)
				assert.Contains(t, body["detail"], "the application already has another account")
				assert.Equal(t, before, users())
				found := c.must(200, "GET", "/Users?filter="+url.QueryEscape(`userName eq "taken@example.com"`), "")
				assert.Equal(t, float64(0), found["totalResults"])
				// And a SCIM name conflict is still the store's own 409.
				code, body = c.do("POST", "/Users", `{`+userSchema+`,"userName":"BOB@example.com"}`)
				assert.Equal(t, http.StatusConflict, code, body)
				assert.Equal(t, "uniqueness", body["scimType"])
				assert.Contains(t, body["detail"], "userName")
				assert.Equal(t, before, users())
				_, err = q.Exec(`DELETE FROM app_users WHERE scim_id = 'someone-else'`)
				require.NoError(t, err)

				// Deleting users and groups.
				c.must(204, "DELETE", "/Users/"+bob, "")
				assert.Empty(t, teams(), "bob's membership is gone")
				if v.soft {
					assert.Equal(t, "4 0  bob@example.com Robert - - 0 1", users()[3], "bob is flagged, no longer linked")
				} else {
					assert.Len(t, users(), 3)
				}
				c.must(204, "DELETE", "/Groups/"+eng, "")
				c.must(204, "DELETE", "/Groups/"+sub, "")
				assert.Empty(t, rowsOf(t, q, `SELECT id FROM app_teams`))

				if v.feed {
					// The feed's append rides in the same statements as the
					// bridge's (PostgreSQL): every entry is there, numbered
					// without a gap, the refused writes' none.
					entries, err := s.Feed().Changes(ctx, 0, 1000)
					require.NoError(t, err)
					kinds := map[store.ChangeKind]int{}
					for i, e := range entries {
						assert.Equal(t, int64(i+1), e.Seq)
						kinds[e.Kind]++
					}
					assert.Equal(t, map[store.ChangeKind]int{store.UserCreated: 2, store.GroupCreated: 2, store.MembersAdded: 2, store.MembersRemoved: 3,
						store.GroupUpdated: 1, store.UserUpdated: 1, store.UserDeactivated: 1, store.UserDeleted: 1, store.GroupDeleted: 2}, kinds)
				}

				// A new SCIM user with a deleted user's address gets an
				// account of its own: it may be another person.
				c.must(201, "POST", "/Users", `{`+userSchema+`,"userName":"BOB@example.com"}`)
				bobs := rowsOf(t, q, `SELECT scim_id IS NOT NULL, email, active, deleted FROM app_users WHERE lower(email) = 'bob@example.com' ORDER BY id`)
				if v.soft {
					assert.Equal(t, []string{"0 bob@example.com 0 1", "1 BOB@example.com 1 0"}, bobs)
				} else {
					assert.Equal(t, []string{"1 BOB@example.com 1 -"}, bobs)
				}
			})
		}
	})
}

// TestHostTablesAdoption is the adoption evidence: an org whose app
// already has 1,000 accounts (and 20 the provider will never send) gets a
// full provider-like sync of the same people through the handler: a
// lookup by userName that finds nothing, then a POST, from concurrent
// workers, as Entra ID and Okta do. Every existing account is linked, no
// second account is created, and the 20 are listed as unmanaged,
// untouched.
func TestHostTablesAdoption(t *testing.T) {
	const people, appOnly, workers = 1000, 20, 8
	forEachDB(t, func(t *testing.T, db opener) {
		m := hostTables(true, false)
		s, c := newHostStore(t, db, m, false, false, false)
		bridge, err := m.Bridge(db.dsn(t))
		require.NoError(t, err)
		q := s.DB()
		tx, err := q.Begin()
		require.NoError(t, err)
		for i := range people + appOnly {
			_, err := tx.Exec(`INSERT INTO app_users (email, given_name) VALUES (`+paramsOf(s)(1)+`, 'app')`,
				fmt.Sprintf("Person%04d@Example.com", i))
			require.NoError(t, err)
		}
		require.NoError(t, tx.Commit())

		// do retries a 503, as identity providers do: a request that
		// waited past SQLite's busy timeout for the writer lock on a
		// loaded machine changed nothing (a committed write is never a
		// 503), and this test is about adoption, not about how long
		// eight writers wait for one lock.
		do := func(method, path, body string) (int, map[string]any) {
			for try := 1; ; try++ {
				code, out := c.do(method, path, body)
				if code != http.StatusServiceUnavailable || try == 5 {
					return code, out
				}
			}
		}
		var wg sync.WaitGroup
		errs := make(chan string, people)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < people; i += workers {
					name := fmt.Sprintf("person%04d@example.com", i)
					code, body := do("GET", "/Users?filter="+url.QueryEscape(`userName eq "`+name+`"`), "")
					if code != 200 || body["totalResults"] != float64(0) {
						errs <- fmt.Sprintf("lookup %s: %d %v", name, code, body)
						continue
					}
					code, body = do("POST", "/Users", `{`+userSchema+`,"userName":"`+name+`","name":{"givenName":"P`+fmt.Sprint(i)+`"},"active":true}`)
					if code != 201 {
						errs <- fmt.Sprintf("create %s: %d %v", name, code, body)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}

		counts := rowsOf(t, q, `SELECT count(*), count(scim_id), count(DISTINCT lower(email)) FROM app_users`)
		assert.Equal(t, []string{fmt.Sprintf("%d %d %d", people+appOnly, people, people+appOnly)}, counts, "no second account; every person linked")
		assert.Equal(t, []string{fmt.Sprint(people)}, rowsOf(t, q, `SELECT count(*) FROM app_users u JOIN scim_users s ON s.id = u.scim_id WHERE lower(s.user_name) = lower(u.email)`),
			"each row linked to the SCIM user of its address")

		// The provider's next lookups find the people it sent.
		code, body := c.do("GET", "/Users?filter="+url.QueryEscape(`userName eq "Person0999@example.com"`), "")
		require.Equal(t, 200, code)
		assert.Equal(t, float64(1), body["totalResults"])

		unmanaged, err := bridge.UnmanagedUsers(ctx, q, "")
		require.NoError(t, err)
		require.Len(t, unmanaged, appOnly)
		var emails []string
		for _, u := range unmanaged {
			emails = append(emails, u["email"].(string))
			assert.Equal(t, "app", u["given_name"], "untouched")
		}
		assert.True(t, slices.IsSorted(emails))
		assert.Equal(t, fmt.Sprintf("Person%04d@Example.com", people), emails[0])
	})
}

// TestHostTablesAdoptionUnicodeForm: a host's row holding the provider's
// value in another Unicode form (e and a combining accent for é, either
// way round) or with its letters outside ASCII in another case (which
// SQLite's lower() keeps) is adopted, not duplicated: the adoption
// compares the host's column, through its index on lower(column), with
// each spelling adoptSpellings lists. A value of more than three such
// letters matches on SQLite only in the case patterns listed (as sent,
// all lower or upper, capitalised words), and a letter that differs is
// another account on both.
func TestHostTablesAdoptionUnicodeForm(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		m := hostTables(true, false)
		s, c := newHostStore(t, db, m, false, false, false)
		q := s.DB()
		ph := paramsOf(s)(1)
		for _, tc := range []struct {
			name, host, sent string
			adopted          bool
		}{
			{"NFC row, NFD value", "\u00e9mile@example.com", "e\u0301mile@example.com", true},
			{"NFD row, NFC value", "e\u0301lodie@example.com", "\u00e9lodie@example.com", true},
			{"NFD row in capitals", "E\u0301MILIEN@example.com", "\u00e9milien@example.com", true},
			{"capital outside ASCII", "\u00d6d\u00f6n@example.com", "\u00f6d\u00f6n@example.com", true},
			{"capitals outside ASCII, value capitalised", "\u00d6D\u00d6N.\u00c5S@example.com", "\u00d6d\u00f6n.\u00e5s@example.com", true},
			{"Cyrillic capitalised", "\u0414\u043c\u0438\u0442\u0440\u0438\u0439@example.com", "\u0434\u043c\u0438\u0442\u0440\u0438\u0439@example.com", true},
			{"Cyrillic in capitals", "\u041e\u041b\u042c\u0413\u0410@example.com", "\u041e\u043b\u044c\u0433\u0430@example.com", true},
			// More than three letters outside ASCII, in a case pattern
			// none of the spellings has: lower() folds them on PostgreSQL
			// (the test database's collation, C.UTF-8), not on SQLite.
			{"Cyrillic, case mixed", "\u0441\u0412\u0435\u0422\u043b\u0430\u043d\u0430@example.com", "\u0441\u0432\u0435\u0442\u043b\u0430\u043d\u0430@example.com", isPG(s)},
			{"another letter", "bob@example.com", "b\u00f3b@example.com", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var id int64
				require.NoError(t, q.QueryRow(`INSERT INTO app_users (email, given_name) VALUES (`+ph+`, 'app') RETURNING id`, tc.host).Scan(&id))
				before := rowsOf(t, q, `SELECT count(*) FROM app_users`)
				code, body := c.do("POST", "/Users", `{`+userSchema+`,"userName":"`+tc.sent+`","active":true}`)
				require.Equal(t, 201, code, body)
				host := rowsOf(t, q, `SELECT count(scim_id) FROM app_users WHERE id = `+ph, id)
				if tc.adopted {
					assert.Equal(t, before, rowsOf(t, q, `SELECT count(*) FROM app_users`), "%+q adopts %+q: no second account", tc.sent, tc.host)
					assert.Equal(t, []string{"1"}, host, "%+q adopts %+q", tc.sent, tc.host)
				} else {
					assert.Equal(t, []string{"0"}, host, "%+q is another account than %+q", tc.sent, tc.host)
				}
			})
		}
		t.Run("a team", func(t *testing.T) {
			_, err := q.Exec(`INSERT INTO app_teams (name) VALUES (`+ph+`)`, "\u00c9quipe \u00d6st")
			require.NoError(t, err)
			c.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"e\u0301quipe o\u0308st"}`)
			assert.Equal(t, []string{"1 1"}, rowsOf(t, q, `SELECT count(*), count(scim_id) FROM app_teams`), "the existing team adopted, no second one")
		})
	})
}

// A host describes its own tables once; the bridge keeps them in step
// with every SCIM write, in the write's transaction, and lists the
// accounts SCIM does not manage.
func ExampleHostTables() {
	dsn := "app.db" // or postgres://...
	tables := sqlstore.HostTables{
		Users: sqlstore.UserTable{Table: "users", ID: "scim_id", Key: "id", SoftDelete: "deleted",
			Columns: map[string]string{"userName": "email", "name.givenName": "first_name", "active": "active"},
			Adopt:   &sqlstore.Match{Column: "email", Attribute: "userName"}},
		Groups:  &sqlstore.GroupTable{Table: "teams", ID: "scim_id", Key: "id", Columns: map[string]string{"displayName": "name"}},
		Members: &sqlstore.MemberTable{Table: "team_members", Group: "team_id", User: "user_id", HostKeys: true},
	}
	bridge, err := tables.Bridge(dsn)
	if err != nil {
		log.Fatal(err) // the mapping cannot work: the error says which field
	}
	s, err := sqlstore.New(context.Background(), sqlstore.Config{DSN: dsn, Bridge: bridge})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	// ... scim.NewHandler(scim.Config{Users: s, Groups: s, ...})

	local, err := bridge.UnmanagedUsers(context.Background(), s.DB(), "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(local), "accounts the identity provider does not manage")
}

// TestHostTablesSCIMKeys covers a join table that holds SCIM ids rather
// than the host's keys, hard deletes, a tenant of its own, and users and
// groups created before the bridge was set up: their first update gives
// them their host rows.
func TestHostTablesSCIMKeys(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, asOnChange := range []bool{false, true} {
			t.Run(map[bool]string{false: "Bridge", true: "OnChange"}[asOnChange], func(t *testing.T) { hostTablesSCIMKeys(t, db, asOnChange) })
		}
	})
}

func hostTablesSCIMKeys(t *testing.T, db opener, asOnChange bool) {
	m := sqlstore.HostTables{
		Users:   sqlstore.UserTable{Table: "people", ID: "scim_id", Tenant: "tenant", Columns: map[string]string{"userName": "login", "active": "enabled"}},
		Groups:  &sqlstore.GroupTable{Table: "crews", ID: "scim_id", Tenant: "tenant", Columns: map[string]string{"displayName": "title"}},
		Members: &sqlstore.MemberTable{Table: "crew_people", Group: "crew", User: "person", Tenant: "tenant"},
	}
	dsn := db.dsn(t)
	tctx := store.WithTenant(ctx, "acme")
	// Before the bridge: one user and one group.
	plain, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
	require.NoError(t, err)
	early, err := plain.CreateUser(tctx, &resources.User{UserName: "early"})
	require.NoError(t, err)
	earlyGroup, err := plain.CreateGroup(tctx, &resources.Group{DisplayName: "early crew"})
	require.NoError(t, err)
	require.NoError(t, plain.Close())
	for _, q := range []string{
		`CREATE TABLE people (scim_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, login TEXT NOT NULL, enabled BOOLEAN NOT NULL)`,
		`CREATE TABLE crews (scim_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, title TEXT NOT NULL)`,
		`CREATE TABLE crew_people (tenant TEXT NOT NULL, crew TEXT NOT NULL, person TEXT NOT NULL, PRIMARY KEY (crew, person))`,
	} {
		require.NoError(t, sqltestExec(t, dsn, q))
	}

	bridge, err := m.Bridge(dsn)
	require.NoError(t, err)
	s, err := sqlstore.New(ctx, bridgeConfig(dsn, bridge, asOnChange))
	require.NoError(t, err)
	defer s.Close()
	q := s.DB()
	people := func() []string {
		return rowsOf(t, q, `SELECT tenant, login, enabled FROM people ORDER BY login`)
	}
	crews := func() []string {
		return rowsOf(t, q, `SELECT c.tenant, c.title, p.login FROM crew_people m JOIN crews c ON c.scim_id = m.crew JOIN people p ON p.scim_id = m.person ORDER BY c.title, p.login`)
	}

	ann, err := s.CreateUser(tctx, &resources.User{UserName: "ann"})
	require.NoError(t, err)
	bob, err := s.CreateUser(tctx, &resources.User{UserName: "bob"})
	require.NoError(t, err)
	assert.Equal(t, []string{"acme ann 1", "acme bob 1"}, people(), "early has no row yet")
	off := false
	_, err = s.UpdateUser(tctx, early.ID, "", func(u *resources.User) (*resources.User, error) { u.Active = &off; return u, nil })
	require.NoError(t, err)
	assert.Equal(t, []string{"acme ann 1", "acme bob 1", "acme early 0"}, people(), "its first update gave early its row")

	sub, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "sub"})
	require.NoError(t, err)
	crew, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "crew", Members: []resources.Member{{Value: ann.ID}, {Value: sub.ID}}})
	require.NoError(t, err)
	_, err = s.ModifyMembers(tctx, crew.ID, []string{bob.ID, early.ID}, []string{ann.ID}, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"acme crew bob", "acme crew early"}, crews(), "exactly the users added and removed; the nested group skipped")
	_, err = s.UpdateGroup(tctx, earlyGroup.ID, "", false, func(g *resources.Group) (*resources.Group, error) { g.DisplayName = "renamed"; return g, nil })
	require.NoError(t, err)
	assert.Equal(t, []string{"acme crew", "acme renamed", "acme sub"}, rowsOf(t, q, `SELECT tenant, title FROM crews ORDER BY title`))

	require.NoError(t, s.DeleteUser(tctx, bob.ID, ""))
	assert.Equal(t, []string{"acme crew early"}, crews())
	assert.Equal(t, []string{"acme ann 1", "acme early 0"}, people())
	require.NoError(t, s.DeleteGroup(tctx, crew.ID, ""))
	assert.Empty(t, crews())
	assert.Equal(t, []string{"acme renamed", "acme sub"}, rowsOf(t, q, `SELECT tenant, title FROM crews ORDER BY title`))

	unmanaged, err := bridge.UnmanagedUsers(ctx, q, "acme")
	require.NoError(t, err)
	assert.Empty(t, unmanaged)
}

// TestHostTablesAdoptOnFirstUpdate: a user created before the bridge was
// set up, whose address an unmanaged account of the app holds, adopts
// that account on its first update (rather than inserting a second), as a
// create would; with the bridge as Config.Bridge (on PostgreSQL folded
// into the update's statement) and as OnChange.
func TestHostTablesAdoptOnFirstUpdate(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, asOnChange := range []bool{false, true} {
			t.Run(map[bool]string{false: "Bridge", true: "OnChange"}[asOnChange], func(t *testing.T) {
				dsn := db.dsn(t)
				plain, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
				require.NoError(t, err)
				carol, err := plain.CreateUser(ctx, &resources.User{UserName: "carol@example.com"})
				require.NoError(t, err)
				for _, q := range hostSchema(isPG(plain), false) {
					_, err := plain.DB().Exec(q)
					require.NoError(t, err, q)
				}
				_, err = plain.DB().Exec(`INSERT INTO app_users (email, given_name) VALUES ('Carol@Example.com', 'app'), ('dan@example.com', 'app')`)
				require.NoError(t, err)
				require.NoError(t, plain.Close())

				bridge, err := hostTables(true, false).Bridge(dsn)
				require.NoError(t, err)
				s, err := sqlstore.New(ctx, bridgeConfig(dsn, bridge, asOnChange))
				require.NoError(t, err)
				defer s.Close()
				off := false
				_, err = s.UpdateUser(ctx, carol.ID, "", func(u *resources.User) (*resources.User, error) { u.Active = &off; return u, nil })
				require.NoError(t, err)
				assert.Equal(t, []string{"1 carol@example.com - 0 " + carol.ID, "2 dan@example.com app 1 -"},
					rowsOf(t, s.DB(), `SELECT id, email, given_name, active, scim_id FROM app_users ORDER BY id`), "carol's account adopted (every mapped column written), not doubled")
			})
		}
	})
}

// sqltestExec runs one statement on the database dsn names (a SQLite
// file or a PostgreSQL URL), before any store opens it with a bridge.
func sqltestExec(t *testing.T, dsn, q string) error {
	s, err := sqlstore.Open(ctx, dsn)
	require.NoError(t, err)
	defer s.Close()
	_, err = s.DB().Exec(q)
	return err
}

// TestHostTablesMemberChangeRefused: the host's join table refuses a
// member change (a trigger, as a host's rule would), with the bridge set
// as Config.Bridge (on PostgreSQL its join rows ride in the store's
// statement) and as OnChange: the request fails and neither the SCIM
// tables nor the host's change, the group's version included. So do a
// PATCH adding one member and removing another (two entries), a group's
// POST and PUT with a refused member, and the deletions of the user and
// of the group, whose join rows the host refuses to drop (on PostgreSQL
// they ride in the DELETE).
func TestHostTablesMemberChangeRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, asOnChange := range []bool{false, true} {
			t.Run(map[bool]string{false: "Bridge", true: "OnChange"}[asOnChange], func(t *testing.T) {
				s, c := newHostStore(t, db, hostTables(true, false), false, asOnChange, true)
				q := s.DB()
				refuse := []string{
					`CREATE TRIGGER refuse_add BEFORE INSERT ON app_team_members WHEN NEW.user_id = (SELECT id FROM app_users WHERE email = 'bob@example.com') BEGIN SELECT RAISE(ABORT, 'bob may not join'); END`,
					`CREATE TRIGGER refuse_remove BEFORE DELETE ON app_team_members WHEN OLD.user_id = (SELECT id FROM app_users WHERE email = 'ann@example.com') BEGIN SELECT RAISE(ABORT, 'ann may not leave'); END`,
				}
				if isPG(s) {
					refuse = []string{
						`CREATE FUNCTION refuse_member() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN
							IF TG_OP = ''INSERT'' AND NEW.user_id = (SELECT id FROM app_users WHERE email = ''bob@example.com'') THEN RAISE EXCEPTION ''bob may not join''; END IF;
							IF TG_OP = ''DELETE'' AND OLD.user_id = (SELECT id FROM app_users WHERE email = ''ann@example.com'') THEN RAISE EXCEPTION ''ann may not leave''; END IF;
							IF TG_OP = ''DELETE'' THEN RETURN OLD; END IF;
							RETURN NEW;
						END'`,
						`CREATE TRIGGER refuse_member BEFORE INSERT OR DELETE ON app_team_members FOR EACH ROW EXECUTE FUNCTION refuse_member()`,
					}
				}
				ann := c.must(201, "POST", "/Users", `{`+userSchema+`,"userName":"ann@example.com"}`)["id"].(string)
				bob := c.must(201, "POST", "/Users", `{`+userSchema+`,"userName":"bob@example.com"}`)["id"].(string)
				eng := c.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"eng","members":[{"value":"`+ann+`"}]}`)
				for _, r := range refuse {
					_, err := q.Exec(r)
					require.NoError(t, err, r)
				}
				id, version := eng["id"].(string), eng["meta"].(map[string]any)["version"]
				state := func() []string {
					return append(rowsOf(t, q, `SELECT u.email FROM app_team_members m JOIN app_users u ON u.id = m.user_id ORDER BY u.id`),
						rowsOf(t, q, `SELECT member_id, version FROM scim_members m JOIN scim_groups g ON g.tenant = m.tenant AND g.id = m.group_id ORDER BY member_id`)...)
				}
				before := state()
				require.Len(t, before, 2)
				for _, op := range []string{
					`{"op":"add","path":"members","value":[{"value":"` + bob + `"}]}`,
					`{"op":"remove","path":"members[value eq \"` + ann + `\"]"}`,
					`{"op":"add","path":"members","value":[{"value":"` + bob + `"}]},{"op":"remove","path":"members[value eq \"` + ann + `\"]"}`,
				} {
					code, body := c.do("PATCH", "/Groups/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`+op+`]}`)
					assert.Equal(t, http.StatusInternalServerError, code, body)
					assert.NotContains(t, fmt.Sprint(body["detail"]), "may not", "the database's message stays in the log")
					assert.Equal(t, before, state(), op)
					got := c.must(200, "GET", "/Groups/"+id, "")
					assert.Equal(t, version, got["meta"].(map[string]any)["version"], op)
				}
				// A group created with bob, and eng replaced by bob alone:
				// the team and its join rows ride in the group's INSERT or
				// UPDATE on PostgreSQL.
				teams := rowsOf(t, q, `SELECT id, name FROM app_teams ORDER BY id`)
				code, body := c.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"ops","members":[{"value":"`+bob+`"}]}`)
				assert.Equal(t, http.StatusInternalServerError, code, body)
				code, body = c.do("PUT", "/Groups/"+id, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"eng2","members":[{"value":"`+bob+`"}]}`)
				assert.Equal(t, http.StatusInternalServerError, code, body)
				assert.Equal(t, before, state())
				assert.Equal(t, teams, rowsOf(t, q, `SELECT id, name FROM app_teams ORDER BY id`))
				found := c.must(200, "GET", "/Groups?filter="+url.QueryEscape(`displayName eq "ops"`), "")
				assert.Equal(t, float64(0), found["totalResults"])

				users := func() []string {
					return rowsOf(t, q, `SELECT id, scim_id IS NOT NULL, email, active, deleted FROM app_users ORDER BY id`)
				}
				usersBefore := users()
				for _, path := range []string{"/Users/" + ann, "/Groups/" + id} {
					code, body := c.do("DELETE", path, "")
					assert.Equal(t, http.StatusInternalServerError, code, body)
					assert.Equal(t, before, state(), path)
					assert.Equal(t, usersBefore, users(), path)
					assert.Equal(t, []string{"eng"}, rowsOf(t, q, `SELECT name FROM app_teams`), path)
					c.must(200, "GET", path, "")
				}
			})
		}
	})
}

// TestHostTablesGroupConflict: the host's teams table refuses a team's
// name (a unique index, and a team SCIM does not manage holding it, so
// not adopted), with the bridge set as Config.Bridge (on PostgreSQL the
// team rides in the group's INSERT or UPDATE) and as OnChange: a POST, a
// PATCH renaming and a PUT renaming and changing members answer a 409
// with the bridge's detail, and neither set of tables changes; then a PUT
// renaming and one changing only the members are written.
func TestHostTablesGroupConflict(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, asOnChange := range []bool{false, true} {
			t.Run(map[bool]string{false: "Bridge", true: "OnChange"}[asOnChange], func(t *testing.T) {
				s, c := newHostStore(t, db, hostTables(true, false), false, asOnChange, false)
				q := s.DB()
				for _, stmt := range []string{
					`CREATE UNIQUE INDEX app_teams_name ON app_teams (org, name)`,
					`INSERT INTO app_teams (scim_id, name) VALUES ('someone-else', 'taken')`,
				} {
					_, err := q.Exec(stmt)
					require.NoError(t, err, stmt)
				}
				ann := c.must(201, "POST", "/Users", `{`+userSchema+`,"userName":"ann@example.com"}`)["id"].(string)
				bob := c.must(201, "POST", "/Users", `{`+userSchema+`,"userName":"bob@example.com"}`)["id"].(string)
				eng := c.must(201, "POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"eng","members":[{"value":"`+ann+`"}]}`)["id"].(string)
				state := func() []string {
					return append(rowsOf(t, q, `SELECT t.id, t.name, t.scim_id IS NOT NULL, coalesce(u.email, '') FROM app_teams t LEFT JOIN app_team_members m ON m.team_id = t.id LEFT JOIN app_users u ON u.id = m.user_id ORDER BY t.id, u.id`),
						rowsOf(t, q, `SELECT g.display_name, g.version, coalesce(m.member_id, '') FROM scim_groups g LEFT JOIN scim_members m ON m.tenant = g.tenant AND m.group_id = g.id ORDER BY g.display_name, m.member_id`)...)
				}
				before := state()
				require.Len(t, before, 3)
				for _, r := range []struct{ method, path, body string }{
					{"POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"taken","members":[{"value":"` + bob + `"}]}`},
					{"PATCH", "/Groups/" + eng, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"taken"}]}`},
					{"PUT", "/Groups/" + eng, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"taken","members":[{"value":"` + bob + `"}]}`},
				} {
					code, body := c.do(r.method, r.path, r.body)
					assert.Equal(t, http.StatusConflict, code, "%s %s: %v", r.method, r.path, body)
					assert.Contains(t, body["detail"], "the application already has another account or team", r.method)
					assert.Equal(t, before, state(), r.method)
				}
				// And a name the host takes is written with the members.
				c.must(200, "PUT", "/Groups/"+eng, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{"value":"`+bob+`"}]}`)
				teams := func() []string {
					return rowsOf(t, q, `SELECT t.id, t.name, t.scim_id IS NOT NULL, coalesce(u.email, '') FROM app_teams t LEFT JOIN app_team_members m ON m.team_id = t.id LEFT JOIN app_users u ON u.id = m.user_id ORDER BY t.id, u.id`)
				}
				assert.Equal(t, []string{"1 taken 1 ", "2 Engineering 1 bob@example.com"}, teams())
				// A PUT that changes the members only: one out, one in.
				c.must(200, "PUT", "/Groups/"+eng, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{"value":"`+ann+`"}]}`)
				assert.Equal(t, []string{"1 taken 1 ", "2 Engineering 1 ann@example.com"}, teams())
			})
		}
	})
}

// TestHostTablesRefusedValues: a value the host's tables refuse is the
// request's fault when the request could send another, and then a SCIM
// 400 invalidValue saying what to send (before, a 500): a mapped
// attribute left without a value for a NOT NULL column names the
// attribute, a value longer than a varchar(n) column (PostgreSQL; SQLite
// keeps any length) gives the limit. A NOT NULL column the mapping never
// writes is the mapping's fault: a 500 with the request id. None changes
// either side's tables.
func TestHostTablesRefusedValues(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		for _, asOnChange := range []bool{false, true} {
			t.Run(map[bool]string{false: "Bridge", true: "OnChange"}[asOnChange], func(t *testing.T) {
				m := hostTables(true, false)
				m.Users.Columns["nickName"] = "nick"
				dsn := db.dsn(t)
				bridge, err := m.Bridge(dsn)
				require.NoError(t, err)
				s, err := sqlstore.New(ctx, bridgeConfig(dsn, bridge, asOnChange))
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				pg := isPG(s)
				schema := append(hostSchema(pg, false), `ALTER TABLE app_users ADD COLUMN nick TEXT NOT NULL DEFAULT ''`)
				if pg {
					schema = append(schema, `ALTER TABLE app_users ALTER COLUMN given_name TYPE varchar(50)`)
				}
				for _, q := range schema {
					_, err := s.DB().Exec(q)
					require.NoError(t, err, q)
				}
				h, err := scim.NewHandler(scim.Config{BaseURL: "https://app.example/scim/v2", Users: s, Groups: s, InsecureNoAuth: true, Logger: slog.New(slog.DiscardHandler)})
				require.NoError(t, err)
				c := scimClient{t: t, h: h}
				ann := c.must(201, "POST", "/Users", `{`+userSchema+`,"userName":"ann@example.com","nickName":"A"}`)["id"].(string)
				state := func() []string {
					return append(rowsOf(t, s.DB(), `SELECT id, scim_id IS NOT NULL, email, coalesce(given_name, '-'), nick FROM app_users ORDER BY id`),
						rowsOf(t, s.DB(), `SELECT user_name, version FROM scim_users ORDER BY user_name`)...)
				}
				before := state()
				long := strings.Repeat("n", 300)
				for _, tc := range []struct {
					name, method, path, body string
					pgOnly                   bool
					code                     int
					scimType, detail         string
				}{
					{"mapped NOT NULL left out by POST", "POST", "/Users", `{` + userSchema + `,"userName":"bob@example.com"}`, false,
						400, "invalidValue", `attribute "nickName": the application requires a value for it in every account or team; send one`},
					{"mapped NOT NULL removed by PATCH", "PATCH", "/Users/" + ann, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"nickName"}]}`, false,
						400, "invalidValue", `attribute "nickName": the application requires a value`},
					{"too long for varchar(50) by POST", "POST", "/Users", `{` + userSchema + `,"userName":"cat@example.com","nickName":"C","name":{"givenName":"` + long + `"}}`, true,
						400, "invalidValue", "a value this request sends is longer than the application keeps (at most 50 characters in one of its columns); send a shorter one"},
					{"too long for varchar(50) by PATCH", "PATCH", "/Users/" + ann, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"name.givenName","value":"` + long + `"}]}`, true,
						400, "invalidValue", "at most 50 characters"},
				} {
					if tc.pgOnly && !pg {
						continue
					}
					code, body := c.do(tc.method, tc.path, tc.body)
					assert.Equal(t, tc.code, code, "%s: %v", tc.name, body)
					assert.Equal(t, tc.scimType, body["scimType"], tc.name)
					assert.Contains(t, body["detail"], tc.detail, tc.name)
					assert.Equal(t, before, state(), "%s changed nothing", tc.name)
				}
				if pg {
					// The mapping's fault: a column it never writes.
					for _, q := range []string{`ALTER TABLE app_users ADD COLUMN extra TEXT NOT NULL DEFAULT 'x'`, `ALTER TABLE app_users ALTER COLUMN extra DROP DEFAULT`} {
						_, err := s.DB().Exec(q)
						require.NoError(t, err, q)
					}
					code, body := c.do("POST", "/Users", `{`+userSchema+`,"userName":"dan@example.com","nickName":"D"}`)
					assert.Equal(t, 500, code, "%v", body)
					assert.Regexp(t, `^internal server error \(request [0-9a-f]+\)$`, body["detail"])
					assert.Equal(t, before, state())
				}
			})
		}
	})
}
