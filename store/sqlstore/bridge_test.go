package sqlstore_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// appTables are a host's own tables, kept by a hand-written bridge
// (Config.OnChange) in the same transaction as each SCIM change.
const appTables = `CREATE TABLE app_users (scim_id TEXT PRIMARY KEY, email TEXT NOT NULL, given TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE app_teams (scim_id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE app_team_members (team_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (team_id, user_id))`

// testBridge mirrors users and groups into appTables. It fails a user
// write whose givenName is "boom", a membership change naming a user
// whose givenName is "explode", and answers a 409 for givenName
// "taken".
func testBridge(ph func(int) string) func(ctx context.Context, tx *sql.Tx, c sqlstore.Change) error {
	return func(ctx context.Context, tx *sql.Tx, c sqlstore.Change) error {
		exec := func(q string, args ...any) error {
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		}
		switch c.Kind {
		case store.UserCreated, store.UserUpdated:
			u := c.UserAfter
			given := ""
			if u.Name != nil {
				given = u.Name.GivenName
			}
			switch given {
			case "boom":
				return errors.New("the app's database refused the user")
			case "taken":
				return fmt.Errorf("%w: the app already has an account with that name", store.ErrConflict)
			}
			active := 0
			if u.Active == nil || *u.Active {
				active = 1
			}
			if c.Kind == store.UserCreated {
				return exec(`INSERT INTO app_users (scim_id, email, given, active) VALUES (`+ph(1)+`, `+ph(2)+`, `+ph(3)+`, `+ph(4)+`)`, u.ID, u.UserName, given, active)
			}
			return exec(`UPDATE app_users SET email = `+ph(2)+`, given = `+ph(3)+`, active = `+ph(4)+` WHERE scim_id = `+ph(1), u.ID, u.UserName, given, active)
		case store.UserDeleted:
			return exec(`DELETE FROM app_users WHERE scim_id = `+ph(1), c.UserBefore.ID)
		case store.GroupCreated:
			return exec(`INSERT INTO app_teams (scim_id, name) VALUES (`+ph(1)+`, `+ph(2)+`)`, c.ID, c.GroupAfter.DisplayName)
		case store.GroupUpdated:
			return exec(`UPDATE app_teams SET name = `+ph(2)+` WHERE scim_id = `+ph(1), c.ID, c.GroupAfter.DisplayName)
		case store.GroupDeleted:
			if err := exec(`DELETE FROM app_team_members WHERE team_id = `+ph(1), c.ID); err != nil {
				return err
			}
			return exec(`DELETE FROM app_teams WHERE scim_id = `+ph(1), c.ID)
		case store.MembersAdded, store.MembersRemoved:
			for _, m := range c.Members {
				var given string
				err := tx.QueryRowContext(ctx, `SELECT given FROM app_users WHERE scim_id = `+ph(1), m).Scan(&given)
				if err == nil && given == "explode" {
					return errors.New("the app's database refused the membership")
				}
				q := `INSERT INTO app_team_members (team_id, user_id) VALUES (` + ph(1) + `, ` + ph(2) + `)`
				if c.Kind == store.MembersRemoved {
					q = `DELETE FROM app_team_members WHERE team_id = ` + ph(1) + ` AND user_id = ` + ph(2)
				}
				if err := exec(q, c.ID, m); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// TestBridge drives a hand-written bridge through the handler on each
// database: the host's tables follow every change, and a bridge that
// fails in the middle of a multi-operation PATCH or of a membership
// change leaves both the SCIM tables and the host's tables as they were.
func TestBridge(t *testing.T) {
	forEachDB(t, func(t *testing.T, db opener) {
		s := db.open(t, sqlstore.Config{ChangeFeed: true, OnChange: testBridge(paramsOn(db.name == "postgres"))})
		for _, q := range strings.Split(appTables, ";") {
			_, err := s.DB().Exec(q)
			require.NoError(t, err)
		}
		h, err := scim.NewHandler(scim.Config{BaseURL: "https://scim.example/v2", Users: s, Groups: s, InsecureNoAuth: true,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		require.NoError(t, err)
		do := func(method, path, body string) (int, map[string]any) {
			rec := serve(h, method, path, body)
			var out map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &out)
			return rec.Code, out
		}
		appUsers := func() []string {
			rows, err := s.DB().Query(`SELECT email, given, active FROM app_users ORDER BY email`)
			require.NoError(t, err)
			defer rows.Close()
			var out []string
			for rows.Next() {
				var email, given string
				var active int
				require.NoError(t, rows.Scan(&email, &given, &active))
				out = append(out, fmt.Sprintf("%s %s %d", email, given, active))
			}
			return out
		}
		appMembers := func() []string {
			rows, err := s.DB().Query(`SELECT t.name, u.email FROM app_team_members m JOIN app_teams t ON t.scim_id = m.team_id JOIN app_users u ON u.scim_id = m.user_id`)
			require.NoError(t, err)
			defer rows.Close()
			var out []string
			for rows.Next() {
				var team, email string
				require.NoError(t, rows.Scan(&team, &email))
				out = append(out, team+" "+email)
			}
			slices.Sort(out)
			return out
		}
		user := func(name, given string) string {
			code, body := do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"`+name+`","name":{"givenName":"`+given+`"}}`)
			require.Equal(t, http.StatusCreated, code, body)
			return body["id"].(string)
		}
		ann, bob := user("ann@x", "Ann"), user("bob@x", "Bob")
		code, g := do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"eng","members":[{"value":"`+ann+`"}]}`)
		require.Equal(t, http.StatusCreated, code, g)
		gid := g["id"].(string)
		assert.Equal(t, []string{"ann@x Ann 1", "bob@x Bob 1"}, appUsers())
		assert.Equal(t, []string{"eng ann@x"}, appMembers())

		// A deactivation reaches the app's table in the same transaction.
		code, body := do("PATCH", "/Users/"+bob, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`)
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, []string{"ann@x Ann 1", "bob@x Bob 0"}, appUsers())

		head := func() int64 {
			sts, err := s.Feed().FeedStatus(context.Background())
			require.NoError(t, err)
			require.Len(t, sts, 1)
			return sts[0].Head
		}
		before := head()

		// A multi-operation PATCH whose result the bridge refuses: 500,
		// and nothing changed anywhere.
		code, body = do("PATCH", "/Users/"+ann, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"replace","path":"active","value":false},
			{"op":"replace","path":"userName","value":"anne@x"},
			{"op":"replace","path":"name.givenName","value":"boom"}]}`)
		assert.Equal(t, http.StatusInternalServerError, code, body)
		_, got := do("GET", "/Users/"+ann, "")
		assert.Equal(t, "ann@x", got["userName"], "the SCIM user is unchanged")
		assert.Equal(t, true, got["active"])
		assert.Equal(t, []string{"ann@x Ann 1", "bob@x Bob 0"}, appUsers(), "the app's users are unchanged")
		assert.Equal(t, before, head(), "a failed write appends nothing to the feed")

		// A bridge's store.ErrConflict is a 409 with its detail.
		code, body = do("PATCH", "/Users/"+ann, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"name.givenName","value":"taken"}]}`)
		assert.Equal(t, http.StatusConflict, code, body)
		assert.Contains(t, body["detail"], "the app already has an account with that name")
		assert.Equal(t, before, head(), "a refused write appends nothing to the feed")

		// A membership change that removes ann and adds bob and a user the
		// bridge refuses: nothing changes in either set of tables.
		bad := user("cy@x", "explode")
		before = head()
		code, body = do("PATCH", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
			{"op":"remove","path":"members[value eq \"`+ann+`\"]"},
			{"op":"add","path":"members","value":[{"value":"`+bob+`"},{"value":"`+bad+`"}]}]}`)
		assert.Equal(t, http.StatusInternalServerError, code, body)
		_, got = do("GET", "/Groups/"+gid, "")
		members, _ := got["members"].([]any)
		require.Len(t, members, 1, "the SCIM group's members are unchanged")
		assert.Equal(t, ann, members[0].(map[string]any)["value"])
		assert.Equal(t, []string{"eng ann@x"}, appMembers(), "the app's memberships are unchanged")
		assert.Equal(t, before, head(), "a failed write appends nothing to the feed")

		// Deleting a user removes it from the app and from its teams.
		code, _ = do("DELETE", "/Users/"+ann, "")
		require.Equal(t, http.StatusNoContent, code)
		assert.Equal(t, []string{"bob@x Bob 0", "cy@x explode 1"}, appUsers())
		assert.Empty(t, appMembers())
		code, _ = do("DELETE", "/Groups/"+gid, "")
		require.Equal(t, http.StatusNoContent, code)
		var teams int
		require.NoError(t, s.DB().QueryRow(`SELECT count(*) FROM app_teams`).Scan(&teams))
		assert.Zero(t, teams)
	})
}
