// The Graph view: pan by dragging, zoom with the wheel, click a node to select it.
'use strict';

(function () {
  const container = document.getElementById('graph');
  const svg = container ? container.querySelector('svg') : null;
  if (!svg) return;
  const box = svg.viewBox.baseVal;
  let view = { x: box.x, y: box.y, w: box.width, h: box.height };
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  const apply = () => svg.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
  const toGraph = (e) => {
    const r = svg.getBoundingClientRect();
    const s = Math.max(view.w / r.width, view.h / r.height);
    return { s, x: view.x + (e.clientX - r.left) * s, y: view.y + (e.clientY - r.top) * s };
  };
  svg.addEventListener('wheel', (e) => {
    e.preventDefault();
    const p = toGraph(e);
    const f = e.deltaY < 0 ? 0.8 : 1.25;
    view = { x: p.x - (p.x - view.x) * f, y: p.y - (p.y - view.y) * f, w: view.w * f, h: view.h * f };
    apply();
  }, { passive: false });
  let drag = null;
  svg.addEventListener('mousedown', (e) => { drag = { e, view: { ...view }, moved: false }; });
  window.addEventListener('mousemove', (e) => {
    if (!drag) return;
    const s = toGraph(e).s;
    const dx = (e.clientX - drag.e.clientX) * s;
    const dy = (e.clientY - drag.e.clientY) * s;
    if (Math.abs(dx) + Math.abs(dy) > 2 * s) drag.moved = true;
    view = { ...drag.view, x: drag.view.x - dx, y: drag.view.y - dy };
    apply();
  });
  window.addEventListener('mouseup', () => {
    setTimeout(() => { drag = null; }, 0);
  });
  // A node's function: its tooltip without the trailing value.
  const nodeName = (g) => {
    const a = g.querySelector('a');
    const title = a ? a.getAttribute('xlink:title') || a.getAttribute('title') || '' : '';
    return title.replace(/ \([^()]*\)$/, '');
  };
  const isFunction = (g) => /^N\d+$/.test((g.querySelector('title') || {}).textContent || '');
  const nodes = Array.from(svg.querySelectorAll('g.node')).filter(isFunction);
  nodes.forEach((g) => {
    g.addEventListener('click', (e) => {
      e.preventDefault();
      if (drag && drag.moved) return;
      g.classList.toggle('selected', ferroprof.toggle(nodeName(g)));
    });
  });
  ferroprof.setView({
    highlight(re) {
      nodes.forEach((g) => g.classList.toggle('hilite', re !== null && re.test(nodeName(g))));
    },
  });
})();
