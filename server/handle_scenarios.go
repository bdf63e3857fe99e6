package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"

	"github.com/labstack/echo/v4"

	"fifteen/data"
	"fifteen/geo"
	"fifteen/store"
)

// routesScenarios registers the what-if scenario routes. Reading is open
// (unless the operator closes it); saving and deleting need a bearer
// token and a request from no other origin's page.
func (s *state) routesScenarios(e *echo.Echo) {
	e.POST("/v1/scenarios", s.postScenario, sameOrigin, s.requireToken, s.heavy)
	e.POST("/v1/scenarios/preview", s.previewScenario, s.heavy)
	e.GET("/v1/scenarios", s.listScenarios)
	e.GET("/v1/scenarios/:id", s.getScenario)
	e.DELETE("/v1/scenarios/:id", s.deleteScenario, sameOrigin, s.requireToken)
}

// maxListScenarios bounds one page of GET /v1/scenarios.
const maxListScenarios = 1000

// scenarioIDPattern is the form of the ids newScenarioID makes.
var scenarioIDPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// readScenario reads and parses the scenario of the request body, and
// returns it with the body's bytes (saved as the scenario's inputs).
func readScenario(c echo.Context) ([]byte, geo.Scenario, error) {
	raw, err := io.ReadAll(io.LimitReader(c.Request().Body, data.MaxScenarioBytes+1))
	if err != nil {
		return nil, geo.Scenario{}, bodyProblem(err)
	}
	sc, err := data.LoadScenario(bytes.NewReader(raw), "the scenario")
	if err != nil {
		if errors.Is(err, data.ErrBadScenarioFile) {
			return nil, sc, badParam("body", "%s", cleanDetail(err.Error()))
		}
		return nil, sc, bodyProblem(err)
	}
	if len(sc.Add)+len(sc.Close)+len(sc.AddLinks)+len(sc.CloseWays) == 0 {
		return nil, sc, badParam("body", "the scenario changes nothing: give add, close, add_links or close_ways")
	}
	return raw, sc, nil
}

// postScenario answers POST /v1/scenarios?report: the scenario (JSON or GeoJSON,
// see data.LoadScenario) is applied to the baseline, then saved in one
// transaction under the token's name; 201 with its location and document
// (compact, or full with report=full) only once it is committed.
func (s *state) postScenario(c echo.Context) error {
	form, err := reportForm(c)
	if err != nil {
		return err
	}
	raw, sc, err := readScenario(c)
	if err != nil {
		return err
	}
	tok := c.Get(tokenKey).(Token)
	info := ScenarioInfo{ID: newScenarioID(), Owner: tok.Name, Created: time.Now().UTC().Truncate(time.Millisecond)}
	st, err := s.runScenario(c.Request().Context(), sc, info, true, form)
	if err != nil {
		return err
	}
	sum, err := json.Marshal(st.Summary)
	if err != nil {
		return err
	}
	// The save is not cut short by the client leaving or the budget
	// ending: the transaction commits or rolls back whole either way.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 30*time.Second)
	defer cancel()
	if err := s.db.Put(ctx, store.Scenario{ID: info.ID, Name: sc.Name, Owner: info.Owner, Created: info.Created,
		CityTag: s.cityTag, Inputs: raw, Summary: sum}); err != nil {
		return err
	}
	s.scenarios.add(st)
	c.Response().Header().Set(echo.HeaderLocation, "/v1/scenarios/"+st.ID)
	return c.Blob(http.StatusCreated, echo.MIMEApplicationJSON, st.bodyOf(form))
}

// previewScenario answers POST /v1/scenarios/preview?report: the
// scenario's document (compact, or full with report=full), computed and
// not saved (no token needed: nothing changes).
func (s *state) previewScenario(c echo.Context) error {
	form, err := reportForm(c)
	if err != nil {
		return err
	}
	_, sc, err := readScenario(c)
	if err != nil {
		return err
	}
	st, err := s.runScenario(c.Request().Context(), sc, ScenarioInfo{Created: time.Now().UTC().Truncate(time.Millisecond)}, false, form)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, st.bodyOf(form))
}

// listScenarios answers GET /v1/scenarios?offset&limit: the saved
// scenarios, oldest first, a page at a time.
func (s *state) listScenarios(c echo.Context) error {
	limit, err := queryInt(c, "limit", 100, 1, maxListScenarios)
	if err != nil {
		return err
	}
	offset, err := queryInt(c, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	recs, total, err := s.db.List(c.Request().Context(), offset, limit)
	if err != nil {
		return err
	}
	out := make([]ScenarioInfo, len(recs))
	for i, r := range recs {
		out[i] = s.scenarioInfo(r)
	}
	return c.JSON(http.StatusOK, map[string]any{"scenarios": out, "total": total, "offset": offset, "limit": limit})
}

// scenarioInfo is a saved scenario's list entry.
func (s *state) scenarioInfo(r store.Scenario) ScenarioInfo {
	info := ScenarioInfo{ID: r.ID, Name: r.Name, Owner: r.Owner, Created: r.Created, CityChanged: r.CityTag != s.cityTag}
	_ = json.Unmarshal(r.Summary, &info.Summary) // written by postScenario; a zero summary at worst
	return info
}

// getScenario answers GET /v1/scenarios/{id}?report: the saved
// scenario's document (compact, or full with report=full), from the cache
// or recomputed from its saved inputs on the city data served now.
func (s *state) getScenario(c echo.Context) error {
	id := c.Param("id")
	if !scenarioIDPattern.MatchString(id) {
		return notFound("id", "no scenario %q: ids are 16 hexadecimal digits", truncate(id, 40))
	}
	form, err := reportForm(c)
	if err != nil {
		return err
	}
	if st := s.scenarios.get(id); st != nil && st.bodyOf(form) != nil {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, st.bodyOf(form))
	}
	rec, err := s.db.Get(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("id", "no scenario %q", id)
	}
	if err != nil {
		return err
	}
	sc, err := data.LoadScenario(bytes.NewReader(rec.Inputs), "saved scenario")
	if err != nil {
		return fmt.Errorf("scenario %s: saved inputs unreadable: %w", id, err) // a 500: the store holds what was accepted
	}
	release, err := s.heavyGate(c)
	if err != nil {
		return err
	}
	defer release()
	st, err := s.runScenario(c.Request().Context(), sc, s.scenarioInfo(rec), true, form)
	if errors.Is(err, geo.ErrBadScenario) {
		return &Problem{Type: "about:blank", Title: "Conflict", Status: http.StatusConflict, Param: "id",
			Detail: fmt.Sprintf("saved scenario %s no longer applies to the city data served now, which changed since it was saved: %s", id, cleanDetail(err.Error()))}
	}
	if err != nil {
		return err
	}
	s.scenarios.add(st)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, st.bodyOf(form))
}

// deleteScenario answers DELETE /v1/scenarios/{id}: 204 when the token is
// the scenario's owner's or an admin's, 403 otherwise, or 404.
func (s *state) deleteScenario(c echo.Context) error {
	id := c.Param("id")
	if !scenarioIDPattern.MatchString(id) {
		return notFound("id", "no scenario %q: ids are 16 hexadecimal digits", truncate(id, 40))
	}
	tok := c.Get(tokenKey).(Token)
	ctx := c.Request().Context()
	rec, err := s.db.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("id", "no scenario %q", id)
	}
	if err != nil {
		return err
	}
	if rec.Owner != tok.Name && !tok.Admin {
		return forbidden(fmt.Sprintf("scenario %s was saved by %s: only its owner or an admin token may delete it", id, rec.Owner))
	}
	if err := s.db.Delete(ctx, id); errors.Is(err, store.ErrNotFound) {
		return notFound("id", "no scenario %q", id)
	} else if err != nil {
		return err
	}
	s.scenarios.remove(id)
	return c.NoContent(http.StatusNoContent)
}
