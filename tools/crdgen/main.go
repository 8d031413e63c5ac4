// crdgen writes the IstioOperator CustomResourceDefinition that iop installs. Its schema is
// generated from Istio's own API types, operator/pkg/apis/types.go of the pinned istio.io/istio
// module (scripts/istio-version.sh), and each field's description is that field's doc comment
// there, so `kubectl explain istiooperator.spec...` says what Istio says, for the version iop
// installs, without anyone re-typing it. What iop adds are its own cheap checks, which the API
// server then applies at `kubectl apply`: the profile is one of the module's profiles
// (manifests/profiles/*.yaml), gateways have a name, names and namespaces are DNS labels,
// the revision has no dots.
//
// What stays free-form, on purpose: `values`, `unvalidatedValues` and `meshConfig` (their deep
// schema is Istio's values API, validated elsewhere), `tag` (a string or a number), and everything
// under a component's `k8s` (Kubernetes types, validated by iop with field paths): their fields
// are listed with descriptions but accept any value, so the API server never prunes or refuses
// what iop reports better itself.
//
// Only the Go standard library: the types are read as source (go/parser), never compiled.
//
// usage: crdgen -types .../operator/pkg/apis/types.go -profiles .../manifests/profiles -source istio.io/istio@vX
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// node is an ordered YAML mapping: the CRD reads top-down as a person would write it.
type node struct {
	keys   []string
	values map[string]any
}

func newNode() *node { return &node{values: map[string]any{}} }

func (n *node) set(key string, value any) *node {
	if _, ok := n.values[key]; !ok {
		n.keys = append(n.keys, key)
	}
	n.values[key] = value
	return n
}

func (n *node) get(key string) *node {
	v, _ := n.values[key].(*node)
	return v
}

func obj(kv ...any) *node {
	n := newNode()
	for i := 0; i+1 < len(kv); i += 2 {
		n.set(kv[i].(string), kv[i+1])
	}
	return n
}

// generator walks the struct types of one Go file.
type generator struct {
	types map[string]*ast.StructType
	docs  map[string]string // type name -> its doc comment
}

// docText turns a Go doc comment into a description: lines joined into paragraphs, code blocks
// and list items kept on lines of their own, the kubetype-gen/deepcopy markers dropped.
func docText(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	var paragraphs []string
	var current []string
	flush := func() {
		if len(current) > 0 {
			paragraphs = append(paragraphs, strings.Join(current, " "))
			current = nil
		}
	}
	for _, line := range strings.Split(g.Text(), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "+"):
			continue
		case trimmed == "":
			flush()
		case strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "  ") || strings.HasPrefix(trimmed, "* "):
			flush()
			paragraphs = append(paragraphs, strings.ReplaceAll(strings.TrimRight(line, " \t"), "\t", "    "))
		default:
			current = append(current, trimmed)
		}
	}
	flush()
	return strings.TrimSpace(strings.Join(paragraphs, "\n"))
}

func jsonName(f *ast.Field) string {
	if f.Tag == nil {
		return ""
	}
	tag, err := strconv.Unquote(f.Tag.Value)
	if err != nil {
		return ""
	}
	name := strings.Split(reflect.StructTag(tag).Get("json"), ",")[0]
	return name
}

func freeForm(description string) *node {
	n := newNode()
	if description != "" {
		n.set("description", description)
	}
	return n.set("x-kubernetes-preserve-unknown-fields", true)
}

// schema of a field of type expr. depthK8s > 0 inside a component's `k8s`, where every field is
// listed but free-form.
func (g *generator) schema(expr ast.Expr, description string, underK8s bool) *node {
	if underK8s {
		return freeForm(description)
	}
	withDescription := func(n *node) *node {
		if description != "" {
			d := obj("description", description)
			for _, k := range n.keys {
				d.set(k, n.values[k])
			}
			return d
		}
		return n
	}
	switch t := expr.(type) {
	case *ast.StarExpr:
		return g.schema(t.X, description, false)
	case *ast.ArrayType:
		return withDescription(obj("type", "array", "items", g.schema(t.Elt, "", false)))
	case *ast.MapType:
		if id, ok := t.Value.(*ast.Ident); ok && id.Name == "string" {
			return withDescription(obj("type", "object", "additionalProperties", obj("type", "string")))
		}
		return withDescription(obj("type", "object", "x-kubernetes-preserve-unknown-fields", true))
	case *ast.InterfaceType:
		return freeForm(description)
	case *ast.SelectorExpr: // another package's type (json.RawMessage, corev1.Affinity, ...)
		if pkg, ok := t.X.(*ast.Ident); ok && pkg.Name == "json" && t.Sel.Name == "RawMessage" {
			return withDescription(obj("type", "object", "x-kubernetes-preserve-unknown-fields", true))
		}
		return freeForm(description)
	case *ast.Ident:
		switch t.Name {
		case "string":
			return withDescription(obj("type", "string"))
		case "bool":
			return withDescription(obj("type", "boolean"))
		case "int", "int32", "int64", "uint32", "uint64":
			return withDescription(obj("type", "integer"))
		case "any":
			return freeForm(description)
		case "BoolValue": // a bool that may be left out (nil), written as true or false
			return withDescription(obj("type", "boolean", "nullable", true))
		}
		if st, ok := g.types[t.Name]; ok {
			return withDescription(g.object(st, t.Name == "KubernetesResources"))
		}
	}
	fmt.Fprintf(os.Stderr, "crdgen: no schema for %T %v: left free-form\n", expr, expr)
	return freeForm(description)
}

// object is the schema of a struct: its JSON fields, embedded structs inlined.
func (g *generator) object(st *ast.StructType, k8s bool) *node {
	props := newNode()
	var add func(st *ast.StructType)
	add = func(st *ast.StructType) {
		for _, f := range st.Fields.List {
			if len(f.Names) == 0 { // embedded: inline the fields of a struct of this file
				if id, ok := f.Type.(*ast.Ident); ok && g.types[id.Name] != nil {
					add(g.types[id.Name])
				}
				continue
			}
			name := jsonName(f)
			if name == "" || name == "-" {
				continue
			}
			props.set(name, g.schema(f.Type, docText(f.Doc), k8s))
		}
	}
	add(st)
	n := obj("type", "object", "properties", props)
	if k8s {
		// As before: iop checks these with field paths; the API server keeps whatever is there.
		n.set("x-kubernetes-preserve-unknown-fields", true)
	}
	return n
}

const dnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"

// iopRules adds iop's cheap checks to the generated spec schema.
func iopRules(spec *node, profiles []string) {
	props := spec.get("properties")
	profile := props.get("profile")
	enum := append([]any{""}, toAny(profiles)...)
	profile.set("enum", enum)
	profile.set("description", profile.values["description"].(string)+
		"\n\niop: one of the profiles of the Istio release it installs: "+strings.Join(profiles, ", ")+
		" (empty: default).")
	revision := props.get("revision")
	revision.set("maxLength", 63)
	revision.set("pattern", "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$")
	revision.set("description", revision.values["description"].(string)+
		"\n\niop: a DNS-1123 label such as 1-8-1, without dots: it becomes part of Kubernetes names "+
		"(istiod-1-8-1) and of the istio.io/rev label. The operator of this revision reconciles the CR.")
	namespaceRule(props.get("namespace"))
	components := props.get("components").get("properties")
	for _, c := range components.keys {
		comp := components.get(c)
		if comp.values["type"] == "array" {
			gw := comp.get("items")
			gw.set("required", []any{"name"})
			name := gw.get("properties").get("name")
			name.set("minLength", 1)
			name.set("maxLength", 63)
			name.set("pattern", dnsLabel)
			name.set("description", name.values["description"].(string)+
				"\n\niop: required, a DNS-1123 label: it names the gateway's Deployment and Service.")
			namespaceRule(gw.get("properties").get("namespace"))
			continue
		}
		if p := comp.get("properties"); p != nil {
			namespaceRule(p.get("namespace"))
		}
	}
}

func namespaceRule(n *node) {
	if n == nil {
		return
	}
	n.set("maxLength", 63)
	n.set("pattern", "^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$")
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func crd(root string, spec *node, source string) *node {
	columns := []any{
		obj("name", "Revision", "type", "string", "description", "Istio control plane revision", "jsonPath", ".spec.revision"),
		obj("name", "Status", "type", "string", "description", "IOP current state", "jsonPath", ".status.status"),
		obj("name", "Age", "type", "date", "description",
			"CreationTimestamp is a timestamp representing the server time when this object was created.",
			"jsonPath", ".metadata.creationTimestamp"),
	}
	schema := obj(
		"type", "object",
		"description", root,
		"properties", obj(
			"apiVersion", obj("type", "string", "description",
				"APIVersion defines the versioned schema of this representation of an object: install.istio.io/v1alpha1."),
			"kind", obj("type", "string", "description", "Kind is the type of this object: IstioOperator."),
			"metadata", obj("type", "object"),
			"spec", spec,
			"status", obj("type", "object", "x-kubernetes-preserve-unknown-fields", true, "description",
				"Written by the operator of the CR's revision (iop): status (RECONCILING, HEALTHY, ERROR, "+
					"ACTION_REQUIRED), componentStatus, observedGeneration and the conditions Reconciled, Ready "+
					"and, for gateways without a control plane of their own, ControlPlaneFound."),
		),
		// The CR's name becomes the value of the owning-resource label on everything iop installs.
		"x-kubernetes-validations", []any{obj(
			"rule", "self.metadata.name.size() <= 63 && self.metadata.name.matches('"+dnsLabel+"')",
			"message", "metadata.name must be a DNS-1123 label of at most 63 characters (lower case letters, digits "+
				"and '-'): iop writes it into the install.operator.istio.io/owning-resource label of every object it installs",
		)},
	)
	return obj(
		"apiVersion", "apiextensions.k8s.io/v1",
		"kind", "CustomResourceDefinition",
		"metadata", obj("name", "istiooperators.install.istio.io", "labels", obj("release", "istio")),
		"spec", obj(
			"group", "install.istio.io",
			"names", obj("kind", "IstioOperator", "listKind", "IstioOperatorList", "plural", "istiooperators",
				"singular", "istiooperator", "shortNames", []any{"iop", "io"}),
			"scope", "Namespaced",
			"versions", []any{obj(
				"name", "v1alpha1",
				"served", true,
				"storage", true,
				"subresources", obj("status", obj()),
				"additionalPrinterColumns", columns,
				"schema", obj("openAPIV3Schema", schema),
			)},
		),
	)
}

// YAML output: block style, strings quoted as JSON does (valid YAML), descriptions as literal blocks.
func write(b *strings.Builder, v any, indent int, inList bool) {
	pad := strings.Repeat("  ", indent)
	switch t := v.(type) {
	case *node:
		if len(t.keys) == 0 {
			b.WriteString(" {}\n")
			return
		}
		if !inList {
			b.WriteString("\n")
		}
		for i, k := range t.keys {
			if !(inList && i == 0) {
				b.WriteString(pad)
			}
			b.WriteString(k + ":")
			writeValue(b, t.values[k], indent+1)
		}
	case []any:
		if len(t) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteString("\n")
		for _, item := range t {
			b.WriteString(strings.Repeat("  ", indent-1) + "- ")
			if n, ok := item.(*node); ok {
				write(b, n, indent, true)
			} else {
				writeScalar(b, item, indent)
			}
		}
	}
}

func writeValue(b *strings.Builder, v any, indent int) {
	switch v.(type) {
	case *node, []any:
		write(b, v, indent, false)
	default:
		b.WriteString(" ")
		writeScalar(b, v, indent)
	}
}

func writeScalar(b *strings.Builder, v any, indent int) {
	switch t := v.(type) {
	case string:
		if strings.Contains(t, "\n") {
			b.WriteString("|-\n")
			for _, line := range strings.Split(t, "\n") {
				if line == "" {
					b.WriteString("\n")
					continue
				}
				b.WriteString(strings.Repeat("  ", indent) + line + "\n")
			}
			return
		}
		b.WriteString(strconv.Quote(t) + "\n")
	default:
		fmt.Fprintf(b, "%v\n", t)
	}
}

func main() {
	typesPath := flag.String("types", "", "operator/pkg/apis/types.go of the istio.io/istio module")
	profilesDir := flag.String("profiles", "", "manifests/profiles of the same module")
	source := flag.String("source", "istio.io/istio", "what the types came from, for the header")
	flag.Parse()
	if *typesPath == "" || *profilesDir == "" {
		fmt.Fprintln(os.Stderr, "usage: crdgen -types TYPES.go -profiles DIR [-source MODULE@VERSION]")
		os.Exit(2)
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, *typesPath, nil, parser.ParseComments)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crdgen:", err)
		os.Exit(1)
	}
	g := &generator{types: map[string]*ast.StructType{}, docs: map[string]string{}}
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			if st, ok := ts.Type.(*ast.StructType); ok {
				g.types[ts.Name.Name] = st
				doc := ts.Doc
				if doc == nil {
					doc = gd.Doc
				}
				g.docs[ts.Name.Name] = docText(doc)
			}
		}
	}
	root, specType := g.types["IstioOperator"], g.types["IstioOperatorSpec"]
	if root == nil || specType == nil {
		fmt.Fprintln(os.Stderr, "crdgen: no IstioOperator or IstioOperatorSpec type in", *typesPath)
		os.Exit(1)
	}
	specDoc := ""
	for _, f := range root.Fields.List {
		if jsonName(f) == "spec" {
			specDoc = docText(f.Doc)
		}
	}
	spec := g.object(specType, false)
	spec.set("description", strings.TrimSpace(specDoc+"\n\n"+g.docs["IstioOperatorSpec"]))
	// Moved to the front, where a reader looks first.
	spec.keys = append([]string{"description"}, spec.keys[:len(spec.keys)-1]...)

	files, err := filepath.Glob(filepath.Join(*profilesDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		fmt.Fprintln(os.Stderr, "crdgen: no profiles in", *profilesDir)
		os.Exit(1)
	}
	var profiles []string
	for _, f := range files {
		profiles = append(profiles, strings.TrimSuffix(filepath.Base(f), ".yaml"))
	}
	sort.Strings(profiles)
	iopRules(spec, profiles)

	var b strings.Builder
	b.WriteString("# The IstioOperator CRD that `iop operator init` installs. Generated by tools/crdgen from\n")
	b.WriteString("# " + *source + " (operator/pkg/apis/types.go and manifests/profiles): do not edit.\n")
	b.WriteString("# The build generates it again; `make manifests` copies it here, to helm/iop/crds/ and deploy/.\n")
	write(&b, crd(g.docs["IstioOperator"], spec, *source), 0, false)
	fmt.Print(strings.Replace(b.String(), ".\n\napiVersion", ".\napiVersion", 1))
}
