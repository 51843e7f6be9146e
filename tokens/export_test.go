package tokens

// RememberedUses is how many tokens m remembers the last use of, for
// tests that the memory stays bounded.
func RememberedUses(m *Manager) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.use)
}
