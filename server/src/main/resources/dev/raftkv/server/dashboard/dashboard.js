// raftkv's live dashboard: draws the snapshots the member streams on /events (server-sent events,
// one a second and one at once on a new term or leader). Plain JS; charts by uPlot.
(function () {
  'use strict';

  var MAX_POINTS = 300;
  var $ = function (sel) { return document.querySelector(sel); };

  // Chart data, uPlot's column form: [times (s), series...].
  var charts = [
    { id: 'chart-proposals', title: 'Proposals / s', unit: '/s',
      series: [['committed', 'committed', '#2f6fde'], ['applied', 'applied', '#0a9d58']] },
    { id: 'chart-requests', title: 'etcd API requests / s', unit: '/s',
      series: [['requests', 'requests', '#8e44ad']] },
    { id: 'chart-fsync', title: 'WAL fsync, mean (ms)', unit: 'ms',
      series: [['walFsyncMs', 'fsync', '#d35400']] },
    { id: 'chart-apply', title: 'Apply, mean per batch (ms)', unit: 'ms',
      series: [['applyMs', 'apply', '#c0392b'], ['backendCommitMs', 'backend commit', '#7f8c8d']] }
  ];
  var lastSample = 0;

  function makeCharts() {
    charts.forEach(function (c) {
      var el = document.getElementById(c.id);
      c.data = [[]].concat(c.series.map(function () { return []; }));
      c.plot = new uPlot({
        title: c.title,
        width: Math.max(el.clientWidth, 280),
        height: 200,
        series: [{}].concat(c.series.map(function (s) {
          return { label: s[1], stroke: s[2], width: 1.5,
            value: function (u, v) { return v == null ? '–' : v.toFixed(v < 10 ? 2 : 0) + ' ' + c.unit; } };
        })),
        legend: { live: false },
        axes: [{}, { size: 50 }],
        scales: { y: { range: function (u, min, max) { return [0, Math.max(max || 0, 1) * 1.1]; } } }
      }, c.data, el);
    });
    window.addEventListener('resize', function () {
      charts.forEach(function (c) {
        c.plot.setSize({ width: Math.max(document.getElementById(c.id).clientWidth, 280), height: 200 });
      });
    });
  }

  function addSamples(samples) {
    var added = false;
    samples.forEach(function (p) {
      if (p.time <= lastSample) { return; }
      lastSample = p.time;
      added = true;
      charts.forEach(function (c) {
        c.data[0].push(p.time / 1000);
        c.series.forEach(function (s, i) { c.data[i + 1].push(p[s[0]]); });
        if (c.data[0].length > MAX_POINTS) { c.data.forEach(function (col) { col.shift(); }); }
      });
    });
    if (added) { charts.forEach(function (c) { c.plot.setData(c.data); }); }
  }

  function cell(tr, field, text, cls) {
    var td = document.createElement('td');
    td.dataset.field = field;
    td.textContent = text;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
  }

  function show(v) { return v == null || v === '' ? '–' : String(v); }

  function renderMembers(snap) {
    var names = {};
    snap.members.forEach(function (m) { names[m.id] = m.name; });
    var body = $('table[data-testid=members] tbody');
    body.textContent = '';
    snap.members.forEach(function (m) {
      var tr = document.createElement('tr');
      tr.dataset.testid = 'member-' + m.name;
      tr.dataset.role = m.role || '';
      tr.dataset.reachable = String(m.reachable);
      var leads = snap.leader && snap.leader.id === m.id;
      tr.className = (leads ? 'leader ' : '') + (m.self ? 'self ' : '') + (m.reachable ? '' : 'down');
      cell(tr, 'name', m.name + (m.self ? ' (this)' : ''));
      cell(tr, 'id', m.id);
      cell(tr, 'role', show(m.role), m.role ? 'role-' + m.role : '');
      cell(tr, 'term', show(m.term), 'num');
      cell(tr, 'leader', m.leader ? (names[m.leader] || m.leader) : show(m.leader));
      cell(tr, 'commit', show(m.commit), 'num');
      cell(tr, 'applied', show(m.applied), 'num');
      cell(tr, 'lag', show(m.lag), 'num');
      var state = m.reachable === null ? 'asking…'
        : !m.reachable ? 'unreachable' : m.detached ? 'detached' : 'ok';
      cell(tr, 'state', state, m.reachable === false || m.detached ? 'bad' : '');
      if (m.error) { tr.title = m.error; }
      body.appendChild(tr);
    });
  }

  function time(ms) {
    var d = new Date(ms);
    var pad = function (n, w) { return String(n).padStart(w || 2, '0'); };
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' +
      pad(d.getMilliseconds(), 3);
  }

  function renderTimeline(events) {
    var ol = $('ol[data-testid=timeline]');
    ol.textContent = '';
    events.slice().reverse().forEach(function (e) {
      var li = document.createElement('li');
      li.className = e.kind;
      li.dataset.kind = e.kind;
      var t = document.createElement('time');
      t.textContent = time(e.time);
      li.appendChild(t);
      var what = e.kind === 'leader' ? 'term ' + e.term + ': ' + e.leaderName + ' leads'
        : e.kind === 'election' ? 'term ' + e.term + ': election'
        : 'term ' + e.term + ': leader lost';
      li.appendChild(document.createTextNode(what));
      ol.appendChild(li);
    });
    if (!events.length) {
      var li = document.createElement('li');
      li.textContent = 'no leader change seen yet';
      ol.appendChild(li);
    }
  }

  function render(snap) {
    $('[data-testid=self]').textContent = snap.self.name;
    var leader = $('[data-testid=leader]');
    leader.textContent = snap.leader ? snap.leader.name : 'none';
    leader.dataset.id = snap.leader ? snap.leader.id : '';
    $('[data-testid=term]').textContent = snap.term;
    document.title = 'raftkv ' + snap.self.name + ' · leader ' + (snap.leader ? snap.leader.name : 'none');
    renderMembers(snap);
    renderTimeline(snap.events);
    addSamples(snap.samples);
  }

  function connect() {
    var conn = $('[data-testid=connection]');
    var source = new EventSource('events');
    source.addEventListener('snapshot', function (ev) {
      conn.textContent = 'live';
      conn.className = 'conn live';
      render(JSON.parse(ev.data));
    });
    source.onerror = function () {
      conn.textContent = 'reconnecting…';
      conn.className = 'conn down';
    };
  }

  function admin(path) {
    var out = $('#admin-result');
    var headers = {};
    var token = $('#token').value.trim();
    if (token) { headers.Authorization = token; }
    out.textContent = '…';
    out.className = '';
    fetch(path, { method: 'POST', headers: headers }).then(function (r) {
      return r.text().then(function (text) {
        var msg = text;
        try { var j = JSON.parse(text); msg = j.error || JSON.stringify(j); } catch (e) { /* as is */ }
        out.textContent = r.ok ? 'done: ' + msg : r.status + ' ' + r.statusText + ': ' + msg;
        out.className = r.ok ? '' : 'bad';
      });
    }, function (e) {
      out.textContent = 'failed: ' + e;
      out.className = 'bad';
    });
  }

  makeCharts();
  $('#detach').addEventListener('click', function () { admin('detach'); });
  $('#attach').addEventListener('click', function () { admin('attach'); });
  connect();
}());
