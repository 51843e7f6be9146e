package resources

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// MarshalJSON renders the user as a SCIM resource: "schemas" first, then
// the core attributes, the enterprise extension and every other extension
// under its URN.
func (u User) MarshalJSON() ([]byte, error) {
	type plain User
	body, err := json.Marshal(plain(u))
	if err != nil {
		return nil, err
	}
	schemas := []string{UserSchema}
	var ext []extEntry
	if u.Enterprise != nil {
		raw, err := json.Marshal(u.Enterprise)
		if err != nil {
			return nil, err
		}
		schemas = append(schemas, EnterpriseUserSchema)
		ext = append(ext, extEntry{EnterpriseUserSchema, raw})
	}
	for _, k := range sortedKeys(u.Extensions) {
		schemas = append(schemas, k)
		ext = append(ext, extEntry{k, u.Extensions[k]})
	}
	return splice(schemas, body, ext)
}

// UnmarshalJSON reads a SCIM user. Attribute names match
// case-insensitively; objects under a schema URN go to Enterprise or
// Extensions. It does not validate: the handler normalises request bodies
// against the schema before they reach this.
func (u *User) UnmarshalJSON(data []byte) error {
	type plain User
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*u = User(p)
	exts, err := extensionObjects(data, UserSchema)
	if err != nil {
		return err
	}
	for urn, raw := range exts {
		if strings.EqualFold(urn, EnterpriseUserSchema) {
			var e EnterpriseUser
			if err := json.Unmarshal(raw, &e); err != nil {
				return err
			}
			u.Enterprise = &e
			continue
		}
		if u.Extensions == nil {
			u.Extensions = make(map[string]json.RawMessage)
		}
		u.Extensions[urn] = raw
	}
	return nil
}

// MarshalJSON renders the extension with its Extra attributes.
func (e EnterpriseUser) MarshalJSON() ([]byte, error) {
	type plain EnterpriseUser
	body, err := json.Marshal(plain(e))
	if err != nil || len(e.Extra) == 0 {
		return body, err
	}
	var ext []extEntry
	for _, k := range sortedKeys(e.Extra) {
		ext = append(ext, extEntry{k, e.Extra[k]})
	}
	return splice(nil, body, ext)
}

// UnmarshalJSON reads the extension; attributes it has no field for go to
// Extra.
func (e *EnterpriseUser) UnmarshalJSON(data []byte) error {
	type plain EnterpriseUser
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*e = EnterpriseUser(p)
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	for k, v := range all {
		if isEnterpriseField(k) {
			continue
		}
		if e.Extra == nil {
			e.Extra = make(map[string]json.RawMessage)
		}
		e.Extra[k] = v
	}
	return nil
}

// MarshalJSON renders the group as a SCIM resource.
func (g Group) MarshalJSON() ([]byte, error) {
	type plain Group
	body, err := json.Marshal(plain(g))
	if err != nil {
		return nil, err
	}
	schemas := []string{GroupSchema}
	var ext []extEntry
	for _, k := range sortedKeys(g.Extensions) {
		schemas = append(schemas, k)
		ext = append(ext, extEntry{k, g.Extensions[k]})
	}
	return splice(schemas, body, ext)
}

// UnmarshalJSON reads a SCIM group; objects under a schema URN go to
// Extensions.
func (g *Group) UnmarshalJSON(data []byte) error {
	type plain Group
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*g = Group(p)
	exts, err := extensionObjects(data, GroupSchema)
	if err != nil {
		return err
	}
	for urn, raw := range exts {
		if g.Extensions == nil {
			g.Extensions = make(map[string]json.RawMessage)
		}
		g.Extensions[urn] = raw
	}
	return nil
}

type extEntry struct {
	key string
	raw json.RawMessage
}

// splice writes {"schemas":[...], <fields of body>, "urn":{...}...}.
func splice(schemas []string, body []byte, ext []extEntry) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(body) + 64*len(schemas))
	b.WriteByte('{')
	n := 0
	if schemas != nil {
		b.WriteString(`"schemas":`)
		s, _ := json.Marshal(schemas)
		b.Write(s)
		n++
	}
	inner := bytes.TrimSpace(body)
	inner = inner[1 : len(inner)-1]
	if len(inner) > 0 {
		if n > 0 {
			b.WriteByte(',')
		}
		b.Write(inner)
		n++
	}
	for _, e := range ext {
		if n > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.key)
		b.Write(k)
		b.WriteByte(':')
		if len(e.raw) == 0 {
			b.WriteString("null")
		} else {
			b.Write(e.raw)
		}
		n++
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// extensionObjects returns the members of a JSON object whose keys are
// schema URNs other than core.
func extensionObjects(data []byte, core string) (map[string]json.RawMessage, error) {
	if !bytes.Contains(data, []byte(`"urn:`)) && !bytes.Contains(data, []byte(`"URN:`)) {
		return nil, nil
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	var out map[string]json.RawMessage
	for k, v := range all {
		if len(k) < 4 || !strings.EqualFold(k[:4], "urn:") || strings.EqualFold(k, core) {
			continue
		}
		if out == nil {
			out = make(map[string]json.RawMessage)
		}
		out[k] = v
	}
	return out, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
