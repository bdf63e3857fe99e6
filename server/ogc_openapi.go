package server

import (
	"strconv"

	"fifteen/publish"
)

// The OpenAPI 3.0 definition of every route of the server, served at /api.
// It is built in Go rather than kept as a file so that the enumerations
// (collections, categories, profiles) and limits follow the loaded data and
// the configuration. TestOpenAPIDocumentsEveryRoute fails when a route is
// registered without being described here.

type oaObj = map[string]any

func oaSchema(typ string, kv ...any) oaObj {
	o := oaObj{"type": typ}
	for i := 0; i+1 < len(kv); i += 2 {
		o[kv[i].(string)] = kv[i+1]
	}
	return o
}

func oaEnum(values []string, def string) oaObj {
	o := oaObj{"type": "string", "enum": values}
	if def != "" {
		o["default"] = def
	}
	return o
}

func oaRef(kind, name string) oaObj { return oaObj{"$ref": "#/components/" + kind + "/" + name} }

func oaQuery(name, desc string, required bool, schema oaObj) oaObj {
	return oaObj{"name": name, "in": "query", "description": desc, "required": required, "schema": schema, "style": "form", "explode": false}
}

func oaPathParam(name, desc string, schema oaObj) oaObj {
	return oaObj{"name": name, "in": "path", "description": desc, "required": true, "schema": schema}
}

// oaContent is a response or request body of the given media types, all
// with one schema.
func oaContent(desc string, schema oaObj, types ...string) oaObj {
	content := oaObj{}
	for _, t := range types {
		content[t] = oaObj{"schema": schema}
	}
	o := oaObj{"description": desc}
	if len(types) > 0 {
		o["content"] = content
	}
	return o
}

// oaOp is one operation; problems names the problem responses it may give
// ("400", "404", "422", "503"), besides the 500 every operation may give.
func oaOp(tag, id, summary, desc string, params []any, ok map[string]oaObj, problems ...string) oaObj {
	responses := oaObj{}
	for code, r := range ok {
		responses[code] = r
	}
	for _, p := range append(problems, "500") {
		responses[p] = oaRef("responses", "Problem"+p)
	}
	op := oaObj{"tags": []string{tag}, "operationId": id, "summary": summary, "description": desc, "responses": responses}
	if len(params) > 0 {
		op["parameters"] = params
	}
	return op
}

func oaOK(desc string, schema oaObj, types ...string) map[string]oaObj {
	return map[string]oaObj{"200": oaContent(desc, schema, types...)}
}

// ogcOpenAPI builds the definition.
func ogcOpenAPI(s *state, colls []*ogcCollection) oaObj {
	var collIDs, catIDs, profIDs []string
	for _, c := range colls {
		collIDs = append(collIDs, c.id)
	}
	for _, c := range s.city.Taxonomy.Categories {
		catIDs = append(catIDs, c.ID)
	}
	for _, p := range s.base.Profiles {
		profIDs = append(profIDs, p.ID)
	}
	gapDefault := ""
	if c := s.city.Taxonomy.DefaultGapCategory(); c >= 0 {
		gapDefault = catIDs[c]
	}
	obj := oaSchema("object")
	geojsonTypes := []string{ogcMediaGeoJSON}
	problem := oaRef("schemas", "Problem")

	// Parameters shared by several operations.
	par := func(name string) oaObj { return oaRef("parameters", name) }
	lon := oaQuery("lon", "Longitude of the point, WGS 84 degrees in [-180, 180].", true, oaSchema("number", "minimum", -180, "maximum", 180))
	lat := oaQuery("lat", "Latitude of the point, WGS 84 degrees in [-90, 90].", true, oaSchema("number", "minimum", -90, "maximum", 90))
	category := func(desc string, required bool) oaObj {
		return oaQuery("category", desc, required, oaEnum(catIDs, ""))
	}
	layers := []string{"cells", "communities", "facilities", "underserved", "network"}

	components := oaObj{
		"schemas": oaObj{
			"Problem": oaSchema("object", "description", "An RFC 9457 problem detail.",
				"required", []string{"type", "title", "status"},
				"properties", oaObj{
					"type": oaSchema("string"), "title": oaSchema("string"), "status": oaSchema("integer"),
					"detail": oaSchema("string"),
					"param":  oaSchema("string", "description", "The query parameter or body field that was wrong."),
				}),
			"Link": oaSchema("object", "required", []string{"href", "rel"}, "properties", oaObj{
				"href": oaSchema("string"), "rel": oaSchema("string"), "type": oaSchema("string"), "title": oaSchema("string"),
			}),
			"LandingPage": oaSchema("object", "required", []string{"links"}, "properties", oaObj{
				"title": oaSchema("string"), "description": oaSchema("string"), "attribution": oaSchema("string"),
				"version": oaSchema("string"), "links": oaSchema("array", "items", oaRef("schemas", "Link")),
			}),
			"ConfClasses": oaSchema("object", "required", []string{"conformsTo"}, "properties", oaObj{
				"conformsTo": oaSchema("array", "items", oaSchema("string")),
			}),
			"Collection": oaSchema("object", "required", []string{"id", "links"}, "properties", oaObj{
				"id": oaSchema("string"), "title": oaSchema("string"), "description": oaSchema("string"),
				"attribution": oaSchema("string"), "itemType": oaSchema("string"),
				"crs": oaSchema("array", "items", oaSchema("string")),
				"extent": oaSchema("object", "properties", oaObj{"spatial": oaSchema("object", "properties", oaObj{
					"bbox": oaSchema("array", "items", oaSchema("array", "minItems", 4, "maxItems", 4, "items", oaSchema("number"))),
					"crs":  oaSchema("string"),
				})}),
				"links": oaSchema("array", "items", oaRef("schemas", "Link")),
			}),
			"Collections": oaSchema("object", "required", []string{"links", "collections"}, "properties", oaObj{
				"links":       oaSchema("array", "items", oaRef("schemas", "Link")),
				"collections": oaSchema("array", "items", oaRef("schemas", "Collection")),
			}),
			"Geometry": oaSchema("object", "description", "A GeoJSON geometry, coordinates in WGS 84 longitude, latitude rounded to 6 decimals.",
				"required", []string{"type"}, "properties", oaObj{
					"type":        oaEnum([]string{"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}, ""),
					"coordinates": oaSchema("array", "items", oaObj{}),
				}),
			"FeatureGeoJSON": oaSchema("object", "required", []string{"type", "geometry", "properties"}, "properties", oaObj{
				"type":       oaEnum([]string{"Feature"}, ""),
				"id":         oaObj{"oneOf": []oaObj{oaSchema("string"), oaSchema("integer")}},
				"geometry":   oaObj{"allOf": []oaObj{oaRef("schemas", "Geometry")}, "nullable": true},
				"properties": oaSchema("object", "nullable", true),
				"links":      oaSchema("array", "items", oaRef("schemas", "Link")),
			}),
			"FeatureCollectionGeoJSON": oaSchema("object", "required", []string{"type", "features"}, "properties", oaObj{
				"type":           oaEnum([]string{"FeatureCollection"}, ""),
				"attribution":    oaSchema("string"),
				"timeStamp":      oaSchema("string", "format", "date-time"),
				"numberMatched":  oaSchema("integer", "minimum", 0),
				"numberReturned": oaSchema("integer", "minimum", 0),
				"links":          oaSchema("array", "items", oaRef("schemas", "Link")),
				"features":       oaSchema("array", "items", oaRef("schemas", "FeatureGeoJSON")),
			}),
			"IsochroneBatch": oaSchema("object", "required", []string{"origins"}, "properties", oaObj{
				"origins": oaSchema("array", "minItems", 1, "maxItems", 100, "items", oaSchema("object",
					"required", []string{"lon", "lat"}, "properties", oaObj{
						"id": oaSchema("string"), "lon": oaSchema("number"), "lat": oaSchema("number"),
					})),
				"minutes": oaSchema("array", "items", oaSchema("number", "exclusiveMinimum", true, "minimum", 0)),
				"profile": oaEnum(profIDs, "adult"),
				"reverse": oaSchema("boolean", "default", false),
			}),
			"IsochroneBatchResults": oaSchema("object", "properties", oaObj{
				"results": oaSchema("array", "description", "One result per origin, in the order given.",
					"items", oaSchema("object", "required", []string{"id", "ok"}, "properties", oaObj{
						"id":       oaSchema("string"),
						"ok":       oaSchema("boolean"),
						"features": oaSchema("array", "description", "The origin's isochrone features.", "items", oaRef("schemas", "FeatureGeoJSON")),
						"error":    problem,
					})),
			}),
			"WhatIf": publish.WhatIfSchema(),
			"ScenarioDocument": oaObj{"description": "A scenario's document: the what-if answer (compact by default, full with report=full) " +
				"with the stored scenario's id, owner, creation time and state.",
				"allOf": []oaObj{oaRef("schemas", "WhatIf"), oaSchema("object", "required", []string{"created", "saved", "city_changed"}, "properties", oaObj{
					"id":           oaSchema("string", "description", "The saved scenario's id; absent from a preview."),
					"owner":        oaSchema("string", "description", "The name of the token that saved it; absent from a preview."),
					"created":      oaSchema("string", "format", "date-time"),
					"saved":        oaSchema("boolean", "description", "A saved scenario (kept until its owner deletes it), or a preview."),
					"city_changed": oaSchema("boolean", "description", "The city data differ from those the scenario was saved against; its figures are recomputed on the data served now."),
				})}},
			"Scenario": oaSchema("object", "description", "A what-if scenario as plain JSON. It may also be sent as a GeoJSON "+
				"FeatureCollection whose features say what they do in an \"action\" property: \"add\" (the default for points: "+
				"a new facility with category, name, capacity, id), \"link\" (the default for lines: a new walk link), "+
				"\"close\" (a facility by \"id\") or \"close_way\" (an OSM way by \"way\").",
				"additionalProperties", false, "properties", oaObj{
					"name": oaSchema("string"),
					"add": oaSchema("array", "items", oaSchema("object", "required", []string{"category", "lon", "lat"}, "properties", oaObj{
						"id": oaSchema("string"), "name": oaSchema("string"), "category": oaEnum(catIDs, ""),
						"lon": oaSchema("number"), "lat": oaSchema("number"), "capacity": oaSchema("number", "minimum", 0),
					})),
					"close":      oaSchema("array", "description", "Facility ids such as osm:way/123.", "items", oaSchema("string")),
					"add_links":  oaSchema("array", "description", "New walk links as lists of [lon, lat].", "items", oaSchema("array", "items", oaSchema("array", "minItems", 2, "maxItems", 2, "items", oaSchema("number")))),
					"close_ways": oaSchema("array", "description", "OSM way ids closed to walkers.", "items", oaSchema("integer")),
				}),
		},
		"parameters": oaObj{
			"collectionId": oaPathParam("collectionId", "The collection.", oaEnum(collIDs, "")),
			"featureId": oaPathParam("featureId", "The feature: a facility's category:id (facilities, greenways; "+
				"escape its \"/\" as %2F), a community id, an H3 index (cells), a cluster rank (underserved) or an edge "+
				"number (network).", oaSchema("string")),
			"bbox": oaObj{"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false,
				"description": "Only features whose bounds intersect minLon,minLat,maxLon,maxLat (WGS 84).",
				"schema":      oaSchema("array", "minItems", 4, "maxItems", 4, "items", oaSchema("number"))},
			"limit": oaQuery("limit", "The most features on a page.", false,
				oaSchema("integer", "minimum", 1, "maximum", s.cfg.ItemsMaxLimit, "default", s.cfg.ItemsLimit)),
			"offset": oaQuery("offset", "The features to skip; pages link to each other with next and prev.", false,
				oaSchema("integer", "minimum", 0, "default", 0)),
			"f": oaQuery("f", "The encoding; without it the Accept header decides (JSON unless it prefers text/html).", false,
				oaEnum([]string{"json", "html"}, "")),
			"category": oaQuery("category", "Collections facilities (only this category) and underserved (residents beyond this "+
				"category's threshold; default "+gapDefault+").", false, oaEnum(catIDs, "")),
			"profile": oaQuery("profile", "Collections communities (only this walker's figures; default all), cells and "+
				"underserved (default adult).", false, oaEnum(profIDs, "")),
			"res": oaQuery("res", "Collection cells: the H3 resolution (default 10; an item's is its own).", false,
				oaSchema("integer", "minimum", 7, "maximum", 10, "default", 10)),
			"layer": oaPathParam("layer", "The tile layer.", oaEnum(layers, "")),
		},
		"responses": oaObj{
			"Problem400": oaContent("A parameter or the body is invalid; param names it.", problem, "application/problem+json"),
			"Problem404": oaContent("No such collection, feature, scenario or route.", problem, "application/problem+json"),
			"Problem413": oaContent("The body is larger than the server accepts.", problem, "application/problem+json"),
			"Problem401": oaContent("No bearer token, or not one the server issued.", problem, "application/problem+json"),
			"Problem403": oaContent("The token may not do this, or the request came from a page of another origin.", problem, "application/problem+json"),
			"Problem409": oaContent("A conflict with the data served: the city has no residents and the figure needs them (start the server with --population or --communities), or a saved scenario no longer applies to the city data served now.", problem, "application/problem+json"),
			"Problem429": oaContent("The client sent too many requests; Retry-After says when to retry.", problem, "application/problem+json"),
			"Problem422": oaContent("The request is well formed but cannot be answered (a point too far from the walk network, an inconsistent scenario).", problem, "application/problem+json"),
			"Problem500": oaContent("The server failed; the cause is logged, not sent.", problem, "application/problem+json"),
			"Problem503": oaContent("The computation ran out of time.", problem, "application/problem+json"),
		},
	}

	ogcTag, anTag, tileTag, mapTag, opsTag := "OGC API - Features", "Analysis", "Vector tiles", "Map", "Operations"
	reportParam := oaQuery("report", "The answer's form: compact (the default: the summary, the changed cells and the communities whose figures changed, "+
		"before and after) or full (the summary, the changed cells, the difference of every community and the scenario's whole report).", false,
		oaEnum([]string{publish.WhatIfCompact, publish.WhatIfFull}, publish.WhatIfCompact))
	withHTML := func(desc string, schema oaObj, jsonType string) map[string]oaObj {
		r := oaContent(desc, schema, jsonType)
		r["content"].(oaObj)[ogcMediaHTML] = oaObj{"schema": oaSchema("string")}
		return map[string]oaObj{"200": r}
	}
	mapPage := oaOp(mapTag, "getMap", "The planner's map",
		"The map page: fifteen's own vector tiles, and an external basemap when one is configured.", nil,
		map[string]oaObj{"200": oaContent("The page.", oaSchema("string"), ogcMediaHTML)})
	mapSlash := oaOp(mapTag, "getMapSlash", "The map page, with a trailing slash", "Redirects to /map.", nil,
		map[string]oaObj{"301": {"description": "Moved to /map.", "headers": oaObj{"Location": oaObj{"schema": oaSchema("string")}}}})
	static := oaOp(mapTag, "getStatic", "The map page's assets",
		"Scripts, stylesheets and images of the map page, embedded in the program. Asked for with their current hash "+
			"(?v=) they may be cached for a year.",
		[]any{oaPathParam("path", "The asset's path, e.g. app.js.", oaSchema("string")),
			oaQuery("v", "The asset's content hash.", false, oaSchema("string"))},
		map[string]oaObj{"200": oaContent("The asset.", oaSchema("string", "format", "binary"), "*/*"),
			"304": oaContent("Not modified (If-None-Match).", nil)}, "404")
	itemParams := []any{par("collectionId"), par("bbox"), par("limit"), par("offset"), par("category"), par("profile"), par("res"), par("f")}
	paths := oaObj{
		"/": oaGetHead(oaOp(ogcTag, "getLandingPage", "Landing page",
			"Links to the API definition, the conformance classes and the collections. JSON when f=json or the Accept header "+
				"asks for JSON; otherwise HTML (the map page).",
			[]any{par("f")}, withHTML("The landing page.", oaRef("schemas", "LandingPage"), ogcMediaJSON), "400")),
		"/conformance": oaGetHead(oaOp(ogcTag, "getConformance", "Conformance classes",
			"The OGC API - Features Part 1 classes implemented: core, geojson, html and oas30.",
			[]any{par("f")}, withHTML("The conformance classes.", oaRef("schemas", "ConfClasses"), ogcMediaJSON), "400")),
		"/api": oaGetHead(oaOp(ogcTag, "getAPI", "This API definition", "The OpenAPI 3.0 definition of every route.",
			[]any{oaQuery("f", "json only.", false, oaEnum([]string{"json"}, ""))},
			oaOK("The API definition.", obj, ogcMediaOpenAPI), "400")),
		"/collections": oaGetHead(oaOp(ogcTag, "getCollections", "Feature collections",
			"Every collection with its extent, attribution and links.",
			[]any{par("f")}, withHTML("The collections.", oaRef("schemas", "Collections"), ogcMediaJSON), "400")),
		"/collections/{collectionId}": oaGetHead(oaOp(ogcTag, "describeCollection", "A collection's metadata", "",
			[]any{par("collectionId"), par("f")}, withHTML("The collection.", oaRef("schemas", "Collection"), ogcMediaJSON), "400", "404")),
		"/collections/{collectionId}/items": oaGetHead(oaOp(ogcTag, "getFeatures", "A page of features",
			"Features in a stable order, with numberMatched, numberReturned and next/prev links. Parameters a collection does "+
				"not take are refused (400).",
			itemParams, withHTML("A page of features.", oaRef("schemas", "FeatureCollectionGeoJSON"), ogcMediaGeoJSON), "400", "404")),
		"/collections/{collectionId}/items/{featureId}": oaGetHead(oaOp(ogcTag, "getFeature", "One feature", "",
			[]any{par("collectionId"), par("featureId"), par("category"), par("profile"), par("res"), par("f")},
			withHTML("The feature.", oaRef("schemas", "FeatureGeoJSON"), ogcMediaGeoJSON), "400", "404")),
		"/collections/{collectionId}/schema": oaGetHead(oaOp(ogcTag, "getSchema", "The schema of a collection's features",
			"OGC API - Features Part 5: one member per property with its type, unit (x-ogc-unit) and description; the id "+
				"and the geometry marked with x-ogc-role; nullable properties typed [T, \"null\"]. Takes the collection's "+
				"parameters (communities narrowed to one profile have that profile's properties only).",
			[]any{par("collectionId"), par("category"), par("profile"), par("res"), oaQuery("f", "json only.", false, oaEnum([]string{"json"}, ""))},
			oaOK("The schema.", obj, ogcMediaSchema), "400", "404")),
		"/collections/{collectionId}/schema/feature": oaGetHead(oaOp(ogcTag, "getFeatureSchema", "The JSON Schema of one feature",
			"A GeoJSON Feature with its properties' types, units and descriptions, linked from the collection and its items "+
				"as describedBy: GIS clients (GDAL, QGIS) read field types from it. Nullable properties carry nullable: true.",
			[]any{par("collectionId"), par("category"), par("profile"), par("res"), oaQuery("f", "json only.", false, oaEnum([]string{"json"}, ""))},
			oaOK("The schema.", obj, ogcMediaSchema), "400", "404")),

		"/v1/isochrone": oaObj{
			"get": oaOp(anTag, "getIsochrone", "Isochrone of one point",
				"The areas within each number of minutes' walk of (or, with reverse, to) the point, largest first, as GeoJSON.",
				[]any{lon, lat,
					oaQuery("minutes", "Comma-separated minutes, up to 12 contours.", false, oaSchema("array", "items", oaSchema("number", "exclusiveMinimum", true, "minimum", 0))),
					par("profile"),
					oaQuery("reverse", "Walks towards the point instead of from it.", false, oaSchema("boolean", "default", false))},
				oaOK("The isochrone.", oaRef("schemas", "FeatureCollectionGeoJSON"), geojsonTypes...), "400", "422", "503"),
			"post": oaWithBody(oaOp(anTag, "postIsochrones", "Isochrones of many points",
				"Up to 100 origins with common minutes and profile, computed in parallel. A malformed request fails as a whole "+
					"(400); an origin the network does not reach fails alone, with its problem in its result.",
				nil, oaOK("One result per origin.", oaRef("schemas", "IsochroneBatchResults"), ogcMediaJSON), "400", "413", "422", "429", "503"),
				oaContent("The origins and options.", oaRef("schemas", "IsochroneBatch"), ogcMediaJSON)),
		},
		"/v1/nearest": oaObj{"get": oaOp(anTag, "getNearest", "Nearest facilities",
			"The k nearest facilities of a category by walking time from the point, with their walks.",
			[]any{lon, lat, category("The category.", true),
				oaQuery("k", "How many facilities.", false, oaSchema("integer", "minimum", 1, "maximum", 20, "default", 1)),
				par("profile")},
			oaOK("The facilities and walks.", oaRef("schemas", "FeatureCollectionGeoJSON"), geojsonTypes...), "400", "422", "503")},
		"/v1/report": oaObj{"get": oaOp(anTag, "getReport", "Coverage report",
			"The baseline coverage of every community and of the whole city: shares within thresholds, mean and 90th "+
				"percentile walks, life-circle compliance and capacity figures.",
			[]any{oaQuery("f", "The encoding (also chosen by Accept: text/csv).", false, oaEnum([]string{"json", "csv"}, "json")),
				par("profile"), category("Only this category's figures.", false)},
			oaOK("The report.", obj, ogcMediaJSON, "text/csv"), "400", "409")},
		"/v1/gaps": oaObj{"get": oaOp(anTag, "getGaps", "Underserved areas",
			"Clusters of residents beyond a category's threshold (or missing a life-circle tier), ranked by population.",
			[]any{category("The category (or give tier).", false), par("profile"),
				oaQuery("min_population", "Drops smaller clusters.", false, oaSchema("number", "minimum", 0, "default", 0)),
				oaQuery("community", "Only clusters holding residents of this community id.", false, oaSchema("string")),
				oaQuery("tier", "A life-circle tier instead of a category.", false, oaSchema("integer", "enum", []int{5, 10, 15}))},
			oaOK("The clusters.", oaRef("schemas", "FeatureCollectionGeoJSON"), geojsonTypes...), "400", "409", "503")},
		"/v1/siting": oaObj{
			"get": oaOp(anTag, "getSiting", "Where to add facilities",
				"The k sites (among network vertices of underserved areas) that bring the most residents within the "+
					"category's threshold, picked greedily.",
				oaSitingParams(category),
				oaOK("The sites.", oaRef("schemas", "FeatureCollectionGeoJSON"), ogcMediaGeoJSON, ogcMediaJSON), "400", "409", "503"),
			"post": oaWithBody(oaOp(anTag, "postSiting", "Pick among candidate sites",
				"As GET, with the candidate sites given as a GeoJSON FeatureCollection of points.",
				oaSitingParams(category),
				oaOK("The sites.", oaRef("schemas", "FeatureCollectionGeoJSON"), ogcMediaGeoJSON, ogcMediaJSON), "400", "409", "413", "422", "503"),
				oaContent("The candidate sites.", oaRef("schemas", "FeatureCollectionGeoJSON"), ogcMediaGeoJSON, ogcMediaJSON)),
		},
		"/v1/scenarios": oaObj{
			"post": oaWithBody(oaOp(anTag, "postScenario", "Save a what-if scenario",
				"Adds and closes facilities, adds walk links and closes ways, recomputes access and saves the scenario "+
					"under the bearer token's name (Authorization: Bearer <token>); Location names it.",
				[]any{reportParam}, map[string]oaObj{"201": oaContent("The scenario's document: what changed from the baseline (compact), or its whole report and difference (report=full).", oaRef("schemas", "ScenarioDocument"), ogcMediaJSON)},
				"400", "401", "403", "413", "422", "429", "503"),
				oaContent("The scenario, as JSON or GeoJSON.", oaRef("schemas", "Scenario"), ogcMediaJSON, ogcMediaGeoJSON)),
			"get": oaOp(anTag, "listScenarios", "Saved scenarios", "The saved scenarios, oldest first, a page at a time.",
				[]any{oaQuery("limit", "Page size (default 100, at most 1000).", false, oaSchema("integer")),
					oaQuery("offset", "Scenarios to skip.", false, oaSchema("integer"))},
				oaOK("The scenarios.", obj, ogcMediaJSON), "400"),
		},
		"/v1/scenarios/preview": oaObj{
			"post": oaWithBody(oaOp(anTag, "previewScenario", "Preview a what-if scenario",
				"As POST /v1/scenarios, without saving: no token needed.",
				[]any{reportParam}, oaOK("The scenario's document.", oaRef("schemas", "ScenarioDocument"), ogcMediaJSON), "400", "413", "422", "429", "503"),
				oaContent("The scenario, as JSON or GeoJSON.", oaRef("schemas", "Scenario"), ogcMediaJSON, ogcMediaGeoJSON)),
		},
		"/v1/scenarios/{id}": oaObj{
			"parameters": []any{oaPathParam("id", "The scenario id.", oaSchema("string"))},
			"get": oaOp(anTag, "getScenario", "One saved scenario", "Recomputed from its saved inputs on the city data served now; city_changed tells when those differ from the data it was saved against.", []any{reportParam},
				oaOK("The scenario's document.", oaRef("schemas", "ScenarioDocument"), ogcMediaJSON), "400", "404", "409", "429", "503"),
			"delete": oaOp(anTag, "deleteScenario", "Delete a saved scenario", "Only with its owner's token or an admin token.", nil,
				map[string]oaObj{"204": oaContent("Deleted.", nil)}, "401", "403", "404"),
		},
		"/v1/export": oaObj{"get": oaOp(anTag, "getExport", "Download a collection",
			"A collection of the OGC API (or, with id, one feature of it) as a file: GeoJSON, CSV (UTF-8 with a byte-order "+
				"mark and an attribution column) or GeoPackage, rendered from the same schema as the collection's items.",
			[]any{oaQuery("collection", "The collection id.", true, oaSchema("string")),
				oaQuery("format", "The file format.", false, oaEnum([]string{"geojson", "csv", "gpkg"}, "geojson")),
				oaQuery("id", "Only this feature.", false, oaSchema("string")),
				par("category"), par("profile"), par("res")},
			oaOK("The file (Content-Disposition: attachment).", oaSchema("string", "format", "binary"),
				ogcMediaGeoJSON, "text/csv", "application/geopackage+sqlite3"), "400", "404")},
		"/v1/search": oaObj{"get": oaOp(anTag, "getSearch", "Search names",
			"Communities, facilities and categories (English or Chinese names) whose name or id contains q, "+
				"case-insensitively; names starting with q first.",
			[]any{oaQuery("q", "Part of a name, up to 100 characters.", true, oaSchema("string")),
				oaQuery("limit", "How many results.", false, oaSchema("integer", "minimum", 1, "maximum", 200, "default", 20))},
			oaOK("The results.", obj, ogcMediaJSON), "400")},
		"/v1/categories": oaObj{"get": oaOp(anTag, "getCategories", "Facility categories",
			"The taxonomy: each category's tier, threshold, kind and number of facilities.", nil, oaOK("The categories.", obj, ogcMediaJSON))},
		"/v1/profiles": oaObj{"get": oaOp(anTag, "getProfiles", "Walker profiles",
			"The walkers (speed, steps, slopes) and the search cutoff.", nil, oaOK("The profiles.", obj, ogcMediaJSON))},

		"/tiles/{layer}.json": oaGetHead(oaOp(tileTag, "getTileJSON", "TileJSON of a layer",
			"A TileJSON 3.0.0 document: tile URL template, zooms, bounds, attribution and the layer's fields.",
			[]any{par("layer"), par("profile"), oaQuery("category", "Layer underserved: the category (default "+gapDefault+").", false, oaEnum(catIDs, ""))},
			oaOK("The TileJSON.", obj, ogcMediaJSON), "400", "404")),
		"/tiles/{layer}/{z}/{x}/{y}.mvt": oaGetHead(oaOp(tileTag, "getTile", "A vector tile",
			"A Mapbox Vector Tile; 204 when the tile is empty.",
			[]any{par("layer"),
				oaPathParam("z", "Zoom.", oaSchema("integer", "minimum", 0, "maximum", 22)),
				oaPathParam("x", "Column.", oaSchema("integer", "minimum", 0)),
				oaPathParam("y", "Row.", oaSchema("integer", "minimum", 0)),
				par("profile"), oaQuery("category", "Layer underserved: the category (default "+gapDefault+").", false, oaEnum(catIDs, ""))},
			map[string]oaObj{
				"200": oaContent("The tile.", oaSchema("string", "format", "binary"), "application/vnd.mapbox-vector-tile"),
				"204": oaContent("The tile is empty.", nil),
			}, "400", "404")),

		"/map":  oaGetHead(mapPage),
		"/map/": oaGetHead(mapSlash),
		"/map/config.json": oaObj{"get": oaOp(mapTag, "getMapConfig", "The map page's configuration", "", nil,
			oaOK("The configuration.", oaSchema("object", "properties", oaObj{
				"city": oaSchema("string"), "version": oaSchema("string"), "attribution": oaSchema("string"),
				"basemap_style_url": oaSchema("string"),
			}), ogcMediaJSON))},
		"/static/{path}": oaGetHead(static),

		"/healthz": oaGetHead(oaOp(opsTag, "healthz", "Liveness", "Answers while the process serves.", nil,
			oaOK("Alive.", obj, ogcMediaJSON))),
		"/readyz": oaGetHead(oaOp(opsTag, "readyz", "Readiness", "200 once the city is loaded and its baseline computed; "+
			"503 while loading, with the stage, its step of all and the percent done.", nil,
			map[string]oaObj{"200": oaContent("Ready.", obj, ogcMediaJSON), "503": oaContent("Still loading: stage and progress.", obj, ogcMediaJSON)})),
		"/metrics": oaObj{"get": oaOp(opsTag, "metrics", "Prometheus metrics", "", nil,
			oaOK("Metrics in the Prometheus text format.", oaSchema("string"), "text/plain"))},
	}
	return oaObj{
		"openapi": "3.0.3",
		"info": oaObj{
			"title":   "fifteen: " + s.city.Name,
			"version": s.cfg.Version,
			"description": "15-minute walking access to community facilities in " + s.city.Name + ": OGC API - Features " +
				"collections, analysis endpoints and vector tiles. Data " + s.city.Attribution + ". Items pages hold at most " +
				strconv.Itoa(s.cfg.ItemsMaxLimit) + " features. Errors are RFC 9457 problem documents.",
			"license": oaObj{"name": "Data: ODbL 1.0", "url": ogcLicenseURL},
		},
		"servers":    []oaObj{{"url": "/", "description": "This server"}},
		"tags":       []oaObj{{"name": ogcTag}, {"name": anTag}, {"name": tileTag}, {"name": mapTag}, {"name": opsTag}},
		"paths":      paths,
		"components": components,
	}
}

func oaWithBody(op oaObj, body oaObj) oaObj {
	body["required"] = true
	op["requestBody"] = body
	return op
}

func oaSitingParams(category func(string, bool) oaObj) []any {
	return []any{category("The category to add facilities of.", true),
		oaQuery("k", "How many sites.", false, oaSchema("integer", "minimum", 1, "default", 1)),
		oaRef("parameters", "profile"),
		oaQuery("capacity", "Residents one new facility can serve; 0 means no limit.", false, oaSchema("number", "minimum", 0, "default", 0)),
		oaQuery("f", "The encoding.", false, oaEnum([]string{"geojson", "json"}, "geojson"))}
}

// oaGetHead is a path answering GET and HEAD alike; HEAD sends the headers
// only.
func oaGetHead(get oaObj) oaObj {
	head := oaObj{}
	for k, v := range get {
		head[k] = v
	}
	head["operationId"] = get["operationId"].(string) + "Head"
	head["summary"] = get["summary"].(string) + " (headers only)"
	responses := oaObj{}
	for code, r := range get["responses"].(oaObj) {
		if m, ok := r.(oaObj); ok && m["content"] != nil {
			r = oaObj{"description": m["description"]}
		}
		responses[code] = r
	}
	head["responses"] = responses
	return oaObj{"get": get, "head": head}
}
