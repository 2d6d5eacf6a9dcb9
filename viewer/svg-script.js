
(function () {
  var NS = 'http://github.com/heapflame/fg';
  var svg = document.documentElement;
  var W = +svg.getAttribute('width') - 20;
  var total = +svg.getAttributeNS(NS, 'total');
  var inverted = svg.getAttributeNS(NS, 'inverted') === '1';
  var fontSize = +svg.getAttributeNS(NS, 'fontsize');
  var fontWidth = +svg.getAttributeNS(NS, 'fontwidth');
  var frames = document.getElementById('frames');
  var details = document.getElementById('details');
  var unzoomBtn = document.getElementById('unzoom');
  var searchBtn = document.getElementById('search');
  var icBtn = document.getElementById('ignorecase');
  var matchedText = document.getElementById('matched');
  var view = { x: 0, w: total, y: null };
  var term = null;
  var ignoreCase = false;
  var gs = frames.getElementsByTagName('g');
  function num(g, a) { return +g.getAttributeNS(NS, a); }
  function rectOf(g) { return g.getElementsByTagName('rect')[0]; }
  function textOf(g) { return g.getElementsByTagName('text')[0]; }
  function titleOf(g) { return g.getElementsByTagName('title')[0].textContent; }
  function nameOf(g) { return titleOf(g).replace(/ \([^(]*\)$/, ''); }
  function fit(g, width) {
    var t = textOf(g);
    var name = nameOf(g);
    var chars = Math.floor(width / (fontSize * fontWidth));
    t.textContent = chars < 3 ? '' : name.length <= chars ? name : name.substring(0, chars - 2) + '..';
    t.setAttribute('x', +rectOf(g).getAttribute('x') + 3);
  }
  function layout() {
    for (var i = 0; i < gs.length; i++) {
      var g = gs[i], r = rectOf(g), x = num(g, 'x'), w = num(g, 'w'), y = +r.getAttribute('y');
      var outside = x + w <= view.x || x >= view.x + view.w;
      var above = view.y !== null && (inverted ? y < view.y : y > view.y);
      g.setAttribute('class', outside ? 'hide' : above ? 'parent' : '');
      if (outside) continue;
      var px = above ? 0 : ((x - view.x) / view.w) * W;
      var pw = above ? W : (w / view.w) * W;
      r.setAttribute('x', (10 + px).toFixed(1));
      r.setAttribute('width', pw.toFixed(1));
      fit(g, pw);
    }
    unzoomBtn.setAttribute('class', view.w < total ? '' : 'hide');
    if (term !== null) search(term);
  }
  function zoom(g) {
    view = { x: num(g, 'x'), w: num(g, 'w'), y: +rectOf(g).getAttribute('y') };
    if (view.w >= total) view = { x: 0, w: total, y: null };
    layout();
  }
  function unzoom() { view = { x: 0, w: total, y: null }; layout(); }
  function search(t) {
    var re;
    try { re = new RegExp(t, ignoreCase ? 'i' : ''); } catch (e) { matchedText.textContent = 'bad regex'; return; }
    term = t;
    var spans = [];
    for (var i = 0; i < gs.length; i++) {
      var g = gs[i], r = rectOf(g);
      if (!r.hasAttribute('data-fill')) r.setAttribute('data-fill', r.getAttribute('fill'));
      var hit = g.getAttribute('class') !== 'hide' && re.test(nameOf(g));
      r.setAttribute('fill', hit ? 'rgb(230,0,230)' : r.getAttribute('data-fill'));
      if (hit) {
        var a = Math.max(num(g, 'x'), view.x), b = Math.min(num(g, 'x') + num(g, 'w'), view.x + view.w);
        if (b > a) spans.push([a, b]);
      }
    }
    spans.sort(function (p, q) { return p[0] - q[0]; });
    var sum = 0, end = -Infinity;
    for (var k = 0; k < spans.length; k++) {
      var s = Math.max(spans[k][0], end);
      if (spans[k][1] > s) { sum += spans[k][1] - s; end = spans[k][1]; }
    }
    searchBtn.textContent = 'Reset Search';
    searchBtn.setAttribute('class', 'show');
    matchedText.textContent = 'Matched: ' + ((100 * sum) / view.w).toFixed(1) + '%';
  }
  function resetSearch() {
    term = null;
    for (var i = 0; i < gs.length; i++) {
      var r = rectOf(gs[i]);
      if (r.hasAttribute('data-fill')) r.setAttribute('fill', r.getAttribute('data-fill'));
    }
    searchBtn.textContent = 'Search';
    searchBtn.setAttribute('class', '');
    matchedText.textContent = ' ';
  }
  function askSearch() {
    var t = window.prompt('Search for (regular expression):', term || '');
    if (t) search(t);
  }
  frames.addEventListener('click', function (e) {
    var g = e.target.closest ? e.target.closest('g') : null;
    if (g && g.parentNode === frames) zoom(g);
  });
  frames.addEventListener('mouseover', function (e) {
    var g = e.target.closest ? e.target.closest('g') : null;
    if (!g || g.parentNode !== frames) return;
    var extra = view.w < total ? '; ' + ((100 * num(g, 'w')) / view.w).toFixed(2) + '% of the zoomed frame' : '';
    details.textContent = svg.getAttributeNS(NS, 'nametype') + ' ' + titleOf(g) + extra;
  });
  frames.addEventListener('mouseout', function () { details.textContent = ' '; });
  unzoomBtn.addEventListener('click', unzoom);
  searchBtn.addEventListener('click', function () { if (term !== null) resetSearch(); else askSearch(); });
  icBtn.addEventListener('click', function () {
    ignoreCase = !ignoreCase;
    icBtn.setAttribute('class', ignoreCase ? 'show' : '');
    if (term !== null) search(term);
  });
  window.addEventListener('keydown', function (e) {
    if (e.keyCode === 114 || ((e.ctrlKey || e.metaKey) && e.keyCode === 70)) { e.preventDefault(); askSearch(); }
    else if ((e.ctrlKey || e.metaKey) && e.keyCode === 73) { e.preventDefault(); icBtn.dispatchEvent(new Event('click')); }
    else if (e.keyCode === 27) { resetSearch(); unzoom(); }
  });
  window.heapflame = { zoom: zoom, unzoom: unzoom, search: search, resetSearch: resetSearch };
})();
