package server

// scenarioStore keeps what-if scenarios in memory (to be written).
type scenarioStore struct{ max int }

func newScenarioStore(max int) *scenarioStore { return &scenarioStore{max: max} }
