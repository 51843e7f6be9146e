package resources

import (
	"bytes"
	"encoding/json"
)

// The reference encoders below are the reflection-based implementation the
// hand-written encoders replaced, kept verbatim (renamed) so the tests can
// hold the new output to it byte for byte.

func refMarshalUser(u User) ([]byte, error) {
	type plain User
	body, err := json.Marshal(plain(u))
	if err != nil {
		return nil, err
	}
	schemas := []string{UserSchema}
	var ext []refExtEntry
	if u.Enterprise != nil {
		// json.Marshal calls EnterpriseUser.MarshalJSON, which
		// TestMarshalJSONMatchesReference holds to refMarshalEnterprise.
		raw, err := json.Marshal(u.Enterprise)
		if err != nil {
			return nil, err
		}
		schemas = append(schemas, EnterpriseUserSchema)
		ext = append(ext, refExtEntry{EnterpriseUserSchema, raw})
	}
	for _, k := range sortedKeys(u.Extensions) {
		schemas = append(schemas, k)
		ext = append(ext, refExtEntry{k, u.Extensions[k]})
	}
	return refSplice(schemas, body, ext)
}

func refMarshalEnterprise(e EnterpriseUser) ([]byte, error) {
	type plain EnterpriseUser
	body, err := json.Marshal(plain(e))
	if err != nil || len(e.Extra) == 0 {
		return body, err
	}
	var ext []refExtEntry
	for _, k := range sortedKeys(e.Extra) {
		ext = append(ext, refExtEntry{k, e.Extra[k]})
	}
	return refSplice(nil, body, ext)
}

func refMarshalGroup(g Group) ([]byte, error) {
	type plain Group
	body, err := json.Marshal(plain(g))
	if err != nil {
		return nil, err
	}
	schemas := []string{GroupSchema}
	var ext []refExtEntry
	for _, k := range sortedKeys(g.Extensions) {
		schemas = append(schemas, k)
		ext = append(ext, refExtEntry{k, g.Extensions[k]})
	}
	return refSplice(schemas, body, ext)
}

type refExtEntry struct {
	key string
	raw json.RawMessage
}

func refSplice(schemas []string, body []byte, ext []refExtEntry) ([]byte, error) {
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
