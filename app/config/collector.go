package config

import "runtime/debug"

// The garbage collector's settings for a server. Its live heap is small
// (12–20 MB) and its pages make garbage fast (a coverage dashboard of 200
// cells, about 1.5 MB a view), so at Go's default (GOGC=100) the
// collector ran every few views and, while it marked, took one of a
// two-core machine's cores: the views that met it took half as long
// again. It runs when the heap has grown to five times what is live
// instead, within a soft limit on the memory Go manages, under which it
// collects as often as it must to stay (docs/architecture.md, "Memory").
const (
	GCPercent   = 400
	MemoryLimit = 64 << 20
)

// TuneCollector sets the collector to GCPercent and MemoryLimit, unless
// the environment sets GOGC or GOMEMLIMIT, which Go's runtime has read.
func TuneCollector(env Env) {
	if _, ok := env("GOGC"); !ok {
		debug.SetGCPercent(GCPercent)
	}
	if _, ok := env("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(MemoryLimit)
	}
}
