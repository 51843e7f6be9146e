package resources

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeJSON is Decode through encoding/json alone: the reference
// FuzzDecode holds Decode to.
func decodeJSON(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 || m == nil {
		return nil, assert.AnError
	}
	return m, nil
}

var decodeSeeds = []string{
	`{}`, ` { "a" : [ 1 , -2.5e+3 , true , false , null , "x" , { } , [ ] ] } `,
	`{"a":1,"a":2,"A":3}`, `{"s":"\u00e9\ud83d\ude00\ud83d\u0041\udc00\"\\\/\b\f\n\r\t","k\u0041":"\u12ab"}`,
	"{\"bad\":\"\xff\xfe ok \xc3\xa9 \xed\xa0\x80\"}", `{"n":12345678901234567890123,"e":1E400,"z":-0}`,
	`{"nested":{"deep":[[[{"x":[]}]]]}}`, `[]`, `null`, `{"a":1} x`, `{"a":}`, ``, `"s"`, `{"a":"\ud800"}`, `{"a":"\ud800\ud800"}`,
}

// FuzzDecode: Decode gives what encoding/json gives, value for value, and
// fails where it fails.
func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode(data)
		want, werr := decodeJSON(data)
		require.Equal(t, werr == nil, err == nil, "%q: %v / %v", data, err, werr)
		assert.Equal(t, want, got, "%q", data)
		// DecodeRequest gives the same, or refuses a repeated member.
		req, rerr := DecodeRequest(data)
		if rerr == nil || err != nil {
			assert.Equal(t, err == nil, rerr == nil, "%q", data)
			assert.Equal(t, got, req, "%q", data)
		} else {
			assert.Contains(t, rerr.Error(), "is given twice in one object", "%q", data)
		}
	})
}

// TestDecodeOrNull: DecodeOrNull is Decode, but null, which Decode
// refuses, is a nil map (an extension sent or stored as null is absent).
func TestDecodeOrNull(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want map[string]any
		err  bool
	}{
		{`null`, nil, false},
		{" null\n", nil, false},
		{`{"a":1,"a":"b"}`, map[string]any{"a": "b"}, false},
		{`{}`, map[string]any{}, false},
		{`"null"`, nil, true},
		{`[]`, nil, true},
		{`nul`, nil, true},
		{``, nil, true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := DecodeOrNull([]byte(tt.in))
			if tt.err {
				require.Error(t, err)
				_, derr := Decode([]byte(tt.in))
				assert.Equal(t, derr, err, "the error Decode gives")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeRequest(t *testing.T) {
	for _, tt := range []struct{ in, err string }{
		{`{"userName":"a","name":{"givenName":"b"}}`, ""},
		{`{"userName":"a","USERNAME":"b"}`, ""}, // two spellings: Normalize refuses them
		{`{"userName":"a","userName":"b"}`, `the member "userName" is given twice in one object; send it once`},
		{`{"name":{"givenName":"a","given\u004eame":"b"}}`, `the member "givenName" is given twice`},
		{`{"emails":[{"value":"a"},{"value":"b","value":"c"}]}`, `the member "value" is given twice`},
		{`{"a":1} x`, "unexpected data after the JSON object"},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := DecodeRequest([]byte(tt.in))
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			want, err := Decode([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, s := range decodeSeeds {
		got, err := Decode([]byte(s))
		want, werr := decodeJSON([]byte(s))
		require.Equal(t, werr == nil, err == nil, "%q: %v / %v", s, err, werr)
		assert.Equal(t, want, got, "%q", s)
	}
}
