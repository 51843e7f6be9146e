package idptest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed conversations/*.json
var embedded embed.FS

// Conversation is one provider's recorded provisioning conversation.
type Conversation struct {
	// Provider names the identity provider, e.g. "Okta" or "Entra ID".
	Provider string `json:"provider"`
	// Name identifies the conversation; it is the file name without .json.
	Name string `json:"name"`
	// Title says in a line what the conversation covers.
	Title string `json:"title"`
	// Sources are the documents the requests were written from.
	Sources []string `json:"sources,omitempty"`
	// Headers are sent with every request (a step's own headers win).
	Headers map[string]string `json:"headers,omitempty"`
	// Steps are the provider's requests, in order.
	Steps []Step `json:"steps"`
	// Cleanup steps delete what Steps created when the provider itself
	// never would (Okta never deletes users). They run after Steps, also
	// when a step failed; a step whose variables are unset is skipped.
	Cleanup []Step `json:"cleanup,omitempty"`
}

// Step is one request and what the provider reads from its response.
type Step struct {
	// Name says what the provider is doing, e.g. "Test Connection: look
	// up a random userName".
	Name string `json:"name"`
	// Method is the HTTP method.
	Method string `json:"method"`
	// Path is relative to the SCIM base URL, with an unencoded query.
	Path string `json:"path"`
	// Headers are added to the conversation's; an empty value removes a
	// header (e.g. "Authorization": "" to send none).
	Headers map[string]string `json:"headers,omitempty"`
	// Body is sent as JSON after substitution.
	Body json.RawMessage `json:"body,omitempty"`
	// Repeat sends the step once per value of a variable.
	Repeat *Range `json:"repeat,omitempty"`
	// Page pages through a list (see the package documentation).
	Page *Paging `json:"page,omitempty"`
	// Expect is what the provider relies on.
	Expect Expect `json:"expect"`
}

// Range is an inclusive integer range bound to a variable.
type Range struct {
	// Var names the variable, used as ${Var}.
	Var string `json:"var"`
	// From is the first value.
	From int `json:"from"`
	// To is the last value, included.
	To int `json:"to"`
}

// Paging makes a step page through a list, Count resources at a time.
type Paging struct {
	// Count is the count parameter of each page's request.
	Count int `json:"count"`
}

// Expect is the part of a response a provider reads.
type Expect struct {
	// Status is the accepted status code or codes.
	Status Statuses `json:"status"`
	// JSON maps a path in the response body to its expected value; see
	// Match.
	JSON map[string]any `json:"json,omitempty"`
	// Capture maps a variable name to a body path, or to "header:Name".
	Capture map[string]string `json:"capture,omitempty"`
}

// Statuses is one status code or a list of accepted ones.
type Statuses []int

// UnmarshalJSON accepts 200 as well as [200, 204].
func (s *Statuses) UnmarshalJSON(b []byte) error {
	var one int
	if err := json.Unmarshal(b, &one); err == nil {
		*s = Statuses{one}
		return nil
	}
	var many []int
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("status must be a number or a list of numbers: %w", err)
	}
	*s = many
	return nil
}

// Has reports whether code is accepted.
func (s Statuses) Has(code int) bool { return slices.Contains(s, code) }

// String lists the accepted codes, e.g. "200 or 204".
func (s Statuses) String() string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = fmt.Sprint(c)
	}
	return strings.Join(parts, " or ")
}

// Requests counts the requests the conversation sends when every step
// passes, counting a paged step as one request per page of its expected
// result: it cannot know the pages in advance, so it counts one.
func (c *Conversation) Requests() int {
	n := 0
	for _, steps := range [][]Step{c.Steps, c.Cleanup} {
		for _, s := range steps {
			if s.Repeat != nil {
				n += max(0, s.Repeat.To-s.Repeat.From+1)
			} else {
				n++
			}
		}
	}
	return n
}

// Conversations returns the conversations embedded in the package, sorted
// by provider and name.
func Conversations() ([]*Conversation, error) {
	return Load(embedded, "conversations/*.json")
}

// Load reads the conversation files matching pattern in fsys, sorted by
// provider and name. Each file's name must equal its "name".
func Load(fsys fs.FS, pattern string) ([]*Conversation, error) {
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	var out []*Conversation
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		c, err := Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".json"); c.Name != want {
			return nil, fmt.Errorf("%s: name %q does not match the file name", name, c.Name)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *Conversation) int {
		if c := strings.Compare(a.Provider, b.Provider); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

// Parse decodes and checks one conversation file. Unknown fields are
// errors, so that a typo in an expectation cannot silently check nothing.
func Parse(data []byte) (*Conversation, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Conversation
	if err := dec.Decode(&c); err != nil {
		return nil, err
	}
	if c.Provider == "" || c.Name == "" || len(c.Steps) == 0 {
		return nil, fmt.Errorf("a conversation needs a provider, a name and steps")
	}
	for i, steps := range [][]Step{c.Steps, c.Cleanup} {
		for j, s := range steps {
			where := fmt.Sprintf("steps[%d]", j)
			if i == 1 {
				where = fmt.Sprintf("cleanup[%d]", j)
			}
			if s.Name == "" || s.Method == "" || !strings.HasPrefix(s.Path, "/") {
				return nil, fmt.Errorf("%s: a step needs a name, a method and a path starting with /", where)
			}
			if len(s.Expect.Status) == 0 {
				return nil, fmt.Errorf("%s (%s): expect.status is required", where, s.Name)
			}
			if s.Page != nil && s.Page.Count <= 0 {
				return nil, fmt.Errorf("%s (%s): page.count must be positive", where, s.Name)
			}
			if s.Repeat != nil && (s.Repeat.Var == "" || s.Repeat.To < s.Repeat.From) {
				return nil, fmt.Errorf("%s (%s): repeat needs a var and from <= to", where, s.Name)
			}
			for p := range s.Expect.JSON {
				if _, err := parsePath(p); err != nil {
					return nil, fmt.Errorf("%s (%s): json path %q: %w", where, s.Name, p, err)
				}
			}
			for v, p := range s.Expect.Capture {
				if strings.HasPrefix(p, "header:") {
					continue
				}
				if _, err := parsePath(p); err != nil {
					return nil, fmt.Errorf("%s (%s): capture %s path %q: %w", where, s.Name, v, p, err)
				}
			}
		}
	}
	return &c, nil
}
