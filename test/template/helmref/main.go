// helmref renders Helm charts with Helm's own engine (helm.sh/helm/v4), exactly the steps istioctl
// takes in operator/pkg/helm/helm.go (loader.LoadFiles, util.ToRenderValues with the release name,
// namespace and capabilities, engine.Render), and prints the result as JSON. The template engine
// of iop (template/) is compared with it output for output.
//
//	helmref caps            Helm's default capabilities: {"kubeVersion", "apiVersions", "helmVersion"}
//	helmref render JOBS     JOBS is a JSON array of jobs; prints a JSON array of results, one per job
//
// A job is {"chart": DIR} (a chart directory, read like istioctl reads one) or {"files": {PATH: TEXT}}
// (a chart in memory; "Chart.yaml" defaults to a minimal one), plus "values" (a JSON object: its
// numbers are float64, as in istioctl's values), "name" and "namespace" (the release's; default
// "istio" and "istio-system") and "kubeVersion" (e.g. "1.32.0"; empty: Helm's default). A result is
// {"files": {NAME: TEXT}} or {"error": TEXT}.
package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	loaderv2 "helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
)

type job struct {
	Chart       string            `json:"chart"`
	Files       map[string]string `json:"files"`
	Values      map[string]any    `json:"values"`
	Name        *string           `json:"name"`
	Namespace   *string           `json:"namespace"`
	KubeVersion string            `json:"kubeVersion"`
}

type result struct {
	Files map[string]string `json:"files,omitempty"`
	Error *string           `json:"error,omitempty"`
}

const defaultChartYAML = "apiVersion: v2\nname: t\nversion: 0.1.0\nappVersion: 1.0.0\n"

func loadDir(root string) (*chartv2.Chart, error) {
	var bfs []*archive.BufferedFile
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		bfs = append(bfs, &archive.BufferedFile{Name: filepath.ToSlash(rel), Data: b})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return loaderv2.LoadFiles(bfs)
}

func loadFiles(files map[string]string) (*chartv2.Chart, error) {
	var bfs []*archive.BufferedFile
	if _, ok := files["Chart.yaml"]; !ok {
		bfs = append(bfs, &archive.BufferedFile{Name: "Chart.yaml", Data: []byte(defaultChartYAML)})
	}
	for name, text := range files {
		bfs = append(bfs, &archive.BufferedFile{Name: name, Data: []byte(text)})
	}
	return loaderv2.LoadFiles(bfs)
}

func render(j job) (files map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	var chrt *chartv2.Chart
	if j.Chart != "" {
		chrt, err = loadDir(j.Chart)
	} else {
		chrt, err = loadFiles(j.Files)
	}
	if err != nil {
		return nil, fmt.Errorf("load chart: %v", err)
	}
	name, namespace := "istio", "istio-system"
	if j.Name != nil {
		name = *j.Name
	}
	if j.Namespace != nil {
		namespace = *j.Namespace
	}
	caps := *common.DefaultCapabilities
	if j.KubeVersion != "" {
		kv, err := common.ParseKubeVersion(j.KubeVersion)
		if err != nil {
			return nil, err
		}
		caps.KubeVersion = *kv
	}
	vals := j.Values
	if vals == nil {
		vals = map[string]any{}
	}
	helmVals, err := commonutil.ToRenderValues(chrt, vals, common.ReleaseOptions{Name: name, Namespace: namespace}, &caps)
	if err != nil {
		return nil, fmt.Errorf("converting values: %v", err)
	}
	return engine.Render(chrt, helmVals)
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "caps" {
		c := common.DefaultCapabilities
		out, _ := json.MarshalIndent(map[string]any{
			"kubeVersion": map[string]string{"version": c.KubeVersion.Version, "major": c.KubeVersion.Major, "minor": c.KubeVersion.Minor},
			"apiVersions": []string(c.APIVersions),
			"helmVersion": c.HelmVersion,
		}, "", "  ")
		fmt.Println(string(out))
		return
	}
	if len(os.Args) != 3 || os.Args[1] != "render" {
		fmt.Fprintln(os.Stderr, "usage: helmref caps | helmref render JOBS.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var jobs []job
	if err := json.Unmarshal(data, &jobs); err != nil {
		fmt.Fprintln(os.Stderr, "bad jobs:", err)
		os.Exit(1)
	}
	results := make([]result, len(jobs))
	for i, j := range jobs {
		files, err := render(j)
		if err != nil {
			msg := strings.TrimSpace(err.Error())
			results[i].Error = &msg
		} else {
			results[i].Files = files
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
