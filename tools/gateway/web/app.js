// The dashboard page: plain browser JS, no build step. It never holds a secret: the
// session cookie is HttpOnly, the CSRF token comes from /api/session at load.
'use strict';
(function () {
  var csrf = '';
  var role = '';
  var nodes = {};
  var $ = function (id) {
    return document.getElementById(id);
  };
  function api(method, path, body) {
    var h = { 'Content-Type': 'application/json' };
    if (csrf) h['X-CSRF-Token'] = csrf;
    return fetch(path, { method: method, headers: h, body: body ? JSON.stringify(body) : undefined, credentials: 'same-origin' }).then(function (r) {
      return r.json().then(function (j) {
        return { status: r.status, body: j };
      });
    });
  }
  function fmt(v, d, unit) {
    return v === null || v === undefined ? '—' : Number(v).toFixed(d) + (unit ? ' ' + unit : '');
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function card(id) {
    var c = $('node-' + id);
    if (c) return c;
    c = el('article', { id: 'node-' + id, class: 'card' });
    var h = el('h3');
    h.appendChild(el('span', {}, 'Node ' + id));
    h.appendChild(el('span', { class: 'state', 'data-k': 'relay' }, '—'));
    c.appendChild(h);
    var dl = el('dl');
    [
      ['V', 'Voltage'],
      ['I', 'Current'],
      ['P', 'Power'],
      ['PF', 'Power factor'],
      ['T', 'Temperature'],
      ['gas', 'LPG'],
      ['today', 'Energy today'],
      ['yesterday', 'Energy yesterday'],
      ['total', 'Energy total'],
    ].forEach(function (f) {
      dl.appendChild(el('dt', {}, f[1]));
      dl.appendChild(el('dd', { 'data-k': f[0] }, '—'));
    });
    c.appendChild(dl);
    var on = el('button', { 'data-relay': 'on' }, 'Relay on');
    var off = el('button', { 'data-relay': 'off' }, 'Relay off');
    [on, off].forEach(function (b) {
      b.addEventListener('click', function () {
        $('relay-error').textContent = '';
        api('POST', '/api/relay', { node: id, state: b.getAttribute('data-relay') }).then(function (r) {
          if (r.status !== 200) $('relay-error').textContent = 'Node ' + id + ': ' + r.body.error;
        });
      });
      c.appendChild(b);
      c.appendChild(document.createTextNode(' '));
    });
    $('nodes').appendChild(c);
    var o = el('option', { value: id }, 'Node ' + id);
    $('h-node').appendChild(o);
    if ($('h-node').options.length === 1) chart();
    return c;
  }
  function set(id, k, text, cls) {
    var e = card(id).querySelector('[data-k="' + k + '"]');
    e.textContent = text;
    if (cls) e.className = cls;
  }
  function reading(m) {
    set(m.node, 'V', fmt(m.V, 1, 'V'));
    set(m.node, 'I', fmt(m.I, 3, 'A'));
    set(m.node, 'P', fmt(m.P, 0, 'W'));
    set(m.node, 'PF', fmt(m.PF, 2));
    set(m.node, 'T', fmt(m.T, 1, '°C'));
    set(m.node, 'gas', fmt(m.gas, 0, 'ppm'));
    set(m.node, 'relay', m.relay, 'state state-' + m.relay);
  }
  function sensor(node, s) {
    set(node, 'today', fmt(s.ENERGY.Today, 3, 'kWh'));
    set(node, 'yesterday', fmt(s.ENERGY.Yesterday, 3, 'kWh'));
    set(node, 'total', fmt(s.ENERGY.Total, 3, 'kWh'));
  }
  function line(list, text) {
    var li = el('li', {}, text);
    $(list).insertBefore(li, $(list).firstChild);
  }
  var when = function (ms) {
    return new Date(ms).toLocaleString();
  };
  function tripText(t) {
    return when(t.at || t.ts) + ' — node ' + t.node + ': ' + t.state + ' (' + t.reason + ')';
  }
  function alarmText(a) {
    return when(a.at || a.ts) + ' — node ' + a.node + ': ' + a.kind + ' — ' + a.detail;
  }
  function accessText(a) {
    return when(a.at || a.ts) + ' — ' + a.kind + ' ' + a.who + ': ' + a.detail;
  }
  var plots = [];
  function chart() {
    var node = $('h-node').value;
    if (!node) return;
    api('GET', '/api/history?node=' + node + '&span=' + $('h-span').value).then(function (r) {
      plots.forEach(function (p) {
        p.destroy();
      });
      plots = [];
      $('charts').textContent = '';
      if (r.status !== 200) return;
      var s = r.body;
      var w = Math.min(900, document.body.clientWidth - 24);
      [
        ['v', 'Voltage (V)'],
        ['i', 'Current (A)'],
        ['p', 'Power (W)'],
        ['t', 'Temperature (°C)'],
        ['gas', 'LPG (ppm)'],
      ].forEach(function (f) {
        var d = el('div');
        $('charts').appendChild(d);
        plots.push(new uPlot({ title: f[1], width: w, height: 160, series: [{}, { label: f[1], stroke: '#1a73e8', width: 1.5 }] }, [s.ts, s[f[0]]], d));
      });
    });
  }
  // the unit's energy management (household only): live over SSE, the chart from the history
  function eset(k, text) {
    var e = document.querySelector('#energy [data-e="' + k + '"]');
    if (e) e.textContent = text;
  }
  var hhmm = function (iso) {
    return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  };
  function energy(d) {
    if (!d) return;
    var s = d.state,
      p = d.plan;
    eset('real', fmt(s.Real, 0, 'W'));
    eset('visible', fmt(s.Visible, 0, 'W'));
    eset('battery', fmt(s.Battery, 0, 'W'));
    eset('soc', fmt(s.SoC, 1, '%'));
    eset('owner', s.Owner);
    eset('algo', s.Algorithm);
    var m = document.querySelector('#energy [data-e="socbar"]');
    if (s.SoC !== null) m.value = s.SoC;
    var ul = document.querySelector('#energy [data-e="loads"]');
    ul.textContent = '';
    if (!p.Planned) {
      ul.appendChild(el('li', {}, 'no plan'));
      eset('cost', '—');
      return;
    }
    if (p.Planning) {
      ul.appendChild(el('li', {}, 'planning…'));
      eset('cost', '—');
      return;
    }
    eset('cost', 'cost ' + fmt(p.Cost, 2));
    var mins = Math.round(p.SlotS / 60);
    p.Loads.forEach(function (l) {
      var t = l.Name + ' (' + l.Relay + '): ' + (l.On ? 'on now' : 'off');
      if (l.Unmet) t += ' — cannot be met: ' + l.Unmet;
      else if (l.Next) t += ' — next ' + mins + ' min slot at ' + hhmm(l.Next);
      ul.appendChild(el('li', {}, t));
    });
    if (p.Refused > 0) ul.appendChild(el('li', {}, p.Refused + ' switch(es) refused by a higher rank'));
  }
  var eplot;
  function energyChart() {
    if (role !== 'household') return;
    api('GET', '/api/energy?span=' + $('h-span').value).then(function (r) {
      if (eplot) eplot.destroy();
      eplot = undefined;
      $('energy-chart').textContent = '';
      if (r.status !== 200) return;
      var w = Math.min(900, document.body.clientWidth - 24);
      var d = el('div');
      $('energy-chart').appendChild(d);
      eplot = new uPlot(
        {
          title: 'Real vs visible load (W)',
          width: w,
          height: 180,
          series: [{}, { label: 'real', stroke: '#c5221f', width: 1.5 }, { label: 'visible', stroke: '#1a73e8', width: 2 }],
        },
        [r.body.ts, r.body.real, r.body.visible],
        d,
      );
    });
  }
  function start(session) {
    csrf = session.csrf;
    role = session.role;
    $('who').textContent = session.user + ' (' + role + ')';
    $('login').hidden = true;
    $('app').hidden = false;
    $('logout').hidden = false;
    $('guest-pass').hidden = role !== 'household';
    $('energy').hidden = role !== 'household';
    energyChart();
    api('GET', '/api/state').then(function (r) {
      var n = r.body.nodes;
      for (var id in n) {
        if (n[id].reading) reading(n[id].reading);
        if (n[id].sensor) sensor(Number(id), n[id].sensor);
      }
      r.body.trips
        .slice()
        .reverse()
        .forEach(function (t) {
          line('trips', tripText(t));
        });
      r.body.alarms
        .slice()
        .reverse()
        .forEach(function (a) {
          line('alarms', alarmText(a));
        });
      r.body.access
        .slice()
        .reverse()
        .forEach(function (a) {
          line('access', accessText(a));
        });
      energy(r.body.energy);
    });
    var es = new EventSource('/events');
    es.addEventListener('reading', function (e) {
      reading(JSON.parse(e.data));
    });
    es.addEventListener('sensor', function (e) {
      var d = JSON.parse(e.data);
      sensor(d.node, d.sensor);
    });
    es.addEventListener('trip', function (e) {
      line('trips', tripText(JSON.parse(e.data)));
    });
    es.addEventListener('alarm', function (e) {
      line('alarms', alarmText(JSON.parse(e.data)));
    });
    es.addEventListener('access', function (e) {
      line('access', accessText(JSON.parse(e.data)));
    });
    es.addEventListener('energy', function (e) {
      energy(JSON.parse(e.data));
    });
    setInterval(function () {
      chart();
      energyChart();
    }, 60000);
  }
  $('h-node').addEventListener('change', chart);
  $('h-span').addEventListener('change', function () {
    chart();
    energyChart();
  });
  $('login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var f = e.target;
    api('POST', '/api/login', { user: f.user.value, password: f.password.value }).then(function (r) {
      if (r.status === 200) start(r.body);
      else $('login-error').textContent = r.body.error;
    });
  });
  $('guest-form').addEventListener('submit', function (e) {
    e.preventDefault();
    api('POST', '/api/guest-login', { code: e.target.code.value }).then(function (r) {
      if (r.status === 200) start(r.body);
      else $('login-error').textContent = r.body.error;
    });
  });
  // the pass's otpauth:// URI as a QR (rows of '0'/'1' from the gateway, tools/gateway/qr.ts),
  // for the guest's authenticator app: codes for the pass's whole life, not just this minute
  function qr(body) {
    var c = $('guest-pass-qr');
    var rows = body.qr;
    $('guest-pass-uri').textContent = body.uri ? 'Or enter this in an authenticator app: ' + body.uri : '';
    if (!rows || !rows.length) {
      c.hidden = true;
      return;
    }
    var quiet = 4; // ISO/IEC 18004: a 4-module light margin
    var cell = 4;
    var n = rows.length + 2 * quiet;
    c.width = c.height = n * cell;
    var g = c.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, c.width, c.height);
    g.fillStyle = '#000';
    for (var y = 0; y < rows.length; y++)
      for (var x = 0; x < rows[y].length; x++) if (rows[y].charAt(x) === '1') g.fillRect((x + quiet) * cell, (y + quiet) * cell, cell, cell);
    c.hidden = false;
  }
  $('guest-pass-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var f = e.target;
    api('POST', '/api/guest-pass', { scope: f.scope.value, uses: Number(f.uses.value), minutes: Number(f.minutes.value) }).then(function (r) {
      // the code is shown once, to hand to the guest; the unit keeps the pass
      $('guest-pass-out').textContent = r.status === 200 ? 'Guest code: ' + r.body.code : r.body.error;
      qr(r.status === 200 ? r.body : {});
    });
  });
  $('logout').addEventListener('click', function () {
    api('POST', '/api/logout', {}).then(function () {
      location.reload();
    });
  });
  api('GET', '/api/session').then(function (r) {
    if (r.status === 200) start(r.body);
    else $('login').hidden = false;
  });
})();
