package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
)

// The HTML encoding of the OGC API: plain pages with the same links as the
// JSON, for people browsing the API. The pages of features are rendered
// from the GeoJSON the API serves, so both always agree.

var ogcTemplates = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}nav a{margin-right:1rem}footer{margin-top:2rem;color:#666;font-size:13px}code{font-size:13px}
</style></head><body>
<nav><a href="/?f=html">Home</a><a href="/collections?f=html">Collections</a><a href="/conformance?f=html">Conformance</a><a href="/api">API (OpenAPI)</a></nav>
{{end}}
{{define "foot"}}<footer>{{.}}</footer></body></html>{{end}}
{{define "links"}}<ul>{{range .}}<li><a href="{{.Href}}">{{if .Title}}{{.Title}}{{else}}{{.Rel}}{{end}}</a> <small>({{.Rel}}{{if .Type}}, {{.Type}}{{end}})</small></li>{{end}}</ul>{{end}}

{{define "landing"}}{{template "head" index . "title"}}
<h1>{{index . "title"}}</h1>
<p>{{index . "description"}}</p>
<h2>Links</h2>{{template "links" index . "links"}}
{{template "foot" index . "attribution"}}{{end}}

{{define "conformance"}}{{template "head" "Conformance"}}
<h1>Conformance classes</h1>
<ul>{{range index . "conformsTo"}}<li><code>{{.}}</code></li>{{end}}</ul>
{{template "foot" ""}}{{end}}

{{define "collections"}}{{template "head" "Collections"}}
<h1>Collections</h1>
<table><tr><th>id</th><th>title</th><th>description</th><th>items</th></tr>
{{range .Collections}}<tr><td><a href="{{.Href}}">{{.ID}}</a></td><td>{{.Title}}</td><td>{{.Description}}</td>
<td><a href="{{.Items}}?f=html">HTML</a> · <a href="{{.Items}}?f=json">GeoJSON</a></td></tr>{{end}}</table>
{{template "foot" .Attribution}}{{end}}

{{define "collection"}}{{template "head" .Title}}
<h1>{{.Title}} <small><code>{{.ID}}</code></small></h1>
<p>{{.Description}}</p>
{{if .Extent}}<p>Extent (lon/lat, CRS84): <code>{{.Extent}}</code></p>{{end}}
<p>Query parameters: <code>bbox</code>, <code>limit</code> (default {{.Limit}}, at most {{.MaxLimit}}), <code>offset</code>, <code>f</code>{{range .Params}}, <code>{{.}}</code>{{end}}.</p>
<h2>Links</h2>{{template "links" .Links}}
{{template "foot" .Attribution}}{{end}}

{{define "items"}}{{template "head" .Title}}
<h1>{{.Title}}</h1>
<p>{{.Returned}} of {{.Matched}} features from offset {{.Offset}}.
{{range .Nav}} <a href="{{.Href}}">{{.Title}}</a>{{end}}</p>
<table><tr><th>feature</th>{{range .Columns}}<th>{{.}}</th>{{end}}</tr>
{{range .Features}}<tr><td><a href="{{.Href}}">{{.ID}}</a></td>{{range .Values}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
{{if .More}}<p>{{.More}} more properties on each feature's page.</p>{{end}}
{{template "foot" .Attribution}}{{end}}

{{define "item"}}{{template "head" .Title}}
<h1>{{.Title}}</h1>
<p>Geometry: {{.Geometry}}</p>
<table>{{range .Props}}<tr><th>{{.K}}</th><td>{{.V}}</td></tr>{{end}}</table>
<h2>Links</h2>{{template "links" .Links}}
{{template "foot" .Attribution}}{{end}}
`))

// renderHTML renders one of the templates.
func (o *ogc) renderHTML(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := ogcTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("ogc: html %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

type ogcHTMLCollection struct {
	ID, Title, Description, Href, Items string
}

func (o *ogc) collectionsHTML(base string) ([]byte, error) {
	data := struct {
		Collections []ogcHTMLCollection
		Attribution string
	}{Attribution: o.s.city.Attribution}
	for _, c := range o.colls {
		data.Collections = append(data.Collections, ogcHTMLCollection{ID: c.id, Title: c.title, Description: c.description,
			Href: base + "/collections/" + c.id + "?f=html", Items: base + "/collections/" + c.id + "/items"})
	}
	return o.renderHTML("collections", data)
}

func (o *ogc) collectionHTML(base string, coll *ogcCollection) ([]byte, error) {
	doc, err := o.collectionDoc(base, coll)
	if err != nil {
		return nil, err
	}
	data := struct {
		ID, Title, Description, Attribution, Extent string
		Params                                      []string
		Limit, MaxLimit                             int
		Links                                       []ogcLink
	}{ID: coll.id, Title: coll.title, Description: coll.description, Attribution: o.s.city.Attribution,
		Params: coll.params, Limit: o.s.cfg.ItemsLimit, MaxLimit: o.s.cfg.ItemsMaxLimit, Links: doc["links"].([]ogcLink)}
	if ext, ok := doc["extent"].(map[string]any); ok {
		b, _ := json.Marshal(ext["spatial"].(map[string]any)["bbox"])
		data.Extent = string(b)
	}
	return o.renderHTML("collection", data)
}

// ogcKV is one property as text.
type ogcKV struct{ K, V string }

// ogcMembers decodes a JSON object's members in order, values as text
// (strings unquoted, other values as JSON).
func ogcMembers(raw json.RawMessage) ([]ogcKV, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var out []ogcKV
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		text := string(v)
		if text == "null" {
			text = ""
		}
		if len(v) > 0 && v[0] == '"' {
			if s, err := strconv.Unquote(text); err == nil {
				text = s
			} else {
				var s string
				_ = json.Unmarshal(v, &s)
				text = s
			}
		}
		out = append(out, ogcKV{k, text})
	}
	return out, nil
}

// ogcRawFeature is a GeoJSON Feature as the API writes it.
type ogcRawFeature struct {
	ID         json.RawMessage `json:"id"`
	Geometry   struct{ Type string }
	Properties json.RawMessage `json:"properties"`
}

func (f *ogcRawFeature) id() string {
	var s string
	if json.Unmarshal(f.ID, &s) == nil {
		return s
	}
	return string(f.ID)
}

// ogcMaxHTMLColumns bounds the columns of an HTML page of features; the
// others show on each feature's page.
const ogcMaxHTMLColumns = 14

func (o *ogc) itemsHTML(p *ogcPage) ([]byte, error) {
	b, err := ogcPageJSON(p)
	if err != nil {
		return nil, err
	}
	var fc struct {
		Features []ogcRawFeature `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, err
	}
	type row struct {
		ID, Href string
		Values   []string
	}
	data := struct {
		Title, Attribution              string
		Matched, Returned, Offset, More int
		Nav                             []ogcLink
		Columns                         []string
		Features                        []row
	}{Title: p.coll.title, Attribution: p.attribution, Matched: p.matched, Returned: len(p.idx), Offset: p.offset}
	// The page's links, to their HTML versions.
	for _, l := range p.links {
		switch l.Rel {
		case "prev", "next", "collection":
			l.Href = strings.Replace(l.Href, "f=json", "f=html", 1)
			data.Nav = append(data.Nav, l)
		case "self":
			l.Title = "This page as GeoJSON"
			data.Nav = append(data.Nav, l)
		}
	}
	itemQuery := url.Values{"f": {"html"}}
	for _, k := range p.coll.params {
		if v := p.query.Get(k); v != "" {
			itemQuery.Set(k, v)
		}
	}
	for i, f := range fc.Features {
		members, err := ogcMembers(f.Properties)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			for k, m := range members {
				if k == ogcMaxHTMLColumns {
					data.More = len(members) - k
					break
				}
				data.Columns = append(data.Columns, m.K)
			}
		}
		r := row{ID: f.id(), Href: p.base + "/collections/" + p.coll.id + "/items/" + url.PathEscape(f.id()) + "?" + itemQuery.Encode()}
		for k := range data.Columns {
			if k < len(members) {
				r.Values = append(r.Values, members[k].V)
			}
		}
		data.Features = append(data.Features, r)
	}
	return o.renderHTML("items", data)
}

func (o *ogc) itemHTML(f *ogcFeature) ([]byte, error) {
	var rf ogcRawFeature
	if err := json.Unmarshal(f.body, &rf); err != nil {
		return nil, err
	}
	members, err := ogcMembers(rf.Properties)
	if err != nil {
		return nil, err
	}
	data := struct {
		Title, Geometry, Attribution string
		Props                        []ogcKV
		Links                        []ogcLink
	}{Title: f.coll.title + ": " + rf.id(), Geometry: rf.Geometry.Type, Attribution: f.attribution, Props: members, Links: f.links}
	return o.renderHTML("item", data)
}
