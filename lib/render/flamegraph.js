// flamegraph.js - what a heapdiff flame graph does when clicked; render-svg.c
// embeds it in every SVG (and the trend HTML page) at build time.
//
// Click a frame to zoom into it (its callers stay, faded, below it); click
// the root frame or "Reset zoom" to zoom out.  "Search" highlights the
// frames whose name matches a regular expression and says what share of
// the total they hold.  The view lives in the URL fragment,
// #zoom=nID&search=RE: it is read on load and kept up to date, so a link
// reproduces a view and a headless browser exercises the same functions a
// click does.  Layout numbers come from the document (render-svg.c computed
// them); nothing is fetched, nothing leaves the page.
(function () {
  'use strict';
  var svg = document.getElementById('hdfg');
  if (!svg) {
    return;
  }
  var PLOT = +svg.getAttribute('data-plot');
  var PAD = +svg.getAttribute('data-pad');
  var CHAR_W = +svg.getAttribute('data-charw');
  var frames = [];
  var byId = {};
  var root = null;
  var zoomed = null;
  var query = '';
  var details = document.getElementById('hdfg-details');
  var matched = document.getElementById('hdfg-matched');
  var unzoom = document.getElementById('hdfg-unzoom');
  var clear = document.getElementById('hdfg-clear');

  // The label render-svg.c writes for a frame w units wide.
  function label(name, w) {
    var n = Math.floor((w - 6) / CHAR_W);
    if (n < 3) {
      return '';
    }
    return name.length <= n ? name : name.slice(0, n - 2) + '..';
  }

  function show(el, on) {
    if (el) {
      el.classList.toggle('hide', !on);
    }
  }

  function place(f, x, w) {
    f.r.setAttribute('x', x.toFixed(2));
    f.r.setAttribute('width', w.toFixed(2));
    f.t.setAttribute('x', (x + 3).toFixed(2));
    f.t.textContent = label(f.name, w);
  }

  function pct(part, whole) {
    return whole > 0 ? (100 * part / whole).toFixed(2) + '%' : 'n/a';
  }

  // Keep the fragment in step without adding history entries.
  function save() {
    var h = [];
    if (zoomed) {
      h.push('zoom=' + zoomed.id);
    }
    if (query) {
      h.push('search=' + encodeURIComponent(query));
    }
    var s = h.length ? '#' + h.join('&') : '';
    if (s !== location.hash) {
      try {
        history.replaceState(null, '', s || location.pathname + location.search);
      } catch (e) {
        // Some viewers forbid it; the view itself is unaffected.
      }
    }
  }

  // Frame f fills the width; its callees scale with it, its callers stay
  // full width and faded, everything else is hidden.  zoom(null) resets.
  function zoom(f) {
    var i, a, g;
    f = f || root;
    zoomed = f === root ? null : f;
    for (i = 0; i < frames.length; i++) {
      frames[i].anc = false;
    }
    for (a = f.p; a; a = a.p) {
      a.anc = true;
    }
    var scale = PLOT / f.w;
    for (i = 0; i < frames.length; i++) {
      g = frames[i];
      // Documents list callers before callees, so g.p.inside is known.
      g.inside = g === f || (g.p !== null && g.p.inside);
      if (g.inside) {
        place(g, PAD + (g.x - f.x) * scale, g.w * scale);
      } else if (g.anc) {
        place(g, PAD, PLOT);
      }
      g.g.classList.toggle('anc', g.anc);
      show(g.g, g.inside || g.anc);
    }
    show(unzoom, zoomed !== null);
    save();
  }

  function search(q) {
    var re = null;
    var i, f, m, n = 0, sumNew = 0, sumBase = 0;
    query = q || '';
    if (query) {
      try {
        re = new RegExp(query);
      } catch (e) {
        query = '';
      }
    }
    for (i = 0; i < frames.length; i++) {
      f = frames[i];
      m = re !== null && re.test(f.name);
      // Count a match once, not again for matching callees inside it.
      if (m && !(f.p && f.p.covered)) {
        sumNew += f.vnew;
        sumBase += f.vbase;
      }
      f.covered = m || (f.p !== null && f.p.covered);
      if (m) {
        n++;
      }
      f.g.classList.toggle('match', m);
    }
    if (matched) {
      matched.textContent = !query ? '' : 'Matched ' + n + ' frame' + (n === 1 ? '' : 's') +
        (root.diff ? ': ' + pct(sumBase, root.vbase) + ' of base, ' + pct(sumNew, root.vnew) +
         ' of new' : ': ' + pct(sumNew, root.vnew));
    }
    show(clear, query !== '');
    save();
  }

  function load() {
    var z = null, q = '';
    location.hash.slice(1).split('&').forEach(function (kv) {
      var i = kv.indexOf('='), v;
      if (i < 0) {
        return;
      }
      try {
        v = decodeURIComponent(kv.slice(i + 1));
      } catch (e) {
        return;
      }
      if (kv.slice(0, i) === 'zoom') {
        z = byId[v] || null;
      } else if (kv.slice(0, i) === 'search') {
        q = v;
      }
    });
    zoom(z);
    search(q);
  }

  function init() {
    var gs = svg.querySelectorAll('g.f');
    var i, g, f, title;
    for (i = 0; i < gs.length; i++) {
      g = gs[i];
      title = g.querySelector('title').textContent;
      f = {
        g: g,
        r: g.querySelector('rect'),
        t: g.querySelector('text'),
        id: g.id,
        p: byId[g.getAttribute('data-p')] || null,
        name: title.split('\n')[0],
        info: title.replace(/\n/g, '   '),
        diff: g.hasAttribute('data-new'),
        vnew: +(g.getAttribute('data-new') || g.getAttribute('data-cum')),
        vbase: +(g.getAttribute('data-base') || 0)
      };
      f.x = +f.r.getAttribute('x');
      f.w = +f.r.getAttribute('width');
      frames.push(f);
      byId[f.id] = f;
      if (f.p === null && root === null) {
        root = f;
      }
      g.addEventListener('click', zoom.bind(null, f));
      g.addEventListener('mouseover', function (text) {
        if (details) {
          details.textContent = text;
        }
      }.bind(null, f.info));
      g.addEventListener('mouseout', function () {
        if (details) {
          details.textContent = '';
        }
      });
    }
    if (root === null) {
      return;
    }
    if (unzoom) {
      unzoom.addEventListener('click', function () {
        zoom(null);
      });
    }
    if (clear) {
      clear.addEventListener('click', function () {
        search('');
      });
    }
    var btn = document.getElementById('hdfg-search');
    if (btn) {
      btn.addEventListener('click', function () {
        var q = prompt('Highlight frames matching (a regular expression):', query);
        if (q !== null) {
          search(q);
        }
      });
    }
    window.addEventListener('hashchange', load);
    load();
    svg.setAttribute('data-ready', '1');
  }

  init();
}());
