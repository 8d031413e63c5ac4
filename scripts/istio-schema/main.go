// Command istio-schema prints, as compact JSON, the schema istioctl validates an IstioOperator's
// `values` and `meshConfig` with: the protobuf messages istio.operator.v1alpha1.Values
// (istio.io/istio operator/pkg/apis/values_types.proto) and istio.mesh.v1alpha1.MeshConfig
// (istio.io/api), walked through their compiled-in descriptors, so the schema is exactly the
// pinned Istio's and nothing of it is typed by hand. iop's build (scripts/istio-schema.sh)
// compiles the output into the binary; reconcilers/api/values_schema.cpp reads it.
//
// Output: {"istio": VERSION, "roots": {"values": NAME, "meshConfig": NAME},
//
//	"messages": {NAME: [FIELD...]}, "enums": {NAME: [VALUE...]}}
//
// where FIELD is {"p": proto name, "j": JSON name, "t": TYPE, "l": true for repeated,
// "m": KEYTYPE for maps} and TYPE is a scalar kind (bool, int32, uint32, int64, uint64,
// float, double, string, bytes), "enum:NAME", "msg:NAME", or a well-known type protojson
// reads its own way: "value" (any JSON), "struct" (an object), "listvalue" (a list),
// "duration", "timestamp", "fieldmask", "any", "empty", "wrap:KIND" (a wrapper: the bare
// scalar) and "intorstring" (istio's IntOrString, which has its own JSON decoding).
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"google.golang.org/protobuf/reflect/protoreflect"

	meshconfig "istio.io/api/mesh/v1alpha1"
	"istio.io/istio/operator/pkg/apis"
)

type field struct {
	Proto    string `json:"p"`
	JSON     string `json:"j"`
	Type     string `json:"t"`
	Repeated bool   `json:"l,omitempty"`
	MapKey   string `json:"m,omitempty"`
}

type schema struct {
	Istio    string              `json:"istio"`
	Roots    map[string]string   `json:"roots"`
	Messages map[string][]field  `json:"messages"`
	Enums    map[string][]string `json:"enums"`
}

var wellKnown = map[protoreflect.FullName]string{
	"google.protobuf.Value":       "value",
	"google.protobuf.Struct":      "struct",
	"google.protobuf.ListValue":   "listvalue",
	"google.protobuf.Duration":    "duration",
	"google.protobuf.Timestamp":   "timestamp",
	"google.protobuf.FieldMask":   "fieldmask",
	"google.protobuf.Any":         "any",
	"google.protobuf.Empty":       "empty",
	"google.protobuf.BoolValue":   "wrap:bool",
	"google.protobuf.StringValue": "wrap:string",
	"google.protobuf.BytesValue":  "wrap:bytes",
	"google.protobuf.Int32Value":  "wrap:int32",
	"google.protobuf.UInt32Value": "wrap:uint32",
	"google.protobuf.Int64Value":  "wrap:int64",
	"google.protobuf.UInt64Value": "wrap:uint64",
	"google.protobuf.FloatValue":  "wrap:float",
	"google.protobuf.DoubleValue": "wrap:double",
	// operator/pkg/apis/value_types_json.go: UnmarshalJSON takes a number or a string.
	"istio.operator.v1alpha1.IntOrString": "intorstring",
}

func (s *schema) typeOf(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return "bool"
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return "int32"
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return "uint32"
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return "int64"
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return "uint64"
	case protoreflect.FloatKind:
		return "float"
	case protoreflect.DoubleKind:
		return "double"
	case protoreflect.StringKind:
		return "string"
	case protoreflect.BytesKind:
		return "bytes"
	case protoreflect.EnumKind:
		s.enum(fd.Enum())
		return "enum:" + string(fd.Enum().FullName())
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if wk, ok := wellKnown[fd.Message().FullName()]; ok {
			return wk
		}
		s.message(fd.Message())
		return "msg:" + string(fd.Message().FullName())
	}
	panic(fmt.Sprintf("unknown kind %v of %v", fd.Kind(), fd.FullName()))
}

func (s *schema) enum(ed protoreflect.EnumDescriptor) {
	name := string(ed.FullName())
	if _, done := s.Enums[name]; done {
		return
	}
	var values []string
	for i := 0; i < ed.Values().Len(); i++ {
		values = append(values, string(ed.Values().Get(i).Name()))
	}
	s.Enums[name] = values
}

func (s *schema) message(md protoreflect.MessageDescriptor) {
	name := string(md.FullName())
	if _, done := s.Messages[name]; done {
		return
	}
	s.Messages[name] = nil // marks it in progress, for recursive messages
	fields := []field{}
	for i := 0; i < md.Fields().Len(); i++ {
		fd := md.Fields().Get(i)
		f := field{Proto: string(fd.Name()), JSON: fd.JSONName()}
		switch {
		case fd.IsMap():
			f.MapKey = s.typeOf(fd.MapKey())
			f.Type = s.typeOf(fd.MapValue())
		case fd.IsList():
			f.Repeated = true
			f.Type = s.typeOf(fd)
		default:
			f.Type = s.typeOf(fd)
		}
		fields = append(fields, f)
	}
	s.Messages[name] = fields
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: istio-schema ISTIO_VERSION")
		os.Exit(2)
	}
	s := &schema{Istio: os.Args[1], Roots: map[string]string{}, Messages: map[string][]field{}, Enums: map[string][]string{}}
	values := (&apis.Values{}).ProtoReflect().Descriptor()
	mesh := (&meshconfig.MeshConfig{}).ProtoReflect().Descriptor()
	s.message(values)
	s.message(mesh)
	s.Roots["values"] = string(values.FullName())
	s.Roots["meshConfig"] = string(mesh.FullName())
	out, err := json.Marshal(s)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
	os.Stdout.Write([]byte("\n"))
}
