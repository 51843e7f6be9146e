package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// external is a SCIM server the driver did not start (-external
// name=URL): another deployment, another version or another library.
// The driver seeds its groups over HTTP and sends it the same phases as
// the built-in targets. Its token is never written to the report.
type external struct {
	Name  string `json:"name"`
	URL   string `json:"url"`
	Token string `json:"-"`
	// PID is the server's process on this machine (-external-pid), whose
	// CPU the report then counts; 0 when not given.
	PID int `json:"pid,omitempty"`
}

// envToken is the environment variable that holds the bearer token of every
// external target; envTokenPrefix + the target's name in upper case (other
// characters than letters and digits as _) holds one target's own.
const (
	envToken       = "SCIM_LOADTEST_TOKEN"
	envTokenPrefix = envToken + "_"
)

// errExternal is wrapped by every refusal of an -external value.
var errExternal = errors.New("-external wants name=URL")

// parseExternal reads one -external value: a name of letters, digits, - and
// _ that no other target has, then =, then the server's SCIM base URL
// (http or https, the path up to /Users).
func parseExternal(s string, taken []string) (external, error) {
	name, raw, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return external{}, fmt.Errorf("%w, got %q", errExternal, s)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return external{}, fmt.Errorf("%w: name %q may hold only letters, digits, - and _", errExternal, name)
		}
	}
	builtin := []string{targetFloor, targetMemory, targetSQLite, targetPostgres}
	if slices.Contains(builtin, name) || slices.Contains(taken, name) {
		return external{}, fmt.Errorf("%w: the name %q is taken", errExternal, name)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return external{}, fmt.Errorf("%w: %q is not an http(s) URL", errExternal, raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return external{}, fmt.Errorf("%w: the base URL %q may not have a query or a fragment", errExternal, raw)
	}
	return external{Name: name, URL: strings.TrimRight(u.String(), "/")}, nil
}

// setExternalPID reads one -external-pid value, name=PID, and sets the PID
// of the -external target of that name, which must come before it on the
// command line. The process must be readable in /proc now: a PID that is
// wrong would make every CPU figure of the target wrong.
func setExternalPID(s string, es []external) error {
	name, raw, ok := strings.Cut(s, "=")
	pid, err := strconv.Atoi(strings.TrimSpace(raw))
	if !ok || err != nil || pid <= 0 {
		return fmt.Errorf("-external-pid wants name=PID (a process id), got %q", s)
	}
	i := slices.IndexFunc(es, func(e external) bool { return e.Name == strings.TrimSpace(name) })
	if i < 0 {
		return fmt.Errorf("-external-pid %s: no -external %s before it", s, strings.TrimSpace(name))
	}
	if _, ok := processCPU(pid); !ok {
		return fmt.Errorf("-external-pid %s: cannot read the CPU time of process %d in /proc", s, pid)
	}
	es[i].PID = pid
	return nil
}

// externalToken is the bearer token for the external target name: its own
// environment variable when set, else fallback (-external-token, whose
// default is $SCIM_LOADTEST_TOKEN).
func externalToken(name, fallback string) string {
	key := envTokenPrefix + strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, name)
	if tok := os.Getenv(key); tok != "" {
		return tok
	}
	return fallback
}

// startExternal seeds the groups of e over HTTP, as a provider would:
// max(BigGroup, SmallGroup) POST /Users, cfg.Clients at a time, then a POST
// /Groups for each group with its members. Every name the run creates
// carries a tag of its own, so runs against one server never collide; the
// run deletes nothing (point it at a test tenant).
func startExternal(ctx context.Context, d *driver, cfg config, e external) (*target, error) {
	tag, err := randomHex(4)
	if err != nil {
		return nil, err
	}
	t := &target{
		name: e.Name, base: e.URL, token: e.Token, prefix: "lt" + tag + "-",
		smallSize: cfg.SmallGroup, bigSize: cfg.BigGroup,
		external: true, pid: e.PID,
		close: func() error { return nil },
	}
	start := time.Now()
	ids, err := seedMembers(ctx, cfg, func(ctx context.Context, i int) (string, error) {
		return createOver(ctx, d, t, "/Users", seedUser(t.prefix, i))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: seed: %w", e.Name, err)
	}
	group := func(name string, ids []string) (string, error) {
		members := make([]any, len(ids))
		for i, id := range ids {
			members[i] = map[string]any{"value": id}
		}
		body, err := json.Marshal(map[string]any{
			"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:Group"},
			"displayName": t.prefix + name,
			"members":     members,
		})
		if err != nil {
			return "", err
		}
		return createOver(ctx, d, t, "/Groups", string(body))
	}
	if t.smallGroup, err = group("loadtest small", ids[:cfg.SmallGroup]); err != nil {
		return nil, fmt.Errorf("%s: seed: %w", e.Name, err)
	}
	if t.bigGroup, err = group("loadtest big", ids[:cfg.BigGroup]); err != nil {
		return nil, fmt.Errorf("%s: seed: %w", e.Name, err)
	}
	t.seed = time.Since(start)
	return t, nil
}

// createOver POSTs body to path on t and returns the id of the resource it
// created; anything but a 201 with an id is an error that shows the answer.
func createOver(ctx context.Context, d *driver, t *target, path, body string) (string, error) {
	status, out, err := d.do(ctx, t, http.MethodPost, path, body)
	if err != nil {
		return "", fmt.Errorf("POST %s%s: %w", t.base, path, err)
	}
	var created struct {
		ID string `json:"id"`
	}
	if status != http.StatusCreated || json.Unmarshal(out, &created) != nil || created.ID == "" {
		const most = 300
		if len(out) > most {
			out = out[:most]
		}
		return "", fmt.Errorf("POST %s%s: want 201 with an id, got %d %s", t.base, path, status, strings.TrimSpace(string(out)))
	}
	return created.ID, nil
}
