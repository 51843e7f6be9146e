package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The decoder as a whole is held to encoding/json by resources' and the
// PATCH decoder's fuzz tests; these pin the pieces.

func TestValueEnd(t *testing.T) {
	tests := []struct {
		in   string
		want string // the value ValueEnd delimits at the start of in
	}{
		{`"a\"b", 1`, `"a\"b"`},
		{`{"x":[1,{"y":"]}"}]} ,`, `{"x":[1,{"y":"]}"}]}`},
		{`[[],[[]]]]`, `[[],[[]]]`},
		{`-1.5e3,`, `-1.5e3`},
		{`true}`, `true`},
		{`null`, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.in[:ValueEnd([]byte(tt.in), 0)])
		})
	}
}

// TestStopIn holds the eight-byte tests of a plain run to the tables they
// stand for (stopIn: stringEnd's stringStop; escapeIn: AppendString's
// plain, negated): each byte value at each place among plain bytes (what
// the table says), and blocks of bytes from around the edges.
func TestStopIn(t *testing.T) {
	for _, tt := range []struct {
		name  string
		word  func(uint64) bool
		stops func(byte) bool
		edges []byte
	}{
		{"stopIn", stopIn, func(c byte) bool { return stringStop[c] },
			[]byte{0, 1, 0x1f, 0x20, 0x21, '"', '"' + 1, '"' - 1, '\\', '\\' + 1, 0x7f, 0x80, 0x81, 0xa2, 0xdc, 0xff}},
		{"escapeIn", escapeIn, func(c byte) bool { return !plain[c] },
			[]byte{0, 1, 0x1f, 0x20, 0x21, '"', '"' + 1, '"' - 1, '\\', '\\' + 1, '&', '&' - 1, '&' + 1, '<', '=', '>', '?', 0x7f, 0x80, 0x81, 0xa2, 0xe2, 0xff}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for c := range 256 {
				for k := range 8 {
					var w [8]byte
					for i := range w {
						w[i] = 'a'
					}
					w[k] = byte(c)
					require.Equal(t, tt.stops(byte(c)), tt.word(binary.LittleEndian.Uint64(w[:])), "byte %#x at %d", c, k)
				}
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for range 200000 {
				var w [8]byte
				want := false
				for i := range w {
					w[i] = tt.edges[rng.IntN(len(tt.edges))]
					want = want || tt.stops(w[i])
				}
				require.Equal(t, want, tt.word(binary.LittleEndian.Uint64(w[:])), "%q", w)
			}
		})
	}
}

func TestUnquote(t *testing.T) {
	for _, s := range []string{`"plain"`, `"é \u00e9 \ud83d\ude00 \n\t\"\\\/"`, `"lone \ud800 and \udc00x"`, "\"bad \xff utf-8\"", `""`} {
		t.Run(s, func(t *testing.T) {
			var want string
			require.NoError(t, json.Unmarshal([]byte(s), &want))
			b := []byte(s)
			assert.Equal(t, len(b), StringEnd(b, 0))
			assert.Equal(t, want, Unquote(b[1:len(b)-1]))
		})
	}
}

func TestValue(t *testing.T) {
	in := ` {"a":[1,"x",true,false,null,{}],"a":2,"b":{"c":"d"}} `
	var want any
	d := json.NewDecoder(strings.NewReader(in))
	d.UseNumber()
	require.NoError(t, d.Decode(&want))
	got, end := Value([]byte(in), 0)
	assert.Equal(t, want, got)
	assert.Equal(t, len(in)-1, end)
	assert.Equal(t, len(in), SkipSpace([]byte(in), end))
}

// TestParseRepeated pins Parse's repetition rule: a name an object gives
// twice exactly, at any depth.
func TestParseRepeated(t *testing.T) {
	for _, tt := range []struct {
		in, repeated string
		found        bool
	}{
		{`{"a":1,"b":2}`, "", false},
		{`{"a":1,"a":2}`, "a", true},
		{`{"a":1,"A":2}`, "", false}, // names differ: ResourceType.Normalize judges case
		{`{"a\u0062":1,"ab":2}`, "ab", true},
		{`{"x":{"b":1,"b":2},"y":{"c":1,"c":2}}`, "b", true},
		{`{"x":[{"v":1},{"v":2,"v":3}]}`, "v", true},
		{`[{"a":1},{"a":2}]`, "", false},
		{`{"x":{"a":1},"y":{"a":1}}`, "", false},
		{`{"":1,"":2}`, "", true}, // was taken for no repetition
	} {
		t.Run(tt.in, func(t *testing.T) {
			var want any
			d := json.NewDecoder(strings.NewReader(tt.in))
			d.UseNumber()
			require.NoError(t, d.Decode(&want))
			got, repeated, found, ok := (*Names)(nil).Parse([]byte(tt.in), true)
			require.True(t, ok)
			assert.Equal(t, want, got, "the value is Value's")
			assert.Equal(t, tt.repeated, repeated)
			assert.Equal(t, tt.found, found)
		})
	}
}

// TestNames holds decoding with Names to decoding without: the same
// value, the same repeated name, and one allocation fewer for each name
// and two for each string value (the string and its boxing) the table
// gives, none for a string whose text is not the table's.
func TestNames(t *testing.T) {
	names := &Names{
		Keys:   map[string]string{"userName": "userName", "type": "type", "emails": "emails"},
		Values: map[string]any{"work": "work", "urn:x:User": "urn:x:User"},
	}
	for _, tt := range []struct {
		name, in string
		saved    float64 // allocations Names saves
	}{
		{"all in the table", `{"userName":"work","emails":[{"type":"work"}]}`, 3 + 2*2},
		{"none in the table", `{"a":"b"}`, 0},
		{"a name with an escape", `{"user\u004eame":"x","type":"urn:x:User"}`, 1 + 2},
		{"a value with an escape", `{"type":"w\u006frk"}`, 1},
		{"a value that is only a name", `{"type":"userName"}`, 1},
		{"a name that is only a value", `{"work":1}`, 0},
		{"a repeated name", `{"type":"work","type":"work"}`, 2 + 2*2},
		{"not an object", `["urn:x:User","work",""]`, 2 * 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.in)
			want, wantRep, wantFound, wantOK := (*Names)(nil).Parse(data, true)
			got, rep, found, ok := names.Parse(data, true)
			assert.Equal(t, want, got)
			assert.Equal(t, []any{wantRep, wantFound, wantOK}, []any{rep, found, ok})
			wantV, wantEnd := Value(data, 0)
			v, vend := names.Value(data, 0)
			assert.Equal(t, wantV, v)
			assert.Equal(t, want, v)
			assert.Equal(t, wantEnd, vend)
			assert.Equal(t, len(data), vend)
			without := testing.AllocsPerRun(20, func() { Value(data, 0) })
			with := testing.AllocsPerRun(20, func() { names.Value(data, 0) })
			assert.Equal(t, without-tt.saved, with)
		})
	}
	var none *Names
	assert.Equal(t, `a\b`, none.Key([]byte(`a\\b`)))
	assert.Equal(t, "userName", names.Key([]byte("userName")))
	assert.Equal(t, "userName", names.Key([]byte(`user\u004eame`)))
}

// FuzzMembers holds Members to encoding/json on the objects it reads: it
// accepts every object json.Valid accepts, with the members
// json.Unmarshal sees (a repeated name's last value wins there), and
// what it accepts beyond that is an object in its outline (it does not
// check numbers' spelling or the commas inside nested values).
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, ` {"a":1, "b" : [1,{"c":"]"}], "a":"x"} `, `{"userName":"u","name":{"givenName":"A"},"active":false}`,
		`{"a":"\"}"}`, `{"a":}`, `{"a":1,}`, `[1]`, `{"a":[}`, `{"a":1} x`, `{"a\u0041":tru}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		ms, err := Members(doc, nil)
		var want map[string]json.RawMessage
		if json.Valid(doc) && json.Unmarshal(doc, &want) == nil {
			require.NoError(t, err, "%q", doc)
			got := map[string]string{}
			for _, m := range ms {
				got[Unquote(m.Key)] = string(m.Val)
			}
			require.Len(t, got, len(want), "%q", doc)
			for k, v := range want {
				assert.Equal(t, string(v), got[k], "%q: member %q", doc, k)
			}
			return
		}
		if err == nil {
			i := SkipSpace(doc, 0)
			assert.Equal(t, byte('{'), doc[i], "%q: an object", doc)
		}
	})
}

// FuzzAppendString holds AppendString to json.Marshal's bytes for any
// string, valid UTF-8 or not.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `a"b\c`, "<&>", "\t\n\r\b\f\x00\x1f\x7f", "é", "\u2028\u2029", "\xff\xe2\x80", "\U0001F600",
		// Past eight bytes, so that the block test runs: a plain block,
		// then each kind of stop in the second or a later one.
		"plain text of more than eight bytes", "abcdefgh<ijklmnop", "0123456é89abcdef", "abcdefghijklmno\x00", "user@example.com & co\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(AppendString([]byte("x"), s)[1:]))
	})
}

func TestLoneSurrogate(t *testing.T) {
	for _, tt := range []struct{ json, want string }{
		{`{"a":"plain"}`, ""},
		{`{"a":"\ud83d\ude00"}`, ""},
		{`{"a":"\uD83D\uDE00 and \u00e9"}`, ""},
		{`{"a":"\\ud800"}`, ""}, // an escaped backslash, then text
		{`{"a":"\ud800"}`, `\ud800`},
		{`{"a":"x\udc00y"}`, `\udc00`},
		{`{"a":"\ud800\u0041"}`, `\ud800`},
		{`{"a":"\ud800\ud800"}`, `\ud800`},
		{`{"a":"\ud83d\ude00\ud83d"}`, `\ud83d`},
		{`{"a":["ok","\uDFFF"]}`, `\uDFFF`},
		{`"\u`, ""},
		{`\`, ""},
	} {
		esc := ""
		if at := LoneSurrogate([]byte(tt.json)); at >= 0 {
			esc = tt.json[at : at+6]
		}
		assert.Equal(t, tt.want, esc, tt.json)
	}
}

// FuzzLoneSurrogate: any text is read without a panic, and what
// json.Marshal writes has no lone surrogate, whatever string it wrote.
func FuzzLoneSurrogate(f *testing.F) {
	for _, s := range []string{"", `\ud800`, "\U0001F600", `\\u`, "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		LoneSurrogate([]byte(s))
		b, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, -1, LoneSurrogate(b), "%s", b)
	})
}

func TestRepeated(t *testing.T) {
	many := func(n int, last string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, `"k%d":%d,`, i, i)
		}
		b.WriteString(last + "}")
		return b.String()
	}
	for _, tt := range []struct{ in, repeated, at string }{
		{`{"a":1,"b":2}`, "", ""},
		{`{"a":1,"a":2}`, "a", `"a":2}`},
		{`{"a":1,"A":2}`, "", ""}, // names differ: ResourceType.Normalize judges case
		{`{"a\u0062":1,"ab":2}`, "ab", `"ab":2}`},
		{`{"ab":1, "a\u0062" :2}`, "ab", `"a\u0062" :2}`},
		{`{"x":{"b":1,"b":2},"y":{"c":1,"c":2}}`, "b", `"b":2},"y":{"c":1,"c":2}}`},
		{`{"x":[{"v":1},{"v":2,"v":3}]}`, "v", `"v":3}]}`},
		{`[{"a":1},{"a":2}]`, "", ""},
		{`{"x":{"a":1},"y":{"a":1}}`, "", ""},
		{` { "s" : "\"a\":1,\"a\"" , "t" : [ ] , "u" : { } } `, "", ""},
		{`{"a":1,"a":{"b":1,"b":2}}`, "a", `"a":{"b":1,"b":2}}`},
		{many(40, `"k3":0`), "k3", `"k3":0}`},    // past SmallObject: the map
		{many(16, `"k15":0`), "k15", `"k15":0}`}, // the last one compared pairwise
		{many(40, `"k40":0`), "", ""},
		{`"a"`, "", ""},
		{`17`, "", ""},
		{`{"c":[{"":1,"":2}]}`, "", `"":2}]}`}, // "" is a name too
	} {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.at != "", repeats(t, []byte(tt.in)), "the fuzzer's oracle agrees")
			name, at, _ := ValidRepeated([]byte(tt.in))
			assert.Equal(t, tt.repeated, name)
			if tt.at == "" {
				assert.Equal(t, -1, at)
			} else {
				assert.Equal(t, tt.at, tt.in[at:], "at the repetition")
			}
		})
	}
	patch := []byte(`{"schemas":["x"],"Operations":[{"op":"replace","path":"active","value":{"a":1,"b":[1,2]}}]}`)
	assert.Zero(t, testing.AllocsPerRun(100, func() { ValidRepeated(patch) }), "a small body costs no allocation")
}

// FuzzRepeated holds ValidRepeated to json.Valid and to encoding/json's
// tokens, and to Parse: a repetition or none, and when one, the name
// repeated at the index it gives.
func FuzzRepeated(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `{"a":{"b":1},"c":[{"b":1,"b\u0000":2}]}`, `[1,{"x":"\"x\""}]`, `{"a\u0062":1,"ab":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		name, at, valid := ValidRepeated(data)
		require.Equal(t, json.Valid(data), valid, "ValidRepeated checks as json.Valid: %q", data)
		if !valid {
			return
		}
		require.Equal(t, repeats(t, data), at >= 0, "%q", data)
		_, _, found, _ := (*Names)(nil).Parse(data, true)
		require.Equal(t, found, at >= 0, "Parse finds a repetition in the same texts: %q", data)
		if at >= 0 {
			end := StringEnd(data, at)
			assert.Equal(t, name, Unquote(data[at+1:end-1]), "%q", data)
		}
	})
}

// validityCases are texts at the edges of json.Valid's rule, for Parse
// and ValidRepeated (their fuzz tests hold them to it on any text).
var validityCases = []string{
	``, ` `, `{}`, ` {} `, `{}x`, `{} {}`, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`,
	`{"a":1 "b":2}`, `{"a" 1}`, `{a:1}`, `{'a':1}`, `[1,]`, `[,1]`, `[1 2]`, `[`, `]`, `[]]`,
	`{"a":[1}`, `{"a":{]}`, `"x"`, `"x`, `"\x"`, `"\u12"`, `"\u12g4"`, `"\uD800"`,
	`"\/\b\f\n\r\t\"\\"`, "\"a\x01\"", "\"a\x7f\"", "\"\xff\xfe\"", `"\`,
	`0`, `-0`, `01`, `-`, `1.`, `.5`, `1.5`, `1e`, `1e+`, `1E-7`, `1.0e10`, `+1`, `0x1`,
	`--1`, `1.2.3`, `Infinity`, `NaN`, `true`, `tru`, `truex`, `True`, `null`, `nul`, `false`,
	`[true,false,null]`, `[truefalse]`, `{"a":1}{`, "{\"a\":1}\t\r\n", "\v{}",
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
	strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
	strings.Repeat("[", 10000) + strings.Repeat("]", 9999),
}

func TestValidity(t *testing.T) {
	for _, in := range validityCases {
		name := in
		if len(name) > 40 {
			name = fmt.Sprintf("%s…(%d bytes)", name[:20], len(name))
		}
		t.Run(name, func(t *testing.T) {
			data := []byte(in)
			want := json.Valid(data)
			_, _, _, ok := (*Names)(nil).Parse(data, true)
			assert.Equal(t, want, ok, "Parse")
			_, _, _, ok = (*Names)(nil).Parse(data, false)
			assert.Equal(t, want, ok, "Parse without unique")
			_, _, valid := ValidRepeated(data)
			assert.Equal(t, want, valid, "ValidRepeated")
		})
	}
}

// FuzzParse holds Parse to encoding/json: valid when json.Valid says so,
// and then the value encoding/json decodes (numbers as json.Number) and a
// repetition when encoding/json's tokens show one.
func FuzzParse(f *testing.F) {
	for _, s := range validityCases {
		f.Add([]byte(s))
	}
	for _, s := range []string{`{"a":[1,"x",true,null,{"b":-1.5e3}],"a":2}`, `{"userName":"bjensen","emails":[{"value":"b@x","type":"work"}]}`} {
		f.Add([]byte(s))
	}
	names := &Names{Keys: map[string]string{"a": "a", "userName": "userName"}, Values: map[string]any{"work": "work"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, rep, found, ok := names.Parse(data, true)
		require.Equal(t, json.Valid(data), ok, "%q", data)
		if !ok {
			return
		}
		var want any
		d := json.NewDecoder(strings.NewReader(string(data)))
		d.UseNumber()
		require.NoError(t, d.Decode(&want))
		assert.Equal(t, want, v, "%q", data)
		assert.Equal(t, repeats(t, data), found, "a repetition as encoding/json's tokens show it: %q", data)
		if found {
			assert.Contains(t, string(data), string(AppendString(nil, rep)), "the name repeated is one the text holds: %q", data)
		}
		v2, _, found2, ok2 := names.Parse(data, false)
		assert.True(t, ok2)
		assert.False(t, found2, "without unique no repetition is looked for")
		assert.Equal(t, want, v2)
	})
}

// repeats reports whether an object of valid JSON text data gives a name
// twice, as encoding/json's tokens show it.
func repeats(t *testing.T, data []byte) bool {
	d := json.NewDecoder(strings.NewReader(string(data)))
	type frame struct {
		names map[string]bool // nil in a list
		key   bool            // the next string is a name
	}
	var stack []*frame
	for {
		tok, err := d.Token()
		if err != nil {
			return false // io.EOF: the text ended
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.names != nil && top.key {
			if tok == json.Delim('}') {
				stack = stack[:len(stack)-1]
				continue
			}
			name := tok.(string)
			if top.names[name] {
				return true
			}
			top.names[name] = true
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			if top != nil && top.names != nil {
				top.key = true
			}
			stack = append(stack, &frame{names: map[string]bool{}, key: true})
		case json.Delim('['):
			if top != nil && top.names != nil {
				top.key = true
			}
			stack = append(stack, &frame{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		default:
			if top != nil && top.names != nil {
				top.key = true
			}
		}
	}
}

func TestSortedKeys(t *testing.T) {
	cases := []struct {
		name string
		m    map[string]any
		want []string
	}{
		{"empty", map[string]any{}, nil},
		{"one", map[string]any{"a": 1}, []string{"a"}},
		{"spellings and URNs", map[string]any{"userName": 1, "USERNAME": 2, "urn:x:User": 3, "active": 4, "": 5},
			[]string{"", "USERNAME", "active", "urn:x:User", "userName"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 10 { // map order changes from run to run; the result must not
				assert.Equal(t, c.want, SortedKeys(nil, c.m))
			}
		})
	}
}

// TestSortedKeysAllocations holds the walk of an ordinary object, with a
// stack buffer, to no allocation: request bodies are walked this way on
// every write.
func TestSortedKeysAllocations(t *testing.T) {
	m := map[string]any{"userName": 1, "name": 2, "emails": 3, "active": 4, "title": 5}
	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		var buf [SmallObject]string
		n += len(SortedKeys(buf[:0], m))
	})
	assert.Zero(t, allocs)
	assert.Positive(t, n)
}

// TestNextMemberAndElement walks objects and lists with NextMember and
// NextElement and compares what they find with Members and Value.
func TestNextMemberAndElement(t *testing.T) {
	for _, doc := range []string{
		`{}`, `{ }`, `{"a":1}`, ` { "a" : "x" , "b":[1, {"c":null}] ,"a\u0041":true } `,
		`{"":{},"k":[],"n":-1.5e+3,"s":"q\"}]","f":false}`,
		`{"e":[ ],"l":[ "a" , {"x":[1]}, null,2 ]}`,
	} {
		t.Run(doc, func(t *testing.T) {
			require.True(t, json.Valid([]byte(doc)))
			want, err := Members([]byte(doc), nil)
			require.NoError(t, err)
			obj := []byte(strings.TrimSpace(doc))
			var got []Member
			for i := 1; ; {
				k, v, next, ok := NextMember(obj, i)
				if !ok {
					break
				}
				got, i = append(got, Member{Key: k, Val: v}), next
			}
			assert.Equal(t, want, got)
			for _, m := range got {
				if m.Val[0] != '[' {
					continue
				}
				list, _ := Value(m.Val, 0)
				var elems []any
				for i := 1; ; {
					e, next, ok := NextElement(m.Val, i)
					if !ok {
						break
					}
					v, _ := Value(e, 0)
					elems, i = append(elems, v), next
				}
				if len(elems) == 0 {
					elems = []any{}
				}
				assert.Equal(t, list, elems)
			}
		})
	}
	assert.Equal(t, "a\"b", UnquoteValue([]byte(`"a\"b"`)))
}

// TestCheckString holds CheckString to json.Valid's rule and to where it
// says a string stops being JSON, alike for a string and for bytes.
func TestCheckString(t *testing.T) {
	for _, tt := range []struct {
		in  string
		end int
		ok  bool
	}{
		{`""`, 2, true},
		{`"abc" rest`, 5, true},
		{`"a long run of plain bytes, more than eight" x`, 44, true},
		{`"\"\\\/\b\f\n\r\t\u00e9\uD800"`, 30, true}, // a lone surrogate is JSON
		{"\"\xff\xfe\"", 4, true},                    // so are bytes that are not UTF-8
		{`"abc`, 4, false},
		{`"a long run of plain bytes, never closed`, 40, false},
		{`"abc\`, 5, false},
		{`"\x"`, 1, false},
		{`"ab\u12"`, 3, false},
		{`"ab\u12G4"`, 3, false},
		{`"ab\u`, 3, false},
		{"\"0123456789\t\"", 11, false},
		{"\"\x00\"", 1, false},
		{"\"\x1f\"", 1, false},
	} {
		end, ok := CheckString(tt.in, 0)
		assert.Equal(t, tt.ok, ok, "%q", tt.in)
		assert.Equal(t, tt.end, end, "%q", tt.in)
		bend, bok := CheckString([]byte(tt.in), 0)
		assert.Equal(t, end, bend, "%q as bytes", tt.in)
		assert.Equal(t, ok, bok, "%q as bytes", tt.in)
		if ok {
			assert.True(t, json.Valid([]byte(tt.in[:end])), "%q", tt.in)
		} else {
			assert.False(t, json.Valid([]byte(tt.in)), "%q", tt.in)
		}
	}
}
