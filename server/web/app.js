// fifteen: the planner's map. Plain ES2020 with MapLibre GL JS (vendored,
// global maplibregl); no build step, nothing from the internet. The map
// draws fifteen's own vector tiles (/tiles/...) and asks the analysis API
// (/v1/...) for reports, isochrones, what-if scenarios and sites.
//
// The map draws no text (no glyphs are vendored): every label is HTML.
// window.fifteen exposes the map and an idle() promise for tests;
// window.fifteenReady turns true once the first view is drawn.
(function () {
  'use strict';

  // --- constants -------------------------------------------------------

  // Walk-minute classes (≤5, ≤10, ≤15, ≤cutoff, unreached), viridis.
  const MINUTE_COLORS = ['#fde725', '#5ec962', '#21918c', '#3b528b', '#440154'];
  // Shares in fifths, cividis (dark = low).
  const SHARE_COLORS = ['#00224e', '#414d6b', '#7c7b78', '#bcaf6f', '#fee838'];
  const SHARE_STOPS = [0.2, 0.4, 0.6, 0.8];
  // E2SFCA places per user: none, < 0.5, 0.5–1, 1–2, ≥ 2 (cividis).
  const RATIO_STOPS = [0.5, 1, 2];
  const NO_DATA = '#c9ccd3';
  // Facility categories, in taxonomy order (Paul Tol's bright, muted and
  // light palettes: distinct for most colour vision; the chosen category
  // is also drawn larger, so hue is never the only cue).
  const CATEGORY_COLORS = ['#ee7733', '#cc3311', '#882255', '#0077bb', '#332288', '#33bbee', '#aa4499',
    '#ee3377', '#555555', '#999933', '#ddcc77', '#88ccee', '#009988', '#ffaabb', '#117733', '#44aa99',
    '#bbcc33', '#77aadd', '#994455', '#eedd88'];
  const HIGHLIGHT = '#dc267f'; // what-if: cells newly covered
  const GAP_COLOR = '#fe6100'; // underserved outlines
  const ISO_COLOR = '#0b2e59';
  const SITES_K = 5;

  // --- words -----------------------------------------------------------

  const WORDS = {
    en: {
      title: '15-minute life circles', category: 'Facility', profile: 'Walker', measure: 'Communities by',
      m_minutes: 'Walk minutes', m_share: 'Coverage share', m_compliance: 'Life-circle compliance',
      m_e2sfca: 'Places per user (E2SFCA)',
      t_inspect: 'Inspect', t_isochrone: 'Isochrone', t_whatif: 'What if…', t_suggest: 'Suggest sites', t_clear: 'Clear',
      layers: 'Layers', loading: 'Loading…', data_link: 'Data (OGC API)', licence: 'licence',
      l_cells: 'Cells: walk to the facility', l_cells_share: 'Cells: share within the threshold',
      l_communities: 'Communities', l_underserved: 'Underserved areas', l_facilities: 'Facilities',
      l_greenways: 'Greenways', l_network: 'Street network',
      unreached: 'not within {n} min', min_le: '≤ {n} min', no_data: 'no data',
      share_lt: '< {n}%', share_ge: '≥ {n}%', share_range: '{a}–{b}%',
      ratio_none: 'no places', ratio_lt: '< {n}', ratio_range: '{a}–{b}', ratio_ge: '≥ {n}',
      leg_cells: 'Population-weighted walk to the nearest {cat}, {profile}.',
      leg_cells_share: 'Share of residents within {t} min of a {cat}, {profile}.',
      leg_comm_minutes: 'Mean walk to a {cat}.', leg_comm_share: 'Share of residents within {t} min of a {cat}.',
      leg_comm_compliance: 'Share of residents reaching every facility of the {t}-minute circle (GB 50180-2018).',
      leg_comm_e2sfca: 'Places per user of a {cat} (E2SFCA, capacity-aware).',
      leg_comm_e2sfca_none: 'No capacity figures for {cat}: choose another measure.',
      leg_gaps: 'Residents beyond {t} min of a {cat}, {profile}.',
      leg_fac: 'The chosen category is drawn larger.', leg_fac_zoom: 'Zoom in to see facilities.',
      leg_greenways: 'Greenways of the facilities data (OGC collection "greenways").',
      leg_network: 'Walkable ways; major roads only below zoom 13.',
      hint_inspect: 'Click a community for its figures, or a facility or underserved area.',
      hint_isochrone: 'Click the map to draw the 5, 10 and 15-minute walks from there ({profile}).',
      hint_whatif: 'Click the map to open a new {cat} there and see who would gain.',
      population: 'Population', population_est: 'Population (estimate)', complete: 'Every essential facility', f15: 'Mean walk ≤ 15 min',
      compliance: 'Life-circle compliance', coverage: 'Coverage per facility', circle: '{n}-minute circle',
      missing: 'Missing or short: {list}', none_missing: 'Nothing missing.',
      capacity: 'Places (E2SFCA)', places: '{p} places for {d} users; short {s}',
      scenario: 'What if', new_fac: 'New {cat}', newly: 'Residents newly within {t} min of a {cat}',
      city_share: 'Whole city, {cat}', faster: 'Cells with a shorter walk', community: 'Community',
      before: 'Before', after: 'After', delta: 'Δ residents', no_change: 'No community changes for {cat}.',
      remove: 'Remove the what-if', sites: 'Suggested sites for a {cat}', gain: '+{n} residents within {t} min',
      cumulative: '{n} in all', no_sites: 'No site would bring more residents within {t} min of a {cat}.',
      uncovered: 'Residents beyond {t} min now: {n}', iso: 'Walk from here, {profile}', area: '{n} km²',
      snap: 'Start snapped {n} m to the network.', facility: 'Facility', unnamed: '(unnamed)', name: 'Name',
      gap: 'Underserved area {n}', gap_figs: '{p} residents, {a} km², mean walk {m}', close: 'Close',
      err_400: 'The request was not accepted', err_404: 'Not found', err_413: 'The request is too large',
      err_422: 'That cannot be computed there', err_503: 'The server is busy or took too long; try again',
      err_500: 'The server ran into a problem', err_net: 'The server could not be reached',
      err_tiles: 'Some map data could not be loaded', err_map: 'The map could not start (WebGL is needed)',
    },
    zh: {
      title: '15分钟社区生活圈', category: '设施', profile: '人群', measure: '社区指标',
      m_minutes: '步行时间', m_share: '覆盖率', m_compliance: '生活圈达标率', m_e2sfca: '人均供给（E2SFCA）',
      t_inspect: '查看', t_isochrone: '等时圈', t_whatif: '假如新建…', t_suggest: '推荐选址', t_clear: '清除',
      layers: '图层', loading: '加载中…', data_link: '数据（OGC API）', licence: '许可证',
      l_cells: '网格：到设施的步行时间', l_cells_share: '网格：阈值内人口比例',
      l_communities: '社区', l_underserved: '服务不足区域', l_facilities: '设施', l_greenways: '绿道',
      l_network: '步行路网',
      unreached: '{n}分钟内不可达', min_le: '≤ {n} 分钟', no_data: '无数据',
      share_lt: '< {n}%', share_ge: '≥ {n}%', share_range: '{a}–{b}%',
      ratio_none: '无学位/床位', ratio_lt: '< {n}', ratio_range: '{a}–{b}', ratio_ge: '≥ {n}',
      leg_cells: '{profile}步行到最近{cat}的时间（按人口加权）。',
      leg_cells_share: '{profile}在{t}分钟内可达{cat}的居民比例。',
      leg_comm_minutes: '到{cat}的平均步行时间。', leg_comm_share: '{t}分钟内可达{cat}的居民比例。',
      leg_comm_compliance: '可达{t}分钟生活圈全部设施的居民比例（GB 50180-2018）。',
      leg_comm_e2sfca: '{cat}人均供给（E2SFCA，考虑容量）。',
      leg_comm_e2sfca_none: '{cat}没有容量数据，请选择其他指标。',
      leg_gaps: '{profile}步行{t}分钟内无法到达{cat}的居民。',
      leg_fac: '所选类别以较大圆点显示。', leg_fac_zoom: '放大地图以显示设施。',
      leg_greenways: '设施数据中的绿道（OGC 集合 "greenways"）。',
      leg_network: '可步行道路；13级以下仅显示主要道路。',
      hint_inspect: '点击社区查看指标，或点击设施、服务不足区域。',
      hint_isochrone: '点击地图，绘制从该处出发的5、10、15分钟步行范围（{profile}）。',
      hint_whatif: '点击地图，在该处新建一处{cat}，查看受益居民。',
      population: '人口', population_est: '人口（估算）', complete: '全部基本设施可达', f15: '平均步行 ≤ 15 分钟',
      compliance: '生活圈达标率', coverage: '各类设施覆盖率', circle: '{n}分钟生活圈',
      missing: '缺少或不足：{list}', none_missing: '无缺项。',
      capacity: '学位/床位（E2SFCA）', places: '{p} 个供给，{d} 名使用者；缺口 {s}',
      scenario: '假如', new_fac: '新建{cat}', newly: '新增{t}分钟内可达{cat}的居民',
      city_share: '全市，{cat}', faster: '步行时间缩短的网格', community: '社区',
      before: '现状', after: '新建后', delta: '居民变化', no_change: '{cat}覆盖没有社区发生变化。',
      remove: '撤销', sites: '{cat}推荐选址', gain: '+{n} 名居民进入{t}分钟范围',
      cumulative: '累计 {n}', no_sites: '没有能增加{t}分钟内可达{cat}居民的选址。',
      uncovered: '目前{t}分钟外的居民：{n}', iso: '从此处步行，{profile}', area: '{n} 平方公里',
      snap: '起点已吸附到 {n} 米外的路网。', facility: '设施', unnamed: '（无名称）', name: '名称',
      gap: '服务不足区域 {n}', gap_figs: '{p} 名居民，{a} 平方公里，平均步行 {m}', close: '关闭',
      err_400: '请求无效', err_404: '未找到', err_413: '请求过大', err_422: '该处无法计算',
      err_503: '服务器繁忙或超时，请重试', err_500: '服务器出错', err_net: '无法连接服务器',
      err_tiles: '部分地图数据未能加载', err_map: '地图无法启动（需要 WebGL）',
    },
  };

  // --- state -----------------------------------------------------------

  const params = new URLSearchParams(location.search);
  const state = {
    lang: 'en',
    category: params.get('category') || '',
    profile: params.get('profile') || 'adult',
    measure: params.get('measure') || 'minutes',
    tool: 'inspect',
    categories: [], // from /v1/categories
    profiles: [], // from /v1/profiles
    cutoffMin: 30,
    reports: {}, // /v1/report by profile
    capacityCats: new Set(),
    visible: { cells: true, communities: true, underserved: true, facilities: true, greenways: true, network: true },
    selected: null, // community id
    added: [], // what-if facilities
    scenario: null, // the last /v1/scenarios document
    sites: null, // the last /v1/siting FeatureCollection
    iso: null, // the last isochrone
  };
  try {
    const chosen = params.get('lang') || localStorage.getItem('fifteen.lang') ||
      ((navigator.language || '').startsWith('zh') ? 'zh' : 'en');
    state.lang = chosen === 'zh' ? 'zh' : 'en';
  } catch (e) { /* storage refused */ }

  let map = null;
  let pending = 0;
  let renders = 0;
  let siteMarkers = [];
  const $ = (id) => document.getElementById(id);

  function t(key, vars) {
    let s = (WORDS[state.lang] && WORDS[state.lang][key]) || WORDS.en[key] || key;
    if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    return s;
  }
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, (c) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  }
  const catByID = (id) => state.categories.find((c) => c.id === id);
  const catName = (id) => {
    const c = catByID(id);
    if (!c) return id;
    return state.lang === 'zh' && c.name_zh ? c.name_zh : c.name;
  };
  const catLower = (id) => (state.lang === 'zh' ? catName(id) : catName(id).toLowerCase());
  const profileName = (id) => {
    const p = state.profiles.find((x) => x.id === id);
    if (!p) return id;
    return state.lang === 'zh' && p.name_zh ? p.name_zh : p.name;
  };
  const curCat = () => catByID(state.category) || { id: state.category, tier: 15, threshold_min: 15 };
  const fmtInt = (n) => Math.round(n).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en');
  const fmtPct = (f) => (f == null ? '–' : Math.round(f * 100) + '%');
  const fmtMin = (m) => (m == null ? '–' : (Math.round(m * 10) / 10) + (state.lang === 'zh' ? ' 分钟' : ' min'));

  // --- requests, loading and errors -----------------------------------

  class APIError extends Error {
    constructor(status, detail) {
      super(detail || 'HTTP ' + status);
      this.status = status;
      this.detail = detail;
    }
  }

  function busy(d) {
    pending += d;
    $('loading').hidden = pending === 0;
  }

  // api fetches a JSON document; a problem+json error becomes an APIError
  // carrying its detail.
  async function api(url, opts) {
    busy(1);
    try {
      const res = await fetch(url, Object.assign({ headers: { Accept: 'application/json' } }, opts));
      if (!res.ok) {
        let detail = '';
        try {
          const p = await res.json();
          detail = p.detail || p.title || '';
        } catch (e) { /* not JSON */ }
        throw new APIError(res.status, detail);
      }
      if (res.status === 204) return null;
      return await res.json();
    } finally {
      busy(-1);
    }
  }

  // plainWords turns an error into a sentence for a planner: what failed,
  // then the server's explanation without Go package prefixes.
  function plainWords(err) {
    if (err instanceof APIError) {
      const s = err.status;
      if (s === 409) return (err.detail || t('err_400')).replace(/^(?:[a-z0-9_]+: )+/, '');
      const key = s === 400 || s === 404 || s === 413 || s === 422 || s === 503 ? 'err_' + s
        : s >= 500 ? 'err_500' : 'err_400';
      const detail = (err.detail || '').replace(/^(?:[a-z0-9_]+: )+/, '');
      return t(key) + (detail ? ': ' + detail : '.');
    }
    if (err && err.name === 'TypeError') return t('err_net') + '.';
    return String((err && err.message) || err);
  }

  function showError(err) {
    $('error-text').textContent = plainWords(err);
    $('error').hidden = false;
  }
  function hideError() { $('error').hidden = true; }

  // run calls an async action, showing its error in plain words.
  function run(fn) {
    return function () {
      hideError();
      return Promise.resolve(fn.apply(null, arguments)).catch(showError);
    };
  }

  // --- the map -----------------------------------------------------------

  function cellsURL() { return '/tiles/cells.json?profile=' + encodeURIComponent(state.profile); }
  function gapsURL() {
    return '/tiles/underserved.json?category=' + encodeURIComponent(state.category) +
      '&profile=' + encodeURIComponent(state.profile);
  }
  const emptyFC = () => ({ type: 'FeatureCollection', features: [] });

  // ownStyle is the offline style: a plain background and no glyphs or
  // sprites (the map draws no text).
  function ownStyle() {
    return { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f3f2ee' } }] };
  }

  function addLayers() {
    map.addSource('communities', { type: 'vector', url: '/tiles/communities.json?profile=adult' });
    map.addSource('cells', { type: 'vector', url: cellsURL() });
    map.addSource('network', { type: 'vector', url: '/tiles/network.json' });
    map.addSource('facilities', { type: 'vector', url: '/tiles/facilities.json' });
    map.addSource('underserved', { type: 'vector', url: gapsURL() });
    for (const id of ['greenways', 'iso', 'whatif-points', 'sites']) map.addSource(id, { type: 'geojson', data: emptyFC() });

    const zoomWidth = (a, b) => ['interpolate', ['linear'], ['zoom'], 10, a, 16, b];
    const layers = [
      { id: 'comm-fill', type: 'fill', source: 'communities', 'source-layer': 'communities', paint: { 'fill-color': NO_DATA, 'fill-opacity': 0.5 } },
      { id: 'comm-hit', type: 'fill', source: 'communities', 'source-layer': 'communities', paint: { 'fill-color': '#000', 'fill-opacity': 0 } },
      { id: 'cells-fill', type: 'fill', source: 'cells', 'source-layer': 'cells', paint: { 'fill-color': NO_DATA, 'fill-opacity': 0.78, 'fill-outline-color': 'rgba(255,255,255,0.25)' } },
      { id: 'network-line', type: 'line', source: 'network', 'source-layer': 'network', layout: { 'line-cap': 'round' },
        paint: { 'line-color': '#6f7785', 'line-opacity': 0.7, 'line-width': ['interpolate', ['linear'], ['zoom'], 10, ['case', ['boolean', ['get', 'major_road'], false], 1.2, 0.4],
          16, ['case', ['boolean', ['get', 'major_road'], false], 3, 1.4]] } },
      { id: 'greenway-line', type: 'line', source: 'greenways', layout: { 'line-cap': 'round' },
        paint: { 'line-color': '#117733', 'line-width': zoomWidth(1.5, 4), 'line-dasharray': [2, 1] } },
      { id: 'whatif-cells-fill', type: 'fill', source: 'cells', 'source-layer': 'cells', filter: ['in', ['get', 'h3'], ['literal', []]],
        paint: { 'fill-color': HIGHLIGHT, 'fill-opacity': 0.45 } },
      { id: 'whatif-cells-line', type: 'line', source: 'cells', 'source-layer': 'cells', filter: ['in', ['get', 'h3'], ['literal', []]],
        paint: { 'line-color': HIGHLIGHT, 'line-width': 2 } },
      { id: 'gaps-fill', type: 'fill', source: 'underserved', 'source-layer': 'underserved', paint: { 'fill-color': GAP_COLOR, 'fill-opacity': 0.12 } },
      { id: 'gaps-line', type: 'line', source: 'underserved', 'source-layer': 'underserved', layout: { 'line-join': 'round' },
        paint: { 'line-color': GAP_COLOR, 'line-width': zoomWidth(1, 2.5), 'line-dasharray': [3, 1.5] } },
      { id: 'comm-line', type: 'line', source: 'communities', 'source-layer': 'communities', paint: { 'line-color': '#1d2330', 'line-width': 1.2, 'line-opacity': 0.8 } },
      { id: 'comm-selected', type: 'line', source: 'communities', 'source-layer': 'communities', filter: ['==', ['get', 'id'], ''],
        paint: { 'line-color': '#000', 'line-width': 3.5 } },
      { id: 'iso-fill', type: 'fill', source: 'iso', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': ISO_COLOR, 'fill-opacity': 0.1 } },
      { id: 'iso-line', type: 'line', source: 'iso', filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'line-color': ISO_COLOR, 'line-width': ['match', ['get', 'minutes'], 5, 3, 10, 2.2, 1.6],
          'line-dasharray': ['match', ['get', 'minutes'], 5, ['literal', [1, 0]], 10, ['literal', [3, 1.5]], ['literal', [1, 1.5]]] } },
      { id: 'fac-circle', type: 'circle', source: 'facilities', 'source-layer': 'facilities', paint: {} },
      { id: 'iso-origin', type: 'circle', source: 'iso', filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-radius': 6, 'circle-color': '#fff', 'circle-stroke-color': ISO_COLOR, 'circle-stroke-width': 3 } },
      { id: 'whatif-point', type: 'circle', source: 'whatif-points',
        paint: { 'circle-radius': 9, 'circle-color': HIGHLIGHT, 'circle-stroke-color': '#fff', 'circle-stroke-width': 3 } },
      { id: 'sites-circle', type: 'circle', source: 'sites', paint: { 'circle-radius': 16, 'circle-color': '#000', 'circle-opacity': 0.15 } },
    ];
    for (const l of layers) map.addLayer(l);
  }

  // layerGroups ties each switch of the layer list to its map layers.
  const layerGroups = {
    facilities: ['fac-circle'],
    greenways: ['greenway-line'],
    underserved: ['gaps-fill', 'gaps-line'],
    communities: ['comm-fill', 'comm-line'],
    cells: ['cells-fill'],
    network: ['network-line'],
  };

  function applyVisibility() {
    for (const [key, ids] of Object.entries(layerGroups)) {
      for (const id of ids) map.setLayoutProperty(id, 'visibility', state.visible[key] ? 'visible' : 'none');
    }
  }

  // minutesColor colours a walk in minutes (a number expression; absent
  // or beyond the cutoff = unreached).
  function minutesStep(value) {
    const last = Math.max(state.cutoffMin, 15);
    return ['step', value, MINUTE_COLORS[0], 5.005, MINUTE_COLORS[1], 10.005, MINUTE_COLORS[2], 15.005,
      MINUTE_COLORS[3], last + 0.005, MINUTE_COLORS[4]];
  }
  function shareStep(value) {
    const e = ['step', value, SHARE_COLORS[0]];
    SHARE_STOPS.forEach((s, i) => e.push(s - 1e-9, SHARE_COLORS[i + 1]));
    return e;
  }
  function classOf(v, stops) {
    let i = 0;
    while (i < stops.length && v >= stops[i]) i++;
    return i;
  }

  function styleCells() {
    const c = state.category;
    let color;
    if (state.measure === 'share') {
      color = shareStep(['to-number', ['get', 'within_' + c], 0]);
    } else {
      color = ['case', ['has', 'minutes_' + c], minutesStep(['to-number', ['get', 'minutes_' + c]]), MINUTE_COLORS[4]];
    }
    map.setPaintProperty('cells-fill', 'fill-color', color);
  }

  function styleFacilities() {
    const pairs = [];
    state.categories.forEach((c, i) => pairs.push(c.id, CATEGORY_COLORS[i % CATEGORY_COLORS.length]));
    const chosen = ['==', ['get', 'category'], state.category];
    const paint = {
      'circle-color': pairs.length ? ['match', ['get', 'category'], ...pairs, '#888888'] : '#888888',
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, ['case', chosen, 4.5, 2.5], 16, ['case', chosen, 9, 5]],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': ['case', chosen, 2, 0.6],
      'circle-opacity': ['case', chosen, 1, 0.7],
    };
    for (const [k, v] of Object.entries(paint)) map.setPaintProperty('fac-circle', k, v);
    map.setLayoutProperty('fac-circle', 'circle-sort-key', ['case', chosen, 1, 0]);
  }

  // communityValue is the chosen measure for a community's coverage
  // under the chosen profile; null when it has none.
  function communityValue(cov) {
    const c = curCat();
    switch (state.measure) {
      case 'minutes': {
        const cc = cov.categories.find((x) => x.category === c.id);
        return cc ? (cc.mean_min == null ? Infinity : cc.mean_min) : null;
      }
      case 'share': {
        const cc = cov.categories.find((x) => x.category === c.id);
        return cc ? cc.share : null;
      }
      case 'compliance': {
        const lc = (cov.life_circle || []).find((x) => x.tier === c.tier);
        return lc ? lc.compliance : null;
      }
      case 'e2sfca': {
        const cap = (cov.capacity || []).find((x) => x.category === c.id);
        return cap ? cap.mean_ratio : null;
      }
    }
    return null;
  }

  function communityColor(v) {
    if (v == null || Number.isNaN(v)) return NO_DATA;
    switch (state.measure) {
      case 'minutes':
        return v === Infinity ? MINUTE_COLORS[4] : MINUTE_COLORS[classOf(v, [5.005, 10.005, 15.005, Math.max(state.cutoffMin, 15) + 0.005])];
      case 'e2sfca':
        return v <= 0 ? SHARE_COLORS[0] : SHARE_COLORS[1 + classOf(v, RATIO_STOPS)];
      default:
        return SHARE_COLORS[classOf(v, SHARE_STOPS.map((s) => s - 1e-9))];
    }
  }

  async function report(profile) {
    if (!state.reports[profile]) {
      state.reports[profile] = api('/v1/report?f=json&profile=' + encodeURIComponent(profile)).catch((e) => {
        // A city loaded without residents (409): the map, network,
        // facilities and isochrones still work; say once which flag
        // supplies residents, and go on with an empty report.
        if (e instanceof APIError && e.status === 409) {
          if (!state.noResidents) {
            state.noResidents = true;
            showError(e);
          }
          return { total: { profiles: [] }, communities: [] };
        }
        delete state.reports[profile];
        throw e;
      });
    }
    return state.reports[profile];
  }

  async function styleCommunities() {
    const rep = await report(state.profile);
    const pairs = [];
    for (const cc of rep.communities) {
      const cov = cc.profiles[0];
      if (!cov || cc.population <= 0) continue;
      pairs.push(cc.id, communityColor(communityValue(cov)));
    }
    map.setPaintProperty('comm-fill', 'fill-color', pairs.length ? ['match', ['get', 'id'], ...pairs, NO_DATA] : NO_DATA);
  }

  // --- legend and layer list ------------------------------------------

  function swatch(color, label, kind) {
    return '<span class="sw"><i class="' + (kind || '') + '" style="' + (kind && kind.startsWith('ln') ? 'border-top-color' : 'background') +
      ':' + color + '"></i>' + esc(label) + '</span>';
  }
  function minuteSwatches() {
    const labels = [5, 10, 15, Math.max(state.cutoffMin, 15)].map((n) => t('min_le', { n }));
    labels.push(t('unreached', { n: Math.max(state.cutoffMin, 15) }));
    return labels.map((l, i) => swatch(MINUTE_COLORS[i], l)).join('');
  }
  function shareSwatches() {
    const labels = [t('share_lt', { n: 20 }), t('share_range', { a: 20, b: 40 }), t('share_range', { a: 40, b: 60 }),
      t('share_range', { a: 60, b: 80 }), t('share_ge', { n: 80 })];
    return labels.map((l, i) => swatch(SHARE_COLORS[i], l)).join('');
  }
  function ratioSwatches() {
    const labels = [t('ratio_none'), t('ratio_lt', { n: 0.5 }), t('ratio_range', { a: 0.5, b: 1 }),
      t('ratio_range', { a: 1, b: 2 }), t('ratio_ge', { n: 2 })];
    return labels.map((l, i) => swatch(SHARE_COLORS[i], l)).join('');
  }

  function legend(key) {
    const c = curCat();
    const v = { cat: catLower(c.id), profile: profileName(state.profile), t: c.threshold_min };
    const note = (s) => '<p class="note">' + esc(s) + '</p>';
    switch (key) {
      case 'cells':
        return state.measure === 'share'
          ? note(t('leg_cells_share', v)) + '<div class="swatches">' + shareSwatches() + '</div>'
          : note(t('leg_cells', v)) + '<div class="swatches">' + minuteSwatches() + '</div>';
      case 'communities': {
        let body;
        if (state.measure === 'minutes') body = note(t('leg_comm_minutes', v)) + '<div class="swatches">' + minuteSwatches();
        else if (state.measure === 'share') body = note(t('leg_comm_share', v)) + '<div class="swatches">' + shareSwatches();
        else if (state.measure === 'compliance') body = note(t('leg_comm_compliance', { t: c.tier })) + '<div class="swatches">' + shareSwatches();
        else body = note(t('leg_comm_e2sfca', v)) + '<div class="swatches">' + ratioSwatches();
        return body + swatch(NO_DATA, t('no_data')) + swatch('#1d2330', t('l_communities'), 'ln') + '</div>';
      }
      case 'underserved':
        return note(t('leg_gaps', v)) + '<div class="swatches">' + swatch(GAP_COLOR, t('l_underserved'), 'ln dash') + '</div>';
      case 'facilities': {
        let s = note(t('leg_fac'));
        if (map && map.getZoom() < 12) s += note(t('leg_fac_zoom'));
        s += '<div class="swatches">';
        state.categories.forEach((cat, i) => {
          if (cat.facilities > 0 || cat.id === state.category) {
            s += swatch(CATEGORY_COLORS[i % CATEGORY_COLORS.length], catName(cat.id) + ' (' + cat.facilities + ')', 'dot')
              .replace('class="sw"', 'class="sw' + (cat.id === state.category ? ' chosen' : '') + '"');
          }
        });
        return s + '</div>';
      }
      case 'greenways':
        return note(t('leg_greenways')) + '<div class="swatches">' + swatch('#117733', t('l_greenways'), 'ln dash') + '</div>';
      case 'network':
        return note(t('leg_network')) + '<div class="swatches">' + swatch('#6f7785', t('l_network'), 'ln') + '</div>';
    }
    return '';
  }

  function renderLayerList() {
    const list = $('layer-list');
    list.innerHTML = '';
    for (const key of Object.keys(layerGroups)) {
      const div = document.createElement('div');
      div.className = 'layer';
      const title = key === 'cells' && state.measure === 'share' ? t('l_cells_share') : t('l_' + key);
      div.innerHTML = '<label><input type="checkbox" data-layer="' + key + '"' + (state.visible[key] ? ' checked' : '') + '> ' +
        esc(title) + '</label><div class="legend" id="legend-' + key + '">' + legend(key) + '</div>';
      list.appendChild(div);
    }
  }
  function refreshLegends() {
    for (const key of Object.keys(layerGroups)) {
      const el = $('legend-' + key);
      if (el) el.innerHTML = legend(key);
    }
  }

  // --- controls --------------------------------------------------------

  function fillSelects() {
    const cs = $('category');
    cs.innerHTML = '';
    for (const c of state.categories) {
      const o = document.createElement('option');
      o.value = c.id;
      o.textContent = catName(c.id) + ' · ' + c.threshold_min + (state.lang === 'zh' ? '分钟' : ' min');
      cs.appendChild(o);
    }
    cs.value = state.category;
    const ps = $('profile');
    ps.innerHTML = '';
    for (const p of state.profiles) {
      const o = document.createElement('option');
      o.value = p.id;
      o.textContent = profileName(p.id);
      ps.appendChild(o);
    }
    ps.value = state.profile;
    const ms = $('measure');
    const e2 = ms.querySelector('option[value=e2sfca]');
    e2.disabled = !state.capacityCats.has(state.category);
    if (e2.disabled && state.measure === 'e2sfca') state.measure = 'share';
    ms.value = state.measure;
  }

  function translate() {
    document.documentElement.lang = state.lang === 'zh' ? 'zh-Hans' : 'en';
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    $('lang').textContent = state.lang === 'zh' ? 'English' : '中文';
    $('lang').lang = state.lang === 'zh' ? 'en' : 'zh';
    fillSelects();
    renderLayerList();
    renderHint();
  }

  function renderHint() {
    $('hint').textContent = t('hint_' + state.tool, { cat: catLower(state.category), profile: profileName(state.profile) });
  }

  function syncURL() {
    const q = new URLSearchParams();
    q.set('category', state.category);
    q.set('profile', state.profile);
    q.set('measure', state.measure);
    if (state.lang === 'zh') q.set('lang', 'zh');
    history.replaceState(null, '', location.pathname + '?' + q.toString() + location.hash);
  }

  async function onCategory() {
    state.category = $('category').value;
    fillSelects();
    styleCells();
    styleFacilities();
    map.getSource('underserved').setUrl(gapsURL());
    refreshLegends();
    renderHint();
    syncURL();
    renderScenarioHighlight();
    await Promise.all([styleCommunities(), refreshPanel()]);
  }

  async function onProfile() {
    state.profile = $('profile').value;
    map.getSource('cells').setUrl(cellsURL());
    map.getSource('underserved').setUrl(gapsURL());
    refreshLegends();
    renderHint();
    syncURL();
    renderScenarioHighlight();
    state.sites = null;
    clearSiteMarkers();
    await Promise.all([styleCommunities(), refreshPanel()]);
  }

  async function onMeasure() {
    state.measure = $('measure').value;
    styleCells();
    renderLayerList();
    syncURL();
    await styleCommunities();
  }

  function setTool(tool) {
    state.tool = tool;
    for (const b of document.querySelectorAll('[data-tool]')) {
      const on = b.dataset.tool === tool;
      b.classList.toggle('active', on);
      b.setAttribute('aria-pressed', String(on));
    }
    $('map').className = 'tool-' + tool;
    renderHint();
  }

  // --- the panel ---------------------------------------------------------

  // panel holds what the side panel shows: a community, a facility, a
  // gap, an isochrone, a scenario or sites.
  let panel = null;

  function setPanel(p) {
    panel = p;
    return refreshPanel();
  }

  async function refreshPanel() {
    const el = $('panel');
    if (!panel) {
      el.innerHTML = '';
      return;
    }
    let html = '';
    switch (panel.kind) {
      case 'community': html = await communityHTML(panel.id); break;
      case 'facility': html = facilityHTML(panel.props); break;
      case 'gap': html = gapHTML(panel.props); break;
      case 'iso': html = isoHTML(); break;
      case 'scenario': html = await scenarioHTML(); break;
      case 'sites': html = await sitesHTML(); break;
    }
    el.innerHTML = html;
    const close = el.querySelector('.close');
    if (close) close.addEventListener('click', () => { setPanel(null); selectCommunity(null); });
    const remove = el.querySelector('[data-action=remove-scenario]');
    if (remove) remove.addEventListener('click', run(clearScenario));
  }

  function head(title) {
    return '<div class="head"><h2>' + esc(title) + '</h2><button type="button" class="close" aria-label="' +
      esc(t('close')) + '">×</button></div>';
  }
  function bar(label, share, chosen, after) {
    const w = Math.max(0, Math.min(1, share || 0)) * 100;
    let fill = '<div class="fill' + (share < 0.5 ? ' low' : '') + '" style="width:' + w.toFixed(1) + '%"></div>';
    let pct = fmtPct(share);
    if (after != null && after !== share) {
      fill = '<div class="fill after" style="width:' + (Math.min(1, after) * 100).toFixed(1) + '%"></div>' + fill;
      pct = fmtPct(after);
    }
    return '<li' + (chosen ? ' class="chosen"' : '') + '><span class="name" title="' + esc(label) + '">' + esc(label) +
      '</span><span class="track">' + fill + '</span><span class="pct">' + pct + '</span></li>';
  }

  async function communityHTML(id) {
    const rep = await report(state.profile);
    const cc = rep.communities.find((x) => x.id === id);
    if (!cc || !cc.profiles[0]) return '';
    const cov = cc.profiles[0];
    const after = scenarioCoverage(id);
    let h = head(cc.name || cc.id) + '<dl class="figs">' +
      '<dt>' + esc(t(state.populationEstimate ? 'population_est' : 'population')) + '</dt><dd>' + fmtInt(cc.population) + '</dd>' +
      '<dt>' + esc(t('profile')) + '</dt><dd>' + esc(profileName(state.profile)) + '</dd>' +
      '<dt>' + esc(t('complete')) + '</dt><dd>' + fmtPct(cov.complete_share) + '</dd>' +
      '<dt>' + esc(t('f15')) + '</dt><dd>' + fmtPct(cov.f15) + '</dd></dl>';
    h += '<h3>' + esc(t('compliance')) + '</h3><ul class="bars">';
    for (const lc of cov.life_circle || []) h += bar(t('circle', { n: lc.tier }), lc.compliance, lc.tier === curCat().tier);
    h += '</ul>';
    for (const lc of cov.life_circle || []) {
      const miss = (lc.missing || []).map((m) => catName(m.category) + ' ' + fmtPct(m.served_share));
      h += '<p class="missing">' + esc(t('circle', { n: lc.tier })) + ': ' +
        esc(miss.length ? t('missing', { list: miss.join(state.lang === 'zh' ? '、' : ', ') }) : t('none_missing')) + '</p>';
    }
    h += '<h3>' + esc(t('coverage')) + '</h3><ul class="bars">';
    for (const c of cov.categories) {
      const a = after && after[c.category];
      h += bar(catName(c.category) + ' ≤' + c.threshold_min, c.share, c.category === state.category, a);
    }
    h += '</ul>';
    if ((cov.capacity || []).length) {
      h += '<h3>' + esc(t('capacity')) + '</h3><ul class="bars">';
      for (const cap of cov.capacity) {
        const label = catName(cap.category);
        h += '<li' + (cap.category === state.category ? ' class="chosen"' : '') + '><span class="name">' + esc(label) +
          '</span><span>' + esc(t('places', { p: fmtInt(cap.places), d: fmtInt(cap.demand), s: fmtInt(cap.shortfall) })) +
          '</span><span class="pct">' + (Math.round(cap.mean_ratio * 100) / 100) + '</span></li>';
      }
      h += '</ul>';
    }
    return h;
  }

  function facilityHTML(p) {
    return head(t('facility')) + '<dl class="figs"><dt>' + esc(t('category')) + '</dt><dd>' + esc(catName(p.category)) +
      '</dd><dt>' + esc(t('name')) + '</dt><dd>' + esc(p.name || t('unnamed')) + '</dd><dt>id</dt><dd>' + esc(p.id) + '</dd>' +
      (p.capacity ? '<dt>' + esc(t('capacity')) + '</dt><dd>' + fmtInt(p.capacity) + '</dd>' : '') + '</dl>';
  }

  function gapHTML(p) {
    return head(t('gap', { n: p.id })) + '<p>' + esc(t('leg_gaps', { cat: catLower(p.category), profile: profileName(p.profile), t: curCat().threshold_min })) +
      '</p><p>' + esc(t('gap_figs', { p: fmtInt(p.population), a: p.area_km2, m: fmtMin(p.mean_min) })) + '</p>';
  }

  // --- tools: inspect ------------------------------------------------------

  function selectCommunity(id) {
    state.selected = id;
    map.setFilter('comm-selected', ['==', ['get', 'id'], id || '']);
  }

  async function inspect(e) {
    const box = [[e.point.x - 5, e.point.y - 5], [e.point.x + 5, e.point.y + 5]];
    const layers = ['fac-circle', 'gaps-fill', 'comm-hit'].filter((id) => map.getLayer(id) &&
      map.getLayoutProperty(id, 'visibility') !== 'none');
    const feats = map.queryRenderedFeatures(box, { layers });
    const f = feats.find((x) => x.layer.id === 'fac-circle') || feats.find((x) => x.layer.id === 'gaps-fill') ||
      feats.find((x) => x.layer.id === 'comm-hit');
    if (!f) return;
    if (f.layer.id === 'fac-circle') return setPanel({ kind: 'facility', props: f.properties });
    if (f.layer.id === 'gaps-fill') return setPanel({ kind: 'gap', props: f.properties });
    selectCommunity(f.properties.id);
    return setPanel({ kind: 'community', id: f.properties.id });
  }

  // --- tools: isochrone --------------------------------------------------

  async function isochrone(lngLat) {
    const q = new URLSearchParams({ lon: lngLat.lng.toFixed(6), lat: lngLat.lat.toFixed(6), profile: state.profile, minutes: '5,10,15' });
    const fc = await api('/v1/isochrone?' + q);
    const polys = fc.features.filter((f) => f.geometry && /Polygon/.test(f.geometry.type));
    polys.sort((a, b) => b.properties.minutes - a.properties.minutes);
    const origin = { type: 'Feature', geometry: { type: 'Point', coordinates: [lngLat.lng, lngLat.lat] }, properties: {} };
    state.iso = { features: polys, profile: state.profile };
    map.getSource('iso').setData({ type: 'FeatureCollection', features: polys.concat([origin]) });
    return setPanel({ kind: 'iso' });
  }

  function isoHTML() {
    if (!state.iso) return '';
    const fs = state.iso.features.slice().sort((a, b) => a.properties.minutes - b.properties.minutes);
    let h = head(t('iso', { profile: profileName(state.iso.profile) })) + '<dl class="figs">';
    for (const f of fs) h += '<dt>' + esc(t('min_le', { n: f.properties.minutes })) + '</dt><dd>' + esc(t('area', { n: f.properties.area_km2 })) + '</dd>';
    h += '</dl>';
    if (fs.length && fs[0].properties.snap_m > 1) h += '<p class="missing">' + esc(t('snap', { n: Math.round(fs[0].properties.snap_m) })) + '</p>';
    return h;
  }

  // --- tools: what if ----------------------------------------------------

  async function whatIf(lngLat) {
    const add = { category: state.category, lon: +lngLat.lng.toFixed(6), lat: +lngLat.lat.toFixed(6),
      name: t('new_fac', { cat: catLower(state.category) }) + ' ' + (state.added.length + 1) };
    const adds = state.added.concat([add]);
    // A preview: computed, not saved (saving needs a planner's token).
    const doc = await api('/v1/scenarios/preview', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ name: 'map what-if', add: adds }),
    });
    state.added = adds;
    state.scenario = doc;
    map.getSource('whatif-points').setData({ type: 'FeatureCollection', features: adds.map((a) => (
      { type: 'Feature', geometry: { type: 'Point', coordinates: [a.lon, a.lat] }, properties: { category: a.category } })) });
    renderScenarioHighlight();
    return setPanel({ kind: 'scenario' });
  }

  // h3Parent is the parent of an H3 cell index (hexadecimal) at resolution
  // res: the resolution field set and the finer digits set to 7.
  function h3Parent(h, res) {
    let x = BigInt('0x' + h);
    x = (x & ~(0xfn << 52n)) | (BigInt(res) << 52n);
    for (let d = res + 1; d <= 15; d++) x |= 7n << BigInt((15 - d) * 3);
    return x.toString(16);
  }

  // scenarioCells are the cells of the scenario for the chosen profile
  // and category.
  function scenarioCells() {
    if (!state.scenario) return [];
    return state.scenario.cells.filter((c) => c.profile === state.profile && c.category === state.category);
  }

  // renderScenarioHighlight outlines the cells newly within the threshold,
  // at every resolution the cells layer draws (a coarse cell is
  // highlighted when one of its resolution-10 cells is).
  function renderScenarioHighlight() {
    const ids = new Set();
    for (const c of scenarioCells()) {
      if (c.now_covered !== 1) continue;
      ids.add(c.h3);
      for (const r of [7, 8, 9]) ids.add(h3Parent(c.h3, r));
    }
    const filter = ['in', ['get', 'h3'], ['literal', Array.from(ids)]];
    map.setFilter('whatif-cells-fill', filter);
    map.setFilter('whatif-cells-line', filter);
  }

  // scenarioCoverage is a community's category shares after the
  // scenario, for the chosen profile.
  function scenarioCoverage(id) {
    if (!state.scenario) return null;
    const cd = state.scenario.diff.communities.find((x) => x.id === id);
    const pd = cd && cd.profiles.find((p) => p.profile === state.profile);
    if (!pd) return null;
    const out = {};
    for (const c of pd.categories) out[c.category] = c.share_after;
    return out;
  }

  async function scenarioHTML() {
    const doc = state.scenario;
    if (!doc) return '';
    const c = curCat();
    const cells = scenarioCells();
    let newly = 0;
    let faster = 0;
    for (const x of cells) {
      if (x.now_covered === 1) newly += x.population;
      if (x.after_min != null && (x.before_min == null || x.after_min < x.before_min)) faster++;
    }
    let h = head(t('scenario')) + '<p>' + state.added.map((a) => esc(catName(a.category)) + ' (' + a.lon.toFixed(4) + ', ' + a.lat.toFixed(4) + ')').join('<br>') + '</p>';
    h += '<dl class="figs"><dt>' + esc(t('newly', { t: c.threshold_min, cat: catLower(c.id) })) + '</dt><dd class="gain" id="whatif-newly">+' + fmtInt(newly) +
      '</dd><dt>' + esc(t('faster')) + '</dt><dd>' + faster + '</dd></dl>';
    const tp = doc.diff.total.profiles.find((p) => p.profile === state.profile);
    const tc = tp && tp.categories.find((x) => x.category === c.id);
    if (tc) h += '<ul class="bars">' + bar(t('city_share', { cat: catName(c.id) }), tc.share_before, true, tc.share_after) + '</ul>';
    const rows = [];
    for (const cd of doc.diff.communities) {
      const pd = cd.profiles.find((p) => p.profile === state.profile);
      const x = pd && pd.categories.find((y) => y.category === c.id);
      if (x && Math.abs(x.covered_delta) >= 0.5) rows.push({ name: cd.name || cd.id, x });
    }
    rows.sort((a, b) => b.x.covered_delta - a.x.covered_delta);
    if (rows.length) {
      h += '<table class="deltas" id="whatif-deltas"><thead><tr><th>' + esc(t('community')) + '</th><th>' + esc(t('before')) + '</th><th>' +
        esc(t('after')) + '</th><th>' + esc(t('delta')) + '</th></tr></thead><tbody>';
      for (const r of rows) {
        h += '<tr><td>' + esc(r.name) + '</td><td>' + fmtPct(r.x.share_before) + '</td><td>' + fmtPct(r.x.share_after) +
          '</td><td class="gain">' + (r.x.covered_delta > 0 ? '+' : '') + fmtInt(r.x.covered_delta) + '</td></tr>';
      }
      h += '</tbody></table>';
    } else {
      h += '<p>' + esc(t('no_change', { cat: catLower(c.id) })) + '</p>';
    }
    h += '<div class="panel-actions"><button type="button" data-action="remove-scenario">' + esc(t('remove')) + '</button></div>';
    return h;
  }

  async function clearScenario() {
    state.scenario = null;
    state.added = [];
    map.getSource('whatif-points').setData(emptyFC());
    renderScenarioHighlight();
    if (panel && panel.kind === 'scenario') await setPanel(null);
  }

  // --- suggest sites -----------------------------------------------------

  function clearSiteMarkers() {
    for (const m of siteMarkers) m.remove();
    siteMarkers = [];
    if (map.getSource('sites')) map.getSource('sites').setData(emptyFC());
  }

  async function suggestSites() {
    const q = new URLSearchParams({ category: state.category, profile: state.profile, k: String(SITES_K) });
    const fc = await api('/v1/siting?' + q);
    clearSiteMarkers();
    state.sites = fc;
    map.getSource('sites').setData(fc);
    for (const f of fc.features) {
      const el = document.createElement('div');
      el.className = 'site-marker';
      el.textContent = f.properties.rank;
      el.title = t('gain', { n: fmtInt(f.properties.gain), t: fc.threshold_min });
      siteMarkers.push(new maplibregl.Marker({ element: el }).setLngLat(f.geometry.coordinates).addTo(map));
    }
    return setPanel({ kind: 'sites' });
  }

  async function sitesHTML() {
    const fc = state.sites;
    if (!fc) return '';
    const rep = await report(state.profile);
    const names = Object.fromEntries(rep.communities.map((c) => [c.id, c.name || c.id]));
    const v = { cat: catLower(fc.category), t: fc.threshold_min };
    let h = head(t('sites', v)) + '<p class="missing">' + esc(t('uncovered', { t: fc.threshold_min, n: fmtInt(fc.uncovered) })) + '</p>';
    if (!fc.features.length) return h + '<p>' + esc(t('no_sites', v)) + '</p>';
    h += '<ol id="sites-list">';
    for (const f of fc.features) {
      const p = f.properties;
      h += '<li><span class="gain">' + esc(t('gain', { n: fmtInt(p.gain), t: fc.threshold_min })) + '</span> · ' +
        esc(names[p.community] || p.community || '') + ' · ' + esc(t('cumulative', { n: fmtInt(p.cumulative) })) + '</li>';
    }
    return h + '</ol>';
  }

  // --- clear -------------------------------------------------------------

  async function clearAll() {
    state.iso = null;
    state.sites = null;
    map.getSource('iso').setData(emptyFC());
    clearSiteMarkers();
    selectCommunity(null);
    await clearScenario();
    await setPanel(null);
  }

  // --- greenways ---------------------------------------------------------

  // loadGreenways reads the greenways collection of the OGC API, page by
  // page (the facilities tiles carry only representative points).
  async function loadGreenways() {
    const features = [];
    let url = '/collections/greenways/items?f=json&limit=10000';
    for (let page = 0; url && page < 20; page++) {
      const fc = await api(url, { headers: { Accept: 'application/geo+json' } });
      features.push(...fc.features);
      const next = (fc.links || []).find((l) => l.rel === 'next');
      url = next ? next.href : null;
    }
    map.getSource('greenways').setData({ type: 'FeatureCollection', features });
  }

  // --- start -------------------------------------------------------------

  // idle resolves once no request is pending and the map has drawn every
  // tile it needs: tests wait for it after each action.
  function idle() {
    return new Promise((resolve) => {
      let calm = 0;
      const check = () => {
        if (pending === 0 && map && map.loaded() && map.areTilesLoaded() && !map.isMoving()) calm++;
        else calm = 0;
        if (calm >= 3) resolve(true);
        else setTimeout(check, 50);
      };
      check();
    });
  }

  async function start() {
    const [config, cats, profs, tj] = await Promise.all([
      api('/map/config.json'), api('/v1/categories'), api('/v1/profiles'), api('/tiles/communities.json?profile=adult'),
    ]);
    // Residents estimated (from floor area, or OSM counts spread over it)
    // rather than counted on a grid or by the planner: the map says so.
    state.populationEstimate = !!config.population_estimate;
    state.categories = cats.categories;
    state.profiles = profs.profiles;
    state.cutoffMin = profs.cutoff_min || 30;
    if (!catByID(state.category)) {
      const c = catByID('clinic') || state.categories.find((x) => x.essential) || state.categories[0];
      state.category = c ? c.id : '';
    }
    if (!state.profiles.some((p) => p.id === state.profile)) state.profile = state.profiles.length ? state.profiles[0].id : 'adult';
    if (!['minutes', 'share', 'compliance', 'e2sfca'].includes(state.measure)) state.measure = 'minutes';

    const rep = await report(state.profile);
    for (const cap of (rep.total.profiles[0] || {}).capacity || []) state.capacityCats.add(cap.category);
    translate();

    const b = tj.bounds;
    try {
      map = new maplibregl.Map({
        container: 'map',
        style: config.basemap_style_url || ownStyle(),
        bounds: [[b[0], b[1]], [b[2], b[3]]],
        fitBoundsOptions: { padding: 20 },
        hash: true,
        attributionControl: false,
        dragRotate: false,
        pitchWithRotate: false,
        maxZoom: 18,
      });
    } catch (e) {
      throw new Error(t('err_map') + ': ' + e.message);
    }
    window.fifteen.map = map;
    map.touchZoomRotate.disableRotation();
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    map.addControl(new maplibregl.AttributionControl({ compact: false, customAttribution: '© OpenStreetMap contributors' }), 'bottom-right');
    map.on('render', () => { renders++; });
    map.on('error', (e) => {
      // Shown in plain words, and logged for developers (and tests).
      console.error('map error:', e.error || e);
      const msg = e.error && e.error.status ? new APIError(e.error.status, t('err_tiles')) : new Error(t('err_tiles'));
      showError(msg);
    });
    map.on('zoomend', () => {
      const el = $('legend-facilities');
      if (el) el.innerHTML = legend('facilities');
    });
    map.on('click', run((e) => {
      if (state.tool === 'isochrone') return isochrone(e.lngLat);
      if (state.tool === 'whatif') return whatIf(e.lngLat);
      return inspect(e);
    }));
    map.on('mousemove', (e) => {
      if (state.tool !== 'inspect') return;
      const hit = map.queryRenderedFeatures(e.point, { layers: ['fac-circle', 'comm-hit'].filter((id) => map.getLayer(id)) });
      map.getCanvas().style.cursor = hit.length ? 'pointer' : '';
    });
    await new Promise((resolve) => map.once('load', resolve));
    addLayers();
    applyVisibility();
    styleCells();
    styleFacilities();
    await styleCommunities();
    loadGreenways().catch(showError);
    map.once('idle', () => {
      window.fifteenReady = true;
      document.body.dataset.ready = 'true';
    });
  }

  function wire() {
    $('category').addEventListener('change', run(onCategory));
    $('profile').addEventListener('change', run(onProfile));
    $('measure').addEventListener('change', run(onMeasure));
    $('lang').addEventListener('click', run(() => {
      state.lang = state.lang === 'zh' ? 'en' : 'zh';
      try { localStorage.setItem('fifteen.lang', state.lang); } catch (e) { /* private mode */ }
      translate();
      syncURL();
      return refreshPanel();
    }));
    for (const b of document.querySelectorAll('[data-tool]')) b.addEventListener('click', () => setTool(b.dataset.tool));
    $('suggest').addEventListener('click', run(suggestSites));
    $('clear').addEventListener('click', run(clearAll));
    $('error-close').addEventListener('click', hideError);
    $('layer-list').addEventListener('change', (e) => {
      const key = e.target.dataset && e.target.dataset.layer;
      if (!key) return;
      state.visible[key] = e.target.checked;
      if (map) applyVisibility();
    });
  }

  window.fifteenReady = false;
  window.fifteen = { map: null, state, idle, pending: () => pending, renders: () => renders, h3Parent };
  wire();
  start().catch((e) => {
    console.error('map start failed:', e);
    showError(e);
  });
})();
