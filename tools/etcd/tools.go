//go:build tools

// Package tools pins the etcd server and its two CLIs, kept apart from the Kubernetes
// module so that building etcd never bumps the apiserver's etcd client.
package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/etcdutl/v3"
	_ "go.etcd.io/etcd/server/v3"
)
