// Village work log: an offline queue for phones (村级监督工作日志).
// A submitted form is kept in localStorage with a client id generated in
// the browser, then POSTed as JSON to /api/v1/village-logs with the session
// cookie (same origin, so CrossOriginProtection lets it through). Entries
// are sent again on page load, on the "online" event and every 20 seconds
// until the server acknowledges them (201 new, 200 already stored: the
// client id makes a repeat harmless). No inline scripts (strict CSP).
(function () {
  'use strict';
  var API = '/api/v1/village-logs';
  var box = document.getElementById('village-queue');
  // One queue per account: entries are sent only with their author's session.
  var KEY = 'qf.village.queue.' + (box ? box.getAttribute('data-user') : '');
  var list = document.getElementById('village-queue-list');
  var form = document.getElementById('village-form');
  var status = document.getElementById('village-status');
  var sending = false;

  function load() {
    try {
      var q = JSON.parse(window.localStorage.getItem(KEY) || '[]');
      return Array.isArray(q) ? q : [];
    } catch (e) {
      return [];
    }
  }
  function save(q) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(q));
    } catch (e) { /* storage full or disabled: the entry is still sent now */ }
  }
  function uuid() {
    var c = window.crypto || window.msCrypto;
    if (c && typeof c.randomUUID === 'function') {
      return c.randomUUID();
    }
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) {
      c.getRandomValues(b);
    } else {
      for (var i = 0; i < 16; i++) { b[i] = Math.floor(Math.random() * 256); }
    }
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = '';
    for (var j = 0; j < 16; j++) {
      h += (b[j] + 256).toString(16).slice(1);
      if (j === 3 || j === 5 || j === 7 || j === 9) { h += '-'; }
    }
    return h;
  }
  function label(state) {
    return box ? (box.getAttribute('data-' + state) || state) : state;
  }
  function render() {
    if (!box || !list) { return; }
    var q = load();
    box.hidden = q.length === 0;
    list.textContent = '';
    q.forEach(function (e) {
      var li = document.createElement('li');
      li.className = 'village-q-' + e.state;
      li.setAttribute('data-client-id', e.body.client_id);
      li.setAttribute('data-state', e.state);
      var s = document.createElement('span');
      s.className = 'badge';
      s.textContent = label(e.state);
      li.appendChild(s);
      li.appendChild(document.createTextNode(' ' + e.body.date + ' · ' + String(e.body.summary || '').slice(0, 40)));
      if (e.error) {
        var m = document.createElement('div');
        m.className = 'field-error';
        m.textContent = e.error;
        li.appendChild(m);
      }
      list.appendChild(li);
    });
  }
  function update(clientID, patch) {
    var q = load();
    q.forEach(function (e) {
      if (e.body.client_id === clientID) {
        for (var k in patch) { if (Object.prototype.hasOwnProperty.call(patch, k)) { e[k] = patch[k]; } }
      }
    });
    save(q);
    render();
  }
  function errorText(j) {
    if (!j || !j.error) { return ''; }
    var t = j.error.message || '';
    if (j.error.fields) {
      for (var f in j.error.fields) {
        if (Object.prototype.hasOwnProperty.call(j.error.fields, f)) { t += ' ' + j.error.fields[f]; }
      }
    }
    return t;
  }
  function sendOne(e) {
    update(e.body.client_id, { state: 'sending' });
    return fetch(API, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(e.body)
    }).then(function (res) {
      if (res.status === 200 || res.status === 201) {
        return res.json().then(function (j) {
          update(e.body.client_id, { state: 'sent', id: j.id, error: '' });
        });
      }
      if (res.status === 422 || res.status === 409 || res.status === 403 || res.status === 400) {
        return res.json().then(function (j) {
          update(e.body.client_id, { state: 'rejected', error: errorText(j) });
        }, function () {
          update(e.body.client_id, { state: 'rejected', error: String(res.status) });
        });
      }
      // Signed out, server busy or down: keep it for the next try.
      update(e.body.client_id, { state: 'queued' });
      return null;
    }, function () {
      update(e.body.client_id, { state: 'queued' });
    });
  }
  function flush() {
    if (sending) { return; }
    var pending = load().filter(function (e) { return e.state === 'queued' || e.state === 'sending'; });
    if (pending.length === 0) { render(); return; }
    sending = true;
    var chain = Promise.resolve();
    pending.forEach(function (e) { chain = chain.then(function () { return sendOne(e); }); });
    chain.then(function () { sending = false; }, function () { sending = false; });
  }
  function formBody(f) {
    var fd = new FormData(f);
    var body = {};
    fd.forEach(function (v, k) {
      if (k === 'topics') {
        (body.topics = body.topics || []).push(v);
      } else if (k === 'people') {
        if (v !== '') { body.people = parseInt(v, 10) || 0; }
      } else if (typeof v === 'string' && v.trim() !== '') {
        body[k] = v;
      }
    });
    if (!body.client_id) { body.client_id = uuid(); }
    return body;
  }

  if (form) {
    form.addEventListener('submit', function (ev) {
      if (!window.fetch || !window.localStorage) { return; } // plain form post
      ev.preventDefault();
      var body = formBody(form);
      var q = load();
      if (!q.some(function (e) { return e.body.client_id === body.client_id; })) {
        q.push({ body: body, state: 'queued', at: Date.now() });
        save(q);
      }
      var kind = body.kind, date = body.date;
      form.reset();
      form.elements.client_id.value = uuid();
      form.elements.kind.value = kind;
      form.elements.date.value = date;
      if (status) { status.textContent = label('saved-offline'); }
      render();
      flush();
    });
  }
  var clear = document.getElementById('village-queue-clear');
  if (clear) {
    clear.addEventListener('click', function () {
      save(load().filter(function (e) { return e.state === 'queued' || e.state === 'sending'; }));
      render();
    });
  }
  // Entries left "sending" by a closed page are sent again.
  var q0 = load();
  q0.forEach(function (e) { if (e.state === 'sending') { e.state = 'queued'; } });
  save(q0);
  render();
  window.addEventListener('online', flush);
  window.setInterval(flush, 20000);
  flush();
}());
