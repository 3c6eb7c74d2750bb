/* 清风 Qingfeng — statistics dashboard (ES5, no dependencies but ECharts).
 *
 * 1. Draws every chart of the JSON block #stats-data into its container
 *    (#chart-<id>) with the vendored ECharts; a click on a bar, point or
 *    slice opens the records behind it (each value carries its link).
 *    Charts follow the window's size.
 * 2. [data-copy] buttons copy the text of the element they name, with the
 *    Clipboard API where the page may use it, else by selecting the text
 *    and asking the browser to copy it (the selection stays for Ctrl+C).
 * No inline handlers or styles: the page's Content-Security-Policy holds.
 */
(function () {
  'use strict';

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // points pairs each value with its link, as ECharts data items.
  function points(s) {
    var out = [], i;
    for (i = 0; i < s.values.length; i++) {
      out.push({ value: s.values[i], href: (s.hrefs && s.hrefs[i]) || '' });
    }
    return out;
  }

  function isEmpty(c) {
    var i, j;
    for (i = 0; i < c.series.length; i++) {
      for (j = 0; j < c.series[i].values.length; j++) {
        if (c.series[i].values[j]) { return false; }
      }
    }
    return true;
  }

  // axisTip lists the series of one category, without inline styles.
  function axisTip(params) {
    if (!params.length) { return ''; }
    var out = esc(params[0].axisValueLabel || params[0].name), i;
    for (i = 0; i < params.length; i++) {
      out += '<br>' + esc(params[i].seriesName) + '：' + esc(params[i].value);
    }
    return out;
  }

  function itemTip(p) {
    return esc(p.name) + '：' + esc(p.value) + (p.percent != null ? '（' + p.percent + '%）' : '');
  }

  function option(c, empty) {
    var opt = {
      animation: false,
      tooltip: { trigger: c.kind === 'pie' ? 'item' : 'axis', formatter: c.kind === 'pie' ? itemTip : axisTip, confine: true },
      legend: { type: 'scroll', top: 0 }
    };
    if (isEmpty(c)) {
      opt.title = { text: empty, left: 'center', top: 'middle', textStyle: { color: '#6b7280', fontSize: 14, fontWeight: 'normal' } };
    }
    if (c.kind === 'pie') {
      var s = c.series[0] || { values: [], hrefs: [] }, data = [], i;
      for (i = 0; i < c.x.length; i++) {
        data.push({ name: c.x[i], value: s.values[i], href: s.hrefs[i] || '' });
      }
      opt.legend.top = 'auto';
      opt.legend.bottom = 0;
      opt.series = [{ type: 'pie', name: s.name, radius: ['35%', '62%'], center: ['50%', '46%'], data: data, stillShowZeroSum: false,
        label: { formatter: '{b}\n{c}' } }];
      return opt;
    }
    opt.grid = { left: 8, right: 16, top: 40, bottom: 8, containLabel: true };
    opt.xAxis = { type: 'category', data: c.x || [], axisLabel: { hideOverlap: true } };
    opt.yAxis = { type: 'value', minInterval: c.days ? 0 : 1 };
    opt.series = [];
    for (var k = 0; k < c.series.length; k++) {
      var one = { name: c.series[k].name, type: c.kind === 'line' ? 'line' : 'bar', data: points(c.series[k]) };
      if (c.kind === 'stack') { one.stack = 'total'; }
      if (c.kind === 'line') { one.symbolSize = 8; }
      opt.series.push(one);
    }
    return opt;
  }

  function drawCharts() {
    var block = document.getElementById('stats-data');
    if (!block || !window.echarts) { return; }
    var data;
    try {
      data = JSON.parse(block.textContent);
    } catch (e) {
      return;
    }
    var charts = [];
    (data.charts || []).forEach(function (c) {
      var el = document.getElementById('chart-' + c.id);
      if (!el) { return; }
      // Empty lists may come as null.
      c.x = c.x || [];
      c.series = c.series || [];
      c.series.forEach(function (s) {
        s.values = s.values || [];
        s.hrefs = s.hrefs || [];
      });
      var chart = window.echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption(option(c, data.empty || ''));
      chart.on('click', function (p) {
        var href = p.data && p.data.href;
        if (href) { window.location.href = href; }
      });
      charts.push(chart);
    });
    var timer = null;
    window.addEventListener('resize', function () {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(function () {
        charts.forEach(function (ch) { ch.resize(); });
      }, 100);
    });
    window.addEventListener('beforeprint', function () {
      charts.forEach(function (ch) { ch.resize(); });
    });
  }

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function setupCopy() {
    var buttons = document.querySelectorAll('[data-copy]'), i;
    for (i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener('click', function (ev) {
        var btn = ev.currentTarget, el = document.getElementById(btn.getAttribute('data-copy'));
        var status = btn.parentNode.querySelector('.copy-status');
        if (!el) { return; }
        var text = el.textContent;
        function done(ok) {
          if (!ok) { selectText(el); }
          if (status) { status.textContent = btn.getAttribute(ok ? 'data-copied' : 'data-copy-failed') || ''; }
        }
        function fallback() {
          selectText(el);
          var ok = false;
          try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
          done(ok);
        }
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
        } else {
          fallback();
        }
      });
    }
  }

  function start() {
    drawCharts();
    setupCopy();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
