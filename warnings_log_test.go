package scim_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scimkit/scim"
)

// TestWarningsLogLine: the request line's warnings are one list whose
// items can be told apart in either of slog's handlers. The text handler
// rendered a []string as [a b c], and every warning holds spaces, so
// where one ended and the next began was a guess; it now writes the
// list as JSON text (quoted as a text value is), and the JSON handler an
// array of strings, each item the same warning, token-shaped text
// redacted in both.
func TestWarningsLogLine(t *testing.T) {
	var jsonLog, textLog bytes.Buffer
	var mu sync.Mutex
	jsonEnv := newEnv(t, func(c *scim.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(lockedWriter{&mu, &jsonLog}, nil))
	})
	textEnv := newEnv(t, func(c *scim.Config) {
		c.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &textLog}, nil))
	})
	tests := []struct {
		name string
		body func(token string) map[string]any
		want []string // the warnings, "" for each one not checked word for word
	}{
		{"two warnings with spaces and quotes", func(string) map[string]any {
			return map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "a",
				"adreses": "x", "nick name": "y"}
		}, []string{`ignored unknown attribute "adreses"`, `ignored unknown attribute "nick name"`}},
		{"one warning with a comma and brackets", func(string) map[string]any {
			return map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User"}, "userName": "b", "a] [b, c": "x"}
		}, []string{`ignored unknown attribute "a] [b, c"`}},
		{"a token in a warning", func(token string) map[string]any {
			return map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:x:" + token}, "userName": "c",
				"urn:x:" + token: map[string]any{"k": "v"}}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [2][]string
			for i, e := range []*env{jsonEnv, textEnv} {
				mu.Lock()
				jsonLog.Reset()
				textLog.Reset()
				mu.Unlock()
				r := e.do("POST", "/Users", tt.body(e.token))
				require.Equal(t, 201, r.Code, r.Raw)
				mu.Lock()
				out := jsonLog.String() + textLog.String()
				mu.Unlock()
				assert.NotContains(t, out, strings.TrimPrefix(e.token, "scim_"), "a token is never logged")
				got[i] = loggedWarnings(t, i == 1, out)
			}
			require.NotEmpty(t, got[0])
			assert.Equal(t, got[0], got[1], "the text handler's list holds the JSON handler's items")
			if tt.want != nil {
				assert.Equal(t, tt.want, got[0])
			} else {
				assert.Contains(t, strings.Join(got[0], "\n"), "scim_[REDACTED]")
			}
		})
	}
}

// loggedWarnings returns the warnings of the "scim request" line in out,
// written by slog's text handler (text) or its JSON handler.
func loggedWarnings(t *testing.T, text bool, out string) []string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, "scim request") {
			continue
		}
		if !text {
			var rec struct{ Warnings []string }
			require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
			return rec.Warnings
		}
		_, v, ok := strings.Cut(line, " warnings=")
		require.True(t, ok, line)
		q, err := strconv.QuotedPrefix(v)
		require.NoError(t, err, "the value is one quoted string: %s", line)
		s, err := strconv.Unquote(q)
		require.NoError(t, err)
		var ws []string
		require.NoError(t, json.Unmarshal([]byte(s), &ws), "the value is a JSON list of strings: %s", s)
		return ws
	}
	t.Fatalf("no request line in %s", out)
	return nil
}
