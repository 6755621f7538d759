// Shared behaviour of every view: menus, the search box, the refine links, saved configs.
// Views register themselves with ferroprof.setView({highlight, enter}); `enter` replaces
// the search box's default (navigate with the regexp as focus `f`).
'use strict';

const ferroprof = {
  selected: new Set(),
  view: null,
  setView(view) {
    this.view = view;
    const input = document.getElementById('search');
    if (input && input.value) this.highlight(input.value);
  },
  // Compiles a user regexp; null when empty or invalid.
  regexp(text) {
    if (!text) return null;
    try { return new RegExp(text); } catch (e) { return null; }
  },
  highlight(text) {
    if (this.view && this.view.highlight) this.view.highlight(this.regexp(text));
  },
  // The selection as a regexp of exact names, or the search text.
  selectionRegexp() {
    if (this.selected.size > 0) {
      return Array.from(this.selected, (n) => '^' + quoteMeta(n) + '$').join('|');
    }
    return document.getElementById('search').value;
  },
  toggle(name) {
    if (this.selected.has(name)) this.selected.delete(name); else this.selected.add(name);
    return this.selected.has(name);
  },
};

function quoteMeta(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The current URL's parameters with `key` set (or removed when value is empty). The flame
// graph's pivot `p` only stays when it is the one being set.
function paramsWith(key, value) {
  const params = new URLSearchParams(window.location.search);
  if (key !== 'p') params.delete('p');
  if (value) params.set(key, value); else params.delete(key);
  return params;
}

function viewHref(view, params) {
  const q = params.toString();
  return q ? view + '?' + q : view;
}

function currentView() {
  const main = document.getElementById('content');
  const cls = main ? Array.from(main.classList).find((c) => c.startsWith('view-')) : null;
  return cls ? cls.slice(5) : 'top';
}

// The current view refined by `re` in URL parameter `param`: ignore and hide add to their
// previous value, focus, show and show-from replace it.
function refineHref(param, re) {
  const previous = new URLSearchParams(window.location.search).get(param);
  if ((param === 'i' || param === 'h') && previous) re = previous + '|' + re;
  return viewHref(currentView(), paramsWith(param, re));
}

function updateRefineLink(link) {
  const re = ferroprof.selectionRegexp();
  if (re) link.href = refineHref(link.dataset.param, re);
}

function setupMenus() {
  document.querySelectorAll('.menu-title').forEach((title) => {
    if (title.tagName !== 'BUTTON') return;
    title.addEventListener('click', (e) => {
      const menu = title.parentElement;
      const open = !menu.classList.contains('open');
      document.querySelectorAll('.menu.open').forEach((m) => m.classList.remove('open'));
      if (open) menu.classList.add('open');
      e.stopPropagation();
    });
  });
  document.addEventListener('click', () => {
    document.querySelectorAll('.menu.open').forEach((m) => m.classList.remove('open'));
  });
  document.querySelectorAll('a.refine').forEach((link) => {
    ['mouseenter', 'focus', 'click'].forEach((ev) => link.addEventListener(ev, () => updateRefineLink(link)));
  });
}

function setupSearch() {
  const input = document.getElementById('search');
  if (!input) return;
  let timer = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => ferroprof.highlight(input.value), 300);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (ferroprof.view && ferroprof.view.enter) {
      ferroprof.view.enter(input.value);
      return;
    }
    window.location.href = viewHref(currentView(), paramsWith('f', input.value));
  });
}

function setupConfigs() {
  const save = document.getElementById('save-config');
  if (save) save.addEventListener('click', (e) => { e.preventDefault(); showSaveDialog(); });
  document.querySelectorAll('.delete-config').forEach((button) => {
    button.addEventListener('click', (e) => {
      e.preventDefault();
      e.stopPropagation();
      const url = 'deleteconfig?config=' + encodeURIComponent(button.dataset.name);
      fetch(url, { method: 'DELETE' }).then(reportOrReload);
    });
  });
}

function showSaveDialog() {
  const dialog = document.createElement('dialog');
  dialog.id = 'save-dialog';
  const label = document.createElement('label');
  label.textContent = 'Save the current settings as ';
  const name = document.createElement('input');
  name.id = 'config-name';
  label.appendChild(name);
  const ok = document.createElement('button');
  ok.id = 'config-save';
  ok.textContent = 'Save';
  const cancel = document.createElement('button');
  cancel.textContent = 'Cancel';
  dialog.append(label, ok, cancel);
  document.body.appendChild(dialog);
  cancel.addEventListener('click', () => dialog.remove());
  const submit = () => {
    const params = paramsWith('config', name.value);
    fetch('saveconfig?' + params.toString(), { method: 'POST' }).then(reportOrReload);
    dialog.remove();
  };
  ok.addEventListener('click', submit);
  name.addEventListener('keydown', (e) => { if (e.key === 'Enter') submit(); });
  dialog.showModal();
}

function reportOrReload(response) {
  if (response.ok) {
    window.location.reload();
    return;
  }
  response.text().then((text) => {
    const errors = document.getElementById('errors');
    const div = document.createElement('div');
    div.textContent = text;
    errors.appendChild(div);
  });
}

document.addEventListener('DOMContentLoaded', () => {
  setupMenus();
  setupSearch();
  setupConfigs();
});
