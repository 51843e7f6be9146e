package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tiny is a run small enough for go test -race.
func tiny(targets ...string) config {
	return config{
		Users: 20, Clients: 2, Reads: 40, MemberOps: 30, // more pairs than users: ids are reused
		SmallGroup: 3, BigGroup: 30, Rounds: 2, Duration: time.Minute,
		Targets:     targets,
		PostgresURL: os.Getenv("SCIM_TEST_POSTGRES_URL"),
	}
}

// wantRequests is how many requests a phase of a round sends to a target
// that answers them all.
func wantRequests(cfg config, phase string) int64 {
	return map[string]int64{
		phaseSync:        int64(3 * cfg.Users),
		phaseReads:       int64(cfg.Reads),
		phaseMemberSmall: int64(2 * cfg.MemberOps),
		phaseMemberBig:   int64(2 * cfg.MemberOps),
	}[phase]
}

func TestRunReportsEveryPhaseWithoutErrors(t *testing.T) {
	targets := []string{targetMemory, targetSQLite}
	if os.Getenv("SCIM_TEST_POSTGRES_URL") != "" {
		targets = append(targets, targetPostgres)
	}
	cfg := tiny(targets...)
	var out bytes.Buffer
	rep, err := run(context.Background(), cfg, &out)
	require.NoError(t, err, out.String())

	assert.Zero(t, rep.TotalErrors(), out.String())
	all := append([]string{targetFloor}, targets...)
	require.Len(t, rep.Results, cfg.Rounds*len(phases)*len(all))
	for _, r := range rep.Results {
		assert.Equal(t, wantRequests(cfg, r.Phase), r.Requests, "%s %s round %d", r.Target, r.Phase, r.Round)
		assert.Zero(t, r.Errors, "%s %s round %d", r.Target, r.Phase, r.Round)
		assert.False(t, r.Capped)
		assert.Positive(t, r.GC.AllocMB, "%s %s round %d: the bytes the report compares", r.Target, r.Phase, r.Round)
	}
	for _, name := range all {
		assert.Contains(t, out.String(), name+": 0 errors")
	}
	assert.NotContains(t, out.String(), "FAILED")

	path := filepath.Join(t.TempDir(), "load.json")
	require.NoError(t, writeReport(path, rep))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"phase": "member-big"`)
}

// A wrong answer must show up as errors, or a zero above proves nothing.
func TestRunCountsFailures(t *testing.T) {
	cfg := tiny()
	tg, err := startTarget(context.Background(), targetMemory, cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, tg.close()) }()
	d := newDriver(cfg)
	ctx := context.Background()

	st := &roundState{ids: map[string][]string{}}
	res := d.runPhase(ctx, tg, phaseSync, 1, st)
	require.Zero(t, res.Errors)

	// The same user names again: every lookup now finds a user and every
	// create is a 409, so the PATCH is never sent.
	res = d.runPhase(ctx, tg, phaseSync, 1, &roundState{ids: map[string][]string{}})
	assert.Equal(t, int64(2*cfg.Users), res.Requests)
	assert.Equal(t, int64(2*cfg.Users), res.Errors)

	// A token the server does not know: every read fails.
	bad := *tg
	bad.token = "wrong"
	res = d.runPhase(ctx, &bad, phaseReads, 1, st)
	assert.Equal(t, int64(cfg.Reads), res.Errors)
	assert.NotEmpty(t, d.samples[targetMemory])

	// A group that lost a member is reported.
	bad.token = tg.token
	bad.smallSize++
	assert.Equal(t, 1, d.checkGroups(ctx, &bad))
	assert.Zero(t, d.checkGroups(ctx, tg))
}

func TestPostgresWithoutURLIsSkipped(t *testing.T) {
	cfg := tiny(targetPostgres)
	cfg.PostgresURL = ""
	cfg.Rounds = 1
	var out bytes.Buffer
	rep, err := run(context.Background(), cfg, &out)
	require.NoError(t, err)
	assert.Equal(t, []string{targetPostgres}, rep.Skipped)
	assert.Contains(t, out.String(), "postgres: SKIPPED")
	assert.Zero(t, rep.TotalErrors())
}

// The member phases alternate in blocks: each covers its pairs once, and
// with an even number of blocks both phases sit as early and as late in
// the turn on average, so a steady drift of the machine's speed falls on
// both alike.
func TestMemberScheduleAlternates(t *testing.T) {
	for _, tc := range []struct {
		n        int
		bigFirst bool
	}{{0, false}, {1, false}, {1, true}, {3, false}, {10, true}, {25, false}, {1000, false}, {1000, true}, {5001, true}} {
		n := tc.n
		t.Run(fmt.Sprint(n, tc.bigFirst), func(t *testing.T) {
			sched := memberSchedule(n, tc.bigFirst)
			even := len(sched)/2%2 == 0 // an even number of blocks a phase
			if n > 0 {
				opens := map[bool]string{false: phaseMemberSmall, true: phaseMemberBig}[tc.bigFirst]
				assert.Equal(t, opens, sched[0].phase, "the group that opens the turn")
				if even {
					assert.Equal(t, opens, sched[len(sched)-1].phase, "and closes it, with an even number of blocks")
				}
			}
			covered := map[string][]int{}
			pos := map[string]int{}
			for i, b := range sched {
				require.Less(t, b.from, b.to, "an empty block")
				for j := b.from; j < b.to; j++ {
					covered[b.phase] = append(covered[b.phase], j)
				}
				pos[b.phase] += i
				// Never three blocks of one phase in a row.
				require.False(t, i > 1 && sched[i-1].phase == b.phase && sched[i-2].phase == b.phase, "blocks %d–%d", i-2, i)
			}
			var want []int // each pair once, in order; nil for none
			for i := range n {
				want = append(want, i)
			}
			for _, phase := range []string{phaseMemberSmall, phaseMemberBig} {
				assert.Equal(t, want, covered[phase], "%s covers each pair once, in order", phase)
			}
			assert.LessOrEqual(t, len(sched), 2*memberBlocks)
			if even {
				assert.Equal(t, pos[phaseMemberSmall], pos[phaseMemberBig], "the phases' mean position in the turn")
			}
		})
	}
}
