package sqlstore_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/admin"
	"github.com/scimkit/scim/internal/loaduser"
	"github.com/scimkit/scim/resources"
	"github.com/scimkit/scim/store/sqlstore"
	"github.com/scimkit/scim/tokens"
)

// BenchmarkHandlerReads is the handler's reads over a SQL store, wired as
// examples/loadtest wires it (a tokens.Manager over the store, the
// store's request log through admin.AsyncLog, a text logger), one
// request at a time: GET /Users/{id} of a user in no group (the load
// test's read) and of a user in two groups, GET /Groups/{id} of a
// 10-member group, and the lookups providers send (userName eq and
// externalId eq finding a user, displayName eq finding a group). Besides
// ns/op and allocations it reports the CPU a request costs the Go
// process (go-cpu-µs/op, getrusage) and, on a PostgreSQL server on this
// machine, its backends (pg-cpu-µs/op, /proc/<pid>/stat of the store's
// connections, in 10 ms ticks: run at least a few thousand requests):
// with client, server and database on the same cores, both are
// throughput.
func BenchmarkHandlerReads(b *testing.B) {
	for _, db := range databases() {
		b.Run(db.name, func(b *testing.B) {
			app := "scimread_" + randomHex(4)
			dsn := db.dsn(b)
			if db.name == "postgres" {
				dsn = withApplicationName(b, dsn, app)
			}
			s, err := sqlstore.New(ctx, sqlstore.Config{DSN: dsn})
			require.NoError(b, err)
			b.Cleanup(func() { s.Close() })
			toks := tokens.NewManager(s, tokens.Options{})
			tok, _, err := toks.Generate(ctx, tokens.GenerateOptions{Name: "bench"})
			require.NoError(b, err)
			async := admin.NewAsyncLog(s, admin.AsyncOptions{})
			b.Cleanup(func() { async.Close(context.Background()) })
			h, err := scim.NewHandler(scim.Config{
				BaseURL: "https://app.example.com/scim/v2", Users: s, Groups: s, Tokens: toks, RequestLog: async,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			require.NoError(b, err)
			send := func(method, path, body string) *httptest.ResponseRecorder {
				var rd io.Reader
				if body != "" {
					rd = strings.NewReader(body)
				}
				r := httptest.NewRequest(method, "https://app.example.com"+path, rd)
				r.Header.Set("Authorization", "Bearer "+tok)
				if body != "" {
					r.Header.Set("Content-Type", "application/scim+json")
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w
			}
			idOf := func(w *httptest.ResponseRecorder) string {
				return strings.Split(strings.Split(w.Body.String(), `"id":"`)[1], `"`)[0]
			}
			const n = 1000
			ids := make([]string, n)
			for i := range ids {
				w := send("POST", "/Users", loaduser.JSON(i))
				require.Equal(b, http.StatusCreated, w.Code, w.Body.String())
				ids[i] = idOf(w)
			}
			const groups = 20
			gids := make([]string, groups)
			for g := range gids {
				var members []string
				for k := range 10 {
					members = append(members, fmt.Sprintf(`{"value":%q}`, ids[n-1-(g*10+k)%100]))
				}
				w := send("POST", "/Groups", fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Team %d","members":[%s]}`, g, strings.Join(members, ",")))
				require.Equal(b, http.StatusCreated, w.Code, w.Body.String())
				gids[g] = idOf(w)
			}
			// A big group of other users, as the load test seeds one: the
			// memberships table holds thousands of rows, as a tenant's does
			// once its groups are pushed (SCIM_BENCH_BIG members, default
			// 2,000; 0 for a new tenant's few hundred memberships).
			nBig := 2000
			if v, err := strconv.Atoi(os.Getenv("SCIM_BENCH_BIG")); err == nil && v >= 0 {
				nBig = v
			}
			if nBig > 0 {
				big := make([]*resources.User, nBig)
				for i := range big {
					big[i] = seedUser(i)
				}
				bigIDs, err := s.SeedUsersForTest(ctx, "", big)
				require.NoError(b, err)
				w := send("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Big"}`)
				require.Equal(b, http.StatusCreated, w.Code, w.Body.String())
				require.NoError(b, s.SeedMembersForTest(ctx, "", idOf(w), "User", bigIDs))
			}
			analyze(b, s)
			inNone := n - 100 // users 0 .. n-101 are in no group; the last 100 in two each
			for _, c := range []struct {
				name string
				path func(i int) string
			}{
				{"GET_user", func(i int) string { return "/Users/" + ids[i%inNone] }},
				{"GET_user_in_groups", func(i int) string { return "/Users/" + ids[inNone+i%100] }},
				{"GET_group", func(i int) string { return "/Groups/" + gids[i%groups] }},
				{"userName_eq", func(i int) string {
					return fmt.Sprintf("/Users?filter=userName+eq+%%22load%06d%%40example.com%%22", i%inNone)
				}},
				{"externalId_eq", func(i int) string { return fmt.Sprintf("/Users?filter=externalId+eq+%%22ext-%d%%22", i%inNone) }},
				{"displayName_eq", func(i int) string { return fmt.Sprintf("/Groups?filter=displayName+eq+%%22Team+%d%%22", i%groups) }},
			} {
				b.Run(c.name, func(b *testing.B) {
					// The requests are made before the timing (the handler
					// does not change them), so that what is timed is the
					// handler's and the store's work.
					reqs := make([]*http.Request, n)
					for i := range reqs {
						w := send("GET", c.path(i), "")
						require.Equal(b, http.StatusOK, w.Code, w.Body.String())
						reqs[i] = httptest.NewRequest("GET", "https://app.example.com"+c.path(i), nil)
						reqs[i].Header.Set("Authorization", "Bearer "+tok)
					}
					pids := backendPIDs(b, s, app)
					pg0, go0 := backendCPU(pids), processCPU()
					var w discardWriter
					b.ReportAllocs()
					for i := 0; b.Loop(); i++ {
						w.reset()
						h.ServeHTTP(&w, reqs[i%n])
						if w.code != http.StatusOK {
							b.Fatal(w.code)
						}
					}
					b.ReportMetric(float64((processCPU()-go0).Microseconds())/float64(b.N), "go-cpu-µs/op")
					if pids != nil {
						b.ReportMetric(float64((backendCPU(pids)-pg0).Microseconds())/float64(b.N), "pg-cpu-µs/op")
					}
				})
			}
		})
	}
}

// discardWriter is an http.ResponseWriter that keeps only the status.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) reset() {
	clear(w.h)
	w.code = 0
}

func (w *discardWriter) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}

func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendPIDs returns the process ids of the PostgreSQL backends whose
// application_name is app, or nil when s is not PostgreSQL or their
// /proc entries cannot be read (a server on another machine).
func backendPIDs(b *testing.B, s *sqlstore.Store, app string) []int {
	if !isPG(s) {
		return nil
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, app)
	require.NoError(b, err)
	defer rows.Close()
	var pids []int
	for rows.Next() {
		var pid int
		require.NoError(b, rows.Scan(&pid))
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", pid)); err != nil {
			return nil
		}
		pids = append(pids, pid)
	}
	require.NoError(b, rows.Err())
	return pids
}

// backendCPU is the CPU time (user and system) the processes pids have
// used, from /proc/<pid>/stat (clock ticks of 10 ms).
func backendCPU(pids []int) time.Duration {
	var ticks int64
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		_, rest, _ := strings.Cut(string(raw), ") ") // after the command, which may hold spaces
		f := strings.Fields(rest)
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64) // utime, field 14 of stat
		s, _ := strconv.ParseInt(f[12], 10, 64) // stime, field 15
		ticks += u + s
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}
