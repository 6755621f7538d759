// The Top view: sortable columns, row selection, search highlighting.
'use strict';

(function () {
  const table = document.getElementById('toptable');
  if (!table) return;
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  rows.forEach((row, i) => { row.dataset.order = i; });
  const name = (row) => row.cells[5].textContent;
  const percent = (row, col) => Math.abs(parseFloat(row.cells[col].textContent)) || 0;
  // Values and their percentages order rows alike, so sorting reads the percentage column.
  const keys = [
    (r) => -percent(r, 1), (r) => -percent(r, 1), (r) => Number(r.dataset.order),
    (r) => -percent(r, 4), (r) => -percent(r, 4), name, (r) => r.cells[6].textContent,
  ];
  table.tHead.addEventListener('click', (e) => {
    const th = e.target.closest('th');
    if (!th) return;
    const key = keys[Number(th.dataset.key)];
    const sorted = rows.slice().sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka < kb) return -1;
      if (ka > kb) return 1;
      return Number(a.dataset.order) - Number(b.dataset.order);
    });
    sorted.forEach((r) => body.appendChild(r));
    table.querySelectorAll('th').forEach((h) => h.classList.toggle('sorted', h === th));
  });
  body.addEventListener('click', (e) => {
    const row = e.target.closest('tr');
    if (!row) return;
    row.classList.toggle('selected', ferroprof.toggle(name(row)));
  });
  ferroprof.setView({
    highlight(re) {
      rows.forEach((r) => r.classList.toggle('hilite', re !== null && re.test(name(r))));
    },
  });
})();
