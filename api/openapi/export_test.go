package openapi

// Builds reports how many document descriptions a has generated, for the
// tests of its cache.
func (a *API) Builds() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.builds
}

// SetCacheLimit changes how many bytes of descriptions a keeps.
func (a *API) SetCacheLimit(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.maxBytes = n
}
