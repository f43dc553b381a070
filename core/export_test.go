package core

// OneByOne returns a with every record matched by its own query, after
// the writes of the records before it: the reference batch matching is
// tested against.
func OneByOne(a AddOrUpdateRecords) AddOrUpdateRecords {
	a.oneByOne = true
	return a
}
