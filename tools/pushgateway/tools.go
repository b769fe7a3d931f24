//go:build tools

// Package tools pins the Prometheus Pushgateway that kdrill's metrics tests push to. The module proxy here refuses
// the module's version list, so `go install ...@v1.11.1` fails on its deprecation lookup; a pinned module builds.
package tools

import (
	_ "github.com/prometheus/pushgateway"
)
