package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/idptest"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/store/sqlstore/sqltest"
	"github.com/scimkit/scim/tokens"
)

var quiet = slog.New(slog.DiscardHandler)

// forEachDB runs fn with the DSN of a fresh database of each kind: a
// SQLite file, and a PostgreSQL schema (sqltest; skipped without a server
// unless CI requires one).
func forEachDB(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "hostapp.db")) })
	t.Run("postgres", func(t *testing.T) { fn(t, sqltest.PostgresDSN(t)) })
}

// mirrorDiff compares the app's tables with the SCIM tables, in tenant
// "": every SCIM user has exactly one app row, linked by scim_id, with
// its userName as email, its displayName as name, the same active, not
// flagged deleted; every SCIM group one team with its name, whose
// team_members are exactly the group's direct members that are users;
// and no app row or team is linked to a SCIM id that does not exist. It
// returns the differences, and how many users and groups it compared.
func mirrorDiff(ctx context.Context, s *sqlstore.Store) (diffs []string, users, groups int) {
	fail := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	scimUsers := map[string]*resources.User{}
	for start := 1; ; start += 500 {
		p, err := s.ListUsers(ctx, store.Query{StartIndex: start, Count: 500, ExcludeGroups: true})
		if err != nil {
			return []string{err.Error()}, 0, 0
		}
		for _, u := range p.Items {
			scimUsers[u.ID] = u
		}
		if start+500 > p.Total {
			break
		}
	}
	scimGroups := map[string]*resources.Group{}
	for start := 1; ; start += 100 {
		p, err := s.ListGroups(ctx, store.Query{StartIndex: start, Count: 100})
		if err != nil {
			return []string{err.Error()}, 0, 0
		}
		for _, g := range p.Items {
			scimGroups[g.ID] = g
		}
		if start+100 > p.Total {
			break
		}
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT scim_id, email, coalesce(name, ''), active, deleted FROM users WHERE scim_id IS NOT NULL`)
	if err != nil {
		return []string{err.Error()}, 0, 0
	}
	seen := map[string]bool{}
	for rows.Next() {
		var id, email, name string
		var active, deleted bool
		if err := rows.Scan(&id, &email, &name, &active, &deleted); err != nil {
			return []string{err.Error()}, 0, 0
		}
		u := scimUsers[id]
		switch {
		case u == nil:
			fail("app user %s (%s) is linked to SCIM user %s, which does not exist", email, name, id)
		case seen[id]:
			fail("two app users are linked to SCIM user %s", id)
		case email != u.UserName || name != u.DisplayName || active != (u.Active == nil || *u.Active) || deleted:
			fail("app user %s: email %q name %q active %v deleted %v, SCIM has userName %q displayName %q active %v",
				id, email, name, active, deleted, u.UserName, u.DisplayName, u.Active == nil || *u.Active)
		}
		seen[id] = true
	}
	rows.Close()
	for id, u := range scimUsers {
		if !seen[id] {
			fail("SCIM user %s (%s) has no app user", id, u.UserName)
		}
	}

	teams := map[string]string{}
	members := map[string][]string{}
	rows, err = s.DB().QueryContext(ctx, `SELECT t.scim_id, t.name, u.scim_id FROM teams t LEFT JOIN team_members m ON m.team_id = t.id
		LEFT JOIN users u ON u.id = m.user_id WHERE t.scim_id IS NOT NULL`)
	if err != nil {
		return []string{err.Error()}, 0, 0
	}
	for rows.Next() {
		var id, name string
		var member sql.NullString
		if err := rows.Scan(&id, &name, &member); err != nil {
			return []string{err.Error()}, 0, 0
		}
		teams[id] = name
		if member.Valid {
			members[id] = append(members[id], member.String)
		}
	}
	rows.Close()
	for id, name := range teams {
		g := scimGroups[id]
		if g == nil {
			fail("team %s (%s) is linked to SCIM group %s, which does not exist", id, name, id)
			continue
		}
		if name != g.DisplayName {
			fail("team %s is named %q, the SCIM group %q", id, name, g.DisplayName)
		}
		var want []string
		for _, m := range g.Members {
			if !strings.EqualFold(m.Type, "Group") {
				want = append(want, m.Value)
			}
		}
		slices.Sort(want)
		got := members[id]
		slices.Sort(got)
		if !slices.Equal(got, want) {
			fail("team %s (%s) has members %v, the SCIM group %v", id, name, got, want)
		}
	}
	for id, g := range scimGroups {
		if _, ok := teams[id]; !ok {
			fail("SCIM group %s (%s) has no team", id, g.DisplayName)
		}
	}
	return diffs, len(scimUsers), len(scimGroups)
}

// TestIdentityProviders replays every identity provider conversation
// against the whole app (scimkit at /scim/v2, with a token) on each
// database, and after every SCIM write compares the app's own tables
// with the SCIM tables (mirrorDiff): deactivated users are inactive in the
// app, deleted ones flagged and unlinked, and each team's members are
// those the provider pushed. The app's own accounts stay untouched.
func TestIdentityProviders(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, err := open(ctx, dsn, quiet)
		require.NoError(t, err)
		defer a.store.Close()
		tok, _, err := a.tokens.Generate(ctx, tokens.GenerateOptions{Name: "test"})
		require.NoError(t, err)

		var mu sync.Mutex // one write and its check at a time
		var writes, users, groups atomic.Int64
		checked := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet || !strings.HasPrefix(r.URL.Path, "/scim/v2/") {
				a.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			a.ServeHTTP(w, r)
			diffs, nu, ng := mirrorDiff(ctx, a.store)
			for _, d := range diffs {
				t.Errorf("after %s %s: %s", r.Method, r.URL.Path, d)
			}
			writes.Add(1)
			users.Add(int64(nu))
			groups.Add(int64(ng))
		})
		srv := httptest.NewServer(checked)
		defer srv.Close()
		idptest.TestTarget(t, idptest.Target{BaseURL: srv.URL + "/scim/v2", Token: tok, Client: srv.Client()})

		assert.Greater(t, writes.Load(), int64(100), "the conversations write")
		assert.Positive(t, users.Load(), "the checks saw users")
		assert.Positive(t, groups.Load(), "the checks saw groups")
		var deleted, flaggedLinked int
		require.NoError(t, a.db.QueryRow(`SELECT count(*), count(scim_id) FROM users WHERE deleted`).Scan(&deleted, &flaggedLinked))
		assert.Positive(t, deleted, "the providers' deleted users are flagged in the app")
		assert.Zero(t, flaggedLinked, "and no longer linked")
		unmanaged, err := a.bridge.UnmanagedUsers(ctx, a.db, "")
		require.NoError(t, err)
		var emails []string
		for _, u := range unmanaged {
			emails = append(emails, u["email"].(string))
		}
		assert.Equal(t, []string{"alice@example.com", "ops@hostapp.local"}, emails, "the app's own accounts are untouched")
	})
}

// TestAppRoutes: the app's own routes follow what the provider does. An
// existing account is adopted by the provider's create (one account, now
// managed), a deactivated user cannot sign in, a deleted one is gone from
// sign-in but kept, flagged, in the app's list, and the app's own account
// stays unmanaged.
func TestAppRoutes(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, err := open(ctx, dsn, quiet)
		require.NoError(t, err)
		defer a.store.Close()
		tok, _, err := a.tokens.Generate(ctx, tokens.GenerateOptions{Name: "test"})
		require.NoError(t, err)
		srv := httptest.NewServer(a)
		defer srv.Close()
		// A redirect is answered, not followed: a provider need not
		// resend a POST's body after one.
		client := srv.Client()
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		do := func(method, path, body string) (int, string) {
			req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/scim+json")
			res, err := client.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			return res.StatusCode, string(b)
		}
		signIn := func(email string) int {
			code, _ := do("POST", "/app/signin", `{"email":"`+email+`"}`)
			return code
		}

		code, body := do("POST", "/scim/v2/Users", `{`+userSchema+`,"userName":"Alice@Example.com","displayName":"Alice Liddell"}`)
		require.Equal(t, http.StatusCreated, code, body)
		_, id, _ := strings.Cut(body, `"id":"`)
		id, _, _ = strings.Cut(id, `"`)
		_, users := do("GET", "/app/users", "")
		assert.JSONEq(t, `[{"id":1,"email":"Alice@Example.com","name":"Alice Liddell","active":true,"deleted":false,"managed":true},
			{"id":2,"email":"ops@hostapp.local","name":"Ops","active":true,"deleted":false,"managed":false}]`, users, "alice's account adopted, not duplicated")
		assert.Equal(t, http.StatusOK, signIn("alice@example.com"))

		code, body = do("PATCH", "/scim/v2/Users/"+id, `{`+patchOp+`,"Operations":[{"op":"replace","path":"active","value":false}]}`)
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, http.StatusForbidden, signIn("alice@example.com"), "deactivated")

		// Sent to a base URL pasted with its slash at the end: served,
		// not redirected by the app's mux.
		code, body = do("POST", "/scim/v2//Groups", `{`+groupBody+`,"displayName":"Wonderland","members":[{"value":"`+id+`"}]}`)
		require.Equal(t, http.StatusCreated, code, body)
		_, teams := do("GET", "/app/teams", "")
		assert.JSONEq(t, `[{"id":1,"name":"Wonderland","managed":true,"members":1}]`, teams)

		code, _ = do("DELETE", "/scim/v2/Users/"+id, "")
		require.Equal(t, http.StatusNoContent, code)
		assert.Equal(t, http.StatusNotFound, signIn("alice@example.com"), "deleted")
		_, teams = do("GET", "/app/teams", "")
		assert.JSONEq(t, `[{"id":1,"name":"Wonderland","managed":true,"members":0}]`, teams)
		_, users = do("GET", "/app/users", "")
		assert.Contains(t, users, `"deleted":true`, "kept for the app's history, flagged")
		_, unmanaged := do("GET", "/app/unmanaged", "")
		assert.JSONEq(t, `[{"id":2,"email":"ops@hostapp.local","name":"Ops","active":true}]`, strings.ReplaceAll(unmanaged, `"active":1`, `"active":true`))
	})
}

// TestAppLogsItsErrors: the app's own routes answer a database error
// with a bare 500 and log it through the logger the app was given (the
// command's writes to stderr, a test's wherever the test says), with the
// request's method and path, never in the response. The routes are
// served in the test's goroutine, so the log needs no lock.
func TestAppLogsItsErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var buf strings.Builder
		a, err := open(ctx, dsn, slog.New(slog.NewTextHandler(&buf, nil)))
		require.NoError(t, err)
		a.store.Close() // every query of the app's now fails
		for _, tc := range []struct{ method, path, body string }{
			{"GET", "/app/users", ""},
			{"GET", "/app/teams", ""},
			{"GET", "/app/unmanaged", ""},
			{"POST", "/app/signin", `{"email":"alice@example.com"}`},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				buf.Reset()
				rec := httptest.NewRecorder()
				a.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
				assert.Equal(t, http.StatusInternalServerError, rec.Code)
				assert.Equal(t, "internal error\n", rec.Body.String(), "the error stays in the log")
				line := buf.String()
				assert.Contains(t, line, `msg="hostapp: request failed" method=`+tc.method+` path=`+tc.path+` error=`)
				assert.Contains(t, line, "closed", "the database's error is logged")
			})
		}
	})
}

// TestAppNilLogger: an app opened without a logger discards its errors,
// and a failing route still answers a bare 500 rather than panicking.
func TestAppNilLogger(t *testing.T) {
	forEachDB(t, func(t *testing.T, dsn string) {
		a, err := open(context.Background(), dsn, nil)
		require.NoError(t, err)
		a.store.Close() // every query of the app's now fails
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest("GET", "/app/users", nil))
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.Equal(t, "internal error\n", rec.Body.String())
	})
}
