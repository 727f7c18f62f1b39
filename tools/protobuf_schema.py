#!/usr/bin/env python3
"""Generates src/api/protobuf/schema/table.rs, the table skiff decodes Kubernetes protobuf
request bodies with (application/vnd.kubernetes.protobuf, sent by kubectl 1.33's typed clients).

Usage: python3 tools/protobuf_schema.py KUBECTL_BINARY > src/api/protobuf/schema/table.rs

Input: the FileDescriptorProtos that gogo-generated Go code embeds (gzipped) in every binary that
links k8s.io/api, e.g. kubectl. They are upstream's generated.proto files as go-to-protobuf
compiled them, and unlike the published .proto text they keep the (gogoproto.nullable) = false
option that marks Go value fields: on the wire a value field is always written, so its zero value
must read as "unset" (Go's `omitempty`), while a pointer field written as zero (`replicas: 0`) is
an explicit value. Field numbers and names are the published ones.

Output: only the messages reachable from ROOTS; Kubernetes' special types (Time, IntOrString,
Quantity, ...) become leaf types whose JSON forms the decoder knows. Pure standard library.
"""
import hashlib
import os
import re
import sys
import zlib

# (apiVersion, kind, message): the objects skiff serves or is about to.
KINDS = [
    ("v1", "Pod", "k8s.io.api.core.v1.Pod"),
    ("v1", "Service", "k8s.io.api.core.v1.Service"),
    ("v1", "Event", "k8s.io.api.core.v1.Event"),
    ("v1", "Endpoints", "k8s.io.api.core.v1.Endpoints"),
    ("v1", "ConfigMap", "k8s.io.api.core.v1.ConfigMap"),
    ("v1", "Secret", "k8s.io.api.core.v1.Secret"),
    ("v1", "Namespace", "k8s.io.api.core.v1.Namespace"),
    ("apps/v1", "Deployment", "k8s.io.api.apps.v1.Deployment"),
    ("apps/v1", "ReplicaSet", "k8s.io.api.apps.v1.ReplicaSet"),
    ("autoscaling/v1", "Scale", "k8s.io.api.autoscaling.v1.Scale"),
    ("autoscaling/v1", "HorizontalPodAutoscaler", "k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler"),
    ("autoscaling/v2", "HorizontalPodAutoscaler", "k8s.io.api.autoscaling.v2.HorizontalPodAutoscaler"),
    ("discovery/v1", "EndpointSlice", "k8s.io.api.discovery.v1.EndpointSlice"),
]
# Typed clients send DeleteOptions in the group version of the object they delete.
KINDS += [(v, "DeleteOptions", "k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions")
          for v in sorted({v for v, _, _ in KINDS})]

# Messages whose JSON form is not an object.
SPECIAL = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Time": "Time",
    "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime": "MicroTime",
    "k8s.io.apimachinery.pkg.apis.meta.v1.Duration": "Duration",
    "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1": "RawJson",
    "k8s.io.apimachinery.pkg.runtime.RawExtension": "RawJson",
    "k8s.io.apimachinery.pkg.util.intstr.IntOrString": "IntOrString",
    "k8s.io.apimachinery.pkg.api.resource.Quantity": "Quantity",
}
SCALARS = {1: "Double", 3: "Int64", 5: "Int32", 8: "Bool", 9: "String", 12: "Bytes"}
TYPE_MESSAGE, LABEL_REPEATED, GOGO_NULLABLE, MAP_ENTRY = 11, 3, 65001, 7
SHORT_PREFIXES = ["k8s.io.api.", "k8s.io.apimachinery.pkg.apis.", "k8s.io.apimachinery.pkg."]


def varint(buf, i):
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def wire_fields(buf):
    """(number, value) pairs of a protobuf message; value is an int or bytes."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 2:
            length, i = varint(buf, i)
            value, i = buf[i:i + length], i + length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, i = buf[i:i + size], i + size
        else:
            raise ValueError(f"wire type {wire}")
        yield number, value


def parse_field(buf):
    f = {"nullable": True, "type_name": None}
    for n, v in wire_fields(buf):
        if n == 1:
            f["name"] = v.decode()
        elif n == 3:
            f["number"] = v
        elif n == 4:
            f["repeated"] = v == LABEL_REPEATED
        elif n == 5:
            f["type"] = v
        elif n == 6:
            f["type_name"] = v.decode().lstrip(".")
        elif n == 8:
            f["nullable"] = all(not (k == GOGO_NULLABLE and x == 0) for k, x in wire_fields(v))
    return f


def parse_message(buf, scope, messages):
    """Adds the message (and its nested map entries) to `messages` under full names."""
    name, fields, map_entry = None, [], False
    for n, v in wire_fields(buf):
        if n == 1:
            name = v.decode()
        elif n == 2:
            fields.append(parse_field(v))
        elif n == 7:
            map_entry = any(k == MAP_ENTRY and x == 1 for k, x in wire_fields(v))
    full = f"{scope}.{name}"
    for n, v in wire_fields(buf):
        if n == 3:
            parse_message(v, full, messages)
    messages[full] = {"fields": sorted(fields, key=lambda f: f["number"]), "map_entry": map_entry}


def descriptors(binary):
    """The k8s.io FileDescriptorProtos gzipped inside a Go binary, by file name."""
    data = open(binary, "rb").read()
    go_gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    files = {}
    for m in re.finditer(re.escape(go_gzip_header), data):
        try:
            fd = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[m.start():m.start() + (4 << 20)])
            parts = dict((n, v) for n, v in wire_fields(fd) if n in (1, 2))
        except (zlib.error, ValueError, IndexError):
            continue
        name = parts.get(1, b"").decode(errors="replace")
        if name.startswith("k8s.io/") and name.endswith("/generated.proto"):
            files[name] = (parts.get(2, b"").decode(), fd)
    return files


def all_messages(binary):
    messages = {}
    for package, fd in descriptors(binary).values():
        for n, v in wire_fields(fd):
            if n == 4:
                parse_message(v, package, messages)
    return messages


def field_type(f, messages):
    """The Rust `Type` of a field's values (the value of a map entry for maps)."""
    if f["type"] != TYPE_MESSAGE:
        if f["type"] not in SCALARS:
            sys.exit(f"field {f['name']}: scalar type {f['type']} has no JSON mapping here")
        return SCALARS[f["type"]], None
    target = f["type_name"]
    if target in SPECIAL:
        return SPECIAL[target], None
    entry = messages[target]
    if entry["map_entry"]:
        key, value = entry["fields"]
        if key["type"] != 9:
            sys.exit(f"map {target}: only string keys are expected")
        return field_type(value, messages)
    return "Message", target


def reachable(messages):
    """Messages reachable from KINDS in breadth-first order; fails on a cycle (depth is then bounded)."""
    order, seen = [], set()
    queue = [m for _, _, m in KINDS]
    while queue:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        order.append(name)
        for f in messages[name]["fields"]:
            ty, target = field_type(f, messages)
            if target:
                queue.append(target)
    check_acyclic(messages, order)
    return order


def check_acyclic(messages, order):
    state = {}

    def visit(name, path):
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            sys.exit("cycle: " + " -> ".join(path + [name]))
        state[name] = "open"
        for f in messages[name]["fields"]:
            _, target = field_type(f, messages)
            if target:
                visit(target, path + [name])
        state[name] = "done"

    for name in order:
        visit(name, [])


def label(f, messages):
    if f["repeated"]:
        entry = messages.get(f["type_name"]) if f["type"] == TYPE_MESSAGE else None
        return "Map" if entry and entry["map_entry"] else "Repeated"
    return "Pointer" if f["nullable"] else "Value"


def short(name):
    for prefix in SHORT_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def render(binary):
    messages = all_messages(binary)
    order = reachable(messages)
    index = {name: i for i, name in enumerate(order)}
    digest = hashlib.sha256(open(binary, "rb").read()).hexdigest()
    out = [
        "// @generated by tools/protobuf_schema.py; do not edit by hand.",
        f"// Input: {os.path.basename(binary)} (sha256 {digest[:16]}), its embedded k8s.io descriptors.",
        "// Regenerate: python3 tools/protobuf_schema.py /usr/lib/google-cloud-sdk/bin/kubectl.1.33 \\",
        "//     > src/api/protobuf/schema/table.rs",
        "",
        "use super::{Field, Kind, Label::*, Type::*, field};",
        "",
        "#[rustfmt::skip]",
        "pub(super) static KINDS: &[Kind] = &[",
    ]
    for api_version, kind, message in KINDS:
        out.append(f'    Kind {{ api_version: "{api_version}", kind: "{kind}", message: {index[message]} }},')
    out += ["];", "", "/// Each message's fields by number; a comment names the message.", "#[rustfmt::skip]",
            "pub(super) static MESSAGES: &[&[Field]] = &["]
    for i, name in enumerate(order):
        out.append(f"    // {i}: {short(name)}")
        out.append("    &[")
        for f in messages[name]["fields"]:
            ty, target = field_type(f, messages)
            ty = f"Message({index[target]})" if target else ty
            out.append(f'        field({f["number"]}, "{f["name"]}", {label(f, messages)}, {ty}),')
        out.append("    ],")
    out.append("];")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.stdout.write(render(sys.argv[1]))
