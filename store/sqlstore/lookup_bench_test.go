package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store"
	"github.com/scimkit/scim/store/sqlstore"
)

// BenchmarkLookupWithoutStatistics measures an identity provider's
// lookups on a database that has never been analyzed (a new deployment
// during its first sync: SQLite always, PostgreSQL until its first
// ANALYZE, autovacuum's or the store's own; the benchmark seeds its users
// in bulk, which wakes no store ANALYZE): each iteration reads a user by id (GetUser, the
// baseline: one primary-key lookup) and looks a user up by userName eq,
// by a typed email, by any email and by externalId, as the handler lists
// them (with the users' groups). It reports each one's time and its
// ratio to GetUser in the same iteration; a lookup that scans the tenant
// shows as a ratio growing with the users. The databases:
//   - users=N: N users, never analyzed;
//   - users=1000+19000: the lookups run (and PostgreSQL's connection
//     caches their generic plans) at 1,000 users, then 19,000 more land,
//     through another pool, before the measurement, as in a first big
//     push;
//   - users=N/analyzed: N users, then ANALYZE.
func BenchmarkLookupWithoutStatistics(b *testing.B) {
	const tenant = "bench"
	tctx := store.WithTenant(ctx, tenant)
	lookups := []struct {
		name   string
		filter func(i int) string
	}{
		{"userName_eq", func(i int) string { return fmt.Sprintf(`userName eq "user%06d@example.com"`, i) }},
		{"email_eq", func(i int) string { return fmt.Sprintf(`emails[type eq "work"].value eq "user%d@work.example"`, i) }},
		{"emails.value_eq", func(i int) string { return fmt.Sprintf(`emails.value eq "user%d@home.example"`, i) }},
		{"externalId_eq", func(i int) string { return fmt.Sprintf(`externalId eq "ext-%d"`, i) }},
	}
	lookup := func(b *testing.B, s *sqlstore.Store, filter string) time.Duration {
		f := mustParse(b, filter)
		t := time.Now()
		p, err := s.ListUsers(tctx, store.Query{Filter: f, StartIndex: 1, Count: 100})
		d := time.Since(t)
		if err != nil || p.Total != 1 {
			b.Fatal(filter, err, p.Total)
		}
		return d
	}
	variants := []struct {
		name     string
		early, n int // users when the lookups first run, at the end
		analyze  bool
	}{
		{"users=1000", 1000, 1000, false},
		{"users=20000", 20000, 20000, false},
		{"users=1000+19000", 1000, 20000, false},
		{"users=1000/analyzed", 1000, 1000, true},
		{"users=20000/analyzed", 20000, 20000, true},
	}
	for _, db := range databases() {
		for _, v := range variants {
			b.Run(db.name+"/"+v.name, func(b *testing.B) {
				// The users land through a store of their own, as from other
				// processes: s's connections keep what they planned.
				dsn := db.dsn(b)
				s, seeder := openWith(func(testing.TB) string { return dsn })(b, sqlstore.Config{}), openWith(func(testing.TB) string { return dsn })(b, sqlstore.Config{})
				users := make([]*resources.User, v.n)
				for i := range users {
					users[i] = seedUser(i)
				}
				ids, err := seeder.SeedUsersForTest(ctx, tenant, users[:v.early])
				require.NoError(b, err)
				if v.early < v.n {
					for i := range 10 { // past PostgreSQL's five custom plans
						for _, l := range lookups {
							lookup(b, s, l.filter(i))
						}
					}
					more, err := seeder.SeedUsersForTest(ctx, tenant, users[v.early:])
					require.NoError(b, err)
					ids = append(ids, more...)
				}
				if v.analyze {
					analyze(b, s)
				}
				spent := make([]time.Duration, 1+len(lookups))
				for i := 0; b.Loop(); i++ {
					k := (i * 7919) % v.n
					t := time.Now()
					if _, err := s.GetUser(tctx, ids[k], store.GetOptions{}); err != nil {
						b.Fatal(err)
					}
					spent[0] += time.Since(t)
					for j, l := range lookups {
						spent[j+1] += lookup(b, s, l.filter(k))
					}
				}
				b.ReportMetric(float64(spent[0].Nanoseconds())/float64(b.N), "GetUser-ns/op")
				for j, l := range lookups {
					b.ReportMetric(float64(spent[j+1].Nanoseconds())/float64(b.N), l.name+"-ns/op")
					b.ReportMetric(float64(spent[j+1])/float64(spent[0]), l.name+"/GetUser")
				}
			})
		}
	}
}

// BenchmarkDeleteMemberOfBigGroup measures deleting a user who is in a
// group of 20,000 members (its group's version is bumped in the same
// transaction) against deleting one in no group, in the same iteration,
// on databases never analyzed; it reports both times and their ratio.
func BenchmarkDeleteMemberOfBigGroup(b *testing.B) {
	const tenant = "bench"
	tctx := store.WithTenant(ctx, tenant)
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			s := db.open(b, sqlstore.Config{})
			users := make([]*resources.User, 20000)
			for i := range users {
				users[i] = seedUser(i)
			}
			ids, err := s.SeedUsersForTest(ctx, tenant, users)
			require.NoError(b, err)
			g, err := s.CreateGroup(tctx, &resources.Group{DisplayName: "Big"})
			require.NoError(b, err)
			require.NoError(b, s.SeedMembersForTest(ctx, tenant, g.ID, "User", ids))
			var member, alone time.Duration
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				m, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("member-%d", i)})
				require.NoError(b, err)
				_, err = s.ModifyMembers(tctx, g.ID, []string{m.ID}, nil, "")
				require.NoError(b, err)
				a, err := s.CreateUser(tctx, &resources.User{UserName: fmt.Sprintf("alone-%d", i)})
				require.NoError(b, err)
				b.StartTimer()
				t := time.Now()
				require.NoError(b, s.DeleteUser(tctx, m.ID, ""))
				member += time.Since(t)
				t = time.Now()
				require.NoError(b, s.DeleteUser(tctx, a.ID, ""))
				alone += time.Since(t)
			}
			b.ReportMetric(float64(member.Nanoseconds())/float64(b.N), "member-ns/op")
			b.ReportMetric(float64(alone.Nanoseconds())/float64(b.N), "alone-ns/op")
			b.ReportMetric(float64(member)/float64(alone), "member/alone")
		})
	}
}
