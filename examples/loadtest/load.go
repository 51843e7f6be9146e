package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scimkit/scim/internal/loaduser"
)

// Phases, in the order each round runs them.
const (
	phaseSync        = "sync"         // userName lookup (a miss), POST, PATCH active=false
	phaseReads       = "reads"        // GET /Users/{id}
	phaseMemberSmall = "member-small" // add + remove one member, small group
	phaseMemberBig   = "member-big"   // add + remove one member, big group
)

var phases = []string{phaseSync, phaseReads, phaseMemberSmall, phaseMemberBig}

// turnMembers names the turn in which a target runs both member phases,
// their blocks interleaved (see runMembers).
const turnMembers = "members"

// turns are the phases of a round as targets take turns at them: a turn is
// one phase, or turnMembers for the two member phases.
var turns = []string{phaseSync, phaseReads, turnMembers}

// memberBlocks is how many blocks runMembers splits each member phase into.
const memberBlocks = 10

// Request bodies an identity provider sends (Entra ID's first cycle and
// its member changes).
const (
	deactivateBody = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`
	memberAddBody  = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":%q}]}]}`
	memberDelBody  = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":%q}]}`
)

// phaseResult is one phase against one target in one round.
type phaseResult struct {
	Round    int    `json:"round"`
	Phase    string `json:"phase"`
	Target   string `json:"target"`
	Requests int64  `json:"requests"`
	Errors   int64  `json:"errors"`
	// Seconds is the phase's time; a member phase's is the sum of its
	// blocks (runMembers).
	Seconds float64 `json:"seconds"`
	RPS     float64 `json:"rps"`
	// Capped is true when -duration stopped the phase before its count.
	Capped bool `json:"capped,omitempty"`
	// GC is what the garbage collector did in the process during the
	// phase: every target and the load generator share one heap.
	GC gcStats `json:"gc"`
	// CPUSeconds is the CPU the phase used (cpuMeter): this process's,
	// plus an -external target's server process given -external-pid;
	// -1 where /proc cannot tell.
	CPUSeconds float64 `json:"cpuSeconds"`
}

// driver sends the load over one HTTP client and keeps the first few
// failures of each target to show.
type driver struct {
	hc  *http.Client
	cfg config

	mu      sync.Mutex
	samples map[string][]string
}

// maxSamples is how many failures per target the report shows.
const maxSamples = 5

func newDriver(cfg config) *driver {
	tr := &http.Transport{
		MaxIdleConns:        4 * cfg.Clients,
		MaxIdleConnsPerHost: 2 * cfg.Clients,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &driver{hc: &http.Client{Transport: tr, Timeout: time.Minute}, cfg: cfg, samples: map[string][]string{}}
}

func (d *driver) fail(t *target, format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.samples[t.name]) < maxSamples {
		d.samples[t.name] = append(d.samples[t.name], fmt.Sprintf(format, args...))
	}
}

// do sends one request and returns the status and the body read in full
// (so the connection is reused).
func (d *driver) do(ctx context.Context, t *target, method, path, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if t.token != "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	req.Header.Set("Accept", "application/scim+json")
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// expect sends one request and reports whether it answered a status in
// ok; a failure is recorded as a sample.
func (d *driver) expect(ctx context.Context, t *target, method, path, body string, ok ...int) ([]byte, bool) {
	status, out, err := d.do(ctx, t, method, path, body)
	if err != nil {
		d.fail(t, "%s %s: %v", method, path, err)
		return nil, false
	}
	for _, s := range ok {
		if status == s {
			return out, true
		}
	}
	d.fail(t, "%s %s: %d %s", method, path, status, bytes.TrimSpace(out))
	return out, false
}

// drive runs job(i) for i in [0, n) on cfg.Clients goroutines until done or
// deadline has passed. job returns how many requests it sent and how many
// of them failed.
func (d *driver) drive(ctx context.Context, n int, deadline time.Time, job func(ctx context.Context, i int) (reqs, errs int)) phaseResult {
	var next, reqs, errs atomic.Int64
	var capped atomic.Bool
	start := time.Now()
	var wg sync.WaitGroup
	for range d.cfg.Clients {
		wg.Go(func() {
			// The load generator's own work, apart from the servers' in a
			// profile (see labelled and runPhase).
			pprof.SetGoroutineLabels(ctx)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if time.Now().After(deadline) {
					capped.Store(true)
					return
				}
				r, e := job(ctx, i)
				reqs.Add(int64(r))
				errs.Add(int64(e))
			}
		})
	}
	wg.Wait()
	res := phaseResult{Requests: reqs.Load(), Errors: errs.Load(), Seconds: time.Since(start).Seconds(), Capped: capped.Load()}
	res.RPS = float64(res.Requests) / res.Seconds
	return res
}

// add counts the requests, time and collections of o, a block of the same
// phase, into r.
func (r *phaseResult) add(o phaseResult) {
	r.Requests += o.Requests
	r.Errors += o.Errors
	r.Seconds += o.Seconds
	r.Capped = r.Capped || o.Capped
	r.GC = r.GC.plus(o.GC)
	if r.CPUSeconds < 0 || o.CPUSeconds < 0 {
		r.CPUSeconds = -1
	} else {
		r.CPUSeconds += o.CPUSeconds
	}
	if r.Seconds > 0 {
		r.RPS = float64(r.Requests) / r.Seconds
	}
}

// roundState is what one round's phases pass on: the ids of the users the
// sync phase created on each target.
type roundState struct {
	ids map[string][]string
}

// runTurn runs one turn of round against t (one phase, or both member
// phases for turnMembers) and returns the result of each phase.
func (d *driver) runTurn(ctx context.Context, t *target, turn string, round int, st *roundState) []phaseResult {
	if turn == turnMembers {
		return d.runMembers(ctx, t, round, st)
	}
	return []phaseResult{d.runPhase(ctx, t, turn, round, st)}
}

// clientLabels labels the clients' profile samples with the target and the
// phase (the connections' own goroutines keep those of the phase that
// dialed them), and records the phase for the servers' (setPhase).
func clientLabels(ctx context.Context, t *target, phase string) context.Context {
	setPhase(phase)
	return pprof.WithLabels(ctx, pprof.Labels("side", "client", "target", t.name, "phase", phase))
}

// runPhase runs one phase of round against t: sync or reads.
func (d *driver) runPhase(ctx context.Context, t *target, phase string, round int, st *roundState) phaseResult {
	ctx = clientLabels(ctx, t, phase)
	deadline := time.Now().Add(d.cfg.Duration)
	gc := readGC()
	cpu := startCPU(t)
	var res phaseResult
	switch phase {
	case phaseSync:
		ids := make([]string, d.cfg.Users)
		res = d.drive(ctx, d.cfg.Users, deadline, func(ctx context.Context, i int) (int, int) {
			id, reqs, errs := d.syncUser(ctx, t, round, i)
			ids[i] = id
			return reqs, errs
		})
		created := ids[:0]
		for _, id := range ids {
			if id != "" {
				created = append(created, id)
			}
		}
		st.ids[t.name] = created
	case phaseReads:
		ids := st.ids[t.name]
		n := d.cfg.Reads
		if len(ids) == 0 {
			n = 0
		}
		res = d.drive(ctx, n, deadline, func(ctx context.Context, i int) (int, int) {
			return 1, errCount(d.expect(ctx, t, http.MethodGet, "/Users/"+ids[i%len(ids)], "", http.StatusOK))
		})
	default:
		panic("unknown phase " + phase)
	}
	res.CPUSeconds = cpu.seconds()
	res.GC = readGC().since(gc)
	res.Round, res.Phase, res.Target = round, phase, t.name
	return res
}

// runMembers runs both member phases of round against t in one turn:
// cfg.MemberOps add+remove pairs on each group, in blocks that alternate
// between the groups (memberSchedule; the small group first in odd
// rounds, the big one in even rounds), and returns the member-small and
// member-big results, each the sum of its blocks. Issue 11 compares a
// change to the big group with one to the small group, and alternating
// times the two over the same stretch of time: as two phases one after
// the other, each on the memory store a burst of 40 to 200 ms at
// -member-ops 1000, the ratio said more about what else the shared
// machine ran in each burst than about the group's size (see
// BENCHMARKS.md). The -duration cap holds for the turn.
func (d *driver) runMembers(ctx context.Context, t *target, round int, st *roundState) []phaseResult {
	// The users of the sync phase, none of them a member; each pair
	// leaves the group as it was, so they can be reused in turn.
	ids := st.ids[t.name]
	n := d.cfg.MemberOps
	if len(ids) == 0 {
		n = 0
	}
	res := map[string]*phaseResult{
		phaseMemberSmall: {Round: round, Phase: phaseMemberSmall, Target: t.name},
		phaseMemberBig:   {Round: round, Phase: phaseMemberBig, Target: t.name},
	}
	deadline := time.Now().Add(d.cfg.Duration)
	for _, b := range memberSchedule(n, round%2 == 0) {
		group := t.smallGroup
		if b.phase == phaseMemberBig {
			group = t.bigGroup
		}
		// Each block starts from a collection, as each phase did before
		// the blocks: otherwise the turn's collections fall where the
		// turn has allocated the heap's worth again, at the same blocks
		// round after round, on whichever group's block is there.
		runtime.GC()
		bctx := clientLabels(ctx, t, b.phase)
		gc := readGC()
		cpu := startCPU(t)
		r := d.drive(bctx, b.to-b.from, deadline, func(ctx context.Context, i int) (int, int) {
			return d.memberPair(ctx, t, group, ids[(b.from+i)%len(ids)])
		})
		r.CPUSeconds = cpu.seconds()
		r.GC = readGC().since(gc)
		res[b.phase].add(r)
		if r.Capped {
			// Both phases stop here: the other's blocks are not run.
			res[phaseMemberSmall].Capped, res[phaseMemberBig].Capped = true, true
			break
		}
	}
	return []phaseResult{*res[phaseMemberSmall], *res[phaseMemberBig]}
}

// memberBlock is the member pairs [from, to) of one member phase.
type memberBlock struct {
	phase    string
	from, to int
}

// memberSchedule splits n pairs of each member phase into up to
// memberBlocks blocks each, in the order small, big, big, small, small,
// big, ... (big first when bigFirst): with an even number of blocks, a
// machine that speeds up or slows down steadily over the turn slows both
// phases alike. The group that opens and closes the turn, where the
// settle's idle time and collection may still cost something, is the
// other one in the next round (runMembers), as the target that goes first
// is.
func memberSchedule(n int, bigFirst bool) []memberBlock {
	k := min(memberBlocks, n)
	out := make([]memberBlock, 0, 2*k)
	for j := range k {
		from, to := j*n/k, (j+1)*n/k
		first, second := phaseMemberSmall, phaseMemberBig
		if (j%2 == 1) != bigFirst {
			first, second = second, first
		}
		out = append(out, memberBlock{first, from, to}, memberBlock{second, from, to})
	}
	return out
}

// memberPair adds id to group and removes it again, as Entra ID and Okta
// send a one-member change: 2 requests, and how many failed.
func (d *driver) memberPair(ctx context.Context, t *target, group, id string) (reqs, errs int) {
	_, addOK := d.expect(ctx, t, http.MethodPatch, "/Groups/"+group, fmt.Sprintf(memberAddBody, id), http.StatusOK, http.StatusNoContent)
	path := fmt.Sprintf(`members[value eq %q]`, id)
	_, delOK := d.expect(ctx, t, http.MethodPatch, "/Groups/"+group, fmt.Sprintf(memberDelBody, path), http.StatusOK, http.StatusNoContent)
	return 2, errCount(nil, addOK) + errCount(nil, delOK)
}

// syncUser is Entra ID's first provisioning cycle for one user: look the
// userName up (a miss: 200 with no results, or 404), create the user, then
// deactivate it. It returns the new user's id.
func (d *driver) syncUser(ctx context.Context, t *target, round, i int) (id string, reqs, errs int) {
	userName := fmt.Sprintf("%sr%d-user%06d@example.com", t.prefix, round, i)
	filter := url.QueryEscape(fmt.Sprintf("userName eq %q", userName))
	reqs++
	status, out, err := d.do(ctx, t, http.MethodGet, "/Users?filter="+filter, "")
	var list struct {
		TotalResults *int `json:"totalResults"`
	}
	switch {
	case err != nil:
		d.fail(t, "lookup %s: %v", userName, err)
		errs++
	case status == http.StatusNotFound:
	case status != http.StatusOK:
		d.fail(t, "lookup %s: %d %s", userName, status, bytes.TrimSpace(out))
		errs++
	case json.Unmarshal(out, &list) != nil || list.TotalResults == nil || *list.TotalResults != 0:
		d.fail(t, "lookup %s: want no results, got %s", userName, bytes.TrimSpace(out))
		errs++
	}

	body := loaduser.Doc(userName, fmt.Sprintf("%sr%d-%d", t.prefix, round, i))
	reqs++
	out, ok := d.expect(ctx, t, http.MethodPost, "/Users", body, http.StatusCreated)
	var created struct {
		ID string `json:"id"`
	}
	if ok && (json.Unmarshal(out, &created) != nil || created.ID == "") {
		d.fail(t, "create %s: no id in %s", userName, out)
		ok = false
	}
	if !ok {
		return "", reqs, errs + 1
	}
	reqs++
	if _, ok := d.expect(ctx, t, http.MethodPatch, "/Users/"+created.ID, deactivateBody, http.StatusOK, http.StatusNoContent); !ok {
		errs++
	}
	return created.ID, reqs, errs
}

// checkGroups reads both groups of t and reports an error for each whose
// member count is not what was seeded: every member phase removes what it
// added, so a difference is a lost or a stray change.
func (d *driver) checkGroups(ctx context.Context, t *target) int {
	errs := 0
	for _, g := range []struct {
		id   string
		want int
	}{{t.smallGroup, t.smallSize}, {t.bigGroup, t.bigSize}} {
		out, ok := d.expect(ctx, t, http.MethodGet, "/Groups/"+g.id, "", http.StatusOK)
		if !ok {
			errs++
			continue
		}
		var doc struct {
			Members []json.RawMessage `json:"members"`
		}
		if err := json.Unmarshal(out, &doc); err != nil || len(doc.Members) != g.want {
			d.fail(t, "group %s has %d members after the run, want %d (decode error: %v)", g.id, len(doc.Members), g.want, err)
			errs++
		}
	}
	return errs
}

func errCount(_ []byte, ok bool) int {
	if ok {
		return 0
	}
	return 1
}
