// Prints the API priority-and-fairness objects a kube-apiserver creates and keeps up to date by itself (the
// mandatory and suggested configuration of k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap) as JSON.
// generate.mjs copies this file into a throw-away module that requires one k8s.io/apiserver version.
package main

import (
	"encoding/json"
	"os"

	"k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap"
)

func main() {
	var out []any
	for _, o := range bootstrap.MandatoryPriorityLevelConfigurations {
		out = append(out, map[string]any{"kind": "PriorityLevelConfiguration", "name": o.Name, "spec": o.Spec})
	}
	for _, o := range bootstrap.SuggestedPriorityLevelConfigurations {
		out = append(out, map[string]any{"kind": "PriorityLevelConfiguration", "name": o.Name, "spec": o.Spec})
	}
	for _, o := range bootstrap.MandatoryFlowSchemas {
		out = append(out, map[string]any{"kind": "FlowSchema", "name": o.Name, "spec": o.Spec})
	}
	for _, o := range bootstrap.SuggestedFlowSchemas {
		out = append(out, map[string]any{"kind": "FlowSchema", "name": o.Name, "spec": o.Spec})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}
