package resources

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/scimkit/scim/internal/jsonscan"
)

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

// sortedKeys returns the keys of m in order, nil when it has none.
func sortedKeys(m map[string]json.RawMessage) []string {
	if len(m) == 0 {
		return nil
	}
	return jsonscan.SortedKeys(make([]string, 0, len(m)), m)
}
