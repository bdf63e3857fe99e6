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
  const ISO_COLORS = ['#08306b', '#2171b5', '#6baed6']; // 5, 10, 15 min
  const COMPARE_MORE = '#1b7837'; // comparison: more residents reached
  const COMPARE_FEWER = '#762a83'; // and fewer (PRGn ends)
  const SITES_K = 5;

  // --- words -----------------------------------------------------------

  const WORDS = {
    en: {
      title: '15-minute life circles', category: 'Facility', profile: 'Walker', measure: 'Communities by',
      m_minutes: 'Walk minutes', m_share: 'Coverage share', m_compliance: 'Life-circle compliance',
      m_e2sfca: 'Places per user (E2SFCA)',
      t_inspect: 'Inspect', t_isochrone: 'Isochrone', t_whatif: 'Add facility', t_suggest: 'Suggest sites', t_clear: 'Clear',
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
      err_400: 'The request was not accepted',
      err_401: 'Saving or deleting a scenario needs an access token: fill it in under Scenarios',
      err_403: 'That token may not do this (a scenario can be deleted by its owner only)', err_404: 'Not found', err_413: 'The request is too large',
      err_422: 'That cannot be computed there', err_503: 'The server is busy or took too long; try again',
      err_500: 'The server ran into a problem', err_net: 'The server could not be reached',
      err_tiles: 'Some map data could not be loaded', err_map: 'The map could not start (WebGL is needed)',
      search: 'Search', search_ph: 'Search a community, facility or place', no_results: 'Nothing found for “{q}”.',
      k_community: 'Community', k_facility: 'Facility', k_category: 'All of a category',
      t_close: 'Close facility', t_link: 'New walk link', t_way: 'Close street',
      hint_close: 'Click a facility to close it in the scenario.',
      hint_link: 'Click two points to draw a new walk link between them (a crossing, a path).',
      hint_link2: 'Now click where the new link ends.',
      hint_way: 'Click a street to close it to walkers in the scenario.',
      threshold: 'Walk threshold for the cells', thr_note: 'Cells beyond {n} min are drawn as not reached.',
      l_isochrones: 'Isochrone', leg_iso: 'Walk from the clicked point, {profile}.',
      l_scenario: 'Scenario', leg_scenario: 'Cells newly within the threshold; scenario changes.',
      sw_added: 'new facility', sw_closed: 'closed facility', sw_link: 'new walk link', sw_way: 'closed street', sw_newly: 'newly reached',
      l_compare: 'Comparison', leg_compare: 'Communities where {a} reaches more (green) or fewer (purple) residents than {b}.',
      sw_more: 'more reached', sw_fewer: 'fewer reached', l_sites: 'Suggested sites',
      leg_sites: 'Numbered by rank: where a new {cat} would bring the most residents within reach.', sw_site: 'site (rank)',
      scenarios: 'Scenarios', compare_a: 'Compare', compare_b: 'with', compare: 'Compare', baseline: 'Baseline (today)',
      token: 'Access token (optional)', no_scenarios: 'No saved scenario yet.', open: 'Open', del: 'Delete',
      edits: 'Changes', undo: 'Undo', save: 'Save', save_name: 'Scenario name', saved: 'Saved as “{n}”.',
      e_add: 'New {cat}', e_close: 'Close {name}', e_link: 'New walk link ({n} m)', e_way: 'Close street (way {ids})',
      opened: 'Scenario “{n}”', sum: '{a} new, {c} closed, {l} new links, {w} closed ways',
      cmp_title: '{a} compared with {b}', cmp_none: 'No community differs for {cat}.', diff: 'Δ residents',
      download: 'Download', dl_layer: 'Layer', dl_png: 'Map as PNG', dl_comm: 'This community:',
      l_cells_dl: 'Cells (H3)', need: 'Need', need_norm: '{n} places ({norm} per 1,000 {group})', need_none: 'no norm',
      reached: 'Places reached', shortfall: 'Shortfall', users: 'Users ({group})',
      cap_note: 'The shortfall is counted cell by cell: places far from where the users live do not cover them.',
      group_all: 'residents', group_ages: 'aged {g}',
    },
    zh: {
      title: '15分钟社区生活圈', category: '设施', profile: '人群', measure: '社区指标',
      m_minutes: '步行时间', m_share: '覆盖率', m_compliance: '生活圈达标率', m_e2sfca: '人均供给（E2SFCA）',
      t_inspect: '查看', t_isochrone: '等时圈', t_whatif: '新建设施', t_suggest: '推荐选址', t_clear: '清除',
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
      err_400: '请求无效',
      err_401: '保存或删除情景需要访问令牌：请在“情景”下填写',
      err_403: '该令牌无权执行此操作（情景只能由其创建者删除）', err_404: '未找到', err_413: '请求过大', err_422: '该处无法计算',
      err_503: '服务器繁忙或超时，请重试', err_500: '服务器出错', err_net: '无法连接服务器',
      err_tiles: '部分地图数据未能加载', err_map: '地图无法启动（需要 WebGL）',
      search: '搜索', search_ph: '搜索社区、设施或地点', no_results: '未找到“{q}”。',
      k_community: '社区', k_facility: '设施', k_category: '整个类别',
      t_close: '关闭设施', t_link: '新建步行连接', t_way: '封闭道路',
      hint_close: '点击一处设施，在情景中关闭它。',
      hint_link: '点击两点，在其间新建一条步行连接（人行横道、小路）。',
      hint_link2: '再点击新连接的终点。',
      hint_way: '点击一条道路，在情景中对行人封闭。',
      threshold: '网格的步行阈值', thr_note: '超过 {n} 分钟的网格显示为不可达。',
      l_isochrones: '等时圈', leg_iso: '{profile}从点击处出发的步行范围。',
      l_scenario: '情景', leg_scenario: '新进入阈值范围的网格；情景中的改动。',
      sw_added: '新建设施', sw_closed: '关闭的设施', sw_link: '新步行连接', sw_way: '封闭道路', sw_newly: '新覆盖',
      l_compare: '比较', leg_compare: '{a}比{b}覆盖更多（绿）或更少（紫）居民的社区。',
      sw_more: '覆盖更多', sw_fewer: '覆盖更少', l_sites: '推荐选址',
      leg_sites: '按排名编号：新建{cat}可使最多居民进入范围的位置。', sw_site: '选址（排名）',
      scenarios: '情景', compare_a: '比较', compare_b: '与', compare: '比较', baseline: '现状（基线）',
      token: '访问令牌（可选）', no_scenarios: '尚无已保存的情景。', open: '打开', del: '删除',
      edits: '改动', undo: '撤销', save: '保存', save_name: '情景名称', saved: '已保存为“{n}”。',
      e_add: '新建{cat}', e_close: '关闭 {name}', e_link: '新步行连接（{n} 米）', e_way: '封闭道路（way {ids}）',
      opened: '情景“{n}”', sum: '新建 {a}，关闭 {c}，新连接 {l}，封闭道路 {w}',
      cmp_title: '{a} 与 {b} 比较', cmp_none: '{cat}没有社区存在差异。', diff: '居民差',
      download: '下载', dl_layer: '图层', dl_png: '地图导出为 PNG', dl_comm: '此社区：',
      l_cells_dl: '网格（H3）', need: '需求', need_norm: '{n} 个（每千名{group} {norm} 个）', need_none: '无配置标准',
      reached: '可达供给', shortfall: '缺口', users: '使用者（{group}）',
      cap_note: '缺口按网格逐一计算：远离使用者的供给不能弥补。',
      group_all: '居民', group_ages: '{g}岁',
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
    // Compact by default: the choropleth and the facilities; the rest is
    // one click away in the layer list.
    visible: { cells: false, communities: true, underserved: false, facilities: true, greenways: false, network: false },
    threshold: null, // the cells' walk threshold in minutes (null: the category's)
    history: [], // the scenario being drawn: its changes, in order (undo pops)
    linkStart: null, // the first click of a new walk link
    saved: [], // GET /v1/scenarios
    compare: null, // {a, b, rows} of the last comparison
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
      const key = s === 400 || s === 401 || s === 403 || s === 404 || s === 413 || s === 422 || s === 503 ? 'err_' + s
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
    for (const id of ['greenways', 'iso', 'whatif-points', 'sites', 'edits']) map.addSource(id, { type: 'geojson', data: emptyFC() });

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
      { id: 'comm-compare', type: 'line', source: 'communities', 'source-layer': 'communities', filter: ['in', ['get', 'id'], ['literal', []]],
        paint: { 'line-color': COMPARE_MORE, 'line-width': 4 } },
      { id: 'iso-fill', type: 'fill', source: 'iso', filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'fill-color': ['match', ['get', 'minutes'], 5, ISO_COLORS[0], 10, ISO_COLORS[1], ISO_COLORS[2]], 'fill-opacity': 0.22 } },
      { id: 'iso-line', type: 'line', source: 'iso', filter: ['==', ['geometry-type'], 'Polygon'],
        paint: { 'line-color': ISO_COLOR, 'line-width': ['match', ['get', 'minutes'], 5, 3.5, 10, 2.8, 2.2],
          'line-dasharray': ['match', ['get', 'minutes'], 5, ['literal', [1, 0]], 10, ['literal', [3, 1.5]], ['literal', [1, 1.5]]] } },
      { id: 'fac-circle', type: 'circle', source: 'facilities', 'source-layer': 'facilities', paint: {} },
      { id: 'iso-origin', type: 'circle', source: 'iso', filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-radius': 6, 'circle-color': '#fff', 'circle-stroke-color': ISO_COLOR, 'circle-stroke-width': 3 } },
      { id: 'whatif-point', type: 'circle', source: 'whatif-points',
        paint: { 'circle-radius': 9, 'circle-color': HIGHLIGHT, 'circle-stroke-color': '#fff', 'circle-stroke-width': 3 } },
      { id: 'sites-circle', type: 'circle', source: 'sites', paint: { 'circle-radius': 16, 'circle-color': '#000', 'circle-opacity': 0.15 } },
      // The scenario's changes: closed streets, new links, closed and new facilities.
      { id: 'edit-way', type: 'line', source: 'edits', filter: ['==', ['get', 'kind'], 'way'], layout: { 'line-cap': 'round' },
        paint: { 'line-color': '#000', 'line-width': 5, 'line-opacity': 0.85 } },
      { id: 'edit-link', type: 'line', source: 'edits', filter: ['==', ['get', 'kind'], 'link'], layout: { 'line-cap': 'round' },
        paint: { 'line-color': HIGHLIGHT, 'line-width': 4, 'line-dasharray': [1.5, 1] } },
      { id: 'edit-close', type: 'circle', source: 'edits', filter: ['==', ['get', 'kind'], 'close'],
        paint: { 'circle-radius': 8, 'circle-color': '#ffffff', 'circle-stroke-color': '#000', 'circle-stroke-width': 3 } },
      { id: 'edit-point', type: 'circle', source: 'edits', filter: ['==', ['get', 'kind'], 'start'],
        paint: { 'circle-radius': 6, 'circle-color': HIGHLIGHT, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
    ];
    for (const l of layers) map.addLayer(l);
  }

  // layerGroups ties each switch of the layer list to its map layers.
  const layerGroups = {
    isochrones: ['iso-fill', 'iso-line', 'iso-origin'],
    scenario: ['whatif-cells-fill', 'whatif-cells-line', 'whatif-point', 'edit-way', 'edit-link', 'edit-close', 'edit-point'],
    compare: ['comm-compare'],
    sites: ['sites-circle'],
    facilities: ['fac-circle'],
    greenways: ['greenway-line'],
    underserved: ['gaps-fill', 'gaps-line'],
    communities: ['comm-fill', 'comm-line'],
    cells: ['cells-fill'],
    network: ['network-line'],
  };

  // Layers drawn only while they have something to show; listed (with
  // their legend) only then.
  const transient = {
    isochrones: () => !!state.iso,
    scenario: () => !!state.scenario || state.history.length > 0 || !!state.linkStart,
    compare: () => !!state.compare,
    sites: () => !!state.sites,
  };
  const shown = (key) => (transient[key] ? transient[key]() && state.visible[key] !== false : state.visible[key]);

  function applyVisibility() {
    for (const [key, ids] of Object.entries(layerGroups)) {
      for (const id of ids) map.setLayoutProperty(id, 'visibility', shown(key) ? 'visible' : 'none');
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

  // thresholdMin is the cells' walk threshold: the slider's, else the
  // chosen category's.
  const thresholdMin = () => (state.threshold != null ? state.threshold : curCat().threshold_min);

  // styleCells colours the cells by the chosen measure; with walk
  // minutes, a cell beyond the threshold is drawn as not reached (the
  // slider restyles them here, without asking the server).
  function styleCells() {
    const c = state.category;
    let color;
    if (state.measure === 'share') {
      color = shareStep(['to-number', ['get', 'within_' + c], 0]);
    } else {
      const m = ['to-number', ['get', 'minutes_' + c]];
      color = ['case', ['all', ['has', 'minutes_' + c], ['<=', m, thresholdMin() + 0.005]], minutesStep(m), MINUTE_COLORS[4]];
      // Under a scenario, the cells whose walk changed take their walk
      // after it (the answer's changed cells), grouped by colour.
      const byColor = {};
      for (const x of scenarioCells()) {
        const col = x.after_min == null || x.after_min > thresholdMin() + 0.005 ? MINUTE_COLORS[4] : minutesColor(x.after_min);
        (byColor[col] = byColor[col] || []).push(x.h3);
      }
      const pairs = [];
      for (const [col, ids] of Object.entries(byColor)) pairs.push(ids, col);
      if (pairs.length) color = ['match', ['get', 'h3'], ...pairs, color];
    }
    map.setPaintProperty('cells-fill', 'fill-color', color);
  }

  // minutesColor is minutesStep's colour of a walk of m minutes.
  function minutesColor(m) {
    return MINUTE_COLORS[classOf(m, [5.005, 10.005, 15.005, Math.max(state.cutoffMin, 15) + 0.005])];
  }

  function renderThreshold() {
    const el = $('threshold');
    el.max = String(Math.max(state.cutoffMin, 15));
    el.value = String(thresholdMin());
    $('threshold-out').textContent = t('min_le', { n: thresholdMin() });
    el.setAttribute('aria-valuetext', t('min_le', { n: thresholdMin() }));
    // The cells are coloured by shares, not minutes: nothing to restyle.
    el.disabled = state.measure === 'share';
  }

  function onThreshold() {
    state.threshold = +$('threshold').value;
    if (!state.visible.cells) {
      state.visible.cells = true;
      applyVisibility();
      renderLayerList();
    }
    renderThreshold();
    styleCells();
    refreshLegends();
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

  // scenarioEntry is the shown scenario's change to a community (id ""
  // for the city) under the chosen profile: the compact answer lists the
  // communities whose figures changed, before and after; null when none.
  function scenarioEntry(id) {
    if (!state.scenario || !state.scenario.communities) return null;
    return state.scenario.communities.find((x) => x.id === id && x.profile === state.profile) || null;
  }

  // scenarioPatched is a community's coverage (from the baseline's
  // report) with the shown scenario's changed figures put in.
  function scenarioPatched(cov, id) {
    const e = cov && scenarioEntry(id);
    if (!e) return cov;
    const put = (list, changes, key) => (list || []).map((x) => {
      const ch = changes.find((y) => y[key] === x[key]);
      return ch ? ch.after : x;
    }).filter((x) => x != null);
    return Object.assign({}, cov, {
      complete_share: e.complete_share_after, f15: e.f15_after, mean_categories_within: e.mean_categories_within_after,
      categories: put(cov.categories, e.categories, 'category'),
      life_circle: put(cov.life_circle, e.life_circle, 'tier'),
      capacity: put(cov.capacity, e.capacity.filter((c) => c.before), 'category')
        .concat(e.capacity.filter((c) => !c.before && c.after).map((c) => c.after)),
    });
  }

  // categoryChange is the shown scenario's change of the chosen profile
  // and a category in a community (id "" for the city): its coverage
  // before and after, or null when it did not change.
  function categoryChange(id, category) {
    const e = scenarioEntry(id);
    return (e && e.categories.find((x) => x.category === category)) || null;
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
      const cov = scenarioPatched(cc.profiles[0], cc.id);
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
          : note(t('leg_cells', v)) + note(t('thr_note', { n: thresholdMin() })) + '<div class="swatches">' + minuteSwatches() + '</div>';
      case 'isochrones':
        return note(t('leg_iso', { profile: profileName(state.iso ? state.iso.profile : state.profile) })) + '<div class="swatches">' +
          [5, 10, 15].map((n, i) => swatch(ISO_COLORS[i], t('min_le', { n }))).join('') + '</div>';
      case 'scenario':
        return note(t('leg_scenario')) + '<div class="swatches">' + swatch(HIGHLIGHT, t('sw_newly')) + swatch(HIGHLIGHT, t('sw_added'), 'dot') +
          swatch('#ffffff', t('sw_closed'), 'dot ring') + swatch(HIGHLIGHT, t('sw_link'), 'ln dash') + swatch('#000', t('sw_way'), 'ln') + '</div>';
      case 'sites':
        return note(t('leg_sites', { cat: catLower(state.sites ? state.sites.category : state.category) })) + '<div class="swatches">' +
          swatch('#000', t('sw_site'), 'dot') + '</div>';
      case 'compare':
        return note(t('leg_compare', { a: state.compare.aName, b: state.compare.bName })) + '<div class="swatches">' +
          swatch(COMPARE_MORE, t('sw_more'), 'ln') + swatch(COMPARE_FEWER, t('sw_fewer'), 'ln') + '</div>';
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
      if (transient[key] && !transient[key]()) continue;
      const div = document.createElement('div');
      div.className = 'layer';
      div.dataset.key = key;
      const title = key === 'cells' && state.measure === 'share' ? t('l_cells_share') : t('l_' + key);
      div.innerHTML = '<label><input type="checkbox" data-layer="' + key + '"' + (shown(key) ? ' checked' : '') + '> ' +
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
    for (const el of document.querySelectorAll('[data-i18n-ph]')) el.placeholder = t(el.dataset.i18nPh);
    $('lang').textContent = state.lang === 'zh' ? 'English' : '中文';
    $('lang').lang = state.lang === 'zh' ? 'en' : 'zh';
    fillSelects();
    renderLayerList();
    renderHint();
    renderThreshold();
    renderDownloads();
    renderScenarioList();
  }

  function renderHint() {
    const key = state.tool === 'link' && state.linkStart ? 'hint_link2' : 'hint_' + state.tool;
    $('hint').textContent = t(key, { cat: catLower(state.category), profile: profileName(state.profile) });
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
    state.threshold = null;
    renderThreshold();
    fillSelects();
    styleCells();
    styleFacilities();
    map.getSource('underserved').setUrl(gapsURL());
    refreshLegends();
    renderHint();
    renderDownloads();
    syncURL();
    renderScenarioHighlight();
    if (state.compare) {
      state.compare = null;
      renderCompare();
    }
    await Promise.all([styleCommunities(), refreshPanel()]);
  }

  async function onProfile() {
    state.profile = $('profile').value;
    map.getSource('cells').setUrl(cellsURL());
    map.getSource('underserved').setUrl(gapsURL());
    refreshLegends();
    renderHint();
    renderDownloads();
    syncURL();
    renderScenarioHighlight();
    state.sites = null;
    clearSiteMarkers();
    layersChanged();
    await Promise.all([styleCommunities(), refreshPanel()]);
  }

  async function onMeasure() {
    state.measure = $('measure').value;
    styleCells();
    renderThreshold();
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
    if (tool !== 'link' && state.linkStart) {
      state.linkStart = null;
      if (map) renderEdits();
    }
    // A tool that clicks on a layer shows that layer.
    const needs = { close: 'facilities', way: 'network' }[tool];
    if (needs && !state.visible[needs]) {
      state.visible[needs] = true;
      layersChanged();
    }
    renderHint();
  }

  // layersChanged redraws the layer list and the layers' visibility after
  // a layer appeared, went or was switched.
  function layersChanged() {
    if (map) applyVisibility();
    renderLayerList();
  }

  // --- search --------------------------------------------------------------

  let searchSeq = 0;
  let searchHits = [];

  async function search() {
    const q = $('search').value.trim();
    const seq = ++searchSeq;
    const list = $('search-results');
    if (!q) {
      closeSearch();
      return;
    }
    const r = await api('/v1/search?q=' + encodeURIComponent(q) + '&limit=12');
    if (seq !== searchSeq) return; // a later query is on its way
    searchHits = r.results;
    const kind = (k) => t('k_' + k);
    list.innerHTML = searchHits.length ? searchHits.map((h, i) => {
      const name = h.kind === 'category' ? catName(h.id) : h.name || t('unnamed');
      const sub = h.kind === 'facility' ? catName(h.category) : kind(h.kind);
      return '<li role="option" id="search-opt-' + i + '" data-i="' + i + '" aria-selected="false"><span class="name">' + esc(name) +
        '</span> <span class="sub">' + esc(sub) + '</span></li>';
    }).join('') : '<li class="none" aria-disabled="true">' + esc(t('no_results', { q })) + '</li>';
    list.hidden = false;
    $('search').setAttribute('aria-expanded', 'true');
  }

  function closeSearch() {
    $('search-results').hidden = true;
    $('search').setAttribute('aria-expanded', 'false');
    $('search').removeAttribute('aria-activedescendant');
  }

  function searchMove(d) {
    const opts = [...$('search-results').querySelectorAll('[role=option]')];
    if (!opts.length) return;
    let i = opts.findIndex((o) => o.getAttribute('aria-selected') === 'true');
    i = (i + d + opts.length) % opts.length;
    opts.forEach((o, k) => o.setAttribute('aria-selected', String(k === i)));
    $('search').setAttribute('aria-activedescendant', opts[i].id);
  }

  // chooseHit goes to a search result: a community is framed and opened,
  // a facility centred and opened, a category chosen and framed.
  async function chooseHit(i) {
    const h = searchHits[i];
    if (!h) return;
    closeSearch();
    $('search').value = h.kind === 'category' ? catName(h.id) : h.name;
    const frame = () => map.fitBounds([[h.bbox[0], h.bbox[1]], [h.bbox[2], h.bbox[3]]], { padding: 40, maxZoom: 17, duration: 0 });
    if (h.kind === 'community') {
      frame();
      selectCommunity(h.id);
      return setPanel({ kind: 'community', id: h.id });
    }
    if (h.kind === 'category') {
      $('category').value = h.id;
      await onCategory();
      return frame();
    }
    map.jumpTo({ center: [h.lon, h.lat], zoom: Math.max(map.getZoom(), 16) });
    if (!state.visible.facilities) {
      state.visible.facilities = true;
      layersChanged();
    }
    return setPanel({ kind: 'facility', props: { id: h.id, name: h.name, category: h.category } });
  }

  // --- downloads -----------------------------------------------------------

  // The collections one can download, with the parameters the map's
  // choices give them (the server's /v1/export renders the published
  // catalogue, as the OGC API and fifteen export do).
  const DOWNLOADS = {
    communities: { key: 'l_communities', params: () => ({ profile: state.profile }) },
    cells: { key: 'l_cells_dl', params: () => ({ profile: state.profile }) },
    facilities: { key: 'l_facilities', params: () => ({}) },
    underserved: { key: 'l_underserved', params: () => ({ category: state.category, profile: state.profile }) },
    greenways: { key: 'l_greenways', params: () => ({}) },
    network: { key: 'l_network', params: () => ({}) },
  };

  function exportURL(collection, format, id) {
    const q = new URLSearchParams(Object.assign({ collection, format }, DOWNLOADS[collection].params()));
    if (id) q.set('id', id);
    return '/v1/export?' + q;
  }

  function renderDownloads() {
    const sel = $('dl-layer');
    const keep = sel.value || 'communities';
    sel.innerHTML = Object.entries(DOWNLOADS).map(([id, d]) => '<option value="' + id + '">' + esc(t(d.key)) + '</option>').join('');
    sel.value = keep;
    for (const f of ['csv', 'geojson', 'gpkg']) $('dl-' + f).href = exportURL(sel.value, f);
  }

  // mapPNG draws the map with its legend and attribution on one canvas
  // and returns it as a PNG blob.
  async function mapPNG() {
    await new Promise((resolve) => { map.once('render', resolve); map.triggerRepaint(); });
    const src = map.getCanvas();
    const dpr = src.width / src.clientWidth || 1;
    const items = [];
    for (const div of document.querySelectorAll('#layer-list .layer')) {
      if (!div.querySelector('input').checked) continue;
      items.push({ title: div.querySelector('label').textContent.trim(), sw: [...div.querySelectorAll('.sw')] });
    }
    const lineH = 16 * dpr;
    let legendH = 8 * dpr;
    for (const it of items) legendH += lineH * (1 + it.sw.length) + 4 * dpr;
    const legendW = 230 * dpr;
    const out = document.createElement('canvas');
    out.width = src.width + legendW;
    out.height = Math.max(src.height, legendH + 40 * dpr);
    const g = out.getContext('2d');
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, out.width, out.height);
    g.drawImage(src, 0, 0);
    g.textBaseline = 'middle';
    let y = 12 * dpr;
    const x0 = src.width + 10 * dpr;
    for (const it of items) {
      g.font = 'bold ' + 12 * dpr + 'px sans-serif';
      g.fillStyle = '#1d2330';
      g.fillText(it.title, x0, y, legendW - 16 * dpr);
      y += lineH;
      g.font = 11 * dpr + 'px sans-serif';
      for (const sw of it.sw) {
        const i = sw.querySelector('i');
        const cs = getComputedStyle(i);
        const line = i.classList.contains('ln');
        g.fillStyle = line ? cs.borderTopColor : cs.backgroundColor;
        if (line) g.fillRect(x0, y - 1.5 * dpr, 16 * dpr, 3 * dpr);
        else g.fillRect(x0, y - 5 * dpr, 14 * dpr, 10 * dpr);
        g.fillStyle = '#1d2330';
        g.fillText(sw.textContent.trim(), x0 + 22 * dpr, y, legendW - 40 * dpr);
        y += lineH;
      }
      y += 4 * dpr;
    }
    const attrib = (document.querySelector('.maplibregl-ctrl-attrib') || {}).innerText || '© OpenStreetMap contributors';
    g.font = 11 * dpr + 'px sans-serif';
    const w = g.measureText(attrib).width + 12 * dpr;
    g.fillStyle = 'rgba(255,255,255,0.85)';
    g.fillRect(src.width - w, src.height - 18 * dpr, w, 18 * dpr);
    g.fillStyle = '#1d2330';
    g.fillText(attrib, src.width - w + 6 * dpr, src.height - 9 * dpr);
    return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG'))), 'image/png'));
  }

  async function downloadPNG() {
    const blob = await mapPNG();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'fifteen-map.png';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
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
      case 'compare': html = compareHTML(); break;
    }
    el.innerHTML = html;
    const close = el.querySelector('.close');
    if (close) close.addEventListener('click', () => { setPanel(null); selectCommunity(null); });
    if (panel.kind === 'community') renderDownloads();
    const on = (action, fn) => {
      const b = el.querySelector('[data-action=' + action + ']');
      if (b) b.addEventListener('click', run(fn));
    };
    on('remove-scenario', clearScenario);
    on('undo', undo);
    on('save', saveScenario);
    // A community of a table of changes is outlined on the map.
    for (const tr of el.querySelectorAll('tr[data-id]')) tr.addEventListener('click', () => selectCommunity(tr.dataset.id));
    const nameBox = el.querySelector('#scenario-name');
    if (nameBox) nameBox.addEventListener('keydown', (e) => { if (e.key === 'Enter') run(saveScenario)(); });
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
      // In plain words: the need the norm sets for the users, the places
      // they reach, and what is short.
      h += '<h3>' + esc(t('capacity')) + '</h3>';
      for (const cap of cov.capacity) {
        const group = !cap.demand_group || cap.demand_group === 'all' ? t('group_all') : t('group_ages', { g: cap.demand_group });
        const need = cap.norm_per_1000 == null ? t('need_none')
          : t('need_norm', { n: fmtInt(cap.need), norm: cap.norm_per_1000, group });
        h += '<dl class="figs cap' + (cap.category === state.category ? ' chosen' : '') + '" data-category="' + esc(cap.category) + '">' +
          '<dt class="cat">' + esc(catName(cap.category)) + '</dt><dd></dd>' +
          '<dt>' + esc(t('users', { group })) + '</dt><dd>' + fmtInt(cap.demand) + '</dd>' +
          '<dt>' + esc(t('need')) + '</dt><dd>' + esc(need) + '</dd>' +
          '<dt>' + esc(t('reached')) + '</dt><dd>' + fmtInt(cap.places) + '</dd>' +
          (cap.norm_per_1000 == null ? '' : '<dt>' + esc(t('shortfall')) + '</dt><dd>' + fmtInt(cap.shortfall) + '</dd>') + '</dl>';
      }
      h += '<p class="missing">' + esc(t('cap_note')) + '</p>';
    }
    h += '<div class="panel-actions dl-comm"><span>' + esc(t('dl_comm')) + '</span>';
    for (const [f, label] of [['csv', 'CSV'], ['geojson', 'GeoJSON'], ['gpkg', 'GeoPackage']]) {
      h += '<a data-format="' + f + '" download href="' + esc(exportURL('communities', f, id)) + '">' + label + '</a>';
    }
    h += '</div>';
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

  // inspect opens what was clicked: a facility within a few pixels, else
  // the topmost area under the point itself (so that a tap on a community
  // does not open the underserved area beside it).
  const drawn = (ids) => ids.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
  const near = (p, r) => [[p.x - r, p.y - r], [p.x + r, p.y + r]];

  async function inspect(e) {
    const pts = map.queryRenderedFeatures(near(e.point, 6), { layers: drawn(['fac-circle']) });
    const areas = map.queryRenderedFeatures(e.point, { layers: drawn(['gaps-fill', 'comm-hit']) });
    const f = pts[0] || areas[0];
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
    layersChanged();
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

  // --- tools: the scenario, change by change -------------------------------

  // The scenario being drawn is state.history, its changes in order:
  // {type: 'add', category, lon, lat, name}, {type: 'close', id, name,
  // lon, lat}, {type: 'link', coords}, {type: 'way', edge, ways, geometry}.
  // Each change runs it as a draft on the server (replacing the last
  // draft); undo drops the last change; save posts it under a name.

  // authHeaders adds the access token, when one is given, as a bearer
  // token (the server asks for it to save or delete scenarios).
  function authHeaders(extra) {
    const h = Object.assign({ Accept: 'application/json' }, extra || {});
    const tok = $('token').value.trim();
    if (tok) h.Authorization = 'Bearer ' + tok;
    return h;
  }

  function scenarioBody(name) {
    const b = { name, add: [], close: [], add_links: [], close_ways: [] };
    for (const h of state.history) {
      if (h.type === 'add') b.add.push({ category: h.category, lon: h.lon, lat: h.lat, name: h.name });
      else if (h.type === 'close') b.close.push(h.id);
      else if (h.type === 'link') b.add_links.push(h.coords);
      else if (h.type === 'way') b.close_ways.push(...h.ways);
    }
    return b;
  }

  // metres between two [lon, lat] points (haversine).
  function distM(a, b) {
    const r = Math.PI / 180;
    const s = Math.sin((b[1] - a[1]) * r / 2) ** 2 + Math.cos(a[1] * r) * Math.cos(b[1] * r) * Math.sin((b[0] - a[0]) * r / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(s));
  }

  // renderEdits draws the changes: new facilities, closed ones, new links,
  // closed streets and a link's first point.
  function renderEdits() {
    const pt = (c, props) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: c }, properties: props });
    const adds = [];
    const edits = [];
    for (const h of state.history) {
      if (h.type === 'add') adds.push(pt([h.lon, h.lat], { category: h.category }));
      else if (h.type === 'close') edits.push(pt([h.lon, h.lat], { kind: 'close' }));
      else if (h.type === 'link') edits.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: h.coords }, properties: { kind: 'link' } });
      else if (h.type === 'way') edits.push({ type: 'Feature', geometry: h.geometry, properties: { kind: 'way' } });
    }
    if (state.linkStart) edits.push(pt(state.linkStart, { kind: 'start' }));
    map.getSource('whatif-points').setData({ type: 'FeatureCollection', features: adds });
    map.getSource('edits').setData({ type: 'FeatureCollection', features: edits });
    layersChanged();
  }

  function editLabel(h) {
    switch (h.type) {
      case 'add': return t('e_add', { cat: catLower(h.category) });
      case 'close': return t('e_close', { name: h.name || h.id });
      case 'link': return t('e_link', { n: Math.round(distM(h.coords[0], h.coords[1])) });
      case 'way': return t('e_way', { ids: h.ways.join(', ') });
    }
    return h.type;
  }

  // pushEdit adds a change and runs the scenario; a change the server
  // refuses is taken back.
  async function pushEdit(h) {
    state.history.push(h);
    try {
      await runDraft();
    } catch (e) {
      state.history.pop();
      renderEdits();
      throw e;
    }
  }

  // dropDraft forgets the draft: drafts are previews, which the server
  // computes and keeps nothing of.
  async function dropDraft() {
    state.draftID = null;
  }

  async function runDraft() {
    renderEdits();
    state.compare = null;
    if (!state.history.length) {
      await dropDraft();
      state.scenario = null;
      state.scenarioName = null;
      renderScenarioHighlight();
      layersChanged();
      return setPanel(null);
    }
    // A preview: computed, not saved, no token needed (Save stores it).
    const doc = await api('/v1/scenarios/preview', {
      method: 'POST', headers: authHeaders({ 'Content-Type': 'application/json' }), body: JSON.stringify(scenarioBody('map draft')),
    });
    state.draftID = 'preview'; // a draft on the map, not saved
    state.scenario = doc;
    state.scenarioName = null;
    renderScenarioHighlight();
    layersChanged();
    return setPanel({ kind: 'scenario' });
  }

  async function whatIf(lngLat) {
    const n = state.history.filter((h) => h.type === 'add').length + 1;
    return pushEdit({ type: 'add', category: state.category, lon: +lngLat.lng.toFixed(6), lat: +lngLat.lat.toFixed(6),
      name: t('new_fac', { cat: catLower(state.category) }) + ' ' + n });
  }

  async function closeFacility(e) {
    const f = map.queryRenderedFeatures(near(e.point, 8), { layers: drawn(['fac-circle']) })[0];
    if (!f) return;
    const id = f.properties.id;
    if (state.history.some((h) => h.type === 'close' && h.id === id)) return;
    return pushEdit({ type: 'close', id, name: f.properties.name || '', lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] });
  }

  async function drawLink(lngLat) {
    const p = [+lngLat.lng.toFixed(6), +lngLat.lat.toFixed(6)];
    if (!state.linkStart) {
      state.linkStart = p;
      renderEdits();
      renderHint();
      return;
    }
    const a = state.linkStart;
    state.linkStart = null;
    renderHint();
    return pushEdit({ type: 'link', coords: [a, p] });
  }

  // closeWay closes the OSM ways of the clicked street; the tiles leave
  // the ways out, so the edge is read from the OGC API.
  async function closeWay(e) {
    const f = map.queryRenderedFeatures(near(e.point, 6), { layers: drawn(['network-line']) })[0];
    if (!f) return;
    const edge = f.properties.edge;
    const item = await api('/collections/network/items/' + encodeURIComponent(edge) + '?f=json', { headers: { Accept: 'application/geo+json' } });
    const ways = (item.properties.ways || []).filter((w) => !state.history.some((h) => h.type === 'way' && h.ways.includes(w)));
    if (!ways.length) return;
    return pushEdit({ type: 'way', edge, ways, geometry: item.geometry });
  }

  async function undo() {
    if (state.linkStart) {
      state.linkStart = null;
      renderEdits();
      return renderHint();
    }
    if (!state.history.length) return;
    state.history.pop();
    return runDraft();
  }

  async function saveScenario() {
    const name = ($('scenario-name') && $('scenario-name').value.trim()) || t('scenario');
    const doc = await api('/v1/scenarios', {
      method: 'POST', headers: authHeaders({ 'Content-Type': 'application/json' }), body: JSON.stringify(scenarioBody(name)),
    });
    try { localStorage.setItem('fifteen.scenario.' + doc.id, JSON.stringify(state.history)); } catch (e) { /* storage refused */ }
    await dropDraft();
    state.scenario = doc;
    state.scenarioName = name;
    state.savedNote = t('saved', { n: name });
    await listScenarios();
    return setPanel({ kind: 'scenario' });
  }

  // listScenarios reads the saved scenarios (drafts left out) and fills
  // the list and the comparison's choices.
  async function listScenarios() {
    const r = await api('/v1/scenarios');
    state.saved = (r.scenarios || []).filter((s) => s.id !== state.draftID && s.name !== 'map draft');
    renderScenarioList();
  }

  function renderScenarioList() {
    const el = $('scenario-list');
    if (!state.saved.length) {
      el.innerHTML = '<p class="missing">' + esc(t('no_scenarios')) + '</p>';
    } else {
      el.innerHTML = '<ul class="scenarios">' + state.saved.map((s) => '<li data-id="' + esc(s.id) + '"><span class="name">' + esc(s.name || s.id) +
        '</span> <button type="button" data-action="open">' + esc(t('open')) + '</button> <button type="button" data-action="delete">' +
        esc(t('del')) + '</button></li>').join('') + '</ul>';
    }
    for (const id of ['compare-a', 'compare-b']) {
      const sel = $(id);
      const keep = sel.value;
      sel.innerHTML = (id === 'compare-b' ? '<option value="baseline">' + esc(t('baseline')) + '</option>' : '') +
        state.saved.map((s) => '<option value="' + esc(s.id) + '">' + esc(s.name || s.id) + '</option>').join('');
      if ([...sel.options].some((o) => o.value === keep)) sel.value = keep;
    }
    $('compare').disabled = !state.saved.length;
  }

  const scenarioDocs = {};
  async function scenarioDoc(id) {
    if (!scenarioDocs[id]) {
      scenarioDocs[id] = api('/v1/scenarios/' + encodeURIComponent(id)).catch((e) => { delete scenarioDocs[id]; throw e; });
    }
    return scenarioDocs[id];
  }

  async function openScenario(id) {
    const doc = await scenarioDoc(id);
    await dropDraft();
    let hist = [];
    try { hist = JSON.parse(localStorage.getItem('fifteen.scenario.' + id) || '[]'); } catch (e) { /* none kept */ }
    state.history = Array.isArray(hist) ? hist : [];
    state.scenario = doc;
    state.scenarioName = doc.name;
    state.savedNote = null;
    state.compare = null;
    renderEdits();
    renderScenarioHighlight();
    return setPanel({ kind: 'scenario' });
  }

  async function deleteScenario(id) {
    await api('/v1/scenarios/' + encodeURIComponent(id), { method: 'DELETE', headers: authHeaders() });
    delete scenarioDocs[id];
    if (state.scenario && state.scenario.id === id) await clearScenario();
    if (state.compare && (state.compare.a === id || state.compare.b === id)) {
      state.compare = null;
      renderCompare();
    }
    return listScenarios();
  }

  // --- comparing two scenarios (or one with the baseline) ------------------

  // coveredOf is a community's residents within the threshold of the
  // chosen category under a scenario, relative to the baseline, and its
  // share; null when the scenario did not change them.
  function coveredOf(doc, id) {
    const e = doc.communities.find((x) => x.id === id && x.profile === state.profile);
    const x = e && e.categories.find((y) => y.category === state.category);
    return x ? { delta: x.after.covered - x.before.covered, share: x.after.share, before: x.before.share } : null;
  }

  async function compareScenarios() {
    const a = $('compare-a').value;
    const b = $('compare-b').value;
    if (!a) return;
    const docA = await scenarioDoc(a);
    const docB = b === 'baseline' ? null : await scenarioDoc(b);
    const rep = await report(state.profile);
    const name = (id, doc) => (doc ? doc.name || id : t('baseline'));
    // A community the scenario did not change keeps the baseline's share.
    const baseShare = (id) => {
      const cc = rep.communities.find((x) => x.id === id);
      const c = cc && cc.profiles[0] && cc.profiles[0].categories.find((y) => y.category === state.category);
      return c ? c.share : 0;
    };
    const rows = [];
    const ids = new Set();
    for (const doc of [docA, docB]) {
      for (const e of (doc ? doc.communities : [])) if (e.id && e.profile === state.profile) ids.add(e.id);
    }
    for (const id of ids) {
      const x = coveredOf(docA, id) || { delta: 0, share: baseShare(id) };
      const y = (docB && coveredOf(docB, id)) || { delta: 0, share: baseShare(id) };
      const d = x.delta - y.delta;
      const cc = rep.communities.find((z) => z.id === id);
      if (Math.abs(d) >= 0.5) rows.push({ id, name: (cc && cc.name) || id, a: x.share, b: y.share, d });
    }
    rows.sort((p, q) => Math.abs(q.d) - Math.abs(p.d));
    state.compare = { a, b, aName: name(a, docA), bName: name(b, docB), rows, category: state.category, profile: state.profile };
    renderCompare();
    return setPanel({ kind: 'compare' });
  }

  function renderCompare() {
    const rows = state.compare ? state.compare.rows : [];
    const pairs = [];
    for (const r of rows) pairs.push(r.id, r.d > 0 ? COMPARE_MORE : COMPARE_FEWER);
    map.setFilter('comm-compare', ['in', ['get', 'id'], ['literal', rows.map((r) => r.id)]]);
    map.setPaintProperty('comm-compare', 'line-color', pairs.length ? ['match', ['get', 'id'], ...pairs, COMPARE_MORE] : COMPARE_MORE);
    layersChanged();
  }

  function compareHTML() {
    const c = state.compare;
    if (!c) return '';
    let h = head(t('cmp_title', { a: c.aName, b: c.bName })) + '<p class="missing">' + esc(catName(c.category) + ' · ' + profileName(c.profile)) + '</p>';
    if (!c.rows.length) return h + '<p id="compare-none">' + esc(t('cmp_none', { cat: catLower(c.category) })) + '</p>';
    h += '<table class="deltas" id="compare-rows"><thead><tr><th>' + esc(t('community')) + '</th><th>' + esc(c.aName) + '</th><th>' +
      esc(c.bName) + '</th><th>' + esc(t('diff')) + '</th></tr></thead><tbody>';
    for (const r of c.rows) {
      h += '<tr data-id="' + esc(r.id) + '"><td>' + esc(r.name) + '</td><td>' + fmtPct(r.a) + '</td><td>' + fmtPct(r.b) + '</td><td class="' +
        (r.d > 0 ? 'gain' : 'loss') + '">' + (r.d > 0 ? '+' : '−') + fmtInt(Math.abs(r.d)) + '</td></tr>';
    }
    return h + '</tbody></table>';
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
  // highlighted when one of its resolution-10 cells is), recolours the
  // cells whose walk changed and the communities whose figures changed.
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
    // The cells and communities drawn with the scenario's figures.
    styleCells();
    styleCommunities().catch(showError);
  }

  // scenarioCoverage is a community's category shares after the
  // scenario, for the chosen profile, of the categories it changed.
  function scenarioCoverage(id) {
    const e = scenarioEntry(id);
    if (!e) return null;
    const out = {};
    for (const c of e.categories) out[c.category] = c.after.share;
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
    let h = head(state.scenarioName ? t('opened', { n: state.scenarioName }) : t('scenario'));
    if (state.history.length) {
      h += '<h3>' + esc(t('edits')) + '</h3><ol id="edit-list">' + state.history.map((x) => '<li>' + esc(editLabel(x)) + '</li>').join('') + '</ol>';
    } else {
      const sm = doc.summary || {};
      h += '<p>' + esc(t('sum', { a: sm.add || 0, c: sm.close || 0, l: sm.add_links || 0, w: sm.close_ways || 0 })) + '</p>';
    }
    h += '<dl class="figs"><dt>' + esc(t('newly', { t: c.threshold_min, cat: catLower(c.id) })) + '</dt><dd class="gain" id="whatif-newly">+' + fmtInt(newly) +
      '</dd><dt>' + esc(t('faster')) + '</dt><dd>' + faster + '</dd></dl>';
    // The city's share: the scenario's change, else the baseline's.
    const tc = categoryChange('', c.id);
    const rep = await report(state.profile);
    const base = rep.total.profiles[0] && rep.total.profiles[0].categories.find((x) => x.category === c.id);
    if (tc) h += '<ul class="bars">' + bar(t('city_share', { cat: catName(c.id) }), tc.before.share, true, tc.after.share) + '</ul>';
    else if (base) h += '<ul class="bars">' + bar(t('city_share', { cat: catName(c.id) }), base.share, true) + '</ul>';
    const rows = [];
    for (const e of doc.communities) {
      if (!e.id || e.profile !== state.profile) continue;
      const ch = e.categories.find((y) => y.category === c.id);
      if (!ch) continue;
      const x = { share_before: ch.before.share, share_after: ch.after.share, covered_delta: ch.after.covered - ch.before.covered };
      if (Math.abs(x.covered_delta) >= 0.5) rows.push({ id: e.id, name: e.name || e.id, x });
    }
    rows.sort((a, b) => b.x.covered_delta - a.x.covered_delta);
    if (rows.length) {
      h += '<table class="deltas" id="whatif-deltas"><thead><tr><th>' + esc(t('community')) + '</th><th>' + esc(t('before')) + '</th><th>' +
        esc(t('after')) + '</th><th>' + esc(t('delta')) + '</th></tr></thead><tbody>';
      for (const r of rows) {
        h += '<tr data-id="' + esc(r.id) + '"><td>' + esc(r.name) + '</td><td>' + fmtPct(r.x.share_before) + '</td><td>' + fmtPct(r.x.share_after) +
          '</td><td class="' + (r.x.covered_delta > 0 ? 'gain' : 'loss') + '">' + (r.x.covered_delta > 0 ? '+' : '−') + fmtInt(Math.abs(r.x.covered_delta)) + '</td></tr>';
      }
      h += '</tbody></table>';
    } else {
      h += '<p>' + esc(t('no_change', { cat: catLower(c.id) })) + '</p>';
    }
    h += '<div class="panel-actions">';
    if (state.draftID) {
      h += '<button type="button" data-action="undo">' + esc(t('undo')) + '</button>' +
        '<label class="save"><span class="sr-only">' + esc(t('save_name')) + '</span><input id="scenario-name" type="text" placeholder="' +
        esc(t('save_name')) + '"></label><button type="button" data-action="save">' + esc(t('save')) + '</button>';
    }
    h += '<button type="button" data-action="remove-scenario">' + esc(t('remove')) + '</button></div>';
    if (state.savedNote) h += '<p class="missing" id="saved-note">' + esc(state.savedNote) + '</p>';
    return h;
  }

  // clearScenario takes the scenario off the map: a draft is deleted, a
  // saved scenario stays saved.
  async function clearScenario() {
    state.scenario = null;
    state.scenarioName = null;
    state.savedNote = null;
    state.history = [];
    state.linkStart = null;
    renderEdits();
    renderScenarioHighlight();
    if (panel && panel.kind === 'scenario') await setPanel(null);
    await dropDraft();
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
    layersChanged();
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
    layersChanged();
    map.getSource('iso').setData(emptyFC());
    clearSiteMarkers();
    if (state.tool === 'link') renderHint();
    selectCommunity(null);
    state.compare = null;
    renderCompare();
    await clearScenario();
    layersChanged();
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
        // Kept so that the map can be saved as a PNG.
        canvasContextAttributes: { preserveDrawingBuffer: true },
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
    const useTool = (e) => {
      switch (state.tool) {
        case 'isochrone': return isochrone(e.lngLat);
        case 'whatif': return whatIf(e.lngLat);
        case 'close': return closeFacility(e);
        case 'link': return drawLink(e.lngLat);
        case 'way': return closeWay(e);
      }
      return inspect(e);
    };
    map.on('click', run(useTool));
    // Keyboard: with the map focused, the arrow keys pan (MapLibre) and
    // Enter applies the chosen tool at the map's centre.
    map.getCanvas().addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      const c = map.getCanvas();
      const point = new maplibregl.Point(c.clientWidth / 2, c.clientHeight / 2);
      run(useTool)({ point, lngLat: map.unproject(point) });
    });
    map.on('mousemove', (e) => {
      const layers = { inspect: ['fac-circle', 'comm-hit'], close: ['fac-circle'], way: ['network-line'] }[state.tool];
      if (!layers) return;
      const hit = map.queryRenderedFeatures(near(e.point, 4), { layers: drawn(layers) });
      map.getCanvas().style.cursor = hit.length ? 'pointer' : '';
    });
    await new Promise((resolve) => map.once('load', resolve));
    addLayers();
    applyVisibility();
    styleCells();
    styleFacilities();
    await styleCommunities();
    refreshLegends(); // the facilities' zoom note needs the map
    loadGreenways().catch(showError);
    listScenarios().catch(showError);
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
    $('threshold').addEventListener('input', onThreshold);
    let timer = null;
    $('search').addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(run(search), 150);
    });
    $('search').addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        searchMove(e.key === 'ArrowDown' ? 1 : -1);
      } else if (e.key === 'Enter') {
        e.preventDefault();
        const opts = [...$('search-results').querySelectorAll('[role=option]')];
        const i = Math.max(0, opts.findIndex((o) => o.getAttribute('aria-selected') === 'true'));
        if (opts.length) run(chooseHit)(+opts[i].dataset.i);
      } else if (e.key === 'Escape') {
        closeSearch();
      }
    });
    document.addEventListener('click', (e) => {
      if (!e.target.closest('.search')) closeSearch();
    });
    $('search-results').addEventListener('click', (e) => {
      const li = e.target.closest('[role=option]');
      if (li) run(chooseHit)(+li.dataset.i);
    });
    $('scenario-list').addEventListener('click', (e) => {
      const b = e.target.closest('button[data-action]');
      if (!b) return;
      const id = b.closest('li').dataset.id;
      run(b.dataset.action === 'open' ? openScenario : deleteScenario)(id);
    });
    $('compare').addEventListener('click', run(compareScenarios));
    $('dl-layer').addEventListener('change', renderDownloads);
    $('dl-png').addEventListener('click', run(downloadPNG));
    // Escape closes the search, the error and the panel, and drops a
    // half-drawn link; Ctrl+Z undoes the last change of the scenario.
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        if (!$('search-results').hidden) return closeSearch();
        hideError();
        if (state.linkStart) return run(undo)();
        if (panel) { selectCommunity(null); setPanel(null); }
      } else if ((e.ctrlKey || e.metaKey) && e.key === 'z' && !/INPUT|SELECT|TEXTAREA/.test(e.target.tagName)) {
        e.preventDefault();
        run(undo)();
      }
    });
  }

  window.fifteenReady = false;
  window.fifteen = { map: null, state, idle, pending: () => pending, renders: () => renders, h3Parent, setPanel, selectCommunity,
    // mapPNG: the saved image's size in bytes and pixels (from its header).
    mapPNG: () => mapPNG().then((b) => b.arrayBuffer()).then((buf) => {
      const v = new DataView(buf);
      return { bytes: buf.byteLength, width: v.getUint32(16), height: v.getUint32(20) };
    }) };
  wire();
  start().catch((e) => {
    console.error('map start failed:', e);
    showError(e);
  });
})();
