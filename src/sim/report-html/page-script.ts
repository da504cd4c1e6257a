/**
 * The page's own scripts, as text. They run in the browser, not here: plain ES2017, no modules.
 *
 * ERROR_CATCHER goes first in <head>, so that an error anywhere (the inlined library included)
 * is listed on the page and counted in `data-page-errors` on <body>: a page that fails shows it.
 * CHART_SCRIPT goes last in <body>: it draws every spec of the `chart-specs` JSON with uPlot,
 * and when a chart has drawn it marks its box `data-rendered="<w>x<h>"` and `data-painted` (the
 * canvas pixels painted), and counts it in <body data-charts-rendered>. The browser test reads
 * those marks; a person sees the charts.
 */

export const ERROR_CATCHER = `
window.reportErrors = [];
window.addEventListener('error', function (event) {
  var where = event.filename ? ' (' + String(event.filename).split('/').pop() + ':' + event.lineno + ')' : '';
  window.reportError(String(event.message || event.error || 'error') + where);
});
window.reportError = function (text) {
  window.reportErrors.push(text);
  var list = document.getElementById('page-errors');
  if (!list) return;
  var item = document.createElement('li');
  item.textContent = text;
  list.appendChild(item);
  list.hidden = false;
  document.body.dataset.pageErrors = String(window.reportErrors.length);
};
`;

export const CHART_SCRIPT = `
(function () {
  var body = document.body;
  body.dataset.pageErrors = '0';
  // Errors from before <body> existed are listed now.
  window.reportErrors.splice(0).forEach(window.reportError);
  var specs = JSON.parse(document.getElementById('chart-specs').textContent);
  body.dataset.chartsExpected = String(specs.length);
  body.dataset.chartsRendered = '0';
  if (typeof uPlot !== 'function') { window.reportError('the chart library did not load'); return; }
  var HEIGHT = 340;
  var PRINT_WIDTH = 680;
  var charts = [];
  var rendered = 0;

  function num(value, digits) { return value.toLocaleString('en-US', { maximumFractionDigits: digits }); }
  function ms(value) {
    if (value == null) return '-';
    return (value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : num(Math.round(value), 0)) + ' ms';
  }
  // uPlot hands a log axis's unlabelled ticks over as null.
  function msTick(value) {
    if (value == null) return null;
    return value >= 1000 ? num(value / 1000, 1) + ' s' : value >= 1 ? num(value, 1) + ' ms' : num(value * 1000, 0) + ' µs';
  }
  function countTick(value) { return value == null ? null : num(value, Math.abs(value) < 10 ? 2 : 0); }
  function rate(value) { return value == null ? '-' : num(Math.round(value), 0) + '/s'; }
  function percentile(x) {
    if (x == null) return null;
    if (x <= 1) return 'min';
    var p = 100 * (1 - 1 / x);
    var digits = Math.max(0, Math.ceil(Math.log10(x)) - 2);
    return num(Number(p.toFixed(digits + 1)), digits + 1) + '%';
  }
  function painted(canvas) {
    try {
      var pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      var count = 0;
      for (var i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) count++;
      return count;
    } catch (error) { return -1; }
  }
  // Every tick of ours gets its label (uPlot labels only some of a log axis's by default).
  function all(u, splits) { return splits; }
  function xAxis(spec) {
    var xs = spec.data[0];
    if (spec.kind === 'timeline') {
      return { scale: { time: false }, axis: { label: 'seconds from the start', values: function (u, ticks) { return ticks.map(function (t) { return t == null ? null : num(t, 1) + ' s'; }); } },
        value: function (u, v) { return v == null ? '-' : num(v, 1) + ' s'; } };
    }
    if (spec.kind === 'spectrum') {
      var last = 1;
      spec.data.slice(1).forEach(function (column) { column.forEach(function (v, i) { if (v != null) last = Math.max(last, xs[i]); }); });
      var ticks = [1, 2, 10, 100, 1000, 10000, 100000].filter(function (t) { return t <= last * 1.0001; });
      return { scale: { time: false, distr: 3, log: 10, range: function () { return [1, Math.max(2, last)]; } },
        axis: { label: 'percentile', splits: function () { return ticks; }, filter: all, values: function (u, splits) { return splits.map(percentile); } },
        value: function (u, v) { return v == null ? '-' : percentile(v); } };
    }
    var low = Math.min.apply(null, xs), high = Math.max.apply(null, xs);
    return { scale: { time: false, distr: 3, log: 10, range: function () { return [low / 1.25, high * 1.25]; } },
      axis: { label: 'messages per second asked for', splits: function () { return xs.slice(); }, filter: all, values: function (u, splits) { return splits.map(countTick); } },
      value: function (u, v) { return v == null ? '-' : num(v, 0) + ' msgs/s'; } };
  }

  function draw(spec) {
    var box = document.getElementById(spec.id);
    if (!box) throw new Error('no element #' + spec.id);
    var x = xAxis(spec);
    var withRate = spec.series.some(function (s) { return s.scale === 'rate'; });
    var scales = { x: x.scale, ms: { distr: 3, log: 10 } };
    var axes = [
      Object.assign({ scale: 'x', space: 60 }, x.axis),
      { scale: 'ms', label: 'latency', size: 70, values: function (u, ticks) { return ticks.map(msTick); } },
    ];
    if (withRate) {
      scales.rate = { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } };
      axes.push({ scale: 'rate', side: 1, label: 'per second', size: 70, grid: { show: false }, values: function (u, ticks) { return ticks.map(countTick); } });
    }
    var series = [{ label: x.axis.label, value: x.value }].concat(spec.series.map(function (s) {
      return { label: s.label, scale: s.scale, stroke: s.color, width: s.scale === 'rate' ? 1.5 : 2, dash: s.dash ? [6, 4] : undefined,
        points: { show: spec.kind === 'sweep' }, spanGaps: false, value: function (u, v) { return s.scale === 'ms' ? ms(v) : rate(v); } };
    }));
    var counted = false;
    var opts = {
      width: Math.max(320, box.clientWidth), height: HEIGHT, scales: scales, axes: axes, series: series,
      cursor: { drag: { x: true, y: false } },
      hooks: { draw: [function (u) {
        if (counted) return;
        counted = true;
        var canvas = u.ctx.canvas;
        box.dataset.rendered = canvas.width + 'x' + canvas.height;
        box.dataset.painted = String(painted(canvas));
        if (canvas.width > 0 && canvas.height > 0) body.dataset.chartsRendered = String(++rendered);
      }] },
    };
    charts.push({ plot: new uPlot(opts, spec.data, box), box: box });
  }

  specs.forEach(function (spec) {
    try { draw(spec); } catch (error) { window.reportError(spec.id + ': ' + (error && error.message ? error.message : String(error))); }
  });

  function fit(width) {
    charts.forEach(function (chart) { chart.plot.setSize({ width: width || Math.max(320, chart.box.clientWidth), height: HEIGHT }); });
  }
  var pending = 0;
  window.addEventListener('resize', function () { clearTimeout(pending); pending = setTimeout(function () { fit(); }, 100); });
  // A printed page is narrower than the screen: the charts are drawn again to fit it.
  window.addEventListener('beforeprint', function () { fit(PRINT_WIDTH); });
  window.addEventListener('afterprint', function () { fit(); });
})();
`;
