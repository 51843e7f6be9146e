// Command loadtest drives provider-like SCIM traffic over HTTP against
// scimkit on each of its stores and against a bare net/http handler over a
// map (the floor: no validation, no filter grammar, no PATCH semantics, no
// request log), and prints every throughput as a ratio to the floor's in
// the same round. The machine is shared and noisy, so only same-run ratios
// mean anything; targets are interleaved per phase so noise hits them
// alike, and the report gives medians over rounds with their range.
//
// Each round runs these phases, each against every target in turn (the
// round decides which target goes first):
//
//   - sync: for each user, a userName eq lookup (a miss), POST /Users, then
//     PATCH active=false (Entra ID's first provisioning cycle);
//   - reads: GET /Users/{id} of the users just created;
//   - member-small and member-big, in one turn: -member-ops one-member add
//     PATCHes, each followed by the matching remove, on a group of
//     -small-group and on one of -big-group members, in blocks that
//     alternate between the groups (small, big, big, small, ...; big first
//     in even rounds), so that the report's big ÷ small times both over
//     the same stretch of time.
//
// Before each turn of each target the driver pauses for -settle
// (500 ms) and collects garbage, so that the previous target's
// background work (its request log's writes, a checkpoint) and garbage
// do not run in this target's turn: every target lives in this one
// process, on the same cores. It also collects before each member block,
// so that each starts from the same heap.
//
// Every run starts on fresh data (memory, a SQLite file in a temp dir, a
// new PostgreSQL schema) and removes it at the end. Any failed request (a
// non-2xx answer other than the lookup's expected empty result or 404)
// makes the run exit 1; the table counts them per phase and target.
//
// -external name=URL adds a SCIM server the run did not start (a host's
// own deployment, another release, another library), with its bearer
// token in $SCIM_LOADTEST_TOKEN_NAME or -external-token (default
// $SCIM_LOADTEST_TOKEN). It gets the same phases, interleaved with the
// others and divided by the same rounds' floor; its groups are seeded over
// HTTP, and every name the run creates there carries a tag of the run's,
// so runs never collide, but nothing is deleted: use a test tenant.
// -versus names a target every other one is also divided by.
// -external-pid name=PID gives such a server's process on this machine:
// the report's CPU a request then counts it beside the load generator's
// (Linux). Out of process, req/s measures how the kernel shares the cores
// between the server and the load generator as much as the server; CPU a
// request does not.
//
//	go run ./examples/loadtest
//	go run ./examples/loadtest -targets memory,sqlite -users 500 -rounds 5
//	go run ./examples/loadtest -postgres 'postgres://u@localhost/db' -json load.json
//	SCIM_LOADTEST_TOKEN_STAGING=… go run ./examples/loadtest -targets postgres \
//		-external staging=https://staging.example.com/scim/v2 -versus postgres
//
// -serve-floor addr serves only the floor, in a process of its own, so that
// a server out of process is measured against a floor out of process too:
//
//	go run ./examples/loadtest -serve-floor 127.0.0.1:18183   # prints its URL, token and pid
//	go run ./examples/basic -addr 127.0.0.1:18181 -db memory   # prints its URL and token
//	SCIM_LOADTEST_TOKEN_FLOOR2=… SCIM_LOADTEST_TOKEN_BASIC=… go run ./examples/loadtest -targets '' \
//		-external floor2=http://127.0.0.1:18183/scim/v2 -external-pid floor2=PID \
//		-external basic=http://127.0.0.1:18181/scim/v2 -external-pid basic=PID -versus floor2
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// config is what the command line chooses.
type config struct {
	Users      int           `json:"users"`
	Clients    int           `json:"clients"`
	Reads      int           `json:"reads"`
	MemberOps  int           `json:"memberOps"`
	SmallGroup int           `json:"smallGroup"`
	BigGroup   int           `json:"bigGroup"`
	Rounds     int           `json:"rounds"`
	Duration   time.Duration `json:"duration"`
	// Settle is the pause before each turn of each target (a phase, or
	// the two member phases together).
	Settle time.Duration `json:"settle"`
	// Targets are measured after the floor, in this order.
	Targets []string `json:"targets"`
	// Externals are servers the driver did not start, measured after
	// Targets in this order.
	Externals   []external `json:"externals,omitempty"`
	PostgresURL string     `json:"-"`
	// Versus names the target every other one is also divided by, per
	// round; empty for none.
	Versus string `json:"versus,omitempty"`
	// Labels wraps each server's handler in profile labels (see
	// labelled); -cpuprofile sets it.
	Labels bool `json:"-"`
}

func main() {
	cfg := config{}
	flag.IntVar(&cfg.Users, "users", 1500, "users each round's sync phase provisions")
	flag.IntVar(&cfg.Clients, "clients", 8, "concurrent clients")
	flag.IntVar(&cfg.Reads, "reads", 20000, "GET /Users/{id} requests per round")
	flag.IntVar(&cfg.MemberOps, "member-ops", 5000, "member add+remove pairs per group per round")
	flag.IntVar(&cfg.SmallGroup, "small-group", 10, "members of the small group")
	flag.IntVar(&cfg.BigGroup, "big-group", 20000, "members of the big group")
	flag.IntVar(&cfg.Rounds, "rounds", 3, "rounds; the report gives medians over them")
	flag.DurationVar(&cfg.Duration, "duration", time.Minute, "cap on one turn of one target (a phase, or both member phases)")
	flag.DurationVar(&cfg.Settle, "settle", 500*time.Millisecond, "pause before each turn of each target (a phase, or both member phases), so that the previous one's background work (request log writes, checkpoints) is done")
	targets := flag.String("targets", "memory,sqlite,postgres", "scimkit stores to measure against the floor")
	flag.StringVar(&cfg.PostgresURL, "postgres", os.Getenv("SCIM_TEST_POSTGRES_URL"), "PostgreSQL URL (default $SCIM_TEST_POSTGRES_URL); the run works in a schema of its own and drops it")
	flag.Func("external", "`name=URL`: also measure the SCIM server at this base URL, which the run does not start (repeatable); its bearer token comes from $"+envTokenPrefix+"NAME or -external-token. The run seeds its groups over HTTP and leaves everything it creates (names tagged per run): use a test tenant", func(s string) error {
		var taken []string
		for _, e := range cfg.Externals {
			taken = append(taken, e.Name)
		}
		e, err := parseExternal(s, taken)
		if err == nil {
			cfg.Externals = append(cfg.Externals, e)
		}
		return err
	})
	flag.Func("external-pid", "`name=PID`: the process of the -external server name (given before it), when it runs on this machine: the report then counts its CPU a request beside this process's (Linux /proc)", func(s string) error {
		return setExternalPID(s, cfg.Externals)
	})
	externalTok := flag.String("external-token", os.Getenv(envToken), "bearer token of the -external servers without a $"+envTokenPrefix+"NAME of their own (default $"+envToken+"; the environment keeps it out of ps)")
	flag.StringVar(&cfg.Versus, "versus", "", "also print every target's req/s and CPU a request against this target's in the same round (e.g. -versus postgres with an -external peer)")
	floorAddr := flag.String("serve-floor", "", "`addr`: only serve the floor at this address (printing its base URL, token and process id) until interrupted, to measure -external targets against a floor in a process of its own")
	jsonPath := flag.String("json", "", "write the raw figures to this file")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file; samples are labelled side=server|client, target and phase (go tool pprof -tagfocus target=memory, or -tagfocus phase=reads)")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the run to this file at the end")
	flag.Parse()
	cfg.Labels = *cpuProfile != ""
	for i := range cfg.Externals {
		cfg.Externals[i].Token = externalToken(cfg.Externals[i].Name, *externalTok)
	}
	for _, t := range strings.Split(*targets, ",") {
		if t = strings.TrimSpace(t); t != "" {
			cfg.Targets = append(cfg.Targets, t)
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *floorAddr != "" {
		if err := serveFloor(ctx, *floorAddr, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		return
	}
	stopProfiles, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	rep, err := run(ctx, cfg, os.Stdout)
	err = errors.Join(err, stopProfiles())
	if err == nil && *jsonPath != "" {
		err = writeReport(*jsonPath, rep)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	if rep.TotalErrors() > 0 {
		os.Exit(1)
	}
}

// report is everything one run measured; -json writes it as is.
type report struct {
	Date    string        `json:"date"`
	Commit  string        `json:"commit,omitempty"`
	Go      string        `json:"go"`
	CPUs    int           `json:"cpus"`
	Config  config        `json:"config"`
	Skipped []string      `json:"skipped,omitempty"`
	Seed    []seedResult  `json:"seed"`
	Results []phaseResult `json:"results"`
	// Errors counts failed requests per target, group checks included.
	Errors  map[string]int64    `json:"errors"`
	Samples map[string][]string `json:"errorSamples,omitempty"`
}

// seedResult is how long a target took to seed its groups.
type seedResult struct {
	Target  string  `json:"target"`
	Seconds float64 `json:"seconds"`
}

// TotalErrors is the number of failed requests over all targets.
func (r *report) TotalErrors() int64 {
	var n int64
	for _, e := range r.Errors {
		n += e
	}
	return n
}

// run starts the floor and the targets of cfg, drives the rounds, prints
// the table to out and returns the figures. A target that cannot start is
// an error, except PostgreSQL without a URL, which is skipped with a line.
func run(ctx context.Context, cfg config, out io.Writer) (rep *report, err error) {
	if cfg.Users < 1 || cfg.Clients < 1 || cfg.Rounds < 1 || cfg.Duration <= 0 || cfg.SmallGroup < 0 || cfg.BigGroup < 0 {
		return nil, errors.New("-users, -clients and -rounds must be at least 1, -duration positive, group sizes not negative")
	}
	if cfg.Versus != "" && cfg.Versus != targetFloor && !slices.Contains(cfg.Targets, cfg.Versus) &&
		!slices.ContainsFunc(cfg.Externals, func(e external) bool { return e.Name == cfg.Versus }) {
		return nil, fmt.Errorf("-versus %s names no target of the run", cfg.Versus)
	}
	rep = &report{
		Date:   time.Now().UTC().Format(time.RFC3339),
		Commit: commit(),
		Go:     runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		CPUs:   runtime.NumCPU(),
		Config: cfg,
		Errors: map[string]int64{},
	}
	var ts []*target
	defer func() {
		for _, t := range ts {
			err = errors.Join(err, t.close())
		}
	}()
	names := []string{targetFloor} // always measured, first
	for _, name := range cfg.Targets {
		if name != targetFloor {
			names = append(names, name)
		}
	}
	d := newDriver(cfg)
	added := func(t *target) {
		ts = append(ts, t)
		rep.Errors[t.name] = 0
		rep.Seed = append(rep.Seed, seedResult{Target: t.name, Seconds: t.seed.Seconds()})
		fmt.Fprintf(out, "%s: seeded a %d- and a %d-member group in %.1fs, serving %s\n", t.name, t.smallSize, t.bigSize, t.seed.Seconds(), t.base)
	}
	for _, name := range names {
		t, err := startTarget(ctx, name, cfg)
		if errors.Is(err, errNoPostgres) {
			fmt.Fprintf(out, "postgres: SKIPPED: %v\n", err)
			rep.Skipped = append(rep.Skipped, name)
			continue
		}
		if err != nil {
			return nil, err
		}
		added(t)
	}
	for _, e := range cfg.Externals {
		t, err := startExternal(ctx, d, cfg, e)
		if err != nil {
			return nil, err
		}
		added(t)
	}
	for round := 1; round <= cfg.Rounds; round++ {
		st := &roundState{ids: map[string][]string{}}
		// Each round starts with the next target, so a target's leftovers
		// (a WAL checkpoint, a collection) fall on a different neighbour.
		order := append(slices.Clone(ts[(round-1)%len(ts):]), ts[:(round-1)%len(ts)]...)
		for _, turn := range turns {
			for _, t := range order {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				// The previous target's request log writer flushes
				// within admin.DefaultAsyncFlushDelay, and its garbage
				// is collected here: neither then runs in this
				// target's turn, in the same process on the same cores.
				time.Sleep(cfg.Settle)
				runtime.GC()
				for _, res := range d.runTurn(ctx, t, turn, round, st) {
					rep.Results = append(rep.Results, res)
					rep.Errors[t.name] += res.Errors
				}
			}
		}
		fmt.Fprintf(out, "round %d of %d done\n", round, cfg.Rounds)
	}
	for _, t := range ts {
		rep.Errors[t.name] += int64(d.checkGroups(ctx, t))
	}
	rep.Samples = d.samples
	printReport(out, rep, ts)
	return rep, nil
}

// printReport writes the table: per phase and target the median req/s and
// the median (min–max) of its ratio to the floor's req/s of the same round;
// then the same for CPU a request (where /proc tells it); then the member
// PATCH's time and bytes allocated, big ÷ small, per target; then errors.
func printReport(out io.Writer, rep *report, ts []*target) {
	cfg := rep.Config
	fmt.Fprintf(out, "\n%d users, %d clients, %d rounds (medians; min–max over rounds), %s, %d CPUs\n",
		cfg.Users, cfg.Clients, cfg.Rounds, rep.Go, rep.CPUs)
	// perRound is of(r) for the result r of each round of phase and
	// target (0 for a round without one).
	perRound := func(phase, target string, of func(r phaseResult) float64) []float64 {
		v := make([]float64, cfg.Rounds)
		for _, r := range rep.Results {
			if r.Phase == phase && r.Target == target {
				v[r.Round-1] = of(r)
			}
		}
		return v
	}
	rps := func(phase, target string) []float64 {
		return perRound(phase, target, func(r phaseResult) float64 { return r.RPS })
	}
	capped := func(phase, target string) string {
		for _, r := range rep.Results {
			if r.Phase == phase && r.Target == target && r.Capped {
				return " (capped by -duration)"
			}
		}
		return ""
	}
	// failed counts the phase's failed requests over all rounds: a target
	// that fails requests is not fast, it is broken.
	failed := func(phase, target string) int64 {
		var n int64
		for _, r := range rep.Results {
			if r.Phase == phase && r.Target == target {
				n += r.Errors
			}
		}
		return n
	}
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "phase\ttarget\treq/s\t÷ floor req/s\tfailed\t\t")
	for _, phase := range phases {
		floor := rps(phase, targetFloor)
		for _, t := range ts {
			v := rps(phase, t.name)
			ratio := "\t"
			if t.name != targetFloor {
				ratio = spread(ratios(v, floor)) + "\t"
			}
			// The range of req/s shows how noisy the machine was.
			fmt.Fprintf(w, "%s\t%s\t%.0f (%.0f–%.0f)\t%s%d\t%s\t\n", phase, t.name, median(v), slices.Min(v), slices.Max(v), ratio, failed(phase, t.name), capped(phase, t.name))
		}
	}
	_ = w.Flush()

	// CPU a request does not depend on how the kernel shares the two
	// cores between the load generator and an out-of-process server, as
	// req/s does (processCPU); both sides count: the clients' work is the
	// same for every target.
	cpuPerReq := func(phase, target string) ([]float64, bool) {
		known := true
		v := perRound(phase, target, func(r phaseResult) float64 {
			if r.CPUSeconds < 0 || r.Requests == 0 {
				known = false
				return 0
			}
			return r.CPUSeconds / float64(r.Requests) * 1e6
		})
		return v, known
	}
	if _, ok := cpuPerReq(phaseSync, targetFloor); ok {
		fmt.Fprintln(out, "\nCPU a request, clients and server (this process; an -external server's too with -external-pid):")
		w = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(w, "phase\ttarget\tµs\tfloor's ÷ target's\t")
		for _, phase := range phases {
			floor, _ := cpuPerReq(phase, targetFloor)
			for _, t := range ts {
				v, ok := cpuPerReq(phase, t.name)
				switch {
				case !t.serverCounted():
					fmt.Fprintf(w, "%s\t%s\t–\tits server's CPU unknown (no -external-pid)\t\n", phase, t.name)
				case !ok:
					fmt.Fprintf(w, "%s\t%s\t–\tnot measured\t\n", phase, t.name)
				case t.name == targetFloor:
					fmt.Fprintf(w, "%s\t%s\t%.0f (%.0f–%.0f)\t\t\n", phase, t.name, median(v), slices.Min(v), slices.Max(v))
				default:
					fmt.Fprintf(w, "%s\t%s\t%.0f (%.0f–%.0f)\t%s\t\n", phase, t.name, median(v), slices.Min(v), slices.Max(v), spread(ratios(floor, v)))
				}
			}
		}
		_ = w.Flush()
	}

	vi := slices.IndexFunc(ts, func(t *target) bool { return t.name == cfg.Versus })
	if cfg.Versus != "" && vi < 0 {
		fmt.Fprintf(out, "\n-versus %s: not measured in this run\n", cfg.Versus)
	} else if cfg.Versus != "" {
		fmt.Fprintf(out, "\nagainst %s in the same round:\n", cfg.Versus)
		w = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(w, "phase\ttarget\treq/s ÷ %[1]s's\t%[1]s's CPU a request ÷ target's\t\n", cfg.Versus)
		for _, phase := range phases {
			base := rps(phase, cfg.Versus)
			baseCPU, baseKnown := cpuPerReq(phase, cfg.Versus)
			baseKnown = baseKnown && ts[vi].serverCounted()
			for _, t := range ts {
				if t.name == cfg.Versus {
					continue
				}
				cpu := "–"
				if v, ok := cpuPerReq(phase, t.name); ok && baseKnown && t.serverCounted() {
					cpu = spread(ratios(baseCPU, v))
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t\n", phase, t.name, spread(ratios(rps(phase, t.name), base)), cpu)
			}
		}
		_ = w.Flush()
	}

	// The process's allocation per request, load generator included: a
	// cost that grew with the group would allocate with it, and a count
	// does not move with the machine's other work as a time does.
	allocs := func(phase, target string) []float64 {
		return perRound(phase, target, func(r phaseResult) float64 {
			if r.Requests == 0 {
				return 0
			}
			return r.GC.AllocMB / float64(r.Requests)
		})
	}
	fmt.Fprintf(out, "\nmember PATCH, %d-member group ÷ %d-member group (same turn, blocks alternated):\n", cfg.BigGroup, cfg.SmallGroup)
	w = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "target\ttime\tbytes allocated\t")
	for _, t := range ts {
		// Time per request is 1/req/s at the same concurrency.
		fmt.Fprintf(w, "%s\t%s\t%s\t\n", t.name, spread(ratios(rps(phaseMemberSmall, t.name), rps(phaseMemberBig, t.name))),
			spread(ratios(allocs(phaseMemberBig, t.name), allocs(phaseMemberSmall, t.name))))
	}
	_ = w.Flush()

	fmt.Fprintln(out)
	for _, t := range ts {
		fmt.Fprintf(out, "%s: %d errors\n", t.name, rep.Errors[t.name])
		for _, s := range rep.Samples[t.name] {
			fmt.Fprintf(out, "    %s\n", s)
		}
	}
	if n := rep.TotalErrors(); n > 0 {
		fmt.Fprintf(out, "\n!!! %d REQUESTS FAILED: the figures above do not measure a working run !!!\n", n)
	}
}

// ratios returns a[i]/b[i].
func ratios(a, b []float64) []float64 {
	r := make([]float64, len(a))
	for i := range a {
		r[i] = a[i] / b[i]
	}
	return r
}

// spread formats the median and the range of v.
func spread(v []float64) string {
	return fmt.Sprintf("%.2f (%.2f–%.2f)", median(v), slices.Min(v), slices.Max(v))
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// commit is the VCS revision the binary was built from, when the build
// recorded one.
func commit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev == "" {
		return ""
	}
	return rev + dirty
}

// writeReport writes rep as indented JSON to path.
func writeReport(path string, rep *report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
