// A small element builder: h('button.primary', { onclick }, 'Save'). Text is always set as text, never as HTML.
export function h(tag, props = {}, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function mount(...children) {
  const main = document.getElementById('main');
  main.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return main;
}

let toastTimer;
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.className = `show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = ''; }, 4000);
}

export function crumbs(...items) {
  const nav = document.getElementById('crumbs');
  nav.replaceChildren(...items.map(([label, href], i) =>
    href && i < items.length - 1 ? h('a', { href }, label) : h('span', { 'aria-current': 'page' }, label)));
}

// A labelled field with room for its validation message under it.
export function field(label, input, hint) {
  const control = input.matches('input, select, textarea') ? input : input.querySelector('input, select, textarea');
  const id = control.id || `f-${Math.random().toString(36).slice(2)}`;
  control.id = id;
  const error = h('p.field-error', { id: `${id}-error`, 'aria-live': 'polite' });
  control.setAttribute('aria-describedby', `${id}-error`);
  return h('div.field', {}, h('label', { for: id }, label), input, hint ? h('p.hint', {}, hint) : null, error);
}

export async function copy(text, what) {
  await navigator.clipboard.writeText(text);
  toast(`${what} copied`);
}

// A modal dialog (the native <dialog>: focus trap and Escape come with it). onsubmit runs on submit; what it
// throws is shown in the dialog, which stays open to be corrected; it closes when onsubmit succeeds, unless
// stayOpen (the dialog shows what onsubmit made, e.g. a signed URL).
export function dialog(title, body, onsubmit, { submit = 'Save', danger = false, stayOpen = false } = {}) {
  const error = h('p.form-error', { role: 'alert' });
  const button = h(`button.${danger ? 'danger' : 'primary'}`, { type: 'submit' }, submit);
  const form = h('form', {},
    h('h2', {}, title), body, error,
    h('div.actions', {}, h('button', { type: 'button', onclick: () => dlg.close() }, 'Cancel'), button));
  const dlg = h('dialog', { 'aria-label': title }, form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      await onsubmit(form);
      if (!stayOpen) dlg.close();
    } catch (e) {
      error.textContent = e.message;
    } finally {
      button.disabled = false;
    }
  });
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  return dlg;
}
