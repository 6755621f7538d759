// The Flame Graph view: the stacks of the page's JSON merged into a call tree and drawn on a
// canvas, root at the top (or at the bottom with the toggle). Click a frame to zoom to it, hover
// for its values, search to highlight; diff profiles shade growth red and shrinkage green.
'use strict';

(function () {
  const ROW = 18;
  const data = JSON.parse(document.getElementById('view-data').textContent);
  const canvas = document.getElementById('flame-canvas');
  const hover = document.getElementById('flame-hover');
  const invert = document.getElementById('flame-invert');
  const srcs = data.Sources;

  // Node: {src, total (sum of |values|), net (sum of values), self, kids: Map, parent, depth}
  function buildTree() {
    const root = { src: 0, total: 0, net: 0, self: 0, kids: new Map(), parent: null, depth: 0 };
    let maxDepth = 0;
    for (const stack of data.Stacks) {
      const v = stack.Value;
      const abs = Math.abs(v);
      let node = root;
      root.total += abs;
      root.net += v;
      const frames = stack.Sources;
      for (let i = 1; i < frames.length; i++) {
        let kid = node.kids.get(frames[i]);
        if (!kid) {
          kid = { src: frames[i], total: 0, net: 0, self: 0, kids: new Map(), parent: node, depth: i };
          node.kids.set(frames[i], kid);
        }
        kid.total += abs;
        kid.net += v;
        node = kid;
      }
      node.self += v;
      if (frames.length - 1 > maxDepth) maxDepth = frames.length - 1;
    }
    return { root, maxDepth };
  }

  const { root, maxDepth } = buildTree();
  const diff = data.Stacks.some((s) => s.Value < 0);
  let zoom = root;
  let highlight = null;
  let rows = [];

  function formatValue(v) {
    const x = Math.abs(v * data.Scale);
    const sign = v < 0 ? '-' : '';
    const pick = (steps) => {
      for (const [limit, div, unit] of steps) {
        if (x >= limit) return sign + trim(x / div) + unit;
      }
      const last = steps[steps.length - 1];
      return sign + trim(x / last[1]) + last[2];
    };
    if (data.Unit === 's') return pick([[3600, 3600, 'h'], [60, 60, 'min'], [1, 1, 's'], [1e-3, 1e-3, 'ms'], [1e-6, 1e-6, 'µs'], [0, 1e-9, 'ns']]);
    if (data.Unit === 'B') return pick([[1 << 30, 1 << 30, 'GB'], [1 << 20, 1 << 20, 'MB'], [1024, 1024, 'kB'], [0, 1, 'B']]);
    return sign + trim(x) + data.Unit;
  }
  function trim(x) { return String(Number(x.toFixed(2))); }
  function percent(v) {
    const total = data.Total || root.total;
    return total ? (100 * v / total).toFixed(2) + '%' : '0%';
  }

  function color(node) {
    const s = srcs[node.src];
    if (s.FullName === '[truncated]') return '#bbbbbb';
    if (diff) {
      const r = node.total ? node.net / node.total : 0;
      const level = Math.round(230 - 120 * Math.min(1, Math.abs(r)));
      return r >= 0 ? `rgb(240,${level},${level})` : `rgb(${level},240,${level})`;
    }
    const hue = (s.Color * 137.508) % 360;
    return `hsl(${hue},55%,${s.Inlined ? 82 : 72}%)`;
  }

  // Lays out the visible frames: the zoomed frame's ancestors full width, its subtree scaled.
  function layout(width) {
    rows = [];
    const put = (node, x, w) => {
      (rows[node.depth] = rows[node.depth] || []).push({ node, x, w });
    };
    for (let a = zoom; a; a = a.parent) put(a, 0, width);
    const stack = [[zoom, 0, width]];
    while (stack.length) {
      const [node, x, w] = stack.pop();
      let cx = x;
      const kids = Array.from(node.kids.values()).sort((a, b) => b.total - a.total);
      for (const kid of kids) {
        const kw = node.total ? w * kid.total / node.total : 0;
        if (kw >= 0.5) {
          put(kid, cx, kw);
          stack.push([kid, cx, kw]);
        }
        cx += kw;
      }
    }
  }

  function rowY(depth, height) {
    return invert.checked ? height - (depth + 1) * ROW : depth * ROW;
  }

  function draw() {
    const width = canvas.parentElement.clientWidth;
    layout(width);
    const height = rows.length * ROW;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.style.width = width + 'px';
    canvas.style.height = height + 'px';
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = '12px sans-serif';
    ctx.textBaseline = 'middle';
    rows.forEach((row, depth) => {
      const y = rowY(depth, height);
      for (const { node, x, w } of row) {
        const name = srcs[node.src].FullName;
        const lit = highlight && highlight.test(name);
        ctx.fillStyle = highlight && !lit ? '#e8e8e8' : color(node);
        ctx.fillRect(x, y, Math.max(w - 1, 0.5), ROW - 1);
        if (lit) {
          ctx.strokeStyle = '#5050ff';
          ctx.strokeRect(x + 0.5, y + 0.5, Math.max(w - 2, 0.5), ROW - 2);
        }
        if (w > 30) drawLabel(ctx, name, x, y, w);
      }
    });
    document.body.dataset.flameDrawn = String(performance.now());
  }

  function drawLabel(ctx, name, x, y, w) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(x, y, w - 2, ROW);
    ctx.clip();
    ctx.fillStyle = '#000';
    ctx.fillText(name, x + 3, y + ROW / 2);
    ctx.restore();
  }

  function frameAt(e) {
    const r = canvas.getBoundingClientRect();
    const px = e.clientX - r.left;
    const py = e.clientY - r.top;
    const height = rows.length * ROW;
    const depth = invert.checked ? Math.floor((height - py) / ROW) : Math.floor(py / ROW);
    for (const f of rows[depth] || []) {
      if (px >= f.x && px < f.x + f.w) return f.node;
    }
    return null;
  }

  function describe(node) {
    const s = srcs[node.src];
    const text = `${s.FullName} │ self ${formatValue(node.self)} │ total ${formatValue(node.net)} (${percent(node.net)})`;
    return diff ? `${text} │ compared ${formatValue(node.total)}` : text;
  }

  canvas.addEventListener('mousemove', (e) => {
    const node = frameAt(e);
    hover.textContent = node ? describe(node) : '';
  });
  function zoomTo(node) {
    zoom = node;
    ferroprof.selected.clear();
    if (node !== root) ferroprof.selected.add(srcs[node.src].FullName);
    canvas.dataset.zoom = srcs[node.src].FullName;
    draw();
  }

  // The heaviest frame whose function matches `re` (the pivot `p` of the URL).
  function heaviestMatch(re) {
    let best = null;
    const walk = [root];
    while (walk.length) {
      const n = walk.pop();
      if (n !== root && re.test(srcs[n.src].FullName) && (!best || n.total > best.total)) best = n;
      walk.push(...n.kids.values());
    }
    return best;
  }

  // Zooming is a pivot: it is kept in the URL's `p`, without reloading the page.
  function pivot(text, node) {
    const target = node || (ferroprof.regexp(text) && heaviestMatch(ferroprof.regexp(text)));
    if (!target) return;
    history.replaceState(null, '', viewHref('flamegraph', paramsWith('p', target === root ? '' : text)));
    zoomTo(target);
  }

  canvas.addEventListener('click', (e) => {
    const node = frameAt(e);
    if (node) pivot('^' + quoteMeta(srcs[node.src].FullName) + '$', node);
  });
  // The right-click menu: the frame's source, or a refinement on its function.
  const menu = document.getElementById('flame-menu');
  canvas.addEventListener('contextmenu', (e) => {
    const node = frameAt(e);
    if (!node || node === root) return;
    e.preventDefault();
    const exact = '^' + quoteMeta(srcs[node.src].FullName) + '$';
    const source = viewHref('source', paramsWith('f', exact));
    const items = [
      ['Show source code', source, false], ['Show source in new tab', source, true],
      ['Focus', refineHref('f', exact), false], ['Ignore', refineHref('i', exact), false],
      ['Hide', refineHref('h', exact), false], ['Show from', refineHref('sf', exact), false],
    ];
    menu.replaceChildren(...items.map(([label, href, tab]) => {
      const a = document.createElement('a');
      a.textContent = label;
      a.href = href;
      if (tab) { a.target = '_blank'; a.rel = 'noopener'; }
      return a;
    }));
    menu.style.left = e.pageX + 'px';
    menu.style.top = e.pageY + 'px';
    menu.hidden = false;
  });
  document.addEventListener('click', () => { menu.hidden = true; });
  invert.addEventListener('change', draw);
  window.addEventListener('resize', draw);
  ferroprof.setView({
    enter(text) { pivot(text, null); },
    highlight(re) {
      highlight = re;
      let matched = 0;
      if (re) {
        const walk = [root];
        while (walk.length) {
          const n = walk.pop();
          if (n !== root && re.test(srcs[n.src].FullName)) { matched += n.net; continue; }
          walk.push(...n.kids.values());
        }
        hover.textContent = `matched ${formatValue(matched)} (${percent(matched)})`;
      }
      draw();
    },
  });
  const initial = new URLSearchParams(window.location.search).get('p');
  const start = initial && ferroprof.regexp(initial) ? heaviestMatch(ferroprof.regexp(initial)) : null;
  if (start) zoomTo(start); else draw();
})();
