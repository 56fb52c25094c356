package learning

// Events is told of learning records as they are written: the server's
// metrics count them (app/metrics). The calls come after the store has
// written the record, inside its transaction, so a transaction that then
// rolls back has still been counted: the counts are for watching trends,
// not for reconciling with the records.
type Events interface {
	AttemptStarted(kind string) // "course" or "scenario"
	AttemptFinished(outcome string)
	CompletionWritten()
}

// Option adjusts a Service.
type Option func(*Service)

// WithEvents sends the service's events to e.
func WithEvents(e Events) Option { return func(s *Service) { s.events = e } }

// noEvents is the default: nobody listens.
type noEvents struct{}

func (noEvents) AttemptStarted(string)  {}
func (noEvents) AttemptFinished(string) {}
func (noEvents) CompletionWritten()     {}
