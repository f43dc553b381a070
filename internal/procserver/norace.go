//go:build !race

package procserver

// raceEnabled makes Build build the binary with -race too.
const raceEnabled = false
