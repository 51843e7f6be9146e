package sqlstore_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/internal/pairbench"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// uncounted returns the statements that stop s counting its tenants
// (migration 0014's triggers dropped), the side without the count of
// BenchmarkCountedCreate; hot adds, on PostgreSQL, a trigger that keeps
// the count in one row per tenant, the design migration 0014 does not
// take (every create of a tenant then waits for the previous one's
// commit).
func uncounted(s *sqlstore.Store, hot bool) []string {
	var qs []string
	for _, q := range undo0014()[len(undo0015()):][:8] { // 0014's own triggers
		q, onlySQLite := strings.CutPrefix(q, sqliteOnly)
		q, onlyPG := strings.CutPrefix(q, postgresOnly)
		if onlySQLite && isPG(s) || onlyPG && !isPG(s) {
			continue
		}
		qs = append(qs, q)
	}
	if hot {
		qs = append(qs, `CREATE FUNCTION scim_count_hot() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				INSERT INTO scim_counts (tenant, kind, id, n) OVERRIDING SYSTEM VALUE VALUES (NEW.tenant, 'users', 0, 1)
					ON CONFLICT (tenant, kind, id) DO UPDATE SET n = scim_counts.n + 1;
				RETURN NULL;
			END $$`,
			`CREATE TRIGGER scim_users_hot AFTER INSERT ON scim_users FOR EACH ROW EXECUTE FUNCTION scim_count_hot()`)
	}
	return qs
}

// concurrently runs create b.N times (rounded up to a multiple of 8)
// from 8 goroutines and reports the wall time per create.
func concurrently(b *testing.B, create func()) {
	const workers = 8
	var wg sync.WaitGroup
	per := (b.N + workers - 1) / workers
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				create()
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(per*workers), "µs/create")
}

// BenchmarkCountedCreate measures what migration 0014's count of a
// tenant's rows adds to CreateUser: pairbench, a store whose count
// triggers are dropped (off) and one that keeps them (on), each seeded
// with 1,000 users; and, on PostgreSQL, 8 concurrent creators of one
// tenant on each store in turn (/concurrent: without the count, with
// it, and with one row per tenant, hot), twice. Run it against a server
// with fsync on (SCIM_PG_FAST=0): a waiting create waits for a commit's
// flush. It runs only when SCIM_BENCH_PAGEWALK is set.
func BenchmarkCountedCreate(b *testing.B) {
	if envCount("SCIM_BENCH_PAGEWALK", 0) == 0 {
		b.Skip("set SCIM_BENCH_PAGEWALK=1 to run")
	}
	tctx := store.WithTenant(ctx, "w")
	var seq atomic.Int64
	create := func(b *testing.B, s *sqlstore.Store) {
		i := seq.Add(1)
		_, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("c%09d@example.com", i), Active: ptr(true)})
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			open := func(counted, hot bool) *sqlstore.Store {
				s := db.open(b, sqlstore.Config{})
				seedUsers(b, s, "w", 1000)
				if !counted {
					for _, q := range uncounted(s, hot) {
						_, err := s.DB().ExecContext(ctx, q)
						require.NoError(b, err, q)
					}
				}
				analyze(b, s)
				return s
			}
			sides := [2]*sqlstore.Store{open(false, false), open(true, false)}
			b.Run("create", func(b *testing.B) {
				pairbench.Run(b, func(k, _ int) { create(b, sides[k]) })
			})
			if !isPG(sides[0]) {
				return
			}
			hot := open(false, true)
			for range 2 {
				for _, c := range []struct {
					name string
					s    *sqlstore.Store
				}{{"uncounted", sides[0]}, {"counted", sides[1]}, {"hot", hot}} {
					b.Run("concurrent/"+c.name, func(b *testing.B) {
						concurrently(b, func() { create(b, c.s) })
					})
				}
			}
		})
	}
}

// BenchmarkCountFoldNeverWaits measures what migration 0016 adds to the
// writes that keep the tenant counts: pairbench, a store whose count
// functions are migration 0014's (off: a fold that waits, an emptied
// tenant's rows kept) and one at version 16 (on), each seeded with 1,000
// users, for a create and for a create then delete (the delete now
// probes whether its tenant has rows left); and, on PostgreSQL, 8
// concurrent creators of one tenant on each store in turn
// (/concurrent), three rounds (SCIM_BENCH_ROUNDS), the order
// alternating. Run it against a server with fsync off and one with it
// on (SCIM_PG_FAST=0). It runs only when SCIM_BENCH_COUNTS is set.
func BenchmarkCountFoldNeverWaits(b *testing.B) {
	if envCount("SCIM_BENCH_COUNTS", 0) == 0 {
		b.Skip("set SCIM_BENCH_COUNTS=1 to run")
	}
	tctx := store.WithTenant(ctx, "w")
	var seq atomic.Int64
	create := func(b *testing.B, s *sqlstore.Store) string {
		i := seq.Add(1)
		u, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("c%09d@example.com", i), Active: ptr(true)})
		if err != nil {
			b.Fatal(err)
		}
		return u.ID
	}
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			open := func(v16 bool) *sqlstore.Store {
				s := db.open(b, sqlstore.Config{})
				seedUsers(b, s, "w", 1000)
				if !v16 {
					for _, q := range undo0016() {
						q, onlySQLite := strings.CutPrefix(q, sqliteOnly)
						q, onlyPG := strings.CutPrefix(q, postgresOnly)
						if onlySQLite && isPG(s) || onlyPG && !isPG(s) {
							continue
						}
						_, err := s.DB().ExecContext(ctx, q)
						require.NoError(b, err, q)
					}
				}
				analyze(b, s)
				return s
			}
			sides := [2]*sqlstore.Store{open(false), open(true)}
			b.Run("create", func(b *testing.B) {
				pairbench.Run(b, func(k, _ int) { create(b, sides[k]) })
			})
			b.Run("create+delete", func(b *testing.B) {
				pairbench.Run(b, func(k, _ int) {
					if err := sides[k].DeleteUser(tctx, create(b, sides[k]), ""); err != nil {
						b.Fatal(err)
					}
				})
			})
			if !isPG(sides[0]) {
				return
			}
			for round := range envCount("SCIM_BENCH_ROUNDS", 3) {
				for j := range 2 {
					k := (round + j) % 2
					b.Run("concurrent/"+[2]string{"v15", "v16"}[k], func(b *testing.B) {
						concurrently(b, func() { create(b, sides[k]) })
					})
				}
			}
		})
	}
}
