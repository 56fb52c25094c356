// Package upstand holds the files the upstand binary carries inside it: the
// bundled courses and scenarios, the static assets and the SQL migrations.
// Everything else lives under app/.
package upstand

import "embed"

// Files embeds the four content folders at their repository paths, so
// fs.Sub(Files, "migrations") and friends give the same tree as the checkout.
//
//go:embed modules scenarios assets migrations
var Files embed.FS
