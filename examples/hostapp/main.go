// Command hostapp is a small application that had its own users, teams
// and team_members tables before it added SCIM provisioning: it mounts
// scimkit at /scim/v2 over store/sqlstore, and sqlstore.HostTables keeps
// its tables in step with every SCIM write, in the same transaction. An
// account the app already had is adopted (linked) when the identity
// provider creates the same person; accounts the provider never sends
// stay the app's own, listed at /app/unmanaged.
//
//	go run ./examples/hostapp                        # SQLite file hostapp.db
//	go run ./examples/hostapp -db postgres://app@localhost/app
//
// It prints the SCIM base URL and a bearer token for the identity
// provider. The app's own routes: GET /app/users, GET /app/teams,
// GET /app/unmanaged, and POST /app/signin {"email": "..."}, a stub that
// refuses deactivated and deleted accounts.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/tokens"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to listen on")
	db := flag.String("db", "hostapp.db", "database: a SQLite file path or a postgres:// URL")
	newToken := flag.Bool("new-token", false, "print a new bearer token even if the database has one (the old one is revoked)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, config{Addr: *addr, DB: *db, NewToken: *newToken, Logger: logger}, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

type config struct {
	Addr, DB string
	NewToken bool
	// Logger takes scimkit's request log and the app's own errors: the
	// command's is text to stderr, a test's discards them. nil discards.
	Logger *slog.Logger
}

// tables maps the app's tables for scimkit: users by email (the
// provider's userName), deleted users flagged rather than removed, teams
// by name, and a join table of the app's integer keys.
var tables = sqlstore.HostTables{
	Users: sqlstore.UserTable{Table: "users", ID: "scim_id", Key: "id", SoftDelete: "deleted",
		Columns: map[string]string{"userName": "email", "displayName": "name", "active": "active"},
		Adopt:   &sqlstore.Match{Column: "email", Attribute: "userName"}},
	Groups:  &sqlstore.GroupTable{Table: "teams", ID: "scim_id", Key: "id", Columns: map[string]string{"displayName": "name"}},
	Members: &sqlstore.MemberTable{Table: "team_members", Group: "team_id", User: "user_id", HostKeys: true},
}

// schema is the app's own tables, as they were before SCIM, plus the
// nullable scim_id columns (and their partial unique indexes) SCIM needed.
func schema(pg bool) []string {
	id := "INTEGER PRIMARY KEY"
	if pg {
		id = "BIGSERIAL PRIMARY KEY"
	}
	return []string{
		`CREATE TABLE IF NOT EXISTS users (id ` + id + `, email TEXT NOT NULL, name TEXT, active BOOLEAN NOT NULL DEFAULT TRUE,
			deleted BOOLEAN NOT NULL DEFAULT FALSE, scim_id TEXT)`,
		// An address is unique among the accounts not deleted, so a
		// deleted user's address can be given to someone else.
		`CREATE UNIQUE INDEX IF NOT EXISTS users_email ON users (lower(email)) WHERE NOT deleted`,
		`CREATE UNIQUE INDEX IF NOT EXISTS users_scim_id ON users (scim_id) WHERE scim_id IS NOT NULL`,
		`CREATE INDEX IF NOT EXISTS users_adopt ON users (lower(email))`,
		`CREATE TABLE IF NOT EXISTS teams (id ` + id + `, name TEXT NOT NULL, scim_id TEXT)`,
		`CREATE UNIQUE INDEX IF NOT EXISTS teams_scim_id ON teams (scim_id) WHERE scim_id IS NOT NULL`,
		`CREATE TABLE IF NOT EXISTS team_members (team_id BIGINT NOT NULL REFERENCES teams (id), user_id BIGINT NOT NULL REFERENCES users (id),
			PRIMARY KEY (team_id, user_id))`,
		`CREATE INDEX IF NOT EXISTS team_members_user ON team_members (user_id)`,
	}
}

// app is the application: its database, the SCIM store over it, and its
// routes with scimkit mounted at /scim/v2.
type app struct {
	db     *sql.DB
	store  *sqlstore.Store
	bridge *sqlstore.Bridge
	tokens *tokens.Manager
	mux    *http.ServeMux
	scim   http.Handler // scimkit's handler under /scim/v2 (ServeHTTP)
	log    *slog.Logger // the app's errors, beside scimkit's request log
}

// ServeHTTP serves every path under /scim/v2/ by scimkit's handler as
// sent, and any other by the app's mux. A ServeMux cleans a path before
// routing it: a provider given the base URL with a slash at its end sends
// POST /scim/v2//Users, which the mux would answer with a redirect (after
// which a client need not resend the body); scimkit serves it as /Users,
// with a warning. (The mux has /scim/v2/ too, so that /scim/v2 alone is
// redirected to it.)
func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/scim/v2/") {
		a.scim.ServeHTTP(w, r)
		return
	}
	a.mux.ServeHTTP(w, r)
}

// open opens the database, creates the app's tables (with two accounts
// of its own the first time) and the SCIM store, and builds the routes.
// logger takes scimkit's request log and the app's own errors; nil
// discards both.
func open(ctx context.Context, dsn string, logger *slog.Logger) (*app, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	bridge, err := tables.Bridge(dsn)
	if err != nil {
		return nil, err
	}
	s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn, Bridge: bridge})
	if err != nil {
		return nil, err
	}
	a := &app{db: s.DB(), store: s, bridge: bridge, tokens: tokens.NewManager(s, tokens.Options{}), mux: http.NewServeMux(), log: logger}
	for _, q := range schema(s.Dialect() == "postgres") {
		if _, err := a.db.ExecContext(ctx, q); err != nil {
			s.Close()
			return nil, fmt.Errorf("app schema: %w", err)
		}
	}
	var n int
	err = a.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	if err == nil && n == 0 {
		_, err = a.db.ExecContext(ctx, `INSERT INTO users (email, name) VALUES ('alice@example.com', 'Alice'), ('ops@hostapp.local', 'Ops')`)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("app accounts: %w", err)
	}
	h, err := scim.NewHandler(scim.Config{Users: s, Groups: s, Tokens: a.tokens, Logger: logger})
	if err != nil {
		s.Close()
		return nil, err
	}
	a.scim = http.StripPrefix("/scim/v2", h)
	a.mux.Handle("/scim/v2/", a.scim)
	a.mux.HandleFunc("GET /app/users", a.list(`SELECT id, email, name, active, deleted, scim_id IS NOT NULL AS managed FROM users ORDER BY id`))
	a.mux.HandleFunc("GET /app/teams", a.list(`SELECT t.id, t.name, t.scim_id IS NOT NULL AS managed,
		(SELECT count(*) FROM team_members m WHERE m.team_id = t.id) AS members FROM teams t ORDER BY t.id`))
	a.mux.HandleFunc("GET /app/unmanaged", func(w http.ResponseWriter, r *http.Request) {
		rows, err := a.bridge.UnmanagedUsers(r.Context(), a.db, "")
		a.reply(w, r, rows, err)
	})
	a.mux.HandleFunc("POST /app/signin", a.signIn)
	return a, nil
}

// list answers a query's rows as a JSON array of objects.
func (a *app) list(q string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rows, err := a.db.QueryContext(r.Context(), q)
		if err != nil {
			a.reply(w, r, nil, err)
			return
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		out := []map[string]any{}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				a.reply(w, r, nil, err)
				return
			}
			row := map[string]any{}
			for i, c := range cols {
				row[c] = vals[i]
				if c == "active" || c == "deleted" || c == "managed" {
					row[c] = vals[i] == true || vals[i] == int64(1)
				}
			}
			out = append(out, row)
		}
		a.reply(w, r, out, rows.Err())
	}
}

// signIn is the app's sign-in, without the password check: it refuses an
// account SCIM deactivated or deleted.
func (a *app) signIn(w http.ResponseWriter, r *http.Request) {
	var in struct{ Email string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&in); err != nil {
		http.Error(w, "send {\"email\": \"...\"}", http.StatusBadRequest)
		return
	}
	var id int64
	var active, deleted bool
	err := a.db.QueryRowContext(r.Context(), `SELECT id, active, deleted FROM users WHERE lower(email) = lower(`+a.ph()+`) ORDER BY deleted LIMIT 1`, in.Email).Scan(&id, &active, &deleted)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && deleted):
		http.Error(w, "no such account", http.StatusNotFound)
	case err == nil && !active:
		http.Error(w, "this account is deactivated", http.StatusForbidden)
	default:
		a.reply(w, r, map[string]any{"id": id, "email": in.Email}, err)
	}
}

func (a *app) ph() string {
	if a.store.Dialect() == "postgres" {
		return "$1"
	}
	return "?1"
}

// reply answers v as JSON, or a 500 for err, which it logs with the
// request's method and path rather than show it to the client (it can
// hold SQL).
func (a *app) reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		a.log.LogAttrs(r.Context(), slog.LevelError, "hostapp: request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// run serves the app until ctx is done. It prints the SCIM base URL and,
// unless the database keeps one from an earlier start, a new token.
func run(ctx context.Context, cfg config, out io.Writer) error {
	a, err := open(ctx, cfg.DB, cfg.Logger)
	if err != nil {
		return err
	}
	defer a.store.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "SCIM base URL: http://%s/scim/v2\n", ln.Addr())
	kept, err := a.store.HasTokens(ctx)
	if err != nil {
		return err
	}
	if kept && !cfg.NewToken {
		fmt.Fprintln(out, "No new bearer token: the database has one (restart with -new-token to replace it)")
	} else {
		tok, _, err := a.tokens.Generate(ctx, tokens.GenerateOptions{Name: "hostapp", CreatedBy: "command line"})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Bearer token: %s\n", tok)
	}
	fmt.Fprintf(out, "App: http://%s/app/users, /app/teams, /app/unmanaged\n", ln.Addr())
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
