package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to create and drop the run's schema

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/internal/loaduser"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/memory"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/tokens"
)

// Target names. The floor is always measured; the others are chosen by
// -targets.
const (
	targetFloor    = "floor"
	targetMemory   = "memory"
	targetSQLite   = "sqlite"
	targetPostgres = "postgres"
)

// errNoPostgres says that the postgres target has no server to run on.
var errNoPostgres = errors.New("no PostgreSQL URL (set -postgres or $SCIM_TEST_POSTGRES_URL)")

// target is one server under load: its SCIM base URL, its bearer token and
// the two groups the member phases change.
type target struct {
	name  string
	base  string // e.g. http://127.0.0.1:40123/scim/v2
	token string // sent as a bearer token unless empty
	// prefix starts every userName, externalId and group name the run
	// creates: empty on the targets the run starts on fresh data, a tag of
	// the run's on an external server, whose data outlives the run.
	prefix string
	// smallGroup and bigGroup are the ids of the seeded groups, with
	// smallSize and bigSize members.
	smallGroup, bigGroup string
	smallSize, bigSize   int
	// seed is how long seeding the groups took (not measured as load).
	seed time.Duration
	// external is true for a server the run did not start (-external);
	// pid is its process (-external-pid), 0 when not given, so that its
	// CPU is measured (cpuMeter).
	external bool
	pid      int
	close    func() error
}

// serverCounted reports whether the CPU the run measures for t counts its
// server's: a target the run started shares the run's process, an
// -external one counts only with its -external-pid.
func (t *target) serverCounted() bool { return !t.external || t.pid != 0 }

// serve listens on a random port of 127.0.0.1, serves the handler build
// makes for the base URL under /scim/v2, and returns the base URL and a
// function that stops the server. Its profile samples carry the labels
// side=server and target=name, and with cfg.Labels the phase too (see
// labelled).
func serve(name string, cfg config, build func(base string) (http.Handler, error)) (string, func() error, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	base := "http://" + ln.Addr().String() + "/scim/v2"
	h, err := build(base)
	if err != nil {
		return "", nil, errors.Join(err, ln.Close())
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
	var root http.Handler = mux
	if cfg.Labels {
		root = labelled(name, mux)
	}
	srv := &http.Server{Handler: root, ReadHeaderTimeout: 10 * time.Second}
	// Every connection's goroutine inherits these labels: a profile
	// tells the targets' servers apart, network work included.
	go pprof.Do(context.Background(), serverLabels(name), func(context.Context) { _ = srv.Serve(ln) })
	stop := func() error {
		// The load is over: a connection the client dialed and never used
		// is not idle to Shutdown for 5s, so give it a moment, then close.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			return srv.Close()
		}
		return nil
	}
	return base, stop, nil
}

// startFloor starts the bare handler, seeded with the same groups as the
// scimkit targets.
func startFloor(cfg config) (*target, error) {
	tok, err := randomHex(32)
	if err != nil {
		return nil, err
	}
	f := newFloor(tok)
	start := time.Now()
	n := max(cfg.BigGroup, cfg.SmallGroup)
	ids := make([]string, n)
	for i := range ids {
		var u map[string]any // as the floor decodes a POST
		if err := json.Unmarshal([]byte(seedUser("", i)), &u); err != nil {
			return nil, err
		}
		ids[i] = f.addUser(u).doc["id"].(string)
	}
	t := &target{name: targetFloor, token: tok, smallSize: cfg.SmallGroup, bigSize: cfg.BigGroup}
	t.smallGroup = f.addGroup(ids[:cfg.SmallGroup])
	t.bigGroup = f.addGroup(ids[:cfg.BigGroup])
	t.seed = time.Since(start)
	base, stop, err := serve(targetFloor, cfg, func(string) (http.Handler, error) { return f, nil })
	if err != nil {
		return nil, err
	}
	t.base, t.close = base, stop
	return t, nil
}

// startTarget opens the store of the named target on fresh data, seeds its
// groups and serves scimkit over it. cleanup, run by target.close, removes
// the data.
func startTarget(ctx context.Context, name string, cfg config) (*target, error) {
	switch name {
	case targetFloor:
		return startFloor(cfg)
	case targetMemory:
		m := memory.New()
		return startScim(ctx, name, cfg, m, m, tokens.NewMemoryStore(), admin.NewRequestRing(100), func() error { return nil })
	case targetSQLite:
		dir, err := os.MkdirTemp("", "scimkit-loadtest-")
		if err != nil {
			return nil, err
		}
		s, err := sqlstore.Open(ctx, filepath.Join(dir, "scim.db"))
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("sqlite: %w", err)
		}
		return startScim(ctx, name, cfg, s, s, s, s, func() error {
			return errors.Join(s.Close(), os.RemoveAll(dir))
		})
	case targetPostgres:
		if cfg.PostgresURL == "" {
			return nil, errNoPostgres
		}
		dsn, drop, err := freshSchema(ctx, cfg.PostgresURL)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		s, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("postgres: %w", err), drop())
		}
		return startScim(ctx, name, cfg, s, s, s, s, func() error {
			return errors.Join(s.Close(), drop())
		})
	}
	return nil, fmt.Errorf("unknown target %q (want %s, %s or %s)", name, targetMemory, targetSQLite, targetPostgres)
}

// startScim wires scimkit the way examples/basic does (a tokens.Manager
// over the token store, the request log, a logger) and seeds the groups
// through the stores. cleanup releases the stores and their data; it runs
// on failure too.
func startScim(ctx context.Context, name string, cfg config, users store.UserStore, groups store.GroupStore,
	tokStore tokens.Store, reqLog admin.RequestLog, cleanup func() error) (_ *target, err error) {
	defer func() {
		if err != nil {
			err = errors.Join(err, cleanup())
		}
	}()
	toks := tokens.NewManager(tokStore, tokens.Options{})
	tok, _, err := toks.Generate(ctx, tokens.GenerateOptions{Name: "loadtest", CreatedBy: "loadtest"})
	if err != nil {
		return nil, fmt.Errorf("%s: token: %w", name, err)
	}
	t := &target{name: name, token: tok, smallSize: cfg.SmallGroup, bigSize: cfg.BigGroup}
	start := time.Now()
	if t.smallGroup, t.bigGroup, err = seedGroups(ctx, cfg, users, groups); err != nil {
		return nil, fmt.Errorf("%s: seed: %w", name, err)
	}
	t.seed = time.Since(start)
	// As examples/basic does: the handler records into a buffer, written
	// to the store in batches off the request path.
	async := admin.NewAsyncLog(reqLog, admin.AsyncOptions{})
	closeLog := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return async.Close(ctx)
	}
	base, stop, err := serve(name, cfg, func(base string) (http.Handler, error) {
		return scim.NewHandler(scim.Config{
			BaseURL:    base,
			Users:      users,
			Groups:     groups,
			Tokens:     toks,
			RequestLog: async,
			// One formatted line per request, as a host logs, but not printed.
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("%s: %w", name, err), closeLog())
	}
	t.base = base
	t.close = func() error { return errors.Join(stop(), closeLog(), cleanup()) }
	return t, nil
}

// seedGroups creates max(BigGroup, SmallGroup) users and the two groups
// through the stores, with cfg.Clients users created at a time.
func seedGroups(ctx context.Context, cfg config, users store.UserStore, groups store.GroupStore) (small, big string, err error) {
	ids, err := seedMembers(ctx, cfg, func(ctx context.Context, i int) (string, error) {
		var u *resources.User
		err := json.Unmarshal([]byte(seedUser("", i)), &u)
		if err == nil {
			u, err = users.CreateUser(ctx, u)
		}
		if err != nil {
			return "", err
		}
		return u.ID, nil
	})
	if err != nil {
		return "", "", err
	}
	group := func(name string, ids []string) (string, error) {
		g := &resources.Group{DisplayName: name, Members: make([]resources.Member, len(ids))}
		for i, id := range ids {
			g.Members[i] = resources.Member{Value: id}
		}
		g, err := groups.CreateGroup(ctx, g)
		if err != nil {
			return "", err
		}
		return g.ID, nil
	}
	if small, err = group("loadtest small", ids[:cfg.SmallGroup]); err != nil {
		return "", "", err
	}
	if big, err = group("loadtest big", ids[:cfg.BigGroup]); err != nil {
		return "", "", err
	}
	return small, big, nil
}

// seedMembers runs create(ctx, i) for i in [0, max(BigGroup, SmallGroup)),
// cfg.Clients at a time, and returns the ids it made, in order. The first
// error (or the context's) stops every client and is the one returned.
func seedMembers(ctx context.Context, cfg config, create func(ctx context.Context, i int) (string, error)) ([]string, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	n := max(cfg.BigGroup, cfg.SmallGroup)
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range cfg.Clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				id, err := create(ctx, i)
				if err != nil {
					cancel(err) // only the first cause is kept
					return
				}
				ids[i] = id
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	return ids, nil
}

// seedUser is the i-th group member, the user the sync phase creates
// (loaduser.Doc), its names after prefix (an external target's, so that
// two runs against one server name different users).
func seedUser(prefix string, i int) string {
	return loaduser.Doc(fmt.Sprintf("%sseed%06d@example.com", prefix, i), fmt.Sprintf("%sseed-%d", prefix, i))
}

// freshSchema creates a schema with a unique name on the server at base
// and returns a URL whose connections use it, and a function that drops
// it with everything in it (the way store/sqlstore/sqltest does for tests).
func freshSchema(ctx context.Context, base string) (string, func() error, error) {
	suffix, err := randomHex(6)
	if err != nil {
		return "", nil, err
	}
	schema := "scimload_" + suffix
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		return "", nil, errors.Join(err, db.Close())
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
		return errors.Join(err, db.Close())
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
