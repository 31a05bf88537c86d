// Storage: buckets (public or private, size and MIME limits), a file browser with folders, uploads with a
// progress bar (picked or dropped), download, preview of images and text, move, delete and signed URLs.
// Studio calls the project's own storage API as its owner, through Control (/studio/api/projects/<ref>/storage/...).
import { admin, apiUrl, download, projectPath, studio, upload } from './api.js';
import { h, mount, crumbs, field, toast, copy, dialog } from './dom.js';
import { projectTabs } from './projects.js';

const PREVIEW_TEXT_BYTES = 200_000;
const UNITS = [['1', 'bytes'], ['1024', 'KB'], ['1048576', 'MB'], ['1073741824', 'GB']];
const LIFETIMES = [['60', '1 minute'], ['3600', '1 hour'], ['86400', '1 day'], ['604800', '1 week'], ['31536000', '1 year']];

const keyPath = (key) => key.split('/').map(encodeURIComponent).join('/');
const browseHref = (ref, bucket, folder = '') => `#/p/${ref}/storage/${encodeURIComponent(bucket)}${folder ? `/${keyPath(folder)}` : ''}`;
const objectPath = (ref, bucket, key) => projectPath(ref, `/storage/object/${encodeURIComponent(bucket)}/${keyPath(key)}`);

function size(bytes) {
  if (bytes === null || bytes === undefined) return '—';
  const [value, unit] = bytes < 1024 ? [bytes, 'B'] : bytes < 1048576 ? [bytes / 1024, 'KB'] : bytes < 1073741824 ? [bytes / 1048576, 'MB'] : [bytes / 1073741824, 'GB'];
  return `${unit === 'B' ? value : value.toFixed(1)} ${unit}`;
}

export async function storagePage(ref, bucketId, folder) {
  const buckets = await studio('GET', ref, '/storage/bucket');
  const bucket = buckets.find((b) => b.id === bucketId);
  crumbs(['Projects', '#/projects'], [ref, `#/p/${ref}`], ['Storage', `#/p/${ref}/storage`], ...(bucket ? [[bucket.name]] : []));
  const side = h('aside.sidebar', { 'aria-label': 'Buckets' },
    h('button.primary', { type: 'button', onclick: () => bucketDialog(ref) }, 'New bucket'),
    h('ul', {}, buckets.map((b) => h('li', {}, h('a', { href: browseHref(ref, b.id), 'aria-current': b.id === bucketId ? 'page' : null },
      h('span.name', {}, b.name), h('span.meta', {}, h(`span.badge${b.public ? '.warn' : '.ok'}`, {}, b.public ? 'public' : 'private')))))),
    buckets.length ? null : h('p.muted', {}, 'No buckets yet.'));
  const body = h('section.editor', { 'aria-label': 'Files' });
  mount(h('div.page-head', {}, h('h1', {}, 'Storage')), projectTabs(ref, 'Storage'), h('div.split', {}, side, body));
  if (bucket) await browser(ref, bucket, folder ? `${folder.replace(/\/+$/, '')}/` : '', body);
  else body.append(h('p.muted', {}, bucketId ? `There is no bucket ${bucketId}.` : 'Choose a bucket, or create one.'));
}

function bucketDialog(ref, bucket) {
  const name = h('input', { name: 'name', required: true, pattern: '[A-Za-z0-9_.\\-]{1,100}', autocomplete: 'off', value: bucket?.name ?? '', disabled: !!bucket });
  const isPublic = h('input', { type: 'checkbox', checked: !!bucket?.public });
  const limit = bucket?.file_size_limit ?? null;
  const unit = UNITS.slice().reverse().find(([factor]) => limit && limit % Number(factor) === 0) ?? UNITS[2];
  const limitValue = h('input', { name: 'limit', inputmode: 'numeric', pattern: '[0-9]*', 'aria-label': 'File size limit', value: limit ? String(limit / Number(unit[0])) : '', placeholder: 'no limit' });
  const limitUnit = h('select', { 'aria-label': 'File size limit unit' }, UNITS.map(([factor, label]) => h('option', { value: factor, selected: factor === unit[0] }, label)));
  const mimes = h('input', { name: 'mimes', autocomplete: 'off', value: (bucket?.allowed_mime_types ?? []).join(', '), placeholder: 'any type' });
  dialog(bucket ? `Edit bucket ${bucket.name}` : 'New bucket', [
    field('Name', name, bucket ? null : 'Letters, digits, dots, dashes and underscores.'),
    h('label.inline', {}, isPublic, ' Public: anyone with an object\'s URL can read it, without a key'),
    field('File size limit', h('div.value-input', {}, limitValue, limitUnit), 'Empty for the project\'s limit.'),
    field('Allowed MIME types', mimes, 'Comma separated, e.g. image/png, image/*, text/plain. Empty for any.'),
  ], async () => {
    const settings = {
      public: isPublic.checked,
      file_size_limit: limitValue.value ? Number(limitValue.value) * Number(limitUnit.value) : null,
      allowed_mime_types: mimes.value.split(',').map((m) => m.trim()).filter(Boolean),
    };
    if (!settings.allowed_mime_types.length) settings.allowed_mime_types = null;
    if (bucket) {
      await studio('PUT', ref, `/storage/bucket/${encodeURIComponent(bucket.id)}`, settings);
      toast(`Bucket ${bucket.name} saved`);
      await storagePage(ref, bucket.id);
    } else {
      await studio('POST', ref, '/storage/bucket', { name: name.value, id: name.value, ...settings });
      toast(`Bucket ${name.value} created`);
      location.hash = browseHref(ref, name.value);
    }
  }, { submit: bucket ? 'Save bucket' : 'Create bucket' });
}

async function browser(ref, bucket, prefix, body) {
  const [project, entries] = await Promise.all([
    admin('GET', `/projects/${ref}`),
    studio('POST', ref, `/storage/object/list/${encodeURIComponent(bucket.id)}`, { prefix, limit: 1000, offset: 0, sortBy: { column: 'name', order: 'asc' } })]);
  const reload = () => storagePage(ref, bucket.id, prefix);
  const folders = entries.filter((e) => e.id === null);
  const files = entries.filter((e) => e.id !== null);
  const preview = h('section.card.preview', { 'aria-label': 'Preview', hidden: true });
  const uploads = h('ul.uploads', { 'aria-label': 'Uploads' });
  const picker = h('input', { type: 'file', multiple: true, class: 'sr-only', id: 'upload-input', tabindex: -1 });

  const parts = prefix.split('/').filter(Boolean);
  const path = h('nav.path', { 'aria-label': 'Folder' },
    h('a', { href: browseHref(ref, bucket.id) }, bucket.name),
    parts.map((p, i) => [' / ', i === parts.length - 1 ? h('span', { 'aria-current': 'location' }, p) : h('a', { href: browseHref(ref, bucket.id, parts.slice(0, i + 1).join('/')) }, p)]));

  async function send(list) {
    for (const file of list) {
      const bar = h('progress', { max: 1, value: 0, 'aria-label': `Uploading ${file.name}` });
      const state = h('span.muted', {}, '0%');
      uploads.append(h('li', {}, h('span.name', {}, file.name), bar, state));
      try {
        await upload(objectPath(ref, bucket.id, prefix + file.name), file, {
          onprogress: (fraction) => { bar.value = fraction; state.textContent = `${Math.round(fraction * 100)}%`; },
        });
        bar.value = 1;
        state.textContent = 'done';
        state.className = 'ok-text';
      } catch (e) {
        state.textContent = e.message;
        state.className = 'danger-text';
        return;
      }
    }
    toast(list.length === 1 ? `${list[0].name} uploaded` : `${list.length} files uploaded`);
    await reload();
  }
  picker.addEventListener('change', () => send([...picker.files]));

  const drop = h('div.dropzone', {}, h('p', {}, 'Drop files here, or ',
    h('button', { type: 'button', onclick: () => picker.click() }, 'choose files'), ` to upload them to ${prefix || 'the bucket\'s root'}.`), picker);
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    send([...event.dataTransfer.files]);
  });

  const newFolder = () => {
    const name = h('input', { name: 'folder', required: true, pattern: '[^/]+', autocomplete: 'off' });
    dialog('New folder', [field('Name', name, 'It exists once a file is uploaded into it.')], async () => {
      location.hash = browseHref(ref, bucket.id, prefix + name.value);
    }, { submit: 'Open folder' });
  };

  async function show(file) {
    const key = prefix + file.name;
    const type = file.metadata?.mimetype ?? '';
    preview.hidden = false;
    const close = h('button.ghost', { type: 'button', 'aria-label': 'Close preview', onclick: () => { preview.hidden = true; } }, '✕');
    const heading = h('div.page-head', {}, h('h2', {}, file.name), close);
    if (type.startsWith('image/')) {
      const blob = await download(objectPath(ref, bucket.id, key));
      const url = URL.createObjectURL(blob);
      preview.replaceChildren(heading, h('img', { src: url, alt: `Preview of ${file.name}`, onload: () => URL.revokeObjectURL(url) }));
    } else if (/^text\/|json|xml|javascript|csv|yaml/.test(type)) {
      const blob = await download(objectPath(ref, bucket.id, key));
      const text = await blob.slice(0, PREVIEW_TEXT_BYTES).text();
      preview.replaceChildren(heading, h('pre.file-text', { tabindex: 0 }, text));
      if (blob.size > PREVIEW_TEXT_BYTES) preview.append(h('p.hint', {}, `First ${size(PREVIEW_TEXT_BYTES)} of ${size(blob.size)}.`));
    } else {
      preview.replaceChildren(heading, h('p.muted', {}, `No preview for ${type || 'this type'}: download it instead.`));
    }
    close.focus();
  }

  async function save(file) {
    const blob = await download(objectPath(ref, bucket.id, prefix + file.name));
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: file.name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  const sign = (file) => {
    const lifetime = h('select', { name: 'lifetime' }, LIFETIMES.map(([v, label]) => h('option', { value: v, selected: v === '3600' }, label)));
    const result = h('div');
    dialog(`Signed URL for ${file.name}`, [field('Valid for', lifetime), result], async () => {
      const signed = await studio('POST', ref, `/storage/object/sign/${encodeURIComponent(bucket.id)}/${keyPath(prefix + file.name)}`, { expiresIn: Number(lifetime.value) });
      // The anon key (public by design) names the project for a gateway that cannot tell it from the host.
      const url = `${apiUrl(ref)}/storage/v1${signed.signedURL}&apikey=${encodeURIComponent(project.anon_key)}`;
      const until = new Date(Date.now() + Number(lifetime.value) * 1000).toLocaleString();
      result.replaceChildren(h('div.kv', {}, h('span.k', {}, `Until ${until}`), h('code.key', { 'data-signed-url': '' }, url),
        h('span.kv-actions', {}, h('button.ghost', { type: 'button', onclick: () => copy(url, 'Signed URL') }, 'Copy'))));
    }, { submit: 'Create signed URL', stayOpen: true });
  };

  const move = (file) => {
    const target = h('input', { name: 'target', required: true, autocomplete: 'off', value: prefix + file.name, spellcheck: 'false' });
    dialog(`Move ${file.name}`, [field('New path in the bucket', target, 'Folders are made of the path\'s slashes.')], async () => {
      await studio('POST', ref, '/storage/object/move', { bucketId: bucket.id, sourceKey: prefix + file.name, destinationKey: target.value });
      toast(`Moved to ${target.value}`);
      await reload();
    }, { submit: 'Move' });
  };

  const remove = (file) => dialog(`Delete ${file.name}?`, h('p', {}, 'The file is deleted from the bucket. This cannot be undone.'), async () => {
    await studio('DELETE', ref, `/storage/object/${encodeURIComponent(bucket.id)}`, { prefixes: [prefix + file.name] });
    toast(`${file.name} deleted`);
    await reload();
  }, { submit: 'Delete file', danger: true });

  const removeBucket = () => dialog(`Delete bucket ${bucket.name}?`, h('p', {}, 'Every file in it is deleted first. This cannot be undone.'), async () => {
    await studio('POST', ref, `/storage/bucket/${encodeURIComponent(bucket.id)}/empty`);
    await studio('DELETE', ref, `/storage/bucket/${encodeURIComponent(bucket.id)}`);
    toast(`Bucket ${bucket.name} deleted`);
    location.hash = `#/p/${ref}/storage`;
  }, { submit: 'Delete bucket', danger: true });

  const rows = [
    ...folders.map((f) => h('tr', {},
      h('td', {}, h('a', { href: browseHref(ref, bucket.id, prefix + f.name) }, '📁 ', f.name)), h('td', {}, '—'), h('td', {}, 'folder'), h('td', {}, '—'), h('td'))),
    ...files.map((f) => h('tr', {},
      h('td', {}, h('button.link', { type: 'button', onclick: () => show(f).catch((e) => toast(e.message, 'error')) }, f.name)),
      h('td', {}, size(f.metadata?.size)),
      h('td', {}, f.metadata?.mimetype ?? '—'),
      h('td', {}, f.updated_at ? new Date(f.updated_at).toLocaleString() : '—'),
      h('td.row-actions', {},
        h('button.ghost', { type: 'button', onclick: () => save(f).catch((e) => toast(e.message, 'error')), 'aria-label': `Download ${f.name}` }, 'Download'),
        h('button.ghost', { type: 'button', onclick: () => sign(f), 'aria-label': `Signed URL for ${f.name}` }, 'Signed URL'),
        h('button.ghost', { type: 'button', onclick: () => move(f), 'aria-label': `Move ${f.name}` }, 'Move'),
        h('button.ghost.danger-text', { type: 'button', onclick: () => remove(f), 'aria-label': `Delete ${f.name}` }, 'Delete')))),
  ];

  const limits = [bucket.file_size_limit ? `up to ${size(bucket.file_size_limit)} a file` : null,
    bucket.allowed_mime_types?.length ? bucket.allowed_mime_types.join(', ') : null].filter(Boolean).join(' · ');
  body.replaceChildren(...[
    h('div.page-head', {}, h('h2', {}, bucket.name),
      h('span', {}, h(`span.badge${bucket.public ? '.warn' : '.ok'}`, {}, bucket.public ? 'public' : 'private'),
        h('button', { type: 'button', onclick: () => bucketDialog(ref, bucket) }, 'Edit bucket'),
        h('button.ghost.danger-text', { type: 'button', onclick: removeBucket }, 'Delete bucket'))),
    limits ? h('p.hint', {}, limits) : null,
    h('div.toolbar', {}, path, h('button', { type: 'button', onclick: newFolder }, 'New folder')),
    drop, uploads,
    h('div.table-wrap', {}, h('table.grid', {},
      h('thead', {}, h('tr', {}, ['Name', 'Size', 'Type', 'Updated', ''].map((c) => h('th', { scope: 'col' }, c || h('span.sr-only', {}, 'Actions'))))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 5 }, 'This folder is empty.'))))),
    preview].filter(Boolean));
}
