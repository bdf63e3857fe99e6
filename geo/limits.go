package geo

// Bounds on input figures. Beyond them a figure is a mistake in the data,
// not a city: accepting it would overflow sums to +Inf (which JSON cannot
// carry), or make a search or a load take unbounded time and memory.
const (
	// MaxPopulation bounds the residents of one community or one H3
	// cell: 100 million, more than the largest city proper (Chongqing,
	// about 32 million, China's 2020 census).
	MaxPopulation = 1e8
	// MaxCapacity bounds a facility's capacity (beds, places, visits a
	// day): 10 million, more than any single facility serves.
	MaxCapacity = 1e7
	// MinSpeedKmh is the slowest walker a profile may describe; slower
	// speeds make walk times overflow the search's time unit.
	MinSpeedKmh = 0.5
	// MaxProfiles bounds the walker profiles of a taxonomy: each is a
	// full access computation.
	MaxProfiles = 16
	// MaxCategories bounds the categories of a taxonomy.
	MaxCategories = 500
	// MaxNameRunes bounds a name given by a user (a scenario, a new
	// facility).
	MaxNameRunes = 200
	// MaxScenarioChanges bounds the changes (facilities added or closed,
	// links added, ways closed) of one scenario.
	MaxScenarioChanges = 10_000
)
