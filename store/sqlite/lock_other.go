//go:build !unix

package sqlite

import "os"

// lockFolder does not lock where flock is missing: the engine then does
// not claim to be exclusive, and the core reads schema versions as usual.
func lockFolder(string) (*os.File, error) { return nil, nil }
