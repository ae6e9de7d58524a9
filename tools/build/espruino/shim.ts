// A stand-in for Espruino's globals, as script text, so the built upload can run in a
// host engine: Node (vm) or XS (xsnap). Plain ES5, so any engine takes it. Time is
// virtual: setTimeout/setInterval/getTime follow a clock that only the host advances
// (__espruino.advanceMs), so a run is deterministic and never waits on wall time.
//
// What it provides (espruino.com/Reference): global, E.sum / E.variance / E.convolve
// (exactly the C code in Espruino's src/jswrap_espruino.c: variance is the SUM of
// squared deviations, not divided by n; convolve wraps arr2 with a modulo), E.on /
// E.reboot, analogRead (0..1), digitalRead/Write, pinMode, setWatch/clearWatch (fired by
// __espruino.setPin on an edge), getTime (s), setTimeout/setInterval/clear*, Serial1/2,
// SPI1, require('Storage') (in memory), LoopbackA.setConsole, console.log and print.
// Test hooks live on `__espruino`.

export const ESPRUINO_SHIM = String.raw`
(function (g) {
  var nowUs = 0;
  var timers = [];
  var nextTimer = 1;
  var levels = {};
  var analog = {};
  var watches = {};
  var nextWatch = 1;
  var handlers = {};
  var files = {};
  var out = { log: [], writes: [], modes: [], serial1: [], serial2: [], reboots: 0, consoleMoved: false };
  function bytesOf(d) {
    var r = [];
    if (typeof d === 'number') r.push(d & 255);
    else if (typeof d === 'string') for (var k = 0; k < d.length; k++) r.push(d.charCodeAt(k) & 255);
    else for (var j = 0; j < d.length; j++) r.push(d[j] & 255);
    return r;
  }
  function serial(name) {
    var listeners = [];
    return {
      setup: function (baud, opts) { out.log.push(name + '.setup(' + baud + ')'); },
      on: function (ev, cb) { if (ev === 'data') listeners.push(cb); },
      removeAllListeners: function () { listeners.length = 0; },
      write: function (d) { var b = bytesOf(d); for (var k = 0; k < b.length; k++) out[name].push(b[k]); },
      _in: function (text) { for (var k = 0; k < listeners.length; k++) listeners[k](text); }
    };
  }
  function addTimer(cb, ms, repeat) {
    if (typeof cb !== 'function') throw new Error('setTimeout/setInterval: callback must be a function');
    var periodUs = (ms > 0 ? ms : 0) * 1000;
    var t = { id: nextTimer++, cb: cb, due: nowUs + periodUs, period: repeat ? Math.max(periodUs, 1) : -1 };
    timers.push(t);
    return t.id;
  }
  function clearTimer(id) {
    for (var k = 0; k < timers.length; k++) if (timers[k].id === id) { timers.splice(k, 1); return; }
  }
  function storage() {
    return {
      write: function (name, data) {
        if (name.length > 28) throw new Error('Storage: name longer than 28 characters: ' + name);
        files[name] = bytesOf(data);
        return true;
      },
      readArrayBuffer: function (name) {
        var f = files[name];
        if (f === undefined) return undefined;
        var u = new Uint8Array(f.length);
        for (var k = 0; k < f.length; k++) u[k] = f[k];
        return u.buffer;
      },
      erase: function (name) { delete files[name]; }
    };
  }
  var S = storage();
  g.global = g;
  g.E = {
    sum: function (a) { var s = 0; for (var k = 0; k < a.length; k++) s += a[k]; return s; },
    variance: function (a, mean) { var v = 0; for (var k = 0; k < a.length; k++) { var d = a[k] - mean; v += d * d; } return v; },
    convolve: function (a, b, offset) {
      var l = b.length; var o = offset % l; if (o < 0) o += l;
      var c = 0; for (var k = 0; k < a.length; k++) { c += a[k] * b[o]; o++; if (o >= l) o = 0; }
      return c;
    },
    on: function (ev, cb) { (handlers[ev] = handlers[ev] || []).push(cb); },
    reboot: function () { out.reboots++; }
  };
  g.analogRead = function (pin) {
    var a = analog[pin];
    var v = typeof a === 'function' ? a(nowUs / 1e6) : (a === undefined ? 0 : a);
    return v < 0 ? 0 : v > 1 ? 1 : v;
  };
  g.digitalRead = function (pin) { return levels[pin] ? 1 : 0; };
  g.digitalWrite = function (pin, v) { levels[pin] = v ? 1 : 0; out.writes.push([nowUs, pin, v ? 1 : 0]); };
  g.pinMode = function (pin, mode) { out.modes.push([pin, mode]); };
  g.setWatch = function (cb, pin, opts) { var id = nextWatch++; watches[id] = { cb: cb, pin: pin, edge: opts.edge }; return id; };
  g.clearWatch = function (id) { delete watches[id]; };
  g.getTime = function () { return nowUs / 1e6; };
  g.setTimeout = function (cb, ms) { return addTimer(cb, ms, false); };
  g.setInterval = function (cb, ms) { return addTimer(cb, ms, true); };
  g.clearTimeout = clearTimer;
  g.clearInterval = clearTimer;
  g.Serial1 = serial('serial1');
  g.Serial2 = serial('serial2');
  g.SPI1 = { setup: function () {}, send: function (d) { return new Uint8Array(d.length); } };
  g.LoopbackA = { setConsole: function () { out.consoleMoved = true; } };
  g.require = function (name) {
    if (name === 'Storage') return S;
    throw new Error('Module ' + name + ' not found');
  };
  g.print = function (s) { out.log.push(String(s)); };
  g.console = { log: function (s) { out.log.push(String(s)); } };
  g.__espruino = {
    out: out,
    files: files,
    nowUs: function () { return nowUs; },
    emit: function (ev) { var h = handlers[ev] || []; for (var k = 0; k < h.length; k++) h[k](); return h.length; },
    setAnalog: function (pin, f) { analog[pin] = f; },
    setPin: function (pin, v) {
      var old = levels[pin] ? 1 : 0;
      levels[pin] = v ? 1 : 0;
      if (old === levels[pin]) return;
      for (var id in watches) {
        var w = watches[id];
        if (w.pin !== pin) continue;
        if (w.edge === 'both' || (w.edge === 'rising' && v) || (w.edge === 'falling' && !v)) w.cb({ state: !!v, time: nowUs / 1e6 });
      }
    },
    serialIn: function (port, text) { (port === 2 ? g.Serial2 : g.Serial1)._in(text); },
    // runs every timer due up to now + ms, in due-time order (ties: the older timer first)
    advanceMs: function (ms) {
      var end = nowUs + ms * 1000;
      for (;;) {
        var best = null;
        for (var k = 0; k < timers.length; k++) {
          var t = timers[k];
          if (t.due <= end && (best === null || t.due < best.due || (t.due === best.due && t.id < best.id))) best = t;
        }
        if (best === null) break;
        nowUs = best.due;
        if (best.period > 0) best.due += best.period; else clearTimer(best.id);
        best.cb();
      }
      nowUs = end;
    },
    timerCount: function () { return timers.length; }
  };
})(typeof globalThis !== 'undefined' ? globalThis : this);
`;
